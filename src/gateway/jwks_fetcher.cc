#include "gateway/jwks_fetcher.h"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "core/json.h"
#include "core/status.h"
#include "core/strf.h"
#include "gateway/config.h"
#include "http/client.h"

namespace tollgate::gateway {
namespace {

// JWKS and metadata documents are small; a bigger answer is not one of them.
constexpr std::size_t kMaxDocumentBytes = 256 * 1024;

// GET over TLS with the peer and its name verified (see the header).
std::expected<http::FetchResult, std::string> https_get(std::string_view url,
                                                        std::chrono::milliseconds timeout,
                                                        std::size_t max_body,
                                                        const std::optional<std::string>& ca_file) {
  namespace asio = boost::asio;
  namespace ssl = boost::asio::ssl;
  namespace beast = boost::beast;
  namespace bhttp = boost::beast::http;
  constexpr std::string_view kScheme = "https://";
  if (!url.starts_with(kScheme)) return std::unexpected(std::string("not an https:// URL"));
  const auto path_at = url.find_first_of("/?#", kScheme.size());
  const std::string authority(url.substr(kScheme.size(), path_at - kScheme.size()));
  std::string target = path_at == std::string_view::npos ? "/" : std::string(url.substr(path_at));
  if (const auto hash = target.find('#'); hash != std::string::npos) target.resize(hash);
  if (target.empty() || target.front() != '/') target.insert(target.begin(), '/');
  std::string host = authority, port = "443";
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string::npos) return std::unexpected(std::string("bad IPv6 authority"));
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') port = authority.substr(close + 2);
  } else if (const auto colon = authority.rfind(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty() || port.empty()) return std::unexpected(std::string("bad authority"));

  ssl::context ctx(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  if (ca_file)
    ctx.load_verify_file(*ca_file, ec);
  else
    ctx.set_default_verify_paths(ec);
  if (ec) return std::unexpected("trust store: " + ec.message());
  ctx.set_verify_mode(ssl::verify_peer);

  asio::io_context ioc;
  asio::ip::tcp::resolver resolver(ioc);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  boost::system::error_code addr_ec;
  asio::ip::make_address(host, addr_ec);  // SNI is for DNS names only (RFC 6066 §3)
  if (addr_ec && !SSL_set_tlsext_host_name(stream.native_handle(), host.c_str()))
    return std::unexpected(std::string("SNI refused"));
  stream.set_verify_callback(ssl::host_name_verification(host));
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, target, 11};
  req.set(bhttp::field::host, authority);
  req.set(bhttp::field::accept, "application/json");
  req.keep_alive(false);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(max_body);
  std::string error;
  bool done = false;
  auto fail = [&](std::string_view what, const boost::system::error_code& e) {
    if (error.empty()) error = std::string(what) + ": " + e.message();
    beast::get_lowest_layer(stream).close();
  };
  resolver.async_resolve(host, port, [&](const boost::system::error_code& rec, asio::ip::tcp::resolver::results_type r) {
    if (rec) return fail("resolve", rec);
    beast::get_lowest_layer(stream).async_connect(r, [&](const boost::system::error_code& cec, const asio::ip::tcp::endpoint&) {
      if (cec) return fail("connect", cec);
      stream.async_handshake(ssl::stream_base::client, [&](const boost::system::error_code& hec) {
        if (hec) return fail("tls handshake", hec);
        bhttp::async_write(stream, req, [&](const boost::system::error_code& wec, std::size_t) {
          if (wec) return fail("write", wec);
          bhttp::async_read(stream, buffer, parser, [&](const boost::system::error_code& rdec, std::size_t) {
            if (rdec) return fail("read", rdec);
            done = true;
          });
        });
      });
    });
  });
  ioc.run_for(timeout);
  if (!done) return std::unexpected(error.empty() ? std::string("timeout") : error);
  http::FetchResult out;
  out.status = parser.get().result_int();
  out.body = std::move(parser.get().body());
  return out;
}

class HttpJwksFetcher final : public JwksFetcher {
 public:
  HttpJwksFetcher(std::chrono::milliseconds timeout, std::optional<std::string> ca_file)
      : timeout_(timeout), ca_file_(std::move(ca_file)) {}

  std::expected<core::Jwks, std::string> fetch_jwks(const std::string& jwks_uri) override {
    auto body = get(jwks_uri);
    if (!body) return std::unexpected(body.error());
    auto jwks = core::Jwks::from_json(*body);
    if (!jwks) return std::unexpected(std::string(core::to_string(jwks.error())));
    return std::move(*jwks);
  }

  std::expected<std::string, std::string> discover_jwks_uri(const std::string& issuer) override {
    std::string errors;
    for (const auto& url : {oauth_metadata_url(issuer), openid_configuration_url(issuer)}) {
      auto uri = jwks_uri_from(url, issuer);
      if (uri) return uri;
      if (!errors.empty()) errors += "; ";
      errors += url + ": " + uri.error();
    }
    return std::unexpected(errors);
  }

 private:
  std::expected<std::string, std::string> get(const std::string& url) {
    auto r = url.starts_with("https://") ? https_get(url, timeout_, kMaxDocumentBytes, ca_file_)
                                         : http::fetch(url, timeout_, kMaxDocumentBytes);
    if (!r) return std::unexpected(r.error());
    if (r->status != 200) return std::unexpected(core::strf("HTTP {}", r->status));
    return std::move(r->body);
  }

  std::expected<std::string, std::string> jwks_uri_from(const std::string& url,
                                                        const std::string& issuer) {
    auto body = get(url);
    if (!body) return std::unexpected(body.error());
    auto doc = core::parse_strict_object(*body);
    if (!doc) return std::unexpected(std::string("metadata is not a JSON object"));
    const auto iss = core::get_string(*doc, "issuer");
    if (!iss || *iss != issuer)
      return std::unexpected(
          core::strf("metadata names issuer '{}', not '{}'", iss.value_or(""), issuer));
    const auto uri = core::get_string(*doc, "jwks_uri");
    if (!uri) return std::unexpected(std::string("metadata has no jwks_uri"));
    if (!is_key_source_url(*uri))
      return std::unexpected(core::strf("jwks_uri '{}' is not an http(s):// URL", *uri));
    return std::string(*uri);
  }

  std::chrono::milliseconds timeout_;
  std::optional<std::string> ca_file_;
};

// Split "scheme://authority/path" into ("scheme://authority", "/path" or "").
std::pair<std::string_view, std::string_view> split_origin(std::string_view issuer) {
  while (issuer.ends_with('/')) issuer.remove_suffix(1);
  const auto scheme_end = issuer.find("://");
  const auto path_start =
      issuer.find('/', scheme_end == std::string_view::npos ? 0 : scheme_end + 3);
  if (path_start == std::string_view::npos) return {issuer, {}};
  return {issuer.substr(0, path_start), issuer.substr(path_start)};
}

}  // namespace

std::shared_ptr<JwksFetcher> JwksFetcher::create(std::chrono::milliseconds timeout,
                                                 std::optional<std::string> ca_file) {
  return std::make_shared<HttpJwksFetcher>(timeout, std::move(ca_file));
}

bool is_key_source_url(std::string_view url) {
  if (url.starts_with("https://")) {
    // Same shape rules as http:// (host[:port], printable ASCII), checked on the http form.
    return is_fetchable_url(std::string("http://") + std::string(url.substr(8)));
  }
  return is_fetchable_url(url);
}

std::string oauth_metadata_url(std::string_view issuer) {
  auto [origin, path] = split_origin(issuer);
  return core::strf("{}/.well-known/oauth-authorization-server{}", origin, path);
}

std::string openid_configuration_url(std::string_view issuer) {
  while (issuer.ends_with('/')) issuer.remove_suffix(1);
  return core::strf("{}/.well-known/openid-configuration", issuer);
}

}  // namespace tollgate::gateway
