// status.cc — stable reason codes for JoseStatus (see status.h).
#include "core/status.h"

namespace tollgate::core {

std::string_view to_string(JoseStatus status) {
  switch (status) {
    case JoseStatus::kOk: return "ok";
    case JoseStatus::kTokenEmpty: return "token_empty";
    case JoseStatus::kTokenTooLarge: return "token_too_large";
    case JoseStatus::kTokenMalformed: return "token_malformed";
    case JoseStatus::kTokenBadCharacter: return "token_bad_character";
    case JoseStatus::kBase64Invalid: return "base64_invalid";
    case JoseStatus::kHeaderNotJson: return "header_not_json";
    case JoseStatus::kHeaderNotObject: return "header_not_object";
    case JoseStatus::kPayloadNotJson: return "payload_not_json";
    case JoseStatus::kPayloadNotObject: return "payload_not_object";
    case JoseStatus::kDuplicateMember: return "duplicate_member";
    case JoseStatus::kAlgMissing: return "alg_missing";
    case JoseStatus::kAlgNone: return "alg_none";
    case JoseStatus::kAlgHmacRefused: return "alg_hmac_refused";
    case JoseStatus::kAlgUnsupported: return "alg_unsupported";
    case JoseStatus::kAlgNotAllowed: return "alg_not_allowed";
    case JoseStatus::kCritUnsupported: return "crit_unsupported";
    case JoseStatus::kEmbeddedKeyRefused: return "embedded_key_refused";
    case JoseStatus::kKidInvalid: return "kid_invalid";
    case JoseStatus::kTypInvalid: return "typ_invalid";
    case JoseStatus::kKidUnknown: return "kid_unknown";
    case JoseStatus::kKeyAlgMismatch: return "key_alg_mismatch";
    case JoseStatus::kSignatureMalformed: return "signature_malformed";
    case JoseStatus::kSignatureInvalid: return "signature_invalid";
    case JoseStatus::kClaimWrongType: return "claim_wrong_type";
    case JoseStatus::kIssMissing: return "iss_missing";
    case JoseStatus::kIssMismatch: return "iss_mismatch";
    case JoseStatus::kAudMissing: return "aud_missing";
    case JoseStatus::kAudMismatch: return "aud_mismatch";
    case JoseStatus::kExpMissing: return "exp_missing";
    case JoseStatus::kExpired: return "token_expired";
    case JoseStatus::kNotYetValid: return "token_not_yet_valid";
    case JoseStatus::kIatMissing: return "iat_missing";
    case JoseStatus::kIatInFuture: return "iat_in_future";
    case JoseStatus::kTokenTooOld: return "token_too_old";
    case JoseStatus::kSubMissing: return "sub_missing";
    case JoseStatus::kJtiMissing: return "jti_missing";
    case JoseStatus::kScopeInvalid: return "scope_invalid";
    case JoseStatus::kJwkInvalid: return "jwk_invalid";
    case JoseStatus::kJwksInvalid: return "jwks_invalid";
    case JoseStatus::kKeyNotPrivate: return "key_not_private";
    case JoseStatus::kCryptoFailure: return "crypto_failure";
  }
  return "unknown_status";
}

}  // namespace tollgate::core
