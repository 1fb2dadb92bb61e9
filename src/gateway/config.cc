#include "gateway/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include "core/strf.h"
#include "gateway/jwks_fetcher.h"

namespace tollgate::gateway {
namespace {

using catalog::check_keys;
using catalog::fail;
using std::chrono::seconds;

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

core::Alg parse_alg(const YAML::Node& node, const std::string& name) {
  const std::string l = lower(name);
  if (l == "none")
    fail(node, core::strf("algorithm '{}' is refused: unsigned tokens are never accepted", name));
  if (l.starts_with("hs"))
    fail(node,
         core::strf("algorithm '{}' is refused: HMAC tokens could be minted by anyone holding the "
                    "shared secret (use ES256, RS256, PS256 or EdDSA)",
                    name));
  auto alg = core::alg_from_name(name);
  if (!alg)
    fail(node, core::strf("unknown algorithm '{}' (allowed: ES256, RS256, PS256, EdDSA)", name));
  return *alg;
}

core::AlgSet parse_algs(const YAML::Node& issuer) {
  const YAML::Node n = issuer["algorithms"];
  if (!n || n.IsNull()) return IssuerConfig{}.algorithms;
  const auto names = catalog::get_string_list(issuer, "algorithms");
  if (names.empty()) fail(n, "'algorithms' must name at least one algorithm");
  core::AlgSet set;
  if (n.IsScalar()) {
    set.add(parse_alg(n, n.Scalar()));
  } else {
    for (const auto& item : n) set.add(parse_alg(item, item.Scalar()));
  }
  return set;
}

PemKey parse_pem_key(const YAML::Node& n, const std::string& where) {
  check_keys(n, {"kid", "path", "alg"}, where);
  PemKey k;
  k.kid = catalog::require_string(n, "kid", where);
  k.path = catalog::require_string(n, "path", where);
  if (auto a = catalog::get_optional_string(n, "alg")) k.alg = parse_alg(n["alg"], *a);
  return k;
}

IssuerConfig parse_issuer(const YAML::Node& n) {
  const std::string where = "an entry of 'issuers'";
  check_keys(n,
             {"issuer", "jwks_uri", "discovery", "pem_keys", "jwks_file", "audiences", "algorithms",
              "required_typ", "clock_skew", "jwks_refresh", "jwks_max_stale"},
             where);
  IssuerConfig c;
  c.issuer = catalog::require_string(n, "issuer", where);
  const std::string iw = core::strf("issuer '{}'", c.issuer);
  c.jwks_uri = catalog::get_optional_string(n, "jwks_uri");
  if (c.jwks_uri && !is_key_source_url(*c.jwks_uri))
    fail(n["jwks_uri"],
         core::strf("{}: jwks_uri '{}' must be an https:// or http:// URL", iw, *c.jwks_uri));
  c.discovery = catalog::get_bool(n, "discovery", false);
  if (c.discovery && c.jwks_uri)
    fail(n, core::strf("{}: give either jwks_uri or discovery, not both", iw));
  if (c.discovery && !is_key_source_url(c.issuer))
    fail(
        n["discovery"],
        core::strf("{}: discovery needs an https:// or http:// issuer URL; give jwks_uri, pem_keys "
                   "or jwks_file instead",
                   iw));
  if (const YAML::Node keys = n["pem_keys"]; keys && !keys.IsNull()) {
    if (!keys.IsSequence()) fail(keys, core::strf("{}: 'pem_keys' must be a list", iw));
    std::set<std::string> kids;
    for (const auto& k : keys) {
      c.pem_keys.push_back(parse_pem_key(k, core::strf("a pem_keys entry of {}", iw)));
      if (!kids.insert(c.pem_keys.back().kid).second)
        fail(k, core::strf("{}: kid '{}' appears twice in pem_keys", iw, c.pem_keys.back().kid));
    }
  }
  c.jwks_file = catalog::get_optional_string(n, "jwks_file");
  if (!c.jwks_uri && !c.discovery && c.pem_keys.empty() && !c.jwks_file)
    fail(n, core::strf(
                "{} has no key source: give jwks_uri, discovery: true, pem_keys or jwks_file", iw));
  c.audiences = catalog::get_string_list(n, "audiences");
  for (const auto& a : c.audiences)
    if (a.empty()) fail(n["audiences"], core::strf("{}: an audience is empty", iw));
  c.algorithms = parse_algs(n);
  c.required_typ = catalog::get_string(n, "required_typ", "at+jwt");
  // Clock skew above a few minutes would keep expired tokens alive too long.
  c.clock_skew = catalog::get_duration(n, "clock_skew", seconds{30}, seconds{0}, seconds{300});
  // Below 10 s we would hammer the issuer; above a day key rotation would take too long to reach
  // us.
  c.jwks_refresh =
      catalog::get_duration(n, "jwks_refresh", seconds{300}, seconds{10}, seconds{86400});
  // At least a few refresh periods; at most a week of an unreachable issuer.
  c.jwks_max_stale =
      catalog::get_duration(n, "jwks_max_stale", seconds{86400}, seconds{60}, seconds{7 * 86400});
  return c;
}

GatewayLimits parse_limits(const YAML::Node& n) {
  GatewayLimits l;
  if (!n || n.IsNull()) return l;
  check_keys(n,
             {"max_header_bytes", "max_body_bytes", "request_timeout", "idle_timeout",
              "max_connections", "upstream_connect_timeout", "upstream_timeout",
              "upstream_max_connections", "jwks_fetch_timeout"},
             "gateway 'limits'");
  l.max_header_bytes =
      static_cast<std::size_t>(catalog::get_int(n, "max_header_bytes", 8192, 1024, 1 << 20));
  l.max_body_bytes =
      static_cast<std::size_t>(catalog::get_int(n, "max_body_bytes", 65536, 0, 64 << 20));
  l.request_timeout =
      catalog::get_duration(n, "request_timeout", seconds{15}, seconds{1}, seconds{600});
  l.idle_timeout = catalog::get_duration(n, "idle_timeout", seconds{60}, seconds{1}, seconds{3600});
  l.max_connections =
      static_cast<std::size_t>(catalog::get_int(n, "max_connections", 20000, 1, 1'000'000));
  l.upstream_connect_timeout =
      catalog::get_duration(n, "upstream_connect_timeout", seconds{2}, seconds{1}, seconds{60});
  l.upstream_timeout =
      catalog::get_duration(n, "upstream_timeout", seconds{10}, seconds{1}, seconds{600});
  l.upstream_max_connections =
      static_cast<std::size_t>(catalog::get_int(n, "upstream_max_connections", 1024, 1, 100'000));
  l.jwks_fetch_timeout =
      catalog::get_duration(n, "jwks_fetch_timeout", seconds{5}, seconds{1}, seconds{60});
  return l;
}

ProductPolicy parse_product_policy(const YAML::Node& n, const std::string& name) {
  const std::string where = core::strf("gateway product policy '{}'", name);
  if (!n.IsMap()) fail(n, core::strf("{} must be a map", where));
  check_keys(n, {"max_token_age", "algorithms", "clock_skew", "on_stale_revocations"}, where);
  ProductPolicy p;
  if (n["max_token_age"])
    // Tokens live 15 min to 1 h (ARCHITECTURE.md); a day is the most any policy may allow.
    p.max_token_age = catalog::parse_duration(n["max_token_age"], seconds{1}, seconds{86400});
  if (n["algorithms"]) p.algorithms = parse_algs(n);
  if (n["clock_skew"])
    p.clock_skew = catalog::parse_duration(n["clock_skew"], seconds{0}, seconds{300});
  const auto on_stale = catalog::get_string(n, "on_stale_revocations", "refuse");
  if (on_stale == "refuse")
    p.on_stale_revocations = OnStaleRevocations::kRefuse;
  else if (on_stale == "introspect")
    p.on_stale_revocations = OnStaleRevocations::kIntrospect;
  else
    fail(n["on_stale_revocations"],
         core::strf("{}: on_stale_revocations must be 'refuse' or 'introspect', not '{}'", where,
                    on_stale));
  return p;
}

TokenCacheConfig parse_token_cache(const YAML::Node& n) {
  TokenCacheConfig c;
  if (!n || n.IsNull()) return c;
  check_keys(n, {"enabled", "max_entries"}, "gateway 'token_cache'");
  c.enabled = catalog::get_bool(n, "enabled", true);
  c.max_entries = static_cast<std::size_t>(catalog::get_int(n, "max_entries", 4096, 1, 1'000'000));
  return c;
}

RevocationFeedConfig parse_revocations(const YAML::Node& n) {
  RevocationFeedConfig c;
  if (!n || n.IsNull()) return c;
  check_keys(n, {"url", "admin_token_file", "introspection_url", "interval", "max_staleness"},
             "gateway 'revocations'");
  c.url = catalog::get_optional_string(n, "url");
  if (c.url && !is_fetchable_url(*c.url))
    fail(n["url"], core::strf("revocations: url '{}' must be an http:// URL", *c.url));
  c.admin_token_file = catalog::get_optional_string(n, "admin_token_file");
  c.introspection_url = catalog::get_optional_string(n, "introspection_url");
  if (c.introspection_url && !is_fetchable_url(*c.introspection_url))
    fail(n["introspection_url"], core::strf("revocations: introspection_url '{}' must be an "
                                            "http:// URL",
                                            *c.introspection_url));
  if ((c.url || c.introspection_url) && !c.admin_token_file)
    fail(n, "revocations: the feed and introspection need 'admin_token_file'");
  c.interval = catalog::get_duration(n, "interval", seconds{1}, seconds{1}, seconds{3600});
  // Below the poll interval every poll would already be late; past an hour a
  // revoked token outlives most access tokens.
  c.max_staleness =
      catalog::get_duration(n, "max_staleness", seconds{30}, seconds{2}, seconds{3600});
  if (c.max_staleness <= c.interval)
    fail(n["max_staleness"], "revocations: max_staleness must exceed the poll interval");
  return c;
}

RateLimitConfig parse_rate_limits(const YAML::Node& n) {
  RateLimitConfig c;
  if (!n || n.IsNull()) return c;
  check_keys(n, {"enabled", "default_tier", "redis"}, "gateway 'rate_limits'");
  c.enabled = catalog::get_bool(n, "enabled", true);
  c.default_tier = catalog::get_string(n, "default_tier", "");
  c.redis = catalog::get_optional_string(n, "redis");
  return c;
}

}  // namespace

std::optional<HostPort> parse_http_origin(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return std::nullopt;
  std::string_view rest = url.substr(kScheme.size());
  if (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.empty()) return std::nullopt;
  for (char c : rest)
    if (c == '/' || c == '?' || c == '#' || c == '@' || static_cast<unsigned char>(c) <= 0x20)
      return std::nullopt;
  std::string_view host = rest;
  std::optional<std::string_view> port;
  if (rest.front() == '[') {  // [IPv6]:port
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = rest.substr(1, close - 1);
    const auto after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
    }
  } else if (const auto colon = rest.find(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.empty()) return std::nullopt;
  HostPort hp;
  hp.host = std::string(host);
  if (port) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(port->data(), port->data() + port->size(), v);
    if (port->empty() || ec != std::errc() || p != port->data() + port->size() || v == 0 ||
        v > 65535)
      return std::nullopt;
    hp.port = static_cast<std::uint16_t>(v);
  }
  return hp;
}

bool is_fetchable_url(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme) || url.size() == kScheme.size()) return false;
  for (char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      return false;
  const auto authority_end = url.find_first_of("/?#", kScheme.size());
  return parse_http_origin(url.substr(0, authority_end)).has_value();
}

GatewayConfig GatewayConfig::from_yaml(const YAML::Node& section) {
  GatewayConfig c;
  if (!section || section.IsNull()) return c;
  check_keys(section,
             {"listen", "threads", "issuers", "upstreams", "limits", "access_log", "token_cache",
              "products", "blocked_clients", "revocations", "rate_limits", "admin_listen", "tls",
              "jwks_ca_file", "upstream_key_file"},
             "the 'gateway' section");
  c.upstream_key_file = catalog::get_string(section, "upstream_key_file", "");
  c.listen = catalog::get_string(section, "listen", c.listen);
  c.threads = static_cast<int>(catalog::get_int(section, "threads", 0, 0, 256));
  if (const YAML::Node issuers = section["issuers"]; issuers && !issuers.IsNull()) {
    if (!issuers.IsSequence()) fail(issuers, "'issuers' must be a list");
    std::set<std::string> seen;
    for (const auto& n : issuers) {
      c.issuers.push_back(parse_issuer(n));
      if (!seen.insert(c.issuers.back().issuer).second)
        fail(n, core::strf("issuer '{}' is listed twice", c.issuers.back().issuer));
    }
  }
  if (const YAML::Node ups = section["upstreams"]; ups && !ups.IsNull()) {
    catalog::require_map(ups, "'upstreams'");
    for (const auto& kv : ups) {
      const auto name = kv.first.as<std::string>();
      if (!kv.second.IsScalar())
        fail(kv.second, core::strf("upstream '{}' must be an http://host:port URL", name));
      const auto url = kv.second.Scalar();
      if (!parse_http_origin(url))
        fail(kv.second,
             core::strf(
                 "upstream '{}': '{}' is not an http://host:port URL (no path; https:// comes "
                 "with TLS support)",
                 name, url));
      c.upstreams.emplace(name, url);
    }
  }
  c.limits = parse_limits(section["limits"]);
  c.access_log = catalog::get_bool(section, "access_log", true);
  c.token_cache = parse_token_cache(section["token_cache"]);
  if (const YAML::Node products = section["products"]; products && !products.IsNull()) {
    catalog::require_map(products, "gateway 'products'");
    for (const auto& kv : products) {
      const auto name = kv.first.as<std::string>();
      c.products.emplace(name, parse_product_policy(kv.second, name));
    }
  }
  c.blocked_clients = catalog::get_string_list(section, "blocked_clients");
  for (const auto& b : c.blocked_clients)
    if (b.empty()) fail(section["blocked_clients"], "blocked_clients: a client id is empty");
  c.revocations = parse_revocations(section["revocations"]);
  c.rate_limits = parse_rate_limits(section["rate_limits"]);
  c.jwks_ca_file = catalog::get_optional_string(section, "jwks_ca_file");
  if (const YAML::Node tls = section["tls"]; tls && !tls.IsNull()) {
    check_keys(tls, {"cert_file", "key_file"}, "gateway 'tls'");
    TlsConfig t;
    t.cert_file = catalog::require_string(tls, "cert_file", "gateway 'tls'");
    t.key_file = catalog::require_string(tls, "key_file", "gateway 'tls'");
    c.tls = t;
  }
  if (section["admin_listen"]) {
    c.admin_listen = catalog::get_string(section, "admin_listen", "");
    c.admin_listen_explicit = true;
  }
  return c;
}

}  // namespace tollgate::gateway
