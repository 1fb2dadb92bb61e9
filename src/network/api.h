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
//
// Validation helpers follow OpenAPI 3.0 schema semantics (JSON Schema draft
// wright-00, like draft 4): an `integer` is a JSON number without fraction or
// exponent part. Range violations of an otherwise well-typed value give the
// API's range code (OUT_OF_RANGE where the spec lists it, else INVALID_ARGUMENT).
#pragma once

#include <boost/json.hpp>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "network/subscribers.h"

namespace tollgate::network {

namespace qod {
class SessionStore;
}

enum class TokenType {
  kTwoLegged,    // client credentials: the token stands for the partner
  kThreeLegged,  // auth code / CIBA / JWT bearer: the token stands for one subscriber
};

struct Identity {
  TokenType token_type = TokenType::kTwoLegged;
  // 3-legged only: the subscriber the token stands for (+E.164), as resolved by
  // the gateway; nullopt when it could not be resolved.
  std::optional<std::string> subscriber;
  // The OAuth client the token was issued to (resource ownership); empty if unknown.
  std::string client_id;
  // The token's authentication methods (RFC 8176 `amr`), e.g. {"nba"}; 3-legged only.
  std::vector<std::string> amr;
};

struct ApiRequest {
  std::string_view body;
  const Identity& identity;
  const SubscriberStore& subscribers;
  const core::Clock& clock;
  // The value of the route's `{param}` segment (sessionId, QoS profile name), raw.
  std::string_view path_param{};
  // Quality on Demand sessions (owned by the network role); nullptr elsewhere.
  qod::SessionStore* sessions = nullptr;
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
ApiError invalid_argument();                          // 400 INVALID_ARGUMENT
ApiError out_of_range();                              // 400 OUT_OF_RANGE
ApiError unauthenticated();                           // 401 UNAUTHENTICATED
ApiError permission_denied();                         // 403 PERMISSION_DENIED
ApiError not_found();                                 // 404 NOT_FOUND
ApiError identifier_not_found();                      // 404 IDENTIFIER_NOT_FOUND
ApiError method_not_allowed();                        // 405 METHOD_NOT_ALLOWED
ApiError unsupported_media_type();                    // 415 UNSUPPORTED_MEDIA_TYPE
ApiError missing_identifier();                        // 422 MISSING_IDENTIFIER
ApiError unnecessary_identifier();                    // 422 UNNECESSARY_IDENTIFIER
ApiError unsupported_identifier();                    // 422 UNSUPPORTED_IDENTIFIER
ApiError service_not_applicable();                    // 422 SERVICE_NOT_APPLICABLE
ApiError conflict(std::string message);               // 409 CONFLICT
ApiError invalid_token_context(std::string message);  // 403 INVALID_TOKEN_CONTEXT
ApiError quota_exceeded();                            // 429 QUOTA_EXCEEDED
}  // namespace errors

// Which 400 code a range violation gets: the specs that list OUT_OF_RANGE use it.
enum class RangeCode { kOutOfRange, kInvalidArgument };
ApiError range_error(RangeCode code);

// A JSON Schema `integer` within [min, max]: absent → nullopt; a non-integer (fraction,
// exponent form, string, boolean, null, ...) → 400 INVALID_ARGUMENT; an integer outside
// the range (however large) → range_error(code).
std::expected<std::optional<std::int64_t>, ApiError> optional_integer(
    const boost::json::object& obj, std::string_view key, std::int64_t min, std::int64_t max,
    RangeCode code);
// The same for a value already at hand.
std::expected<std::int64_t, ApiError> integer_value(const boost::json::value& v, std::int64_t min,
                                                    std::int64_t max, RangeCode code);
// A JSON Schema `number` (any finite JSON number) within [min, max]; non-numbers →
// INVALID_ARGUMENT, out of range → range_error(code).
std::expected<double, ApiError> number_value(const boost::json::value& v, double min, double max,
                                             RangeCode code);
// An optional string member: absent → nullopt; present but not a string → INVALID_ARGUMENT.
std::expected<std::optional<std::string_view>, ApiError> optional_string(
    const boost::json::object& obj, std::string_view key);
// JSON Schema formats, strictly: `ipv4` (dotted quad, decimal octets without leading
// zeros), `ipv6` (RFC 4291 text, no zone), `date` (RFC 3339 full-date, a real calendar
// day), `date-time` (RFC 3339), `uuid` (RFC 4122 text, any version).
bool is_ipv4(std::string_view s);
bool is_ipv6(std::string_view s);
bool is_date(std::string_view s);
bool is_date_time(std::string_view s);
bool is_uuid(std::string_view s);

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
//   eligible: `api` in the subscriber's not_applicable set → 422 SERVICE_NOT_APPLICABLE.
std::expected<const Subscriber*, ApiError> identify_by_phone_number(
    std::optional<std::string_view> body_phone, const ApiRequest& request, Api api);

}  // namespace tollgate::network
