// post_json and is_public_address (post.h), against a real Server on loopback.
#include "http/post.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "http/test_support.h"

namespace tollgate::http {
namespace {

using namespace testing;
using boost::asio::ip::make_address;

// A loopback server that records the last request and answers `status`.
class PostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = io_.run([&] {
      auto s = Server::create(io_.ioc(), loopback0(),
                              make_sync_handler([this](const Request& req, const ConnectionInfo&) {
                                std::lock_guard lock(mu_);
                                last_ = req;
                                ++hits_;
                                Response res(static_cast<bhttp::status>(status_.load()), 11);
                                res.body() = R"({"ok":true})";
                                res.prepare_payload();
                                return res;
                              }));
      s->start();
      return s;
    });
    url_ = "http://127.0.0.1:" + std::to_string(server_->local_endpoint().port()) + "/sink/x?y=1";
  }
  void TearDown() override {
    io_.run([&] { server_->stop(); });
    io_.shutdown();
  }

  IoThread io_;
  std::shared_ptr<Server> server_;
  std::string url_;
  std::atomic<unsigned> status_{204};
  std::mutex mu_;
  Request last_;
  int hits_ = 0;
};

// The body, content type, extra headers and target reach the server; the status and
// body come back.
TEST_F(PostTest, DeliversTheDocument) {
  status_ = 202;
  PostOptions o;
  o.content_type = "application/cloudevents+json";
  o.headers = {{"Authorization", "Bearer abc"}, {"x-correlator", "c-1"}};
  auto r = post_json(url_, R"({"id":"1"})", o);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->status, 202u);
  EXPECT_EQ(r->body, R"({"ok":true})");
  std::lock_guard lock(mu_);
  EXPECT_EQ(last_.method(), bhttp::verb::post);
  EXPECT_EQ(last_.target(), "/sink/x?y=1");
  EXPECT_EQ(last_[bhttp::field::content_type], "application/cloudevents+json");
  EXPECT_EQ(last_[bhttp::field::authorization], "Bearer abc");
  EXPECT_EQ(last_["x-correlator"], "c-1");
  EXPECT_EQ(last_.body(), R"({"id":"1"})");
}

// An address the guard refuses is never connected to.
TEST_F(PostTest, GuardRefusesWithoutConnecting) {
  PostOptions o;
  o.allow_address = [](const boost::asio::ip::address& a) { return !a.is_loopback(); };
  auto r = post_json(url_, "{}", o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "address not allowed: 127.0.0.1");
  std::lock_guard lock(mu_);
  EXPECT_EQ(hits_, 0);
}

// Header values with CR/LF are refused before anything is sent.
TEST_F(PostTest, RefusesHeaderInjection) {
  PostOptions o;
  o.headers = {{"Authorization", "Bearer a\r\nX-Evil: 1"}};
  EXPECT_EQ(post_json(url_, "{}", o).error(), "bad header");
  std::lock_guard lock(mu_);
  EXPECT_EQ(hits_, 0);
}

// https to a server that does not speak TLS fails in the TLS stage, not silently in clear.
TEST_F(PostTest, HttpsNeedsTls) {
  const std::string https =
      "https://127.0.0.1:" + std::to_string(server_->local_endpoint().port()) + "/";
  auto r = post_json(https, "{}", PostOptions{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().rfind("tls: ", 0), 0u) << r.error();
}

// Bad URLs are refused with a reason.
TEST(PostJson, RefusesBadUrls) {
  for (const char* url : {"ftp://example.com/", "not a url", "https://user:pw@example.com/",
                          "http:///x", "https://example.com:0/"}) {
    auto r = post_json(url, "{}", PostOptions{});
    ASSERT_FALSE(r) << url;
    EXPECT_EQ(r.error().rfind("bad url", 0), 0u) << url << ": " << r.error();
  }
}

// A peer that accepts but never answers is cut off at the timeout.
TEST(PostJson, TimesOut) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acceptor(ioc, {make_address("127.0.0.1"), 0});
  PostOptions o;
  o.timeout = std::chrono::milliseconds(200);
  const auto start = std::chrono::steady_clock::now();
  auto r = post_json("http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/",
                     "{}", o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

// A closed port is a connect error.
TEST(PostJson, ConnectRefused) {
  boost::asio::io_context ioc;
  std::uint16_t port = 0;
  {
    boost::asio::ip::tcp::acceptor a(ioc, {make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  auto r = post_json("http://127.0.0.1:" + std::to_string(port) + "/", "{}", PostOptions{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().rfind("connect: ", 0), 0u) << r.error();
}

// Only globally routable unicast addresses are public.
TEST(IsPublicAddress, Ranges) {
  for (const char* a : {"8.8.8.8", "84.125.93.10", "2a00:1450:4001:82b::200e", "::ffff:8.8.8.8"})
    EXPECT_TRUE(is_public_address(make_address(a))) << a;
  for (const char* a :
       {"127.0.0.1",  "10.1.2.3",         "172.16.0.1",      "172.31.255.255", "192.168.1.1",
        "100.64.0.1", "169.254.169.254",  "0.0.0.0",         "224.0.0.1",      "255.255.255.255",
        "192.0.2.1",  "198.51.100.7",     "203.0.113.9",     "198.18.0.1",     "::1",
        "::",         "fe80::1",          "fd00::1",         "fc00::1",        "2001:db8::1",
        "ff02::1",    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1"})
    EXPECT_FALSE(is_public_address(make_address(a))) << a;
}

}  // namespace
}  // namespace tollgate::http
