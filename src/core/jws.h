// jws.h — JWS compact serialization (RFC 7515): strict parse, sign, verify.
//
// Parsing never trusts the header to choose a key source: "jwk", "jku", "x5u",
// "x5c" are refused, "crit" is refused (we support no extension), and the alg is
// checked against the caller's allow-list *before* any key is touched. ES256
// signatures are the raw 64-byte r||s of RFC 7518 §3.4; DER is refused, as are
// r or s equal to zero or not below the group order n. Pure; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "core/jwa.h"
#include "core/jwk.h"
#include "core/status.h"

namespace tollgate::core {

// Tokens larger than this are refused before any decoding (a 4 KiB header
// limit at the gateway sits below it anyway).
inline constexpr std::size_t kMaxTokenBytes = 16 * 1024;

struct ParsedJws {
  Alg alg;
  std::optional<std::string> kid;
  std::optional<std::string> typ;
  boost::json::object header;
  boost::json::object payload;
  std::string_view signing_input;  // "<header>.<payload>", a view into the caller's token
  std::string signature;           // decoded signature bytes
};

// Strict parse of a compact JWS. `allowed` is the caller's alg allow-list.
// REQUIRES: `token` outlives the returned signing_input view.
std::expected<ParsedJws, JoseStatus> parse_compact(std::string_view token, AlgSet allowed);

// Verify the signature of a parsed token with `key` (key must fit the token's alg).
JoseStatus verify_signature(const ParsedJws& jws, const Jwk& key);

// Low-level: verify `signature` over `signing_input` with `key` for `alg`.
JoseStatus verify_raw(Alg alg, std::string_view signing_input, std::string_view signature, const Jwk& key);

// Sign: builds {"alg":..,"kid":key.kid(),"typ":typ} + the given payload JSON text.
// `extra_header` members are added (must not contain alg/kid).
std::expected<std::string, JoseStatus> sign_compact(const Jwk& private_key, Alg alg,
                                                    std::string_view payload_json,
                                                    std::optional<std::string_view> typ,
                                                    const boost::json::object& extra_header = {});
// The same from a JSON object (no re-parse: an object's text is always valid).
std::expected<std::string, JoseStatus> sign_compact(const Jwk& private_key, Alg alg,
                                                    const boost::json::object& payload,
                                                    std::optional<std::string_view> typ,
                                                    const boost::json::object& extra_header = {});

}  // namespace tollgate::core
