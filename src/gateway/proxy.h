// proxy.h — forwarding an authorised request to its upstream, and the
// upstream's answer back to the partner.
//
// Towards the upstream: method, target, body and end-to-end headers
// (Content-Type, Accept, ...) are kept; hop-by-hop headers (RFC 9110 §7.6.1,
// plus any named in Connection), Host, Authorization and every incoming
// `x-tollgate-*` header are removed — the partner's token never leaves the
// gateway, and a partner cannot forge identity headers. Then the gateway adds
// the identity it verified (kIdentityHeaders) and x-correlator.
//
// Security invariant: identity header values come only from a verified token,
// and the pipeline refuses tokens whose identity values are not safe header
// text (header_safe), so a claim can never inject a header.
//
// The connections themselves are upstream.h's. Pure functions; thread-safe.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/responses.h"
#include "http/client.h"
#include "http/server.h"

namespace tollgate::gateway {

inline constexpr std::string_view kIdentityHeaderPrefix = "x-tollgate-";
inline constexpr std::string_view kClientIdHeader = "x-tollgate-client-id";
inline constexpr std::string_view kPartnerHeader = "x-tollgate-partner";
inline constexpr std::string_view kScopeHeader = "x-tollgate-scope";
inline constexpr std::string_view kJtiHeader = "x-tollgate-token-jti";
inline constexpr std::string_view kTokenTypeHeader = "x-tollgate-token-type";
// The shared key that proves to the network role that a request (and its
// identity headers) comes from the gateway (network/service.h).
inline constexpr std::string_view kGatewayKeyHeader = "x-tollgate-gateway-key";

// Who is calling, as verified from the token. Empty members are not sent.
struct Identity {
  std::string client_id;
  std::string partner;
  std::string scope;  // granted scopes, space-separated
  std::string jti;
  std::string token_type = "2-legged";  // "3-legged" comes with subscriber tokens
  std::string subscriber;               // 3-legged: +E.164 (subject.h)
  std::string amr;                      // 3-legged: authentication methods, space-separated
};

// True when `value` can be a header value verbatim: printable ASCII and space/tab only.
bool header_safe(std::string_view value);

// True for a header a proxy never passes on: hop-by-hop (RFC 9110 §7.6.1 and
// the historical ones), named in `connection_tokens`, or x-tollgate-*.
bool drop_on_forward(std::string_view name, const std::vector<std::string_view>& connection_tokens);
// The names listed in the Connection header(s) of `fields` (views into it).
std::vector<std::string_view> connection_tokens(const http::bhttp::fields& fields);

// The bytes of the partner's request rewritten for the upstream, into `out`
// (cleared first): the same rules as make_upstream_request, with Host set to
// `host` and the body framed by Content-Length. The gateway's hot path.
// `gateway_key`, when not empty, is sent as x-tollgate-gateway-key.
void write_upstream_request(const http::Request& incoming, const Identity& identity,
                            std::string_view correlator, std::string_view host, std::string& out,
                            std::string_view gateway_key = {});

// The partner's request rewritten for the upstream (see the header comment).
http::Request make_upstream_request(http::Request&& incoming, const Identity& identity,
                                    std::string_view correlator, std::string_view gateway_key = {});

// The upstream's response rewritten for the partner: hop-by-hop and
// x-tollgate-* headers removed, x-correlator set, the partner connection's
// HTTP version and keep-alive applied.
http::Response make_downstream_response(http::Response&& upstream, std::string_view correlator,
                                        unsigned version, bool keep_alive);

// 502 for connect failures and protocol errors, 503 when overloaded, 504 on timeouts.
Refusal refusal_for(http::UpstreamError error);
// Reason code for logs and metrics: "upstream_connect_failed", "upstream_timeout", ...
std::string_view reason_for(http::UpstreamError error);

}  // namespace tollgate::gateway
