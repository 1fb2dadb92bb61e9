#include "authz/config.h"

#include <charconv>

#include "catalog/yaml_util.h"

namespace tollgate::authz {
namespace {

using catalog::fail;

void check_listen(const YAML::Node& node, const std::string& v) {
  const auto colon = v.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == v.size())
    fail(node, "'listen' must be host:port, e.g. 127.0.0.1:9000");
  const std::string_view port(v.data() + colon + 1, v.size() - colon - 1);
  unsigned p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (ec != std::errc() || end != port.data() + port.size() || p > 65535)
    fail(node, "'listen' has a bad port '" + std::string(port) + "' (0-65535)");
}

void check_issuer(const YAML::Node& node, const std::string& v) {
  const bool https = v.starts_with("https://"), http = v.starts_with("http://");
  if (!https && !http) fail(node, "'issuer' must be an http:// or https:// URL");
  const std::string_view rest = std::string_view(v).substr(https ? 8 : 7);
  if (rest.empty() || rest.front() == '/') fail(node, "'issuer' needs a host");
  for (unsigned char c : v)
    if (c <= 0x20 || c >= 0x7f) fail(node, "'issuer' must not contain spaces or non-ASCII bytes");
  // RFC 8414 §2: the issuer has no query or fragment component.
  if (v.find_first_of("?#") != std::string::npos)
    fail(node, "'issuer' must not have a query or fragment");
  // Endpoint URLs are issuer + "/oauth2/token": a trailing '/' would make "//" and
  // an "iss" that differs from what gateways are configured with.
  if (v.back() == '/') fail(node, "'issuer' must not end with '/'");
}

core::Alg parse_alg(const YAML::Node& node) {
  if (!node.IsScalar()) fail(node, "'signing_alg' must be one of ES256, RS256, PS256, EdDSA");
  const std::string& name = node.Scalar();
  if (name.starts_with("HS") || name.starts_with("hs"))
    fail(node, "'signing_alg' " + name +
                   " is refused: HMAC tokens can be minted by anyone able to verify them; use "
                   "ES256, RS256, "
                   "PS256 or EdDSA");
  if (auto alg = core::alg_from_name(name)) return *alg;
  fail(node, "'signing_alg' '" + name + "' is not supported; use ES256, RS256, PS256 or EdDSA");
}

}  // namespace

AuthzConfig AuthzConfig::from_yaml(const YAML::Node& section) {
  AuthzConfig c;
  if (!section || section.IsNull()) return c;
  catalog::check_keys(section,
                      {"listen", "issuer", "signing_alg", "clock_skew", "key_rotation", "publish_ahead",
                       "signing_key_file", "admin_token_file", "address_rate", "address_burst",
                       "default_token_rate", "lockout_threshold", "lockout_base", "lockout_max",
                       "audit_group_commit", "audit_log_lines", "jwks_uri_ttl", "token_path_aliases"},
                      "the authz section");
  c.listen = catalog::get_string(section, "listen", c.listen);
  check_listen(section["listen"] ? section["listen"] : section, c.listen);
  c.issuer = catalog::get_string(section, "issuer", "http://" + c.listen);
  check_issuer(section["issuer"] ? section["issuer"] : section, c.issuer);
  if (const YAML::Node alg = section["signing_alg"]; alg && !alg.IsNull())
    c.signing_alg = parse_alg(alg);
  c.clock_skew = catalog::get_duration(section, "clock_skew", c.clock_skew, std::chrono::seconds{0},
                                       kMaxClockSkew);

  using std::chrono::seconds;
  constexpr seconds kYear{365 * 86400};
  c.key_rotation = catalog::get_duration(section, "key_rotation", c.key_rotation, seconds{0}, kYear);
  c.publish_ahead = catalog::get_duration(section, "publish_ahead", c.publish_ahead, seconds{0}, kYear);
  if (c.key_rotation.count() > 0 && c.publish_ahead >= c.key_rotation)
    fail(section["publish_ahead"] ? section["publish_ahead"] : section,
         "'publish_ahead' must be shorter than 'key_rotation'");
  c.signing_key_file = catalog::get_optional_string(section, "signing_key_file");
  c.admin_token_file = catalog::get_optional_string(section, "admin_token_file");
  if (const YAML::Node n = section["address_rate"]; n && !n.IsNull()) c.address_rate = catalog::parse_rate(n);
  c.address_burst = static_cast<double>(
      catalog::get_int(section, "address_burst", static_cast<std::int64_t>(c.address_burst), 1, 1'000'000));
  if (const YAML::Node n = section["default_token_rate"]; n && !n.IsNull())
    c.default_token_rate = catalog::parse_rate(n);
  c.lockout_threshold =
      static_cast<int>(catalog::get_int(section, "lockout_threshold", c.lockout_threshold, 1, 1000));
  c.lockout_base = catalog::get_duration(section, "lockout_base", c.lockout_base, seconds{1}, seconds{86400});
  c.lockout_max = catalog::get_duration(section, "lockout_max", c.lockout_max, seconds{1}, seconds{7 * 86400});
  if (c.lockout_max < c.lockout_base)
    fail(section["lockout_max"] ? section["lockout_max"] : section,
         "'lockout_max' must not be shorter than 'lockout_base'");
  c.audit_group_commit = catalog::get_bool(section, "audit_group_commit", c.audit_group_commit);
  c.audit_log_lines = catalog::get_bool(section, "audit_log_lines", c.audit_log_lines);
  c.jwks_uri_ttl = catalog::get_duration(section, "jwks_uri_ttl", c.jwks_uri_ttl, seconds{10}, seconds{86400});
  if (section["token_path_aliases"]) {
    c.token_path_aliases = catalog::get_string_list(section, "token_path_aliases");
    for (const auto& p : c.token_path_aliases)
      if (p.empty() || p.front() != '/' || p.find_first_of("?# ") != std::string::npos ||
          p.starts_with("/oauth2/") || p == "/jwks.json" || p.starts_with("/.well-known/"))
        fail(section["token_path_aliases"],
             "'token_path_aliases' entries must be absolute paths outside /oauth2/, /.well-known/ and /jwks.json");
  }
  return c;
}

}  // namespace tollgate::authz
