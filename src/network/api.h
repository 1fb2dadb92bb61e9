// api.h — what every CAMARA operation of the network role shares: the request
// it sees (body, identity, subscribers, clock), the result it returns, the
// CAMARA error vocabulary (Commonalities 0.6 design guide §3.1, messages from the
// specs' examples), body parsing and subject identification.
//
// An operation is a plain function `ApiResult op(const ApiRequest&)`: no sockets,
// no headers, no throwing on the request path. NetworkService (service.h) routes
// to it, turns the result into HTTP and adds x-correlator. New APIs (QoD,
// location, reachability, ...) are sibling files with such functions plus a
// route line in service.cc.
//
// Identity comes from the gateway, which verified the access token: for a
// 2-legged token the subject must be named in the body; for a 3-legged token the
// gateway resolved the token's subscriber and the body must not name one.
#pragma once

#include <boost/json.hpp>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "network/subscribers.h"

namespace tollgate::network {

enum class TokenType {
  kTwoLegged,    // client credentials: the token stands for the partner
  kThreeLegged,  // auth code / CIBA / JWT bearer: the token stands for one subscriber
};

struct Identity {
  TokenType token_type = TokenType::kTwoLegged;
  // 3-legged only: the subscriber the token stands for (+E.164), as resolved by
  // the gateway; nullopt when it could not be resolved.
  std::optional<std::string> subscriber;
};

struct ApiRequest {
  std::string_view body;
  const Identity& identity;
  const SubscriberStore& subscribers;
  const core::Clock& clock;
};

struct ApiError {
  unsigned status;
  std::string_view code;  // CAMARA code, static storage
  std::string message;
  bool operator==(const ApiError&) const = default;
};

struct ApiReply {
  unsigned status = 200;
  std::optional<boost::json::value> body;  // nullopt: no body (e.g. 204)
};

using ApiResult = std::expected<ApiReply, ApiError>;

// The CAMARA errors the network role uses, with the spec example messages.
namespace errors {
ApiError invalid_argument();        // 400 INVALID_ARGUMENT
ApiError out_of_range();            // 400 OUT_OF_RANGE
ApiError permission_denied();       // 403 PERMISSION_DENIED
ApiError not_found();               // 404 NOT_FOUND
ApiError identifier_not_found();    // 404 IDENTIFIER_NOT_FOUND
ApiError method_not_allowed();      // 405 METHOD_NOT_ALLOWED
ApiError unsupported_media_type();  // 415 UNSUPPORTED_MEDIA_TYPE
ApiError missing_identifier();      // 422 MISSING_IDENTIFIER
ApiError unnecessary_identifier();  // 422 UNNECESSARY_IDENTIFIER
}  // namespace errors

// The request body as a JSON object. Malformed JSON, a non-object, duplicate
// member names, invalid UTF-8 or excessive nesting → 400 INVALID_ARGUMENT
// (CAMARA request bodies are required JSON objects, even when `{}`).
std::expected<boost::json::object, ApiError> parse_body(std::string_view body);

// The optional `phoneNumber` member: absent → nullopt; present but not a string
// matching ^\+[1-9][0-9]{4,14}$ (null included) → 400 INVALID_ARGUMENT.
std::expected<std::optional<std::string_view>, ApiError> optional_phone_number(
    const boost::json::object& body);

// The subscriber an operation is about, from the token or the body's phoneNumber
// (already schema-checked), per the CAMARA identification rules:
//   2-legged: body phoneNumber required (absent → 422 MISSING_IDENTIFIER);
//   3-legged: token's subscriber; a body phoneNumber → 422 UNNECESSARY_IDENTIFIER
//             (even when equal); no resolvable subscriber → 422 MISSING_IDENTIFIER
//             (a 3-legged token never falls back to a number in the body);
//   not a subscriber of ours → 404 IDENTIFIER_NOT_FOUND.
std::expected<const Subscriber*, ApiError> identify_by_phone_number(
    std::optional<std::string_view> body_phone, const ApiRequest& request);

}  // namespace tollgate::network
