// GCC 12 reports a false -Wmaybe-uninitialized inside Beast's basic_parser
// (boost::optional<std::uint64_t>) when the test client's response_parser is
// inlined under -fsanitize; it must be silenced before Beast is included.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "http/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <mutex>
#include <set>
#include <stdexcept>
#include <vector>

#include "http/test_support.h"

namespace tollgate::http {
namespace {

using namespace testing;
using namespace std::chrono_literals;

// Echo: "<METHOD> <target>\n<body>", plus the client's port so tests can tell
// which TCP connection served a request.
Response echo(const Request& req, const ConnectionInfo& info) {
  Response res{bhttp::status::ok, 11};
  res.set(bhttp::field::content_type, "text/plain");
  res.set("x-remote-port", std::to_string(info.remote.port()));
  res.body() = std::string(req.method_string()) + " " + std::string(req.target()) + "\n" + req.body();
  return res;
}

class ServerTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (server_) {
      server_->stop();
      io_.run([] {});  // the stop has been processed
    }
    io_.shutdown();
    {
      std::lock_guard lock(mu_);
      parked_.clear();
    }
    server_.reset();
  }

  void start(Handler handler, ServerLimits limits = {}) {
    server_ = Server::create(io_.ioc(), loopback0(), std::move(handler), std::move(limits));
    server_->start();
  }
  void start_echo(ServerLimits limits = {}) { start(make_sync_handler(echo), std::move(limits)); }
  tcp::endpoint ep() const { return server_->local_endpoint(); }

  // Handler that keeps every Respond without calling it.
  Handler parking_handler() {
    return [this](Request&&, const ConnectionInfo&, Respond respond) {
      std::lock_guard lock(mu_);
      parked_.push_back(std::move(respond));
    };
  }

  IoThread io_;
  std::shared_ptr<Server> server_;
  std::mutex mu_;
  std::vector<Respond> parked_;
};

std::string json_code(const Response& res) {
  return std::string(boost::json::parse(res.body()).as_object().at("code").as_string());
}

// Port 0 binds an ephemeral port and local_endpoint() reports the real one.
TEST_F(ServerTest, EphemeralPortIsReported) {
  start_echo();
  EXPECT_NE(ep().port(), 0);
  EXPECT_EQ(ep().address().to_string(), "127.0.0.1");
}

// GET then POST on one keep-alive connection: both answered on the same socket.
TEST_F(ServerTest, KeepAliveRoundTripsOnOneConnection) {
  start_echo();
  RawClient c(ep());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send("GET /a?x=1 HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r1 = c.read_response();
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->result_int(), 200);
  EXPECT_EQ(r1->body(), "GET /a?x=1\n");
  EXPECT_TRUE(r1->keep_alive());
  ASSERT_TRUE(c.send("POST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"));
  auto r2 = c.read_response();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->body(), "POST /b\nhello");
  EXPECT_EQ((*r1)["x-remote-port"], (*r2)["x-remote-port"]);
  EXPECT_EQ((*r2)["x-remote-port"], std::to_string(c.local_port()));
}

// Two requests sent back to back are answered in order, one at a time.
TEST_F(ServerTest, PipelinedRequestsAnsweredInOrder) {
  start_echo();
  RawClient c(ep());
  ASSERT_TRUE(c.send("GET /1 HTTP/1.1\r\nHost: t\r\n\r\nGET /2 HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r1 = c.read_response();
  auto r2 = c.read_response();
  ASSERT_TRUE(r1 && r2);
  EXPECT_EQ(r1->body(), "GET /1\n");
  EXPECT_EQ(r2->body(), "GET /2\n");
}

// An HTTP/1.0 request without keep-alive gets a 1.0 response and a closed connection.
TEST_F(ServerTest, Http10ClosesConnection) {
  start_echo();
  RawClient c(ep());
  ASSERT_TRUE(c.send("GET / HTTP/1.0\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->version(), 10);
  EXPECT_EQ(r->body(), "GET /\n");
  EXPECT_TRUE(c.closed_by_peer());
}

// "Connection: close" from the client closes after the response.
TEST_F(ServerTest, ConnectionCloseHonoured) {
  start_echo();
  RawClient c(ep());
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->keep_alive());
  EXPECT_TRUE(c.closed_by_peer());
}

// A handler's own "Connection: close" wins over the client's keep-alive.
TEST_F(ServerTest, HandlerConnectionCloseHonoured) {
  start(make_sync_handler([](const Request&, const ConnectionInfo&) {
    Response res{bhttp::status::ok, 11};
    res.keep_alive(false);
    res.body() = "bye";
    return res;
  }));
  RawClient c(ep());
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body(), "bye");
  EXPECT_TRUE(c.closed_by_peer());
}

// Headers beyond max_header_bytes: 431 in CAMARA form, then the connection closes.
TEST_F(ServerTest, OversizedHeaderGets431AndClose) {
  ServerLimits limits;
  limits.max_header_bytes = 1024;
  start_echo(limits);
  RawClient c(ep());
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(4000, 'a') + "\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 431);
  EXPECT_EQ((*r)[bhttp::field::content_type], "application/json");
  EXPECT_EQ(json_code(*r), "INVALID_ARGUMENT");
  EXPECT_FALSE(r->keep_alive());
  EXPECT_TRUE(c.closed_by_peer());
}

// A body beyond max_body_bytes (declared by Content-Length) gets 413 and a close.
TEST_F(ServerTest, OversizedBodyGets413) {
  ServerLimits limits;
  limits.max_body_bytes = 100;
  start_echo(limits);
  RawClient c(ep());
  ASSERT_TRUE(c.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'b')));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 413);
  EXPECT_TRUE(c.closed_by_peer());
}

// A chunked body that grows beyond max_body_bytes is also refused with 413.
TEST_F(ServerTest, OversizedChunkedBodyGets413) {
  ServerLimits limits;
  limits.max_body_bytes = 100;
  start_echo(limits);
  RawClient c(ep());
  ASSERT_TRUE(c.send("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "c8\r\n" + std::string(200, 'b') + "\r\n0\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 413);
}

// RFC 9112 §6.1: a transfer coding other than chunked (alone or before chunked) is 501 and a
// close; the handler is not called. Plain chunked, in any letter case, is served.
TEST_F(ServerTest, UnknownTransferCodingGets501) {
  std::atomic<int> calls{0};
  start([&](Request&& req, const ConnectionInfo&, Respond respond) {
    ++calls;
    Response res{bhttp::status::ok, 11};
    res.body() = req.body();
    res.prepare_payload();
    respond(std::move(res));
  });
  for (const std::string te : {"gzip, chunked", "deflate,chunked", "compress", "x-custom , chunked"}) {
    RawClient c(ep());
    ASSERT_TRUE(c.send("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: " + te +
                       "\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r) << te;
    EXPECT_EQ(r->result_int(), 501) << te;
    EXPECT_NE(r->body().find("NOT_IMPLEMENTED"), std::string::npos) << te;
    EXPECT_TRUE(c.closed_by_peer()) << te;
  }
  EXPECT_EQ(calls.load(), 0);
  RawClient ok(ep());
  ASSERT_TRUE(ok.send("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));
  auto r = ok.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200);
  EXPECT_EQ(r->body(), "abc");
}

// A malformed request line gets 400 and a close; the handler is not called.
TEST_F(ServerTest, MalformedRequestLineGets400) {
  std::atomic<int> calls{0};
  start([&](Request&&, const ConnectionInfo&, Respond respond) {
    ++calls;
    respond(Response{bhttp::status::ok, 11});
  });
  RawClient c(ep());
  ASSERT_TRUE(c.send("GET/ HTTP/1.1 nonsense\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 400);
  EXPECT_EQ(json_code(*r), "INVALID_ARGUMENT");
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_EQ(calls.load(), 0);
}

// A slow client that sends half a request and stalls gets 408 after request_timeout.
TEST_F(ServerTest, StalledRequestGets408) {
  ServerLimits limits;
  limits.request_timeout = 1s;
  start_echo(limits);
  RawClient c(ep());
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: t\r\n"));
  auto r = c.read_response(4000ms);
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 408);
  EXPECT_EQ(json_code(*r), "TIMEOUT");
  EXPECT_GE(elapsed, 900ms);
  EXPECT_LT(elapsed, 2500ms);
  EXPECT_TRUE(c.closed_by_peer());
}

// A body that stalls half-way is a partly read request too: 408.
TEST_F(ServerTest, StalledBodyGets408) {
  ServerLimits limits;
  limits.request_timeout = 1s;
  start_echo(limits);
  RawClient c(ep());
  ASSERT_TRUE(c.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc"));
  auto r = c.read_response(4000ms);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 408);
}

// A connection that never sends a byte is closed quietly after request_timeout.
TEST_F(ServerTest, SilentConnectionClosedWithoutResponse) {
  ServerLimits limits;
  limits.request_timeout = 1s;
  start_echo(limits);
  RawClient c(ep());
  EXPECT_TRUE(c.closed_by_peer(4000ms));
}

// An idle keep-alive connection is closed quietly after idle_timeout.
TEST_F(ServerTest, IdleKeepAliveClosedAfterIdleTimeout) {
  ServerLimits limits;
  limits.idle_timeout = 1s;
  start_echo(limits);
  RawClient c(ep());
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(c.read_response());
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closed_by_peer(4000ms));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 900ms);
}

// A handler may answer later, from a timer callback on the io_context.
TEST_F(ServerTest, AsynchronousHandlerRespondsLater) {
  start([this](Request&& req, const ConnectionInfo&, Respond respond) {
    auto timer = std::make_shared<asio::steady_timer>(io_.ioc(), 50ms);
    timer->async_wait([timer, respond, target = std::string(req.target())](boost::system::error_code) {
      Response res{bhttp::status::accepted, 11};
      res.body() = "later " + target;
      respond(std::move(res));
    });
  });
  RawClient c(ep());
  ASSERT_TRUE(c.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 202);
  EXPECT_EQ(r->body(), "later /x");
  ASSERT_TRUE(c.send("GET /y HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r2 = c.read_response();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->body(), "later /y");
}

// Respond may be called from another thread; it is carried onto the connection's strand.
TEST_F(ServerTest, RespondFromAnotherThread) {
  start([](Request&&, const ConnectionInfo&, Respond respond) {
    std::thread([respond] {
      Response res{bhttp::status::ok, 11};
      res.body() = "from thread";
      respond(std::move(res));
    }).detach();
  });
  RawClient c(ep());
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body(), "from thread");
}

// A second Respond call is ignored and the connection keeps working.
TEST_F(ServerTest, SecondRespondIgnored) {
  start([](Request&& req, const ConnectionInfo&, Respond respond) {
    Response a{bhttp::status::ok, 11};
    a.body() = "first " + std::string(req.target());
    respond(std::move(a));
    Response b{bhttp::status::ok, 11};
    b.body() = "second";
    respond(std::move(b));
  });
  RawClient c(ep());
  ASSERT_TRUE(c.send("GET /1 HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r1 = c.read_response();
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->body(), "first /1");
  ASSERT_TRUE(c.send("GET /2 HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r2 = c.read_response();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->body(), "first /2");
}

// stop() closes live keep-alive connections and the listening socket.
TEST_F(ServerTest, StopClosesKeepAliveConnections) {
  start_echo();
  RawClient c(ep());
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(c.read_response());
  const auto endpoint = ep();
  server_->stop();
  EXPECT_TRUE(c.closed_by_peer(2000ms));
  RawClient late(endpoint);
  EXPECT_FALSE(late.connected() && late.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n") && late.read_response(500ms));
}

// stop() also closes a connection whose handler never answered.
TEST_F(ServerTest, StopClosesConnectionAwaitingHandler) {
  start(parking_handler());
  RawClient c(ep());
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
  EXPECT_TRUE(c.silent_for(200ms));
  server_->stop();
  EXPECT_TRUE(c.closed_by_peer(2000ms));
  // A late Respond on the closed connection is harmless.
  io_.run([this] {
    std::lock_guard lock(mu_);
    for (auto& r : parked_) r(Response{bhttp::status::ok, 11});
  });
}

// A throwing handler wrapped by make_sync_handler answers 500 INTERNAL and keeps the connection.
TEST_F(ServerTest, ThrowingSyncHandlerGets500) {
  start(make_sync_handler([](const Request& req, const ConnectionInfo& info) -> Response {
    if (req.target() == "/boom") throw std::runtime_error("boom");
    return echo(req, info);
  }));
  RawClient c(ep());
  ASSERT_TRUE(c.send("GET /boom HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 500);
  EXPECT_EQ(json_code(*r), "INTERNAL");
  EXPECT_EQ((*r)[bhttp::field::cache_control], "no-store");
  ASSERT_TRUE(c.send("GET /ok HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r2 = c.read_response();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->result_int(), 200);
}

// An asynchronous handler that throws before responding also yields 500.
TEST_F(ServerTest, ThrowingAsyncHandlerGets500) {
  start([](Request&&, const ConnectionInfo&, Respond) { throw std::logic_error("bug"); });
  RawClient c(ep());
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 500);
}

// A custom render_error is used for the server's own errors.
TEST_F(ServerTest, CustomErrorRenderer) {
  ServerLimits limits;
  limits.render_error = [](unsigned status, std::string_view) {
    Response res{static_cast<bhttp::status>(status), 11};
    res.body() = "custom";
    return res;
  };
  start_echo(limits);
  RawClient c(ep());
  ASSERT_TRUE(c.send("BROKEN\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 400);
  EXPECT_EQ(r->body(), "custom");
}

// Expect: 100-continue gets an interim 100 before the body is read.
TEST_F(ServerTest, ExpectContinue) {
  start_echo();
  RawClient c(ep());
  ASSERT_TRUE(c.send("POST /e HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = c.read_response();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->result_int(), 100);
  ASSERT_TRUE(c.send("abc"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body(), "POST /e\nabc");
}

// Beyond max_connections accepting pauses; it resumes when a connection closes.
TEST_F(ServerTest, MaxConnectionsPausesAccept) {
  ServerLimits limits;
  limits.max_connections = 1;
  start_echo(limits);
  auto first = std::make_unique<RawClient>(ep());
  ASSERT_TRUE(first->send("GET /1 HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(first->read_response());
  RawClient second(ep());  // completes in the kernel backlog
  ASSERT_TRUE(second.send("GET /2 HTTP/1.1\r\nHost: t\r\n\r\n"));
  EXPECT_TRUE(second.silent_for(300ms));
  first.reset();
  auto r = second.read_response(3000ms);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body(), "GET /2\n");
}

// Several clients at once are all served.
TEST_F(ServerTest, ConcurrentClients) {
  start_echo();
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 20; ++i) {
    clients.push_back(std::make_unique<RawClient>(ep()));
    ASSERT_TRUE(clients.back()->send("GET /" + std::to_string(i) + " HTTP/1.1\r\nHost: t\r\n\r\n"));
  }
  for (int i = 0; i < 20; ++i) {
    auto r = clients[i]->read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body(), "GET /" + std::to_string(i) + "\n");
  }
}

// A HEAD response carries the GET headers but no body, and the connection stays usable.
TEST_F(ServerTest, HeadResponseHasNoBody) {
  start_echo();
  RawClient c(ep());
  ASSERT_TRUE(c.send("HEAD /h HTTP/1.1\r\nHost: t\r\n\r\nGET /g HTTP/1.1\r\nHost: t\r\n\r\n"));
  // Parse the HEAD response by hand: a generic parser would wait for the body.
  auto r = c.read_head_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200);
  EXPECT_EQ((*r)[bhttp::field::content_length], "8");  // "HEAD /h\n"
  auto g = c.read_response();
  ASSERT_TRUE(g);
  EXPECT_EQ(g->body(), "GET /g\n");
}

// RFC 9112 §3.2.2: the absolute-form is accepted and handed to the handler as origin-form.
TEST_F(ServerTest, AbsoluteFormTargetBecomesOriginForm) {
  start_echo();
  RawClient c(ep());
  ASSERT_TRUE(
      c.send("GET http://127.0.0.1:9/oauth2/token?a=1 HTTP/1.1\r\nHost: t\r\n\r\n"
             "GET HTTPS://example.com HTTP/1.1\r\nHost: t\r\n\r\n"
             "GET http://example.com?x=2 HTTP/1.1\r\nHost: t\r\n\r\n"
             "GET /plain HTTP/1.1\r\nHost: t\r\n\r\n"));
  for (std::string_view want :
       {"GET /oauth2/token?a=1\n", "GET /\n", "GET /?x=2\n", "GET /plain\n"}) {
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body(), want);
  }
}

// 204 and 304 go out without a body; 204 without Content-Length, 304 keeps the one given.
TEST_F(ServerTest, NoContentAndNotModifiedFraming) {
  start(make_sync_handler([](const Request& req, const ConnectionInfo&) {
    if (req.target() == "/204") {
      Response res{bhttp::status::no_content, 11};
      res.body() = "ignored";
      return res;
    }
    Response res{bhttp::status::not_modified, 11};
    res.set(bhttp::field::content_length, "1234");
    res.set(bhttp::field::etag, "\"v1\"");
    return res;
  }));
  RawClient c(ep());
  ASSERT_TRUE(c.send("GET /204 HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 204);
  EXPECT_EQ(r->count(bhttp::field::content_length), 0u);
  EXPECT_EQ(r->body(), "");
  ASSERT_TRUE(c.send("GET /304 HTTP/1.1\r\nHost: t\r\n\r\nGET /204 HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto nm = c.read_response();
  ASSERT_TRUE(nm);
  EXPECT_EQ(nm->result_int(), 304);
  EXPECT_EQ((*nm)[bhttp::field::content_length], "1234");
  // The connection is still in sync: the next response follows immediately.
  auto again = c.read_response();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->result_int(), 204);
}

// With reuse_port two servers can listen on the same port.
TEST_F(ServerTest, ReusePortAllowsTwoListeners) {
  server_ = Server::create(io_.ioc(), loopback0(), make_sync_handler(echo), {}, true);
  server_->start();
  auto second = Server::create(io_.ioc(), ep(), make_sync_handler(echo), {}, true);
  EXPECT_EQ(second->local_endpoint(), ep());
  second->stop();
}

// Binding an address already in use throws std::system_error.
TEST_F(ServerTest, BindConflictThrowsSystemError) {
  start_echo();
  EXPECT_THROW(Server::create(io_.ioc(), ep(), make_sync_handler(echo)), std::system_error);
}

// default_error maps statuses to the CAMARA vocabulary.
TEST(DefaultError, CamaraCodes) {
  const std::pair<unsigned, const char*> cases[] = {
      {400, "INVALID_ARGUMENT"}, {401, "UNAUTHENTICATED"},  {403, "PERMISSION_DENIED"},
      {404, "NOT_FOUND"},        {405, "METHOD_NOT_ALLOWED"}, {406, "NOT_ACCEPTABLE"},
      {408, "TIMEOUT"},          {409, "CONFLICT"},         {411, "INVALID_ARGUMENT"},
      {413, "INVALID_ARGUMENT"}, {415, "UNSUPPORTED_MEDIA_TYPE"}, {429, "TOO_MANY_REQUESTS"},
      {431, "INVALID_ARGUMENT"}, {500, "INTERNAL"},         {501, "NOT_IMPLEMENTED"},
      {502, "BAD_GATEWAY"},      {503, "UNAVAILABLE"},      {504, "TIMEOUT"},
  };
  for (const auto& [status, code] : cases) {
    const Response res = default_error(status, "m");
    EXPECT_EQ(res.result_int(), status);
    const auto body = boost::json::parse(res.body()).as_object();
    EXPECT_EQ(body.at("status").to_number<unsigned>(), status);
    EXPECT_EQ(body.at("code").as_string(), code) << status;
    EXPECT_EQ(body.at("message").as_string(), "m");
    EXPECT_EQ(res[bhttp::field::content_type], "application/json");
    EXPECT_EQ(res[bhttp::field::cache_control], "no-store");
  }
}

// parse_endpoint accepts IPv4, [IPv6] and localhost (no DNS), port 0 included.
TEST(ParseEndpoint, AcceptedForms) {
  auto a = parse_endpoint("127.0.0.1:8080");
  EXPECT_EQ(a.address().to_string(), "127.0.0.1");
  EXPECT_EQ(a.port(), 8080);
  auto b = parse_endpoint("[::1]:9");
  EXPECT_TRUE(b.address().is_v6());
  EXPECT_EQ(b.port(), 9);
  auto c = parse_endpoint("localhost:0");
  EXPECT_EQ(c.address().to_string(), "127.0.0.1");
  EXPECT_EQ(c.port(), 0);
  EXPECT_EQ(parse_endpoint("0.0.0.0:65535").port(), 65535);
}

// parse_endpoint refuses bad input with std::invalid_argument.
TEST(ParseEndpoint, Refusals) {
  for (const char* bad : {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:8a",
                          ":8080", "::1:8080", "[::1]8080", "[::1:80", "example.com:80", "[127.0.0.1]:80",
                          "1.2.3:80"}) {
    EXPECT_THROW(parse_endpoint(bad), std::invalid_argument) << bad;
  }
}

}  // namespace
}  // namespace tollgate::http
