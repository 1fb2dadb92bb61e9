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
#include <string>

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
  // Tolerance for client clocks (client assertions, later); at most kMaxClockSkew.
  std::chrono::seconds clock_skew{30};

  // `section` is the `authz` mapping; an undefined or null node gives the defaults.
  // Keys: listen, issuer, signing_alg, clock_skew. Throws catalog::ConfigError.
  static AuthzConfig from_yaml(const YAML::Node& section);

  std::string token_endpoint() const { return issuer + "/oauth2/token"; }
  std::string jwks_uri() const { return issuer + "/jwks.json"; }
};

// Beyond five minutes a skew tolerance hides a broken clock rather than absorbing drift.
inline constexpr std::chrono::seconds kMaxClockSkew{300};

}  // namespace tollgate::authz
