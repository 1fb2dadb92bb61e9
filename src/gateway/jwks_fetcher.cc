#include "gateway/jwks_fetcher.h"

#include "core/json.h"
#include "core/status.h"
#include "core/strf.h"
#include "gateway/config.h"
#include "http/client.h"

namespace tollgate::gateway {
namespace {

// JWKS and metadata documents are small; a bigger answer is not one of them.
constexpr std::size_t kMaxDocumentBytes = 256 * 1024;

class HttpJwksFetcher final : public JwksFetcher {
 public:
  explicit HttpJwksFetcher(std::chrono::milliseconds timeout) : timeout_(timeout) {}

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
    auto r = http::fetch(url, timeout_, kMaxDocumentBytes);
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
    if (!is_fetchable_url(*uri))
      return std::unexpected(core::strf("jwks_uri '{}' is not an http:// URL", *uri));
    return std::string(*uri);
  }

  std::chrono::milliseconds timeout_;
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

std::shared_ptr<JwksFetcher> JwksFetcher::create(std::chrono::milliseconds timeout) {
  return std::make_shared<HttpJwksFetcher>(timeout);
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
