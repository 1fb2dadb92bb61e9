// jwt.cc — JWT access-token verification (see jwt.h).
#include "core/jwt.h"

#include <limits>

#include "core/ascii.h"
#include "core/json.h"

namespace tollgate::core {
namespace {

namespace json = boost::json;

using Int = std::int64_t;

// a + b without overflow (saturates at the int64 bounds).
Int sat_add(Int a, Int b) {
  Int r = 0;
  if (__builtin_add_overflow(a, b, &r)) {
    return b > 0 ? std::numeric_limits<Int>::max() : std::numeric_limits<Int>::min();
  }
  return r;
}

Int sat_sub(Int a, Int b) {
  Int r = 0;
  if (__builtin_sub_overflow(a, b, &r)) {
    return b < 0 ? std::numeric_limits<Int>::max() : std::numeric_limits<Int>::min();
  }
  return r;
}

// RFC 9068 §4: "at+jwt" or "application/at+jwt", compared case-insensitively.
bool typ_matches(std::string_view typ, std::string_view required) {
  if (ascii_iequals(typ, required)) return true;
  constexpr std::string_view kPrefix = "application/";
  return typ.size() == kPrefix.size() + required.size() &&
         ascii_iequals(typ.substr(0, kPrefix.size()), kPrefix) &&
         ascii_iequals(typ.substr(kPrefix.size()), required);
}

std::string_view sv(const json::string& s) { return std::string_view(s.data(), s.size()); }

// A NumericDate claim: absent, an integer, or of the wrong type.
enum class Presence { kAbsent, kPresent, kWrongType };
Presence numeric_date(const json::object& payload, std::string_view name, Int& out) {
  if (!payload.contains(name)) return Presence::kAbsent;
  const auto v = get_int(payload, name);
  if (!v) return Presence::kWrongType;
  out = *v;
  return Presence::kPresent;
}

// An optional string claim: kOk when absent or a string.
JoseStatus optional_string(const json::object& payload, std::string_view name,
                           const json::string*& out) {
  out = nullptr;
  const json::value* v = payload.if_contains(name);
  if (v == nullptr) return JoseStatus::kOk;
  out = v->if_string();
  return out != nullptr ? JoseStatus::kOk : JoseStatus::kClaimWrongType;
}

}  // namespace

JoseStatus check_claims(const boost::json::object& payload, const VerifyPolicy& policy,
                        TimePoint now) {
  const Int now_s = std::chrono::floor<std::chrono::seconds>(now.time_since_epoch()).count();
  const Int skew = policy.clock_skew.count() < 0 ? 0 : policy.clock_skew.count();

  // iss
  const json::string* iss = nullptr;
  if (JoseStatus s = optional_string(payload, "iss", iss); s != JoseStatus::kOk) return s;
  if (iss == nullptr) return JoseStatus::kIssMissing;
  if (!policy.issuer.empty() && sv(*iss) != policy.issuer) return JoseStatus::kIssMismatch;

  // aud: a string or a non-empty array of strings
  const json::value* aud = payload.if_contains("aud");
  if (aud == nullptr) return JoseStatus::kAudMissing;
  if (const json::string* one = aud->if_string()) {
    if (!policy.audiences.empty()) {
      bool ok = false;
      for (const std::string& a : policy.audiences) ok = ok || sv(*one) == a;
      if (!ok) return JoseStatus::kAudMismatch;
    }
  } else if (const json::array* many = aud->if_array()) {
    for (const json::value& item : *many) {
      if (!item.is_string()) return JoseStatus::kClaimWrongType;
    }
    if (many->empty()) return JoseStatus::kAudMissing;
    if (!policy.audiences.empty()) {
      bool ok = false;
      for (const json::value& item : *many) {
        for (const std::string& a : policy.audiences) ok = ok || sv(item.get_string()) == a;
      }
      if (!ok) return JoseStatus::kAudMismatch;
    }
  } else {
    return JoseStatus::kClaimWrongType;
  }

  // exp: the first instant at which the token is no longer valid (RFC 7519 §4.1.4).
  Int exp = 0;
  switch (numeric_date(payload, "exp", exp)) {
    case Presence::kAbsent:
      return JoseStatus::kExpMissing;
    case Presence::kWrongType:
      return JoseStatus::kClaimWrongType;
    case Presence::kPresent:
      break;
  }
  if (now_s >= sat_add(exp, skew)) return JoseStatus::kExpired;

  // nbf
  Int nbf = 0;
  switch (numeric_date(payload, "nbf", nbf)) {
    case Presence::kAbsent:
      break;
    case Presence::kWrongType:
      return JoseStatus::kClaimWrongType;
    case Presence::kPresent:
      if (now_s < sat_sub(nbf, skew)) return JoseStatus::kNotYetValid;
      break;
  }

  // iat and maximum age
  Int iat = 0;
  const Presence iat_p = numeric_date(payload, "iat", iat);
  if (iat_p == Presence::kWrongType) return JoseStatus::kClaimWrongType;
  if (iat_p == Presence::kAbsent) {
    if (policy.require_iat || policy.max_age) return JoseStatus::kIatMissing;
  } else {
    if (iat > sat_add(now_s, skew)) return JoseStatus::kIatInFuture;
    if (policy.max_age && sat_sub(now_s, iat) > sat_add(policy.max_age->count(), skew)) {
      return JoseStatus::kTokenTooOld;
    }
  }

  // sub, jti
  const json::string* sub = nullptr;
  if (JoseStatus s = optional_string(payload, "sub", sub); s != JoseStatus::kOk) return s;
  if (policy.require_sub && (sub == nullptr || sub->empty())) return JoseStatus::kSubMissing;
  const json::string* jti = nullptr;
  if (JoseStatus s = optional_string(payload, "jti", jti); s != JoseStatus::kOk) return s;
  if (policy.require_jti && (jti == nullptr || jti->empty())) return JoseStatus::kJtiMissing;

  return JoseStatus::kOk;
}

std::expected<VerifiedJwt, JoseStatus> verify_jwt(std::string_view token, const Jwks& keys,
                                                  const VerifyPolicy& policy, TimePoint now) {
  try {
    auto parsed = parse_compact(token, policy.allowed_algs);
    if (!parsed) return std::unexpected(parsed.error());
    ParsedJws& jws = *parsed;

    const Jwk* key =
        keys.select(jws.kid ? std::optional<std::string_view>(*jws.kid) : std::nullopt, jws.alg);
    if (key == nullptr) return std::unexpected(JoseStatus::kKidUnknown);
    if (!key->fits(jws.alg)) return std::unexpected(JoseStatus::kKeyAlgMismatch);
    if (JoseStatus s = verify_signature(jws, *key); s != JoseStatus::kOk) return std::unexpected(s);

    if (!policy.required_typ.empty()) {
      if (!jws.typ || !typ_matches(*jws.typ, policy.required_typ))
        return std::unexpected(JoseStatus::kTypInvalid);
    }
    if (JoseStatus s = check_claims(jws.payload, policy, now); s != JoseStatus::kOk)
      return std::unexpected(s);

    const json::object& p = jws.payload;
    VerifiedJwt out;
    out.alg = jws.alg;
    out.kid = jws.kid ? std::move(*jws.kid) : key->kid();
    if (auto iss = get_string(p, "iss")) out.iss = *iss;
    if (auto sub = get_string(p, "sub")) out.sub = *sub;
    if (auto jti = get_string(p, "jti")) out.jti = *jti;
    if (const json::value* aud = p.if_contains("aud")) {
      if (const json::string* one = aud->if_string()) {
        out.aud.emplace_back(sv(*one));
      } else if (const json::array* many = aud->if_array()) {
        out.aud.reserve(many->size());
        for (const json::value& item : *many) out.aud.emplace_back(sv(item.get_string()));
      }
    }
    out.exp = *get_int(p, "exp");
    out.iat = get_int(p, "iat");
    out.nbf = get_int(p, "nbf");

    const json::string* client_id = nullptr;
    if (JoseStatus s = optional_string(p, "client_id", client_id); s != JoseStatus::kOk)
      return std::unexpected(s);
    if (client_id != nullptr) out.client_id = sv(*client_id);

    if (const json::value* scope = p.if_contains("scope")) {
      const json::string* text = scope->if_string();
      if (text == nullptr) return std::unexpected(JoseStatus::kScopeInvalid);
      auto set = ScopeSet::parse(sv(*text));
      if (!set) return std::unexpected(JoseStatus::kScopeInvalid);
      out.scope = std::move(*set);
    }
    out.claims = std::move(jws.payload);
    return out;
  } catch (...) {
    return std::unexpected(JoseStatus::kCryptoFailure);  // allocation failure
  }
}

}  // namespace tollgate::core
