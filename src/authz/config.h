// config.h — the `authz` section of the process configuration.
//
// Every setting has a safe default so that `tollgate run` needs no file.
// `from_yaml` refuses unknown keys and bad values with catalog::ConfigError
// (line, column, reason): configuration errors stop the process at start-up,
// never later. HMAC signing (HS256/384/512) and "none" are refused here: a
// shared-secret token could be minted by any party able to verify it.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/jwa.h"

namespace tollgate::authz {

struct AuthzConfig {
  std::string listen = "127.0.0.1:9000";  // host:port the app binds for this role
  // The "iss" of every token and the base of every endpoint URL in the discovery
  // documents: an http(s) URL without query, fragment or trailing '/'. When the
  // YAML section sets no issuer, it is "http://" + listen, so that moving the
  // listen address (tests on free ports) keeps the discovery URLs reachable.
  std::string issuer = "http://127.0.0.1:9000";
  core::Alg signing_alg = core::Alg::kES256;
  // Tolerance for client clocks (client assertions); at most kMaxClockSkew.
  std::chrono::seconds clock_skew{30};

  // --- signing keys (keys.h) ---------------------------------------------------
  // Scheduled rotation: a new key signs every `key_rotation` (0 = never). It is
  // generated and published in the JWKS `publish_ahead` before it signs, so that
  // every gateway's JWKS cache (5 min) holds it in time.
  std::chrono::seconds key_rotation{std::chrono::hours(24 * 30)};
  std::chrono::seconds publish_ahead{std::chrono::hours(1)};
  // An externally managed private key (PEM, mode 0600) to sign with instead of
  // the keys folder; scheduled rotation is then off (whoever manages the file rotates it).
  std::optional<std::string> signing_key_file;

  // --- admin credential (admin_token.h) ------------------------------------------
  // A file holding the admin bearer token; when unset, data/admin-token is
  // generated (mode 0600) on first start. There is no "open" admin mode.
  std::optional<std::string> admin_token_file;

  // --- throttling and lockout (throttle.h) --------------------------------------------
  double address_rate = 100;        // requests/s per source address on token, revoke, introspect
  double address_burst = 200;
  double default_token_rate = 5;    // token requests/s for a client whose partner has no catalog tier
  int lockout_threshold = 5;        // failed client authentications in a row before a lockout
  std::chrono::seconds lockout_base{30};   // first lockout; each next one doubles
  std::chrono::seconds lockout_max{3600};  // cap of the doubling

  // --- audit (audit.h) -------------------------------------------------------------------
  // true: records of concurrent requests share one transaction and one fsync
  // (group commit); false: one transaction per record (for measurement only).
  bool audit_group_commit = true;
  bool audit_log_lines = true;  // also write each committed record to the "audit" log channel

  // --- private_key_jwt (client_keys.h) ---------------------------------------------------
  std::chrono::seconds jwks_uri_ttl{300};  // how long a client's fetched JWKS is used before a refetch

  // Extra paths that also serve the token endpoint (a partner migrating from an
  // older authorization server, or the shared benchmark's POST /token).
  std::vector<std::string> token_path_aliases;

  // `section` is the `authz` mapping; an undefined or null node gives the defaults.
  // Throws catalog::ConfigError.
  static AuthzConfig from_yaml(const YAML::Node& section);

  std::string token_endpoint() const { return issuer + "/oauth2/token"; }
  std::string jwks_uri() const { return issuer + "/jwks.json"; }
  std::string revocation_endpoint() const { return issuer + "/oauth2/revoke"; }
  std::string introspection_endpoint() const { return issuer + "/oauth2/introspect"; }
};

// Beyond five minutes a skew tolerance hides a broken clock rather than absorbing drift.
inline constexpr std::chrono::seconds kMaxClockSkew{300};

}  // namespace tollgate::authz
