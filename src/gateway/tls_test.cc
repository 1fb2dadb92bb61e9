#include "gateway/tls.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <filesystem>
#include <fstream>

#include "gateway/frontend.h"
#include "gateway/gateway.h"
#include "gateway/jwks_fetcher.h"
#include "gateway/test_util.h"
#include "http/test_support.h"

namespace tollgate::gateway {
namespace {

using namespace testing;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace bhttp = http::bhttp;
namespace beast = boost::beast;

std::filesystem::path temp_dir(std::string_view tag) {
  auto d = std::filesystem::temp_directory_path() / (std::string("tg-tls-") + std::string(tag) + "-" + std::to_string(::getpid()));
  std::filesystem::create_directories(d);
  return d;
}

// A self-signed P-256 certificate for 127.0.0.1 (openssl is a build dependency).
void make_cert(const std::filesystem::path& dir, std::string_view cn) {
  const std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
                          "-subj /CN=" + std::string(cn) + " -addext subjectAltName=IP:127.0.0.1 -keyout " +
                          (dir / "key.pem").string() + " -out " + (dir / "cert.pem").string() + " 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
}

http::Response echo_ok(const http::Request& req, const http::ConnectionInfo&) {
  http::Response r{bhttp::status::ok, 11};
  r.body() = std::string(req["x-tollgate-client-id"]);
  r.prepare_payload();
  return r;
}

struct TlsResult {
  unsigned status = 0;
  std::string body;
  std::string peer_cn;
  std::string error;
};

// One HTTPS request; `max_version` caps the client's protocol (to try TLS 1.1).
TlsResult https_call(std::uint16_t port, const std::filesystem::path& ca, const std::string& token,
                     int max_version = 0) {
  TlsResult out;
  asio::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  ctx.load_verify_file(ca.string());
  ctx.set_verify_mode(ssl::verify_peer);
  if (max_version) {
    SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_VERSION);
    SSL_CTX_set_max_proto_version(ctx.native_handle(), max_version);
    SSL_CTX_set_security_level(ctx.native_handle(), 0);  // let the old protocol be offered
  }
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  boost::system::error_code ec;
  beast::get_lowest_layer(stream).expires_after(5s);
  beast::get_lowest_layer(stream).connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return {0, "", "", "connect: " + ec.message()};
  stream.handshake(ssl::stream_base::client, ec);
  if (ec) return {0, "", "", "handshake: " + ec.message()};
  if (X509* cert = SSL_get1_peer_certificate(stream.native_handle())) {
    char cn[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
    out.peer_cn = cn;
    X509_free(cert);
  }
  http::Request req{bhttp::verb::post, "/sim-swap/v2/check", 11};
  req.set(bhttp::field::host, "127.0.0.1");
  req.set(bhttp::field::authorization, "Bearer " + token);
  req.prepare_payload();
  bhttp::write(stream, req, ec);
  if (ec) return {0, "", "", "write: " + ec.message()};
  beast::flat_buffer buffer;
  http::Response res;
  bhttp::read(stream, buffer, res, ec);
  if (ec) return {0, "", "", "read: " + ec.message()};
  out.status = res.result_int();
  out.body = res.body();
  return out;
}

class TlsGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir("gw");
    make_cert(dir_, "first");
    upstream_ = http::Server::create(up_io_.ioc(), http::testing::loopback0(), http::make_sync_handler(echo_ok));
    upstream_->start();
    config_.listen = "127.0.0.1:0";
    config_.threads = 1;
    config_.admin_listen = "";
    config_.issuers = {test_issuer()};
    config_.upstreams["network"] = "http://127.0.0.1:" + std::to_string(upstream_->local_endpoint().port());
    config_.tls = TlsConfig{(dir_ / "cert.pem").string(), (dir_ / "key.pem").string()};
    auto fetcher = std::make_shared<FakeFetcher>();
    fetcher->set(public_jwks(), false);
    gateway_ = Gateway::create(config_, test_catalog(), clock_, fetcher);
    gateway_->start();
  }
  void TearDown() override {
    gateway_->stop();
    up_io_.run([] {});
    upstream_->stop();
    up_io_.run([] {});
    std::filesystem::remove_all(dir_);
  }

  core::ManualClock clock_{kNow};
  std::filesystem::path dir_;
  http::testing::IoThread up_io_;
  std::shared_ptr<http::Server> upstream_;
  GatewayConfig config_;
  std::unique_ptr<Gateway> gateway_;
};

// Over TLS the whole pipeline runs: a valid token is forwarded, the answer comes back encrypted.
TEST_F(TlsGatewayTest, HttpsRequestIsServed) {
  const auto r = https_call(gateway_->port(), dir_ / "cert.pem", mint(good_claims()));
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, "client-42");
  EXPECT_EQ(r.peer_cn, "first");
  const auto bad = https_call(gateway_->port(), dir_ / "cert.pem", "garbage");
  EXPECT_EQ(bad.status, 401u);
}

// TLS 1.1 and plain HTTP on the TLS port get no answer.
TEST_F(TlsGatewayTest, OldTlsAndPlainHttpRefused) {
  const auto old = https_call(gateway_->port(), dir_ / "cert.pem", mint(good_claims()), TLS1_1_VERSION);
  EXPECT_NE(old.error.find("handshake"), std::string::npos) << old.error;
  // The handshake fails on the first bytes: the connection is closed without an HTTP answer.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(gateway_->port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string_view req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
  timeval tv{3, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string got;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) got.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  EXPECT_FALSE(got.starts_with("HTTP/")) << got;
}

// A reload reads the certificate files again: new connections get the rotated certificate; a
// broken file is refused and the running certificate stays.
TEST_F(TlsGatewayTest, ReloadRotatesCertificate) {
  make_cert(dir_, "second");
  gateway_->reload(config_, test_catalog());
  const auto r = https_call(gateway_->port(), dir_ / "cert.pem", mint(good_claims()));
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.peer_cn, "second");
  std::ofstream(dir_ / "key.pem") << "not a key\n";
  EXPECT_THROW(gateway_->reload(config_, test_catalog()), catalog::ConfigError);
  const auto still = https_call(gateway_->port(), dir_ / "cert.pem", mint(good_claims()));
  EXPECT_EQ(still.peer_cn, "second");
  EXPECT_EQ(still.status, 200u);
}

// Plain HTTP only on loopback; TLS files that are missing or do not match are refused at start.
TEST(GatewayTlsConfig, PlainHttpOnlyOnLoopbackAndBadFilesRefused) {
  core::ManualClock clock{kNow};
  GatewayConfig c;
  c.listen = "0.0.0.0:0";
  c.admin_listen = "";
  try {
    Gateway::create(c, test_catalog(), clock);
    FAIL() << "accepted";
  } catch (const catalog::ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "gateway: listen '0.0.0.0:0' is not a loopback address: plain HTTP is only allowed on "
                 "loopback; give it 'tls' (cert_file and key_file) to serve other addresses");
  }
  EXPECT_TRUE(is_loopback_listen("127.0.0.1:8080"));
  EXPECT_TRUE(is_loopback_listen("[::1]:8080"));
  EXPECT_FALSE(is_loopback_listen("10.0.0.1:8080"));
  const auto d1 = temp_dir("a"), d2 = temp_dir("b");
  make_cert(d1, "a");
  make_cert(d2, "b");
  EXPECT_NO_THROW(make_server_tls({(d1 / "cert.pem").string(), (d1 / "key.pem").string()}));
  try {
    make_server_tls({(d1 / "cert.pem").string(), (d2 / "key.pem").string()});
    FAIL() << "mismatched key accepted";
  } catch (const catalog::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("mismatch"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_server_tls({"/nonexistent/cert.pem", (d1 / "key.pem").string()}), catalog::ConfigError);
  std::filesystem::remove_all(d1);
  std::filesystem::remove_all(d2);
}

// An https:// key source: fetched when its certificate chains to the configured CA file and
// names the host; refused against the system store (self-signed) and under another name.
class JwksDocs final : public RequestSink {
 public:
  void on_request(const std::shared_ptr<ClientConnection>& conn, http::Request&& req) override {
    http::Response r{bhttp::status::not_found, 11};
    if (req.target() == "/jwks.json") {
      r.result(bhttp::status::ok);
      r.set(bhttp::field::content_type, "application/json");
      r.body() = public_jwks().to_public_json();
    }
    conn->respond(r);
  }
  void on_upstream(const std::shared_ptr<ClientConnection>&,
                   std::expected<http::Response, http::UpstreamError>&&) override {}
};

TEST(HttpsJwks, VerifiedFetch) {
  const auto dir = temp_dir("jwks");
  make_cert(dir, "keys");
  std::atomic<std::shared_ptr<ssl::context>> ctx{
      make_server_tls({(dir / "cert.pem").string(), (dir / "key.pem").string()})};
  JwksDocs docs;
  http::testing::IoThread io;
  auto front = io.run([&] {
    auto f = Frontend::create(io.ioc(), http::testing::loopback0(), docs, {}, false, &ctx);
    f->start();
    return f;
  });
  const std::string port = std::to_string(front->local_endpoint().port());
  auto trusted = JwksFetcher::create(3000ms, (dir / "cert.pem").string());
  auto ok = trusted->fetch_jwks("https://127.0.0.1:" + port + "/jwks.json");
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_EQ(ok->keys().size(), 2u);
  EXPECT_FALSE(trusted->fetch_jwks("https://127.0.0.1:" + port + "/missing"));
  auto system_store = JwksFetcher::create(3000ms);
  auto untrusted = system_store->fetch_jwks("https://127.0.0.1:" + port + "/jwks.json");
  ASSERT_FALSE(untrusted);
  EXPECT_NE(untrusted.error().find("tls handshake"), std::string::npos) << untrusted.error();
  auto wrong_name = trusted->fetch_jwks("https://localhost:" + port + "/jwks.json");
  ASSERT_FALSE(wrong_name);
  EXPECT_NE(wrong_name.error().find("tls handshake"), std::string::npos) << wrong_name.error();
  io.run([&] { front->stop(); });
  io.shutdown();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tollgate::gateway
