#include "network/quality_on_demand.h"

#include <boost/url.hpp>
#include <charconv>
#include <limits>

#include "network/device.h"
#include "network/qod_sessions.h"
#include "network/qos_profiles.h"
#include "network/rfc3339.h"

namespace tollgate::network::quality_on_demand {
namespace {

constexpr std::int64_t kInt32Max = std::numeric_limits<std::int32_t>::max();

ApiError bad_request(std::string_view code, std::string message) {
  return {400, code, std::move(message)};
}

ApiError unavailable() { return {503, "UNAVAILABLE", "Service Unavailable."}; }

// "a.b.c.d" or "a.b.c.d/n" (n 0..32); "x::y" or "x::y/n" (n 0..128).
bool valid_prefix(std::string_view s, bool v6) {
  const auto slash = s.find('/');
  const std::string_view addr = s.substr(0, slash);
  if (!(v6 ? is_ipv6(addr) : is_ipv4(addr))) return false;
  if (slash == std::string_view::npos) return true;
  const std::string_view bits = s.substr(slash + 1);
  int n = -1;
  auto [p, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), n);
  if (ec != std::errc() || p != bits.data() + bits.size() || bits.empty() ||
      (bits.size() > 1 && bits[0] == '0'))
    return false;
  return n >= 0 && n <= (v6 ? 128 : 32);
}

std::optional<ApiError> check_application_server(const boost::json::object& body) {
  const auto* v = body.if_contains("applicationServer");
  if (v == nullptr || !v->is_object()) return errors::invalid_argument();
  const auto& as = v->get_object();
  auto v4 = optional_string(as, "ipv4Address");
  if (!v4) return v4.error();
  auto v6 = optional_string(as, "ipv6Address");
  if (!v6) return v6.error();
  if (!*v4 && !*v6) return errors::invalid_argument();
  if ((*v4 && !valid_prefix(**v4, false)) || (*v6 && !valid_prefix(**v6, true)))
    return errors::invalid_argument();
  return std::nullopt;
}

std::optional<ApiError> check_ports(const boost::json::object& body, std::string_view key) {
  const auto* v = body.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_object() || v->get_object().empty()) return errors::invalid_argument();
  const auto& spec = v->get_object();
  if (const auto* ports = spec.if_contains("ports")) {
    if (!ports->is_array() || ports->get_array().empty()) return errors::invalid_argument();
    for (const auto& p : ports->get_array())
      if (auto r = integer_value(p, 0, 65535, RangeCode::kOutOfRange); !r) return r.error();
  }
  if (const auto* ranges = spec.if_contains("ranges")) {
    if (!ranges->is_array() || ranges->get_array().empty()) return errors::invalid_argument();
    for (const auto& r : ranges->get_array()) {
      if (!r.is_object()) return errors::invalid_argument();
      const auto* from = r.get_object().if_contains("from");
      const auto* to = r.get_object().if_contains("to");
      if (from == nullptr || to == nullptr) return errors::invalid_argument();
      auto f = integer_value(*from, 0, 65535, RangeCode::kOutOfRange);
      if (!f) return f.error();
      auto t = integer_value(*to, 0, 65535, RangeCode::kOutOfRange);
      if (!t) return t.error();
      if (*f > *t) return errors::invalid_argument();
    }
  }
  return std::nullopt;
}

bool valid_sink(std::string_view sink) {
  if (!sink.starts_with("https://")) return false;
  auto u = boost::urls::parse_absolute_uri(sink);
  return u && u->scheme_id() == boost::urls::scheme::https && !u->encoded_host().empty() &&
         !u->has_userinfo() && u->host_type() != boost::urls::host_type::ipvfuture;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool header_safe_token(std::string_view s) {
  if (s.empty() || s.size() > kMaxSinkTokenLength) return false;
  for (char c : s)
    if (c < 0x21 || c > 0x7E) return false;
  return true;
}

std::expected<std::optional<qod::SinkCredential>, ApiError> parse_credential(
    const boost::json::object& body) {
  const auto* v = body.if_contains("sinkCredential");
  if (v == nullptr) return std::nullopt;
  if (!v->is_object()) return std::unexpected(errors::invalid_argument());
  const auto& c = v->get_object();
  auto type = optional_string(c, "credentialType");
  if (!type) return std::unexpected(type.error());
  if (!*type) return std::unexpected(errors::invalid_argument());
  if (**type == "PLAIN" || **type == "REFRESHTOKEN")
    return std::unexpected(bad_request("INVALID_CREDENTIAL", "Only Access token is supported"));
  if (**type != "ACCESSTOKEN") return std::unexpected(errors::invalid_argument());
  auto token = optional_string(c, "accessToken");
  auto expires = optional_string(c, "accessTokenExpiresUtc");
  auto token_type = optional_string(c, "accessTokenType");
  if (!token || !expires || !token_type || !*token || !*expires || !*token_type)
    return std::unexpected(errors::invalid_argument());
  auto expiry = parse_rfc3339(**expires);
  if (!expiry || !header_safe_token(**token)) return std::unexpected(errors::invalid_argument());
  if (!iequals(**token_type, "bearer"))
    return std::unexpected(bad_request("INVALID_TOKEN", "Only bearer token is supported"));
  return qod::SinkCredential{std::string(**token), *expiry};
}

boost::json::object session_info(const qod::Session& s) {
  boost::json::object out = s.request;
  out["sessionId"] = s.id;
  out["duration"] =
      s.status == qod::QosStatus::kUnavailable
          ? std::max<std::int64_t>(
                1, std::chrono::duration_cast<std::chrono::seconds>(s.expires_at - s.started_at)
                       .count())
          : s.duration_s;
  if (s.status != qod::QosStatus::kRequested) {
    out["startedAt"] = format_rfc3339(s.started_at);
    out["expiresAt"] = format_rfc3339(s.expires_at);
  }
  out["qosStatus"] = qod::to_string(s.status);
  if (s.status_info != qod::StatusInfo::kNone) out["statusInfo"] = qod::to_string(s.status_info);
  return out;
}

// Who asks: the client always; the subscriber too for a 3-legged token.
std::expected<qod::Owner, ApiError> owner_of(const ApiRequest& request) {
  if (request.identity.client_id.empty()) return std::unexpected(errors::permission_denied());
  qod::Owner who{request.identity.client_id, std::nullopt};
  if (request.identity.token_type == TokenType::kThreeLegged)
    who.subscriber = request.identity.subscriber.value_or("");  // unresolved: sees nothing
  return who;
}

std::int64_t max_duration_of(std::string_view profile) {
  const auto* p = qos_profiles::find(profile);
  return p ? p->max_duration_s() : 0;
}

}  // namespace

ApiResult create_session(const ApiRequest& request) {
  if (request.sessions == nullptr) return std::unexpected(unavailable());
  auto body = parse_body(request.body);
  if (!body) return std::unexpected(body.error());
  auto device = parse_device(*body, RangeCode::kOutOfRange);
  if (!device) return std::unexpected(device.error());
  if (auto e = check_application_server(*body)) return std::unexpected(*e);
  for (std::string_view key : {"devicePorts", "applicationServerPorts"})
    if (auto e = check_ports(*body, key)) return std::unexpected(*e);
  auto profile_name = optional_string(*body, "qosProfile");
  if (!profile_name) return std::unexpected(profile_name.error());
  if (!*profile_name || !qos_profiles::valid_name(**profile_name))
    return std::unexpected(errors::invalid_argument());
  const auto* duration_v = body->if_contains("duration");
  if (duration_v == nullptr) return std::unexpected(errors::invalid_argument());
  auto duration = integer_value(*duration_v, 1, kInt32Max, RangeCode::kOutOfRange);
  if (!duration) return std::unexpected(duration.error());
  auto sink = optional_string(*body, "sink");
  if (!sink) return std::unexpected(sink.error());
  auto credential = parse_credential(*body);
  if (!credential) return std::unexpected(credential.error());
  if (*sink && !valid_sink(**sink))
    return std::unexpected(
        bad_request("INVALID_SINK", "sink not valid for the specified protocol"));
  const qos_profiles::Profile* profile = qos_profiles::find(**profile_name);
  if (profile == nullptr) return std::unexpected(errors::invalid_argument());
  if (*duration < profile->min_duration_s() || *duration > profile->max_duration_s())
    return std::unexpected(bad_request(
        "QUALITY_ON_DEMAND.DURATION_OUT_OF_RANGE",
        "The requested duration is out of the allowed range for the specific QoS profile"));

  auto who = owner_of(request);
  if (!who) return std::unexpected(who.error());
  auto id = identify_device(*device, request, Api::kQualityOnDemand);
  if (!id) return std::unexpected(id.error());
  if (profile->status != qos_profiles::Status::kActive ||
      !profile->available_in(qos_profiles::countries_of(*id->subscriber)))
    return std::unexpected(
        ApiError{422, "QUALITY_ON_DEMAND.QOS_PROFILE_NOT_APPLICABLE",
                 "The requested QoS Profile is currently not available for session creation."});

  qod::Session s;
  s.client_id = who->client_id;
  s.msisdn = id->subscriber->msisdn;
  s.qos_profile = std::string(profile->name);
  if (id->device) s.request["device"] = std::move(*id->device);
  for (std::string_view key :
       {"applicationServer", "devicePorts", "applicationServerPorts", "qosProfile", "sink"})
    if (const auto* v = body->if_contains(key)) s.request[key] = *v;
  if (*sink) s.sink = std::string(**sink);
  s.credential = std::move(*credential);
  s.duration_s = *duration;
  auto created = request.sessions->create(std::move(s));
  if (!created) {
    if (created.error() == qod::SessionStore::CreateError::kConflict)
      return std::unexpected(
          errors::conflict("Conflict with an existing session for the same device."));
    return std::unexpected(errors::quota_exceeded());
  }
  return ApiReply{201, session_info(*created)};
}

ApiResult get_session(const ApiRequest& request) {
  if (request.sessions == nullptr) return std::unexpected(unavailable());
  if (!is_uuid(request.path_param)) return std::unexpected(errors::invalid_argument());
  auto who = owner_of(request);
  if (!who) return std::unexpected(who.error());
  auto s = request.sessions->get(request.path_param, *who);
  if (!s) return std::unexpected(errors::not_found());
  return ApiReply{200, session_info(*s)};
}

ApiResult delete_session(const ApiRequest& request) {
  if (request.sessions == nullptr) return std::unexpected(unavailable());
  if (!is_uuid(request.path_param)) return std::unexpected(errors::invalid_argument());
  auto who = owner_of(request);
  if (!who) return std::unexpected(who.error());
  if (!request.sessions->remove(request.path_param, *who))
    return std::unexpected(errors::not_found());
  return ApiReply{204, std::nullopt};
}

ApiResult extend_session(const ApiRequest& request) {
  if (request.sessions == nullptr) return std::unexpected(unavailable());
  if (!is_uuid(request.path_param)) return std::unexpected(errors::invalid_argument());
  auto body = parse_body(request.body);
  if (!body) return std::unexpected(body.error());
  const auto* add = body->if_contains("requestedAdditionalDuration");
  if (add == nullptr) return std::unexpected(errors::invalid_argument());
  auto seconds = integer_value(*add, 1, kInt32Max, RangeCode::kOutOfRange);
  if (!seconds) return std::unexpected(seconds.error());
  auto who = owner_of(request);
  if (!who) return std::unexpected(who.error());
  auto s = request.sessions->extend(request.path_param, *who, *seconds, &max_duration_of);
  if (!s) {
    if (s.error().first == qod::SessionStore::ExtendError::kNotFound)
      return std::unexpected(errors::not_found());
    return std::unexpected(
        ApiError{409, "QUALITY_ON_DEMAND.SESSION_EXTENSION_NOT_ALLOWED",
                 "Extending the session duration is not allowed in the current state (" +
                     std::string(qod::to_string(s.error().second)) +
                     "). The session must be in the AVAILABLE state."});
  }
  return ApiReply{200, session_info(*s)};
}

ApiResult retrieve_sessions(const ApiRequest& request) {
  if (request.sessions == nullptr) return std::unexpected(unavailable());
  auto body = parse_body(request.body);
  if (!body) return std::unexpected(body.error());
  auto device = parse_device(*body, RangeCode::kOutOfRange);
  if (!device) return std::unexpected(device.error());
  auto who = owner_of(request);
  if (!who) return std::unexpected(who.error());
  auto id = identify_device(*device, request, Api::kQualityOnDemand);
  if (!id) return std::unexpected(id.error());
  boost::json::array out;
  for (const auto& s : request.sessions->for_device(*who, id->subscriber->msisdn))
    out.push_back(session_info(s));
  return ApiReply{200, std::move(out)};
}

}  // namespace tollgate::network::quality_on_demand
