// status.h — the precise reasons a JOSE/JWT operation can fail.
//
// One value per failure reason, so that logs, metrics and tests can tell them
// apart (model: google/jwt_verify_lib status.h). Partners never see these: the
// edge (gateway, authz) maps them to one canonical HTTP answer. `to_string`
// returns a stable snake_case reason code for logs and metrics; never change an
// existing code's text.
#pragma once

#include <cstdint>
#include <string_view>

namespace tollgate::core {

enum class JoseStatus : std::uint8_t {
  kOk = 0,

  // --- token shape -------------------------------------------------------
  kTokenEmpty,            // no token at all
  kTokenTooLarge,         // longer than the caller's size limit
  kTokenMalformed,        // not exactly three '.'-separated segments, or an empty header/payload
  kTokenBadCharacter,     // a byte outside the base64url alphabet and '.' (NUL, space, non-ASCII)
  kBase64Invalid,         // a segment is not strict unpadded base64url
  kHeaderNotJson,         // the header is not valid JSON (or not valid UTF-8)
  kHeaderNotObject,       // the header is JSON but not an object
  kPayloadNotJson,        // the payload is not valid JSON
  kPayloadNotObject,      // the payload is JSON but not an object
  kDuplicateMember,       // a JSON object (header or payload) repeats a member name

  // --- header ------------------------------------------------------------
  kAlgMissing,            // no "alg", or "alg" is not a string
  kAlgNone,               // "alg":"none" in any casing
  kAlgHmacRefused,        // HS256/HS384/HS512: never accepted
  kAlgUnsupported,        // an alg this code does not implement
  kAlgNotAllowed,         // an alg we implement but the caller's allow-list excludes
  kCritUnsupported,       // "crit" present (we understand no extension)
  kEmbeddedKeyRefused,    // "jwk", "jku", "x5u" or "x5c" in the header: keys only come from config
  kKidInvalid,            // "kid" present but not a string, empty, too long or with control bytes
  kTypInvalid,            // "typ" present but not a string, or not the required type

  // --- key selection -----------------------------------------------------
  kKidUnknown,            // no key in the JWKS has this kid (or no kid and no single usable key)
  kKeyAlgMismatch,        // the key's type/curve or its "alg" does not fit the token's alg

  // --- signature -----------------------------------------------------------
  kSignatureMalformed,    // wrong length (ES256 must be 64 bytes r||s; DER refused), r or s zero or >= n
  kSignatureInvalid,      // the signature does not verify

  // --- claims (RFC 7519 / RFC 9068) ----------------------------------------
  kClaimWrongType,        // a registered claim has the wrong JSON type (e.g. "exp":"soon")
  kIssMissing,
  kIssMismatch,
  kAudMissing,
  kAudMismatch,           // none of the token's audiences is acceptable
  kExpMissing,
  kExpired,               // now >= exp + skew
  kNotYetValid,           // now < nbf - skew
  kIatMissing,
  kIatInFuture,           // iat > now + skew
  kTokenTooOld,           // now - iat > max_age + skew
  kSubMissing,
  kJtiMissing,
  kScopeInvalid,          // "scope" is not a space-delimited string of valid scope tokens

  // --- keys and signing ----------------------------------------------------
  kJwkInvalid,            // a JWK is malformed, has an unsupported kty/crv, or bad key material
  kJwksInvalid,           // the JWKS document is not {"keys":[...]}
  kKeyNotPrivate,         // signing needs a private key
  kCryptoFailure,         // OpenSSL failed for a reason that is not the input's fault
};

// Stable reason code, e.g. JoseStatus::kExpired -> "token_expired".
std::string_view to_string(JoseStatus status);

}  // namespace tollgate::core
