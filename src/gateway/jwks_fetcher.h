// jwks_fetcher.h — fetching an issuer's public keys over HTTP: the JWKS
// document at a configured jwks_uri, and RFC 8414 / OpenID discovery of that
// jwks_uri from the issuer URL.
//
// Security invariant: only URLs from the configuration (the jwks_uri, or the
// issuer's own well-known documents) are ever fetched — never `jku`, `x5u` or
// anything named by a token. A discovered jwks_uri is accepted only when the
// discovery document's "issuer" equals the configured issuer exactly
// (RFC 8414 §3.3), so a document for another issuer cannot substitute keys.
//
// https:// key sources are fetched over TLS 1.2+ with the peer verified
// against `ca_file` (a PEM bundle) or, without one, the system's trust store,
// and its name checked against the URL's host (SNI sent for DNS names).
// Redirects are not followed: only a 200 counts.
//
// Blocking calls with a timeout: run them on a background thread, never on an
// io_context thread. Implementations are thread-safe. Tests replace the
// interface with a fake, or point the real one at a local http::Server.
#pragma once

#include <chrono>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/jwk.h"

namespace tollgate::gateway {

class JwksFetcher {
 public:
  virtual ~JwksFetcher() = default;
  static std::shared_ptr<JwksFetcher> create(std::chrono::milliseconds timeout,
                                             std::optional<std::string> ca_file = std::nullopt);

  // GET `jwks_uri` and parse it. The error string is for the log ("connect:
  // Connection refused", "HTTP 500", "jwks_invalid").
  virtual std::expected<core::Jwks, std::string> fetch_jwks(const std::string& jwks_uri) = 0;

  // Find the jwks_uri: <issuer>/.well-known/oauth-authorization-server first,
  // then <issuer>/.well-known/openid-configuration.
  virtual std::expected<std::string, std::string> discover_jwks_uri(const std::string& issuer) = 0;
};

// The discovery document URL for `issuer` (RFC 8414 §3: a path component of the
// issuer goes after the well-known segment; OIDC Discovery appends it instead).
std::string oauth_metadata_url(std::string_view issuer);
std::string openid_configuration_url(std::string_view issuer);

// True for an absolute http:// or https:// URL a key source may name.
bool is_key_source_url(std::string_view url);

}  // namespace tollgate::gateway
