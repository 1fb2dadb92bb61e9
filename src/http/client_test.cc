// GCC 12 reports a false -Wmaybe-uninitialized inside Beast's basic_parser
// (boost::optional<std::uint64_t>) when the test client's response_parser is
// inlined under -fsanitize; it must be silenced before Beast is included.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "http/client.h"

#include <gtest/gtest.h>

#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <mutex>
#include <set>
#include <vector>

#include "http/test_support.h"

namespace tollgate::http {
namespace {

using namespace testing;
using namespace std::chrono_literals;
using Result = std::expected<Response, UpstreamError>;

// A port that refuses connections: bound once, then released.
std::uint16_t refused_port() {
  asio::io_context ioc;
  tcp::acceptor a(ioc, loopback0());
  return a.local_endpoint().port();
}

Request get(std::string target) {
  Request req{bhttp::verb::get, target, 11};
  return req;
}

class UpstreamTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (pool_) io_.run([this] { pool_->close(); });
    if (server_) {
      server_->stop();
      io_.run([] {});
    }
    io_.shutdown();
    {
      std::lock_guard lock(mu_);
      parked_.clear();
    }
    pool_.reset();
    server_.reset();
  }

  // Upstream server: echoes the target, records which client ports it saw.
  void start_server(ServerLimits limits = {}) {
    server_ = Server::create(
        io_.ioc(), loopback0(),
        [this](Request&& req, const ConnectionInfo& info, Respond respond) {
          {
            std::lock_guard lock(mu_);
            ports_.insert(info.remote.port());
            hosts_.push_back(std::string(req[bhttp::field::host]));
            if (req.target() == "/park") {
              parked_.push_back(std::move(respond));
              return;
            }
          }
          Response res{bhttp::status::ok, 11};
          res.body() = "echo " + std::string(req.target());
          respond(std::move(res));
        },
        limits);
    server_->start();
  }

  void make_pool(std::uint16_t port, UpstreamLimits limits = {}) {
    pool_ = UpstreamPool::create(io_.ioc(), "127.0.0.1", port, limits);
  }

  // Sends on the io thread and waits for the callback.
  Result send(Request req) {
    std::promise<Result> p;
    auto fut = p.get_future();
    asio::post(io_.ioc(), [&] { pool_->async_send(std::move(req), [&p](Result r) { p.set_value(std::move(r)); }); });
    return fut.get();
  }

  std::size_t connections_seen() {
    std::lock_guard lock(mu_);
    return ports_.size();
  }

  IoThread io_;
  std::shared_ptr<Server> server_;
  std::shared_ptr<UpstreamPool> pool_;
  std::mutex mu_;
  std::set<std::uint16_t> ports_;
  std::vector<std::string> hosts_;
  std::vector<Respond> parked_;
};

// Sequential requests reuse one keep-alive connection, and Host is set by the pool.
TEST_F(UpstreamTest, ReusesOneConnection) {
  start_server();
  make_pool(server_->local_endpoint().port());
  for (int i = 0; i < 5; ++i) {
    auto r = send(get("/r" + std::to_string(i)));
    ASSERT_TRUE(r) << to_string(r.error());
    EXPECT_EQ(r->result_int(), 200);
    EXPECT_EQ(r->body(), "echo /r" + std::to_string(i));
  }
  EXPECT_EQ(connections_seen(), 1u);
  std::lock_guard lock(mu_);
  EXPECT_EQ(hosts_.front(), "127.0.0.1:" + std::to_string(server_->local_endpoint().port()));
}

// The upstream closes an idle connection; the next request is retried once on a fresh one.
TEST_F(UpstreamTest, RetriesOnceWhenIdleConnectionWasClosed) {
  ServerLimits limits;
  limits.idle_timeout = 1s;
  start_server(limits);
  make_pool(server_->local_endpoint().port());
  ASSERT_TRUE(send(get("/a")));
  std::this_thread::sleep_for(1500ms);  // the server closes the idle connection
  auto r = send(get("/b"));
  ASSERT_TRUE(r) << to_string(r.error());
  EXPECT_EQ(r->body(), "echo /b");
  EXPECT_EQ(connections_seen(), 2u);
}

// Nobody listening: kConnectFailed.
TEST_F(UpstreamTest, ConnectionRefused) {
  make_pool(refused_port());
  auto r = send(get("/"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), UpstreamError::kConnectFailed);
}

// An upstream that never answers: kReadTimeout after response_timeout.
TEST_F(UpstreamTest, ReadTimeout) {
  start_server();
  UpstreamLimits limits;
  limits.response_timeout = 300ms;
  make_pool(server_->local_endpoint().port(), limits);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = send(get("/park"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), UpstreamError::kReadTimeout);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

// Beyond max_connections requests queue; beyond max_queued they fail with kOverloaded.
TEST_F(UpstreamTest, QueueAndOverload) {
  start_server();
  UpstreamLimits limits;
  limits.max_connections = 1;
  limits.max_queued = 1;
  make_pool(server_->local_endpoint().port(), limits);
  std::promise<Result> p1, p2, p3;
  io_.run([&] {
    pool_->async_send(get("/park"), [&](Result r) { p1.set_value(std::move(r)); });
    pool_->async_send(get("/queued"), [&](Result r) { p2.set_value(std::move(r)); });
    pool_->async_send(get("/third"), [&](Result r) { p3.set_value(std::move(r)); });
  });
  auto r3 = p3.get_future().get();
  ASSERT_FALSE(r3);
  EXPECT_EQ(r3.error(), UpstreamError::kOverloaded);
  // Release the parked request once it reached the server; the queued one follows.
  auto parked_count = [this] {
    std::lock_guard lock(mu_);
    return parked_.size();
  };
  for (int i = 0; i < 200 && parked_count() == 0; ++i) std::this_thread::sleep_for(10ms);
  io_.run([this] {
    std::lock_guard lock(mu_);
    ASSERT_EQ(parked_.size(), 1u);
    Response res{bhttp::status::ok, 11};
    res.body() = "released";
    parked_.front()(std::move(res));
  });
  auto r1 = p1.get_future().get();
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->body(), "released");
  auto r2 = p2.get_future().get();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->body(), "echo /queued");
  EXPECT_EQ(connections_seen(), 1u);
}

// A response body beyond max_response_body is a protocol error.
TEST_F(UpstreamTest, ResponseBodyTooLarge) {
  start_server();
  UpstreamLimits limits;
  limits.max_response_body = 4;
  make_pool(server_->local_endpoint().port(), limits);
  auto r = send(get("/long-target"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), UpstreamError::kProtocol);
}

// After close(), sends fail with kConnectFailed and the callback still runs once.
TEST_F(UpstreamTest, ClosedPoolFails) {
  start_server();
  make_pool(server_->local_endpoint().port());
  io_.run([this] { pool_->close(); });
  auto r = send(get("/"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), UpstreamError::kConnectFailed);
}

// An interim 1xx response from the upstream is skipped; the final one is returned.
TEST_F(UpstreamTest, SkipsInterimResponse) {
  asio::io_context raw_ioc;
  tcp::acceptor acceptor(raw_ioc, loopback0());
  std::thread upstream([&] {
    tcp::socket s(raw_ioc);
    acceptor.accept(s);
    asio::streambuf in;
    asio::read_until(s, in, "\r\n\r\n");
    asio::write(s, asio::buffer(std::string_view(
                       "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                       "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")));
    boost::system::error_code ec;
    asio::read(s, in, ec);  // until the pool closes the connection
  });
  make_pool(acceptor.local_endpoint().port());
  auto r = send(get("/"));
  io_.run([this] { pool_->close(); });
  upstream.join();
  ASSERT_TRUE(r) << to_string(r.error());
  EXPECT_EQ(r->result_int(), 200);
  EXPECT_EQ(r->body(), "ok");
}

// to_string names every error.
TEST(UpstreamError, Names) {
  EXPECT_EQ(to_string(UpstreamError::kConnectFailed), "connect failed");
  EXPECT_EQ(to_string(UpstreamError::kOverloaded), "overloaded");
}

class FetchTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (server_) {
      server_->stop();
      io_.run([] {});
    }
    io_.shutdown();
    {
      std::lock_guard lock(mu_);
      parked_.clear();
    }
    server_.reset();
  }
  void start_server() {
    server_ = Server::create(io_.ioc(), loopback0(), [this](Request&& req, const ConnectionInfo&, Respond respond) {
      if (req.target() == "/park") {
        std::lock_guard lock(mu_);
        parked_.push_back(std::move(respond));
        return;
      }
      Response res{bhttp::status::ok, 11};
      res.set(bhttp::field::content_type, "application/jwk-set+json");
      res.set(bhttp::field::cache_control, "max-age=300");
      res.body() = req.target() == "/big" ? std::string(2000, 'x') : std::string(R"({"keys":[]})");
      respond(std::move(res));
    });
    server_->start();
  }
  std::string url(std::string_view path) {
    return "http://127.0.0.1:" + std::to_string(server_->local_endpoint().port()) + std::string(path);
  }

  IoThread io_;
  std::shared_ptr<Server> server_;
  std::mutex mu_;
  std::vector<Respond> parked_;
};

// 200 with body, content type and cache control.
TEST_F(FetchTest, Ok) {
  start_server();
  auto r = fetch(url("/jwks?x=1"), 2000ms);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->body, R"({"keys":[]})");
  EXPECT_EQ(r->content_type, "application/jwk-set+json");
  EXPECT_EQ(r->cache_control, "max-age=300");
}

// "localhost" URLs work without DNS.
TEST_F(FetchTest, Localhost) {
  start_server();
  auto r = fetch("http://localhost:" + std::to_string(server_->local_endpoint().port()) + "/", 2000ms);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->status, 200u);
}

// Connection refused is reported as such.
TEST_F(FetchTest, ConnectionRefused) {
  auto r = fetch("http://127.0.0.1:" + std::to_string(refused_port()) + "/", 2000ms);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "connect: Connection refused");
}

// A server that never answers: "timeout" within the overall deadline.
TEST_F(FetchTest, Timeout) {
  start_server();
  const auto t0 = std::chrono::steady_clock::now();
  auto r = fetch(url("/park"), 300ms);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

// A body beyond max_body: "body too large".
TEST_F(FetchTest, BodyTooLarge) {
  start_server();
  auto r = fetch(url("/big"), 2000ms, 100);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "body too large");
}

// https and malformed URLs are refused up front.
TEST(Fetch, UnsupportedUrls) {
  auto https = fetch("https://example.com/jwks", 100ms);
  ASSERT_FALSE(https);
  EXPECT_EQ(https.error(), "https not supported yet");
  EXPECT_FALSE(fetch("not a url", 100ms));
  EXPECT_FALSE(fetch("ftp://example.com/", 100ms));
  EXPECT_FALSE(fetch("http:///nohost", 100ms));
}

}  // namespace
}  // namespace tollgate::http
