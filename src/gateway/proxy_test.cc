#include "gateway/proxy.h"

#include <gtest/gtest.h>

#include "http/camara.h"

namespace tollgate::gateway {
namespace {

namespace bhttp = http::bhttp;

// Hop-by-hop headers, Host, Authorization and caller-sent identity headers never reach the
// upstream.
TEST(Proxy, UpstreamRequestStripsAndAddsHeaders) {
  http::Request in{bhttp::verb::post, "/sim-swap/v2/check?x=1", 10};
  in.set(bhttp::field::host, "gw.example");
  in.set(bhttp::field::authorization, "Bearer secret.token.here");
  in.set(bhttp::field::content_type, "application/json");
  in.set(bhttp::field::accept, "application/json");
  in.set(bhttp::field::user_agent, "partner-sdk/1.0");
  in.set(bhttp::field::connection, "close, X-Custom-Hop");
  in.set("X-Custom-Hop", "1");
  in.set(bhttp::field::te, "trailers");
  in.set(bhttp::field::upgrade, "websocket");
  in.set(bhttp::field::expect, "100-continue");
  in.set("X-Tollgate-Scope", "everything");
  in.set(http::kCorrelatorHeader, "caller-value");
  in.body() = "{}";
  in.prepare_payload();

  Identity id;
  id.client_id = "c1";
  id.scope = "sim-swap:check";
  const auto out = make_upstream_request(std::move(in), id, "corr-1");
  EXPECT_EQ(out.version(), 11u);
  EXPECT_EQ(out.method(), bhttp::verb::post);
  EXPECT_EQ(out.target(), "/sim-swap/v2/check?x=1");
  EXPECT_EQ(out.body(), "{}");
  EXPECT_EQ(out[bhttp::field::content_length], "2");
  EXPECT_EQ(out[bhttp::field::content_type], "application/json");
  EXPECT_EQ(out[bhttp::field::accept], "application/json");
  EXPECT_EQ(out[bhttp::field::user_agent], "partner-sdk/1.0");
  for (auto h : {"host", "authorization", "connection", "x-custom-hop", "te", "upgrade", "expect"})
    EXPECT_EQ(out.count(h), 0u) << h;
  EXPECT_EQ(out["x-tollgate-scope"], "sim-swap:check");
  EXPECT_EQ(out["x-tollgate-client-id"], "c1");
  EXPECT_EQ(out.count("x-tollgate-partner"), 0u);  // empty values are not sent
  EXPECT_EQ(out.count("x-tollgate-token-jti"), 0u);
  EXPECT_EQ(out["x-tollgate-token-type"], "2-legged");
  EXPECT_EQ(out.count(http::kCorrelatorHeader), 1u);
  EXPECT_EQ(out[http::kCorrelatorHeader], "corr-1");
}

// The upstream's answer goes back with its status, body and end-to-end headers, our correlator and
// keep-alive.
TEST(Proxy, DownstreamResponseKeepsStatusAndBody) {
  http::Response up{bhttp::status::not_found, 11};
  up.set(bhttp::field::content_type, "application/json");
  up.set(bhttp::field::connection, "close");
  up.set(bhttp::field::transfer_encoding, "chunked");
  up.set("x-tollgate-internal", "1");
  up.set("x-upstream-trace", "t");
  up.body() =
      R"({"status":404,"code":"IDENTIFIER_NOT_FOUND","message":"Device identifier not found."})";
  const auto out = make_downstream_response(std::move(up), "corr-9", 10, true);
  EXPECT_EQ(out.result_int(), 404u);
  EXPECT_EQ(out.version(), 10u);
  EXPECT_TRUE(out.keep_alive());
  EXPECT_EQ(
      out.body(),
      R"({"status":404,"code":"IDENTIFIER_NOT_FOUND","message":"Device identifier not found."})");
  EXPECT_EQ(out[bhttp::field::content_length], std::to_string(out.body().size()));
  EXPECT_EQ(out.count(bhttp::field::transfer_encoding), 0u);
  EXPECT_EQ(out.count("x-tollgate-internal"), 0u);
  EXPECT_EQ(out["x-upstream-trace"], "t");
  EXPECT_EQ(out[http::kCorrelatorHeader], "corr-9");
}

// A 204 from the upstream (QoD DELETE) goes back without a body or Content-Length.
TEST(Proxy, NoContentPassesThrough) {
  http::Response up{bhttp::status::no_content, 11};
  const auto out = make_downstream_response(std::move(up), "c", 11, true);
  EXPECT_EQ(out.result_int(), 204u);
  EXPECT_EQ(out.body(), "");
  EXPECT_EQ(out.count(bhttp::field::content_length), 0u);
}

// Upstream failures map to 502 / 503 / 504 with CAMARA bodies.
TEST(Proxy, UpstreamErrorsMapToGatewayStatuses) {
  struct Case {
    http::UpstreamError e;
    unsigned status;
    std::string_view body;
    std::string_view reason;
  };
  const Case cases[] = {
      {http::UpstreamError::kConnectFailed, 502,
       R"({"status":502,"code":"BAD_GATEWAY","message":"An upstream internal service cannot be reached."})",
       "upstream_connect_failed"},
      {http::UpstreamError::kProtocol, 502,
       R"({"status":502,"code":"BAD_GATEWAY","message":"An upstream internal service cannot be reached."})",
       "upstream_protocol_error"},
      {http::UpstreamError::kOverloaded, 503,
       R"({"status":503,"code":"UNAVAILABLE","message":"Service Unavailable."})",
       "upstream_overloaded"},
      {http::UpstreamError::kConnectTimeout, 504,
       R"({"status":504,"code":"TIMEOUT","message":"Request timeout exceeded."})",
       "upstream_connect_timeout"},
      {http::UpstreamError::kReadTimeout, 504,
       R"({"status":504,"code":"TIMEOUT","message":"Request timeout exceeded."})",
       "upstream_timeout"},
  };
  for (const auto& c : cases) {
    const auto res = refusal_response(refusal_for(c.e), {.correlator = "k"});
    EXPECT_EQ(res.result_int(), c.status);
    EXPECT_EQ(res.body(), c.body);
    EXPECT_EQ(res[http::kCorrelatorHeader], "k");
    EXPECT_EQ(reason_for(c.e), c.reason);
  }
}

// Header-unsafe values (control bytes, non-ASCII) are detected.
TEST(Proxy, HeaderSafe) {
  EXPECT_TRUE(header_safe("acme-fraud sim-swap:check"));
  EXPECT_TRUE(header_safe(""));
  EXPECT_FALSE(header_safe("a\r\nb"));
  EXPECT_FALSE(header_safe("a\nb"));
  EXPECT_FALSE(header_safe(std::string("a\0b", 3)));
  EXPECT_FALSE(header_safe("caf\xc3\xa9"));
}

}  // namespace
}  // namespace tollgate::gateway
