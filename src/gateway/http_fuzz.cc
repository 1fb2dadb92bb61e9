// http_fuzz.cc — libFuzzer target for the gateway's HTTP request path (`make fuzz`).
//
// Each input is the bytes a partner sends: parsed by Beast's request parser
// with the gateway's limits (as frontend.cc does), decided by the pipeline
// (with a valid token appended when the input carries none, so that the
// forwarding path is reached too), and, when forwarded, rewritten for the
// upstream (write_upstream_request) — which must parse back as exactly one
// request carrying no Authorization header and no caller-made x-tollgate-*
// value — and every answer serialized (write_response), which must parse back.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/frontend.h"
#include "gateway/pipeline.h"
#include "gateway/test_util.h"

namespace {

using namespace tollgate;
using namespace tollgate::gateway;
namespace bhttp = http::bhttp;

struct Harness {
  core::ManualClock clock{testing::kNow};
  std::shared_ptr<testing::FakeJwksCache> jwks =
      std::make_shared<testing::FakeJwksCache>(testing::public_jwks());
  std::shared_ptr<const RouteMatcher> routes = RouteMatcher::create(testing::test_catalog());
  std::shared_ptr<const Verifier> verifier =
      Verifier::create({testing::test_issuer()}, testing::test_catalog(), jwks, clock);
  TokenCache cache{64};
  std::string valid = testing::mint(testing::good_claims());
};

Harness& harness() {
  static Harness h;
  return h;
}

void check_response(const http::Response& res, bool head) {
  std::string out;
  write_response(res, "corr", 11, true, head, out);
  try {
    (void)testing::parse_response(out, head);
  } catch (const std::exception&) {
    __builtin_trap();  // we wrote something a client cannot parse
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Harness& h = harness();
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(8 * 1024);
  parser.body_limit(64 * 1024);
  parser.eager(true);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec == bhttp::error::need_more) parser.put_eof(ec);
  if (ec || !parser.is_done()) return 0;
  http::Request req = parser.release();
  if (req.count(bhttp::field::authorization) == 0)
    req.set(bhttp::field::authorization, "Bearer " + h.valid);
  const bool head = req.method() == bhttp::verb::head;
  const Decision d = decide(std::move(req), {*h.routes, *h.verifier, &h.cache});
  if (!d.forwards()) {
    check_response(std::get<http::Response>(d.action), head);
    return 0;
  }
  const auto& wire = std::get<Forward>(d.action).wire;
  http::Request up;
  try {
    up = testing::parse_request(wire);
  } catch (const std::exception&) {
    __builtin_trap();  // the upstream would not read what we send
  }
  if (up.count(bhttp::field::authorization) != 0) __builtin_trap();  // the token never leaves
  if (up["x-tollgate-client-id"] != "client-42") __builtin_trap();   // only the verified identity
  if (up.count("x-tollgate-client-id") != 1 || up.count("x-tollgate-scope") != 1) __builtin_trap();
  return 0;
}
