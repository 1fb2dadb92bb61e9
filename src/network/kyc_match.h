// kyc_match.h — CAMARA KYC Match v0.4.0 (../shared/camara/specs/kyc-match.yaml), base
// path /kyc-match/v0.4, scope kyc-match:match.
//
// POST /match {phoneNumber?, idDocument?, ..., nationality?} → 200 with, for every
// attribute sent (phoneNumber aside), `<attribute>Match`: the *string* "true", "false" or
// "not_available" (nothing on file), and for the text attributes that have one
// (kTextFields), `<attribute>MatchScore` (0..99) only when the match is "false": the
// Jaro-Winkler similarity (the spec's default algorithm) of the normalised values, in
// percent, rounded down.
//
// Normalisation before comparing: surrounding whitespace trimmed and inner runs
// collapsed to one space, ASCII letters case-folded; an idDocument also ignores spaces
// and hyphens ("66666666-Q" is "66666666q"). Dates and enumerations compare exactly.
//
// Validation (400 INVALID_ARGUMENT): every attribute is a string; idDocumentType and
// gender within their enums; idDocumentExpiryDate and birthdate RFC 3339 full-dates;
// email local@domain; phoneNumber +E.164. Unknown members are allowed (no
// additionalProperties). No attribute other than phoneNumber → 400
// KNOW_YOUR_CUSTOMER.INVALID_PARAM_COMBINATION.
//
// Subject (this API's own rule): 2-legged → phoneNumber required (422
// MISSING_IDENTIFIER); 3-legged → the token's subscriber, and a phoneNumber, if sent,
// must be the same number (else 403 INVALID_TOKEN_CONTEXT; never UNNECESSARY_IDENTIFIER).
// Unknown → 404 IDENTIFIER_NOT_FOUND; not eligible → 422 SERVICE_NOT_APPLICABLE.
//
// This operator's idDocument rule: when the subscriber's record holds a verified
// idDocument, it must be sent (403 KNOW_YOUR_CUSTOMER.ID_DOCUMENT_REQUIRED) and match
// (403 KNOW_YOUR_CUSTOMER.ID_DOCUMENT_MISMATCH) before any other attribute is compared.
#pragma once

#include "network/api.h"

namespace tollgate::network::kyc_match {

ApiResult match(const ApiRequest& request);

// Jaro-Winkler similarity (0..1) over Unicode code points of two UTF-8 strings; prefix
// scale 0.1 over at most 4 characters. Invalid UTF-8 bytes count as one character each.
double jaro_winkler(std::string_view a, std::string_view b);

}  // namespace tollgate::network::kyc_match
