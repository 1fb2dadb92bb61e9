// config.h — the gateway's process configuration: where it listens, how many
// threads, which issuers it trusts (and where their keys come from), the
// upstream origins products name, and abuse limits.
//
// Loaded once at start from the `gateway:` section of the process YAML.
// `from_yaml` is strict: unknown keys, bad values, HMAC/none algorithms and
// issuers without any key source are refused with a ConfigError naming the
// line and the reason. Plain data, copyable; no thread-safety concerns.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/yaml_util.h"
#include "core/jwa.h"

namespace tollgate::gateway {

// A public key pushed to the gateway as a PEM file rather than pulled from a JWKS.
struct PemKey {
  std::string kid;
  std::string path;
  std::optional<core::Alg> alg;  // restricts the key to one alg when given
};

// A trusted token issuer. Keys come from any combination of jwks_uri (or
// discovery, which finds the jwks_uri), PEM files and a local JWKS file; at
// least one source is required.
struct IssuerConfig {
  std::string issuer;                   // the exact "iss" value
  std::optional<std::string> jwks_uri;  // https:// (verified, jwks_fetcher.h) or http://
  // Fetch <issuer>/.well-known/oauth-authorization-server, then
  // <issuer>/.well-known/openid-configuration, to find the jwks_uri.
  bool discovery = false;
  std::vector<PemKey> pem_keys;
  std::optional<std::string> jwks_file;
  std::vector<std::string> audiences;  // accepted besides the product's own audience
  core::AlgSet algorithms{core::Alg::kES256, core::Alg::kRS256, core::Alg::kPS256,
                          core::Alg::kEdDSA};
  // Required JOSE "typ" (RFC 9068). Empty = not checked: tokens from generic IdPs may carry "JWT"
  // or none. Every issuer's tokens must still hold a jti and name their client
  // (client_id, or azp), else 401 (pipeline.h).
  std::string required_typ = "at+jwt";
  std::chrono::seconds clock_skew{30};
  std::chrono::seconds jwks_refresh{300};
  // Stale-if-error grace: fetched keys are kept while the issuer is unreachable,
  // but not longer than this after the last successful fetch (then only the
  // static keys remain, so a withdrawn key cannot stay trusted for ever).
  std::chrono::seconds jwks_max_stale{86400};
};

// What a subscriber-data product does when the revocation set is older than
// RevocationFeedConfig::max_staleness (the feed is unreachable): ask the
// authorization server about this token now (RFC 7662), or refuse.
enum class OnStaleRevocations { kRefuse, kIntrospect };

// Per-product gateway policy beyond the catalog (`gateway.products.<name>`).
// Unset members fall back to the issuer's settings.
struct ProductPolicy {
  std::optional<std::chrono::seconds> max_token_age;  // iat must be this recent (plus skew)
  std::optional<core::AlgSet> algorithms;             // narrows each issuer's list
  std::optional<std::chrono::seconds> clock_skew;     // replaces the issuer's
  OnStaleRevocations on_stale_revocations = OnStaleRevocations::kRefuse;
};

struct TokenCacheConfig {
  bool enabled = true;             // off: every request verifies its signature (benchmarks)
  std::size_t max_entries = 4096;  // per gateway thread
};

// Where the revocation set of subscriber-data products comes from until the
// control plane pushes it: GET <url>?since=N with the admin bearer token.
struct RevocationFeedConfig {
  std::optional<std::string> url;                // http:// ...; absent = no feed
  std::optional<std::string> admin_token_file;   // file holding the admin bearer token
  std::optional<std::string> introspection_url;  // RFC 7662 endpoint for kIntrospect
  std::chrono::seconds interval{1};              // poll period
  std::chrono::seconds max_staleness{30};        // beyond: the product's OnStaleRevocations
};

struct RateLimitConfig {
  bool enabled = true;
  // Tier of clients whose partner the catalog does not know (foreign IdPs, no
  // "partner" claim). Empty = the catalog tier with the lowest rate.
  std::string default_tier;
  // "host:port" of a Redis 7 server for fleet-wide limits; absent = per process.
  std::optional<std::string> redis;
};

struct TlsConfig {
  std::string cert_file;  // PEM chain
  std::string key_file;   // PEM private key
};

// Abuse limits towards partners (the HTTP server) and towards upstreams.
struct GatewayLimits {
  std::size_t max_header_bytes = 8 * 1024;  // a JWT of a few KiB plus ordinary headers
  std::size_t max_body_bytes = 64 * 1024;   // CAMARA request bodies are small JSON documents
  std::chrono::seconds request_timeout{15};
  std::chrono::seconds idle_timeout{60};
  std::size_t max_connections = 20000;  // per thread
  std::chrono::milliseconds upstream_connect_timeout{2000};
  std::chrono::milliseconds upstream_timeout{10000};
  std::size_t upstream_max_connections = 1024;  // per thread and upstream
  std::chrono::milliseconds jwks_fetch_timeout{5000};
};

struct GatewayConfig {
  std::string listen = "127.0.0.1:8080";
  int threads = 0;  // 0 = the CPUs this process may run on (http::usable_cpus)
  std::vector<IssuerConfig> issuers;
  std::map<std::string, std::string> upstreams;  // name -> http://host:port
  // A file whose key goes to every upstream as x-tollgate-gateway-key, so that the
  // network role believes the identity headers only from us; empty = none.
  std::string upstream_key_file;
  GatewayLimits limits;
  bool access_log = true;
  TokenCacheConfig token_cache;
  // Reloadable on SIGHUP (with the catalog): products, blocked_clients, rate_limits tiers.
  std::map<std::string, ProductPolicy> products;
  std::vector<std::string> blocked_clients;
  RevocationFeedConfig revocations;
  RateLimitConfig rate_limits;
  // Admin listener (Prometheus /metrics, /healthz, /readyz, /policy); loopback
  // only. Empty = none. When left at the default and the port is taken, the
  // gateway runs without it (logged); an address given explicitly must bind.
  std::string admin_listen = "127.0.0.1:9901";
  bool admin_listen_explicit = false;
  std::optional<TlsConfig> tls;  // TLS termination; required unless `listen` is loopback
  // Trust anchors (PEM bundle) for https:// key sources; absent = the system store.
  std::optional<std::string> jwks_ca_file;

  // Parse the `gateway:` section; a null/undefined node gives the defaults.
  // Throws catalog::ConfigError.
  static GatewayConfig from_yaml(const YAML::Node& section);
};

// "http://host:port[/]" split into host and port (80 when absent); nullopt for
// anything else (https, a path, user info, a query).
struct HostPort {
  std::string host;
  std::uint16_t port = 80;
};
std::optional<HostPort> parse_http_origin(std::string_view url);

// True when `url` is an absolute http:// URL (any path) that http::fetch can GET.
bool is_fetchable_url(std::string_view url);

}  // namespace tollgate::gateway
