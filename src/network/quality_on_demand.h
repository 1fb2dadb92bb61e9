// quality_on_demand.h — CAMARA Quality on Demand v1.1.0
// (../shared/camara/specs/quality-on-demand.yaml), base path /quality-on-demand/v1.
// Sessions live in the network role's qod::SessionStore (qod_sessions.h: lifecycle,
// expiry, ownership, the one-session-per-device rule); status changes are notified to
// the session's sink (notifier.h).
//
//   POST   /sessions                    (…:sessions:create)  → 201 SessionInfo
//   GET    /sessions/{sessionId}        (…:sessions:read)    → 200 SessionInfo
//   DELETE /sessions/{sessionId}        (…:sessions:delete)  → 204
//   POST   /sessions/{sessionId}/extend (…:sessions:update)  → 200 SessionInfo
//   POST   /retrieve-sessions           (…:sessions:retrieve-by-device) → 200 [SessionInfo]
//
// CreateSession validation, all 400 and before anything else:
//   INVALID_ARGUMENT — schema: applicationServer required, an object with ipv4Address
//     ("a.b.c.d" or "a.b.c.d/0..32") and/or ipv6Address ("addr" or "addr/0..128");
//     devicePorts/applicationServerPorts a PortsSpec ({ports: [port, ...]} and/or
//     {ranges: [{from, to}, ...]}, non-empty arrays, from <= to); qosProfile a
//     QosProfileName; duration an integer; sinkCredential an object whose credentialType
//     is PLAIN, ACCESSTOKEN or REFRESHTOKEN, and for ACCESSTOKEN accessToken (printable
//     ASCII, at most 4096 characters: it becomes a header), accessTokenExpiresUtc
//     (date-time) and accessTokenType. A qosProfile this operator does not have is
//     INVALID_ARGUMENT too (CAMARA's test plan, createSession_400.8).
//   OUT_OF_RANGE — a port outside 0..65535, duration outside 1..2^31-1.
//   QUALITY_ON_DEMAND.DURATION_OUT_OF_RANGE — duration outside the profile's
//     minDuration..maxDuration.
//   INVALID_SINK — sink not an absolute https:// URL with a host.
//   INVALID_CREDENTIAL — credentialType PLAIN or REFRESHTOKEN ("Only Access token is
//     supported").
//   INVALID_TOKEN — accessTokenType other than "bearer" (case-insensitive, RFC 6749 §7.1).
// Then: no client id (the gateway always sends one) → 403 PERMISSION_DENIED; the
// identification codes of device.h; the profile INACTIVE, DEPRECATED or not offered in
// the country the device is in → 422 QUALITY_ON_DEMAND.QOS_PROFILE_NOT_APPLICABLE; a
// live session for the device (any client) → 409 CONFLICT; the session quota
// (SessionLimits) → 429 QUOTA_EXCEEDED.
//
// SessionInfo echoes device (the identifier used, 2-legged only), applicationServer,
// devicePorts, applicationServerPorts, qosProfile and sink as sent; sinkCredential is
// never echoed (it is a secret of the partner's).
//
// GET/DELETE/extend: a sessionId that is not a UUID → 400 INVALID_ARGUMENT; a session
// that does not exist or is not the caller's → 404 NOT_FOUND. Extend: body
// {requestedAdditionalDuration: 1..2^31-1} (400 OUT_OF_RANGE / INVALID_ARGUMENT); the new
// overall duration is capped at the profile's maxDuration; a session not AVAILABLE → 409
// QUALITY_ON_DEMAND.SESSION_EXTENSION_NOT_ALLOWED.
// retrieve-sessions {device?}: the identification codes; the caller's sessions for that
// device, oldest first, [] when none.
#pragma once

#include "network/api.h"

namespace tollgate::network::quality_on_demand {

inline constexpr std::size_t kMaxSinkTokenLength = 4096;

ApiResult create_session(const ApiRequest& request);
ApiResult get_session(const ApiRequest& request);
ApiResult delete_session(const ApiRequest& request);
ApiResult extend_session(const ApiRequest& request);
ApiResult retrieve_sessions(const ApiRequest& request);

}  // namespace tollgate::network::quality_on_demand
