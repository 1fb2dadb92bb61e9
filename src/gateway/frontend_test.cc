#include "gateway/frontend.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>

#include "gateway/proxy.h"
#include "gateway/test_util.h"
#include "http/camara.h"
#include "gateway/upstream.h"
#include "http/test_support.h"

namespace tollgate::gateway {
namespace {

using namespace std::chrono_literals;
namespace bhttp = http::bhttp;
using http::testing::IoThread;
using http::testing::RawClient;

// --- write_response ------------------------------------------------------------------

http::Response make(unsigned status, std::string body = "{}") {
  http::Response r{static_cast<bhttp::status>(status), 11};
  r.set(bhttp::field::content_type, "application/json");
  r.body() = std::move(body);
  return r;
}

// A plain answer: our correlator replaces any other, hop-by-hop and x-tollgate-* headers are
// dropped, the length is the body's, and keep-alive is the default of HTTP/1.1.
TEST(WriteResponse, FramesAndStrips) {
  auto r = make(200, "hello");
  r.set(bhttp::field::connection, "x-hop");
  r.set("x-hop", "1");
  r.set(bhttp::field::transfer_encoding, "chunked");
  r.set("x-tollgate-internal", "secret");
  r.set("x-correlator", "upstream-made");
  r.set(bhttp::field::content_length, "999");
  std::string out;
  write_response(r, "corr-1", 11, true, false, out);
  const auto p = testing::parse_response(out);
  EXPECT_EQ(p.result_int(), 200u);
  EXPECT_EQ(p.body(), "hello");
  EXPECT_EQ(p[bhttp::field::content_length], "5");
  EXPECT_EQ(p["x-correlator"], "corr-1");
  EXPECT_EQ(p.count("x-correlator"), 1u);
  EXPECT_EQ(p.count("x-hop"), 0u);
  EXPECT_EQ(p.count("x-tollgate-internal"), 0u);
  EXPECT_EQ(p.count(bhttp::field::transfer_encoding), 0u);
  EXPECT_EQ(p.count(bhttp::field::connection), 0u);
  EXPECT_TRUE(out.starts_with("HTTP/1.1 200 OK\r\n"));
}

// HEAD, 204, 304 and 1.0 keep-alive follow RFC 9110 framing.
TEST(WriteResponse, NoBodyCases) {
  std::string out;
  write_response(make(200, "abc"), "c", 11, true, /*head=*/true, out);
  EXPECT_TRUE(out.ends_with("Content-Length: 3\r\n\r\n")) << out;
  write_response(make(204, ""), "c", 11, true, false, out);
  EXPECT_EQ(out.find("Content-Length"), std::string::npos) << out;
  EXPECT_TRUE(out.ends_with("\r\n\r\n"));
  auto nm = make(304, "");
  nm.set(bhttp::field::content_length, "42");
  write_response(nm, "c", 11, true, false, out);
  EXPECT_TRUE(out.ends_with("Content-Length: 42\r\n\r\n")) << out;
  write_response(make(200, "x"), "c", 10, true, false, out);
  EXPECT_TRUE(out.starts_with("HTTP/1.0 200 OK\r\n"));
  EXPECT_NE(out.find("Connection: keep-alive\r\n"), std::string::npos);
  write_response(make(200, "x"), "c", 11, false, false, out);
  EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos);
}

// The hot-path bytes for the upstream carry exactly the headers make_upstream_request keeps,
// plus Host.
TEST(WriteUpstreamRequest, AgreesWithMakeUpstreamRequest) {
  http::Request in{bhttp::verb::post, "/sim-swap/v2/check?x=1", 11};
  in.set(bhttp::field::host, "gw.example");
  in.set(bhttp::field::authorization, "Bearer secret.token.here");
  in.set(bhttp::field::content_type, "application/json");
  in.set(bhttp::field::connection, "keep-alive, X-Custom-Hop");
  in.set("X-Custom-Hop", "1");
  in.set(bhttp::field::expect, "100-continue");
  in.set("X-Tollgate-Scope", "everything");
  in.set(http::kCorrelatorHeader, "caller-value");
  in.set(bhttp::field::transfer_encoding, "chunked");
  in.body() = R"({"a":1})";
  Identity id;
  id.client_id = "c1";
  id.scope = "sim-swap:check";
  id.jti = "j1";
  std::string wire;
  write_upstream_request(in, id, "corr-1", "up:9", wire);
  const auto bytes = testing::parse_request(wire);
  const auto msg = make_upstream_request(http::Request(in), id, "corr-1");
  EXPECT_EQ(bytes[bhttp::field::host], "up:9");
  EXPECT_EQ(bytes.target(), msg.target());
  EXPECT_EQ(bytes.body(), msg.body());
  EXPECT_EQ(bytes[bhttp::field::content_length], "7");
  std::vector<std::string> a, b;
  for (const auto& f : bytes)
    if (f.name() != bhttp::field::host) a.push_back(std::string(f.name_string()) + "=" + std::string(f.value()));
  for (const auto& f : msg) b.push_back(std::string(f.name_string()) + "=" + std::string(f.value()));
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  EXPECT_EQ(a, b);
  EXPECT_EQ(wire.find("secret.token"), std::string::npos);
}

// --- Frontend through real sockets ---------------------------------------------------

// Answers every request with 200 and the request's target as the body, at once or (for
// /later) when the test calls release().
class EchoSink final : public RequestSink {
 public:
  void on_request(const std::shared_ptr<ClientConnection>& conn, http::Request&& req) override {
    ++requests;
    conn->state().correlator = "c-" + std::to_string(requests.load());
    if (req.target() == "/later") {
      held = conn;
      return;
    }
    http::Response r{bhttp::status::ok, 11};
    r.body() = std::string(req.target()) + "|" + req.body();
    conn->respond(r);
  }
  void on_upstream(const std::shared_ptr<ClientConnection>&,
                   std::expected<http::Response, http::UpstreamError>&&) override {}
  std::atomic<int> requests{0};
  std::shared_ptr<ClientConnection> held;
};

class FrontendTest : public ::testing::Test {
 protected:
  void start(FrontendLimits limits = {}) {
    frontend_ = io_.run([&] {
      auto f = Frontend::create(io_.ioc(), http::testing::loopback0(), sink_, limits, false);
      f->start();
      return f;
    });
  }
  void TearDown() override {
    if (frontend_) io_.run([&] { frontend_->stop(); });
    io_.shutdown();
  }
  RawClient client() { return RawClient(frontend_->local_endpoint()); }

  IoThread io_;
  EchoSink sink_;
  std::shared_ptr<Frontend> frontend_;
};

// Two requests on one keep-alive connection, then two pipelined in one packet: answered in
// order, each with its own correlator.
TEST_F(FrontendTest, KeepAliveAndPipelining) {
  start();
  auto c = client();
  ASSERT_TRUE(c.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r1 = c.read_response();
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->body(), "/a|");
  EXPECT_EQ((*r1)["x-correlator"], "c-1");
  ASSERT_TRUE(c.send("POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /c HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r2 = c.read_response();
  auto r3 = c.read_response();
  ASSERT_TRUE(r2 && r3);
  EXPECT_EQ(r2->body(), "/b|abc");
  EXPECT_EQ(r3->body(), "/c|");
  EXPECT_EQ((*r3)["x-correlator"], "c-3");
}

// Oversized header, oversized body and garbage each get their status and a closed connection.
TEST_F(FrontendTest, LimitsAnsweredAndClosed) {
  FrontendLimits l;
  l.max_header_bytes = 1024;
  l.max_body_bytes = 16;
  start(l);
  {
    auto c = client();
    ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result_int(), 431u);
    EXPECT_TRUE(c.closed_by_peer());
  }
  {
    auto c = client();
    ASSERT_TRUE(c.send("POST / HTTP/1.1\r\nContent-Length: 17\r\n\r\n" + std::string(17, 'b')));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result_int(), 413u);
    EXPECT_EQ(r->body(),
              R"({"status":413,"code":"INVALID_ARGUMENT","message":"Request body too large"})");
  }
  {  // the header was read: its x-correlator is echoed on the refusal (an invalid one is not)
    auto c = client();
    ASSERT_TRUE(c.send("POST / HTTP/1.1\r\nx-correlator: big-1\r\nContent-Length: 17\r\n\r\n" +
                       std::string(17, 'b')));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result_int(), 413u);
    EXPECT_EQ((*r)["x-correlator"], "big-1");
    auto bad = client();
    ASSERT_TRUE(
        bad.send("POST / HTTP/1.1\r\nx-correlator: not valid!\r\nContent-Length: 17\r\n\r\n" +
                 std::string(17, 'b')));
    r = bad.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result_int(), 413u);
    EXPECT_EQ(r->count("x-correlator"), 0u);
  }
  // RFC 9112 §6.1: a transfer coding other than chunked is 501, whole body in the same
  // packet or not; the handler never sees the still-encoded body.
  for (const std::string te : {"gzip, chunked", "deflate,chunked", "x-custom , Chunked", "gzip"}) {
    auto c = client();
    ASSERT_TRUE(c.send("POST / HTTP/1.1\r\nTransfer-Encoding: " + te + "\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r) << te;
    EXPECT_EQ(r->result_int(), 501u) << te;
    EXPECT_EQ(r->body(), R"({"status":501,"code":"NOT_IMPLEMENTED","message":"Transfer-Encoding other than chunked is not implemented"})");
    EXPECT_TRUE(c.closed_by_peer());
  }
  {
    auto c = client();
    ASSERT_TRUE(c.send("NOT HTTP AT ALL\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result_int(), 400u);
    EXPECT_TRUE(c.closed_by_peer());
  }
  EXPECT_EQ(sink_.requests, 0);
}

// A request that does not complete within request_timeout gets 408; a connection that never
// sends a byte is closed without an answer; an idle keep-alive connection is closed.
TEST_F(FrontendTest, SlowAndIdleClients) {
  FrontendLimits l;
  l.request_timeout = 1s;
  l.idle_timeout = 1s;
  start(l);
  auto slow = client();
  ASSERT_TRUE(slow.send("GET / HTTP/1.1\r\nHost: x\r\n"));  // never finished
  auto silent = client();
  auto idle = client();
  ASSERT_TRUE(idle.send("GET /i HTTP/1.1\r\n\r\n"));
  ASSERT_TRUE(idle.read_response());
  const auto t0 = std::chrono::steady_clock::now();
  auto r = slow.read_response(3000ms);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 408u);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2500ms);
  EXPECT_TRUE(silent.closed_by_peer(3000ms));
  EXPECT_TRUE(idle.closed_by_peer(3000ms));
}

// Expect: 100-continue gets the interim answer before the body is sent.
TEST_F(FrontendTest, ExpectContinue) {
  start();
  auto c = client();
  ASSERT_TRUE(c.send("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = c.read_response();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->result_int(), 100u);
  ASSERT_TRUE(c.send("hi"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body(), "/e|hi");
}

// HTTP/1.0 without keep-alive is answered in 1.0 and closed; HEAD gets headers only.
TEST_F(FrontendTest, Http10AndHead) {
  start();
  auto c = client();
  ASSERT_TRUE(c.send("GET /old HTTP/1.0\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->version(), 10u);
  EXPECT_TRUE(c.closed_by_peer());
  auto h = client();
  ASSERT_TRUE(h.send("HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto hr = h.read_head_response();
  ASSERT_TRUE(hr);
  EXPECT_EQ((*hr)[bhttp::field::content_length], "3");
}

// A connection whose answer is pending survives the sweep; the late answer still arrives.
TEST_F(FrontendTest, DeferredAnswer) {
  FrontendLimits l;
  l.request_timeout = 1s;
  start(l);
  auto c = client();
  ASSERT_TRUE(c.send("GET /later HTTP/1.1\r\n\r\n"));
  std::this_thread::sleep_for(1500ms);  // past the request timeout: handling is not timed here
  io_.run([&] {
    http::Response r{bhttp::status::accepted, 11};
    r.body() = "late";
    sink_.held->respond(r);
    sink_.held.reset();
  });
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 202u);
  EXPECT_EQ(r->body(), "late");
}

// --- Upstream ------------------------------------------------------------------------

class Waiter final : public UpstreamWaiter {
 public:
  void upstream_done(std::expected<http::Response, http::UpstreamError>&& r) override {
    std::lock_guard lock(mu);
    result = std::move(r);
    cv.notify_all();
  }
  std::expected<http::Response, http::UpstreamError> wait() {
    std::unique_lock lock(mu);
    cv.wait_for(lock, 10s, [&] { return result.has_value(); });
    if (!result) return std::unexpected(http::UpstreamError::kProtocol);
    return std::move(*result);
  }
  std::mutex mu;
  std::condition_variable cv;
  std::optional<std::expected<http::Response, http::UpstreamError>> result;
};

// The upstream answers with the port the request came from, so reuse is visible.
http::Response port_echo(const http::Request& req, const http::ConnectionInfo& info) {
  http::Response r{bhttp::status::ok, 11};
  r.body() = std::to_string(info.remote.port()) + " " + std::string(req["x-seen"]);
  r.prepare_payload();
  return r;
}

class UpstreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = http::Server::create(server_io_.ioc(), http::testing::loopback0(),
                                   http::make_sync_handler(port_echo));
    server_->start();
  }
  void TearDown() override {
    if (up_) io_.run([&] { up_->close(); });
    io_.shutdown();
    server_io_.run([] {});
    server_->stop();
    server_io_.run([] {});
    server_io_.shutdown();
  }
  void make(std::uint16_t port, http::UpstreamLimits limits = {}) {
    up_ = io_.run([&] {
      return Upstream::create(io_.ioc(), HostPort{"127.0.0.1", port}, limits);
    });
  }
  std::expected<http::Response, http::UpstreamError> call(std::string wire) {
    auto w = std::make_shared<Waiter>();
    io_.run([&] { up_->send(wire, false, w); });
    return w->wait();
  }
  static std::string get(std::string_view seen = "1") {
    return "GET /x HTTP/1.1\r\nHost: up\r\nx-seen: " + std::string(seen) + "\r\n\r\n";
  }

  IoThread server_io_, io_;
  std::shared_ptr<http::Server> server_;
  std::shared_ptr<Upstream> up_;
};

// Two sequential requests use the same keep-alive connection.
TEST_F(UpstreamTest, ReusesConnection) {
  make(server_->local_endpoint().port());
  auto a = call(get("a"));
  auto b = call(get("b"));
  ASSERT_TRUE(a && b);
  const auto port_a = a->body().substr(0, a->body().find(' '));
  EXPECT_EQ(b->body(), port_a + " b");
  EXPECT_EQ(io_.run([&] { return up_->idle(); }), 1u);
}

// Nothing listening: kConnectFailed.
TEST_F(UpstreamTest, ConnectRefused) {
  boost::asio::io_context tmp;
  boost::asio::ip::tcp::acceptor probe(tmp, http::testing::loopback0());
  const auto port = probe.local_endpoint().port();
  probe.close();
  make(port);
  auto r = call(get());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), http::UpstreamError::kConnectFailed);
}

// An upstream that accepts and never answers: kReadTimeout once the sweep sees the deadline.
TEST_F(UpstreamTest, ReadTimeout) {
  boost::asio::io_context tmp;
  boost::asio::ip::tcp::acceptor silent(tmp, http::testing::loopback0());  // backlog accepts
  http::UpstreamLimits l;
  l.response_timeout = 300ms;
  make(silent.local_endpoint().port(), l);
  auto w = std::make_shared<Waiter>();
  std::string wire = get();
  io_.run([&] { up_->send(wire, false, w); });
  std::this_thread::sleep_for(400ms);
  io_.run([&] { up_->sweep(Steady::now()); });
  auto r = w->wait();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), http::UpstreamError::kReadTimeout);
}

// With one connection busy and no queue, a second request is kOverloaded at once.
TEST_F(UpstreamTest, OverloadedWhenFull) {
  boost::asio::io_context tmp;
  boost::asio::ip::tcp::acceptor silent(tmp, http::testing::loopback0());
  http::UpstreamLimits l;
  l.max_connections = 1;
  l.max_queued = 0;
  make(silent.local_endpoint().port(), l);
  auto w1 = std::make_shared<Waiter>(), w2 = std::make_shared<Waiter>();
  std::string a = get(), b = get();
  io_.run([&] {
    up_->send(a, false, w1);
    up_->send(b, false, w2);
  });
  auto r = w2->wait();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), http::UpstreamError::kOverloaded);
}

// An answer that is not HTTP: kProtocol.
TEST_F(UpstreamTest, GarbageIsProtocolError) {
  boost::asio::io_context tmp;
  boost::asio::ip::tcp::acceptor raw(tmp, http::testing::loopback0());
  make(raw.local_endpoint().port());
  auto w = std::make_shared<Waiter>();
  std::string wire = get();
  io_.run([&] { up_->send(wire, false, w); });
  auto s = raw.accept();
  boost::asio::write(s, boost::asio::buffer(std::string_view("SMTP READY\r\n\r\n")));
  auto r = w->wait();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), http::UpstreamError::kProtocol);
}

// A kept-alive connection the upstream closed while idle is retried on a fresh one: the
// partner never sees the race.
TEST_F(UpstreamTest, IdleCloseIsRetried) {
  boost::asio::io_context tmp;
  boost::asio::ip::tcp::acceptor raw(tmp, http::testing::loopback0());
  make(raw.local_endpoint().port());
  const std::string_view ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  auto w1 = std::make_shared<Waiter>();
  std::string a = get();
  io_.run([&] { up_->send(a, false, w1); });
  {
    auto s = raw.accept();
    char buf[512];
    s.read_some(boost::asio::buffer(buf));
    boost::asio::write(s, boost::asio::buffer(ok));
    ASSERT_TRUE(w1->wait());
  }  // the upstream closes the connection now that it is idle in the pool
  std::this_thread::sleep_for(100ms);
  auto w2 = std::make_shared<Waiter>();
  std::string b = get();
  io_.run([&] { up_->send(b, false, w2); });
  auto s2 = raw.accept();
  char buf[512];
  s2.read_some(boost::asio::buffer(buf));
  boost::asio::write(s2, boost::asio::buffer(ok));
  auto r = w2->wait();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body(), "ok");
}

}  // namespace
}  // namespace tollgate::gateway
