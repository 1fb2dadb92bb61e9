// jwt.h — JWT access-token verification (RFC 7519, RFC 9068) as one pure
// function of (token, keys, policy, now): no I/O, no clock of its own.
//
// Order of checks (each failure returns its own JoseStatus, the first one hit):
//   size/shape → base64url → JSON (no duplicate members) → alg allow-list (none
//   and HS* never) → crit / embedded keys → kid → key selection and alg/key fit
//   → signature → typ → iss → aud → exp → nbf → iat → max age → sub/jti → scope.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/jwk.h"
#include "core/jws.h"
#include "core/scope.h"
#include "core/status.h"

namespace tollgate::core {

struct VerifyPolicy {
  AlgSet allowed_algs{Alg::kES256};
  std::string issuer;                   // exact match required; empty = iss not checked (tests only)
  std::vector<std::string> audiences;   // token aud (string or array) must contain one; empty = any
  std::chrono::seconds clock_skew{30};
  // Required "typ" header value compared case-insensitively, with or without the
  // "application/" prefix (RFC 9068 §4). Empty = typ not checked.
  std::string required_typ = "at+jwt";
  std::optional<std::chrono::seconds> max_age;  // iat must be this recent (plus skew)
  bool require_iat = true;
  bool require_sub = false;
  bool require_jti = false;
};

struct VerifiedJwt {
  Alg alg;
  std::string kid;
  std::string iss;
  std::string sub;
  std::vector<std::string> aud;
  std::int64_t exp = 0;
  std::optional<std::int64_t> iat;
  std::optional<std::int64_t> nbf;
  std::string jti;
  std::string client_id;
  ScopeSet scope;
  boost::json::object claims;  // the whole payload, for role-specific claims
};

// Check the registered claims of an already signature-verified payload.
JoseStatus check_claims(const boost::json::object& payload, const VerifyPolicy& policy, TimePoint now);

std::expected<VerifiedJwt, JoseStatus> verify_jwt(std::string_view token, const Jwks& keys,
                                                  const VerifyPolicy& policy, TimePoint now);

}  // namespace tollgate::core
