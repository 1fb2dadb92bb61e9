#include "gateway/proxy.h"

#include <array>
#include <cctype>
#include <vector>

#include "gateway/config.h"
#include "http/camara.h"

namespace tollgate::gateway {
namespace {

namespace bhttp = http::bhttp;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// RFC 9110 §7.6.1 and the historical ones every proxy strips.
constexpr std::array<std::string_view, 9> kHopByHop = {"connection",
                                                       "keep-alive",
                                                       "proxy-connection",
                                                       "proxy-authenticate",
                                                       "proxy-authorization",
                                                       "te",
                                                       "trailer",
                                                       "transfer-encoding",
                                                       "upgrade"};

template <class Fields>
void strip(Fields& fields, bool strip_authorization) {
  // Own the Connection tokens: they are views into the Connection header, which
  // this very loop erases (ASan caught the use-after-free).
  const auto views = connection_tokens(fields);
  const std::vector<std::string> owned(views.begin(), views.end());
  const std::vector<std::string_view> named(owned.begin(), owned.end());
  for (auto it = fields.begin(); it != fields.end();) {
    const std::string_view name = it->name_string();
    bool drop = drop_on_forward(name, named);
    if (strip_authorization)
      drop = drop || iequals(name, "authorization") || iequals(name, "host") ||
             iequals(name, "expect");
    it = drop ? fields.erase(it) : std::next(it);
  }
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

void set_if(http::Request& r, std::string_view name, std::string_view value) {
  if (!value.empty()) r.set(name, value);
}

}  // namespace

bool drop_on_forward(std::string_view name,
                     const std::vector<std::string_view>& connection_tokens) {
  if (istarts_with(name, kIdentityHeaderPrefix)) return true;
  for (auto h : kHopByHop)
    if (iequals(name, h)) return true;
  for (auto n : connection_tokens)
    if (iequals(name, n)) return true;
  return false;
}

std::vector<std::string_view> connection_tokens(const http::bhttp::fields& fields) {
  std::vector<std::string_view> out;
  for (auto it = fields.find(bhttp::field::connection);
       it != fields.end() && it->name() == bhttp::field::connection; ++it) {
    std::string_view v = it->value();
    while (!v.empty()) {
      const auto comma = v.find(',');
      auto tok = v.substr(0, comma);
      while (!tok.empty() && (tok.front() == ' ' || tok.front() == '\t')) tok.remove_prefix(1);
      while (!tok.empty() && (tok.back() == ' ' || tok.back() == '\t')) tok.remove_suffix(1);
      if (!tok.empty()) out.push_back(tok);
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  return out;
}

void write_upstream_request(const http::Request& in, const Identity& id,
                            std::string_view correlator, std::string_view host, std::string& out,
                            std::string_view gateway_key) {
  out.clear();
  out.append(in.method_string());
  out.push_back(' ');
  out.append(in.target());
  out.append(" HTTP/1.1\r\nHost: ");
  out.append(host);
  out.append("\r\n");
  // Only look for Connection tokens when there is a Connection header (rare from API clients).
  const bool has_connection = in.find(bhttp::field::connection) != in.end();
  const std::vector<std::string_view> named =
      has_connection ? connection_tokens(in) : std::vector<std::string_view>{};
  bool framed = false;  // the partner framed a body (Content-Length or Transfer-Encoding)
  for (const auto& f : in) {
    switch (f.name()) {
      case bhttp::field::authorization:
      case bhttp::field::host:
      case bhttp::field::expect:
        continue;
      case bhttp::field::content_length:
      case bhttp::field::transfer_encoding:
        framed = true;
        continue;
      case bhttp::field::connection:
      case bhttp::field::keep_alive:
      case bhttp::field::proxy_connection:
      case bhttp::field::proxy_authenticate:
      case bhttp::field::proxy_authorization:
      case bhttp::field::te:
      case bhttp::field::trailer:
      case bhttp::field::upgrade:
        continue;
      default:
        break;
    }
    const std::string_view name = f.name_string();
    if (iequals(name, http::kCorrelatorHeader) || drop_on_forward(name, named)) continue;
    append_header(out, name, f.value());
  }
  if (!id.client_id.empty()) append_header(out, kClientIdHeader, id.client_id);
  if (!id.partner.empty()) append_header(out, kPartnerHeader, id.partner);
  if (!id.scope.empty()) append_header(out, kScopeHeader, id.scope);
  if (!id.jti.empty()) append_header(out, kJtiHeader, id.jti);
  if (!id.token_type.empty()) append_header(out, kTokenTypeHeader, id.token_type);
  if (!id.subscriber.empty()) append_header(out, "x-tollgate-subscriber", id.subscriber);
  if (!id.amr.empty()) append_header(out, "x-tollgate-amr", id.amr);
  if (!gateway_key.empty()) append_header(out, kGatewayKeyHeader, gateway_key);
  append_header(out, http::kCorrelatorHeader, correlator);
  if (framed || !in.body().empty()) {
    out.append("Content-Length: ");
    out.append(std::to_string(in.body().size()));
    out.append("\r\n");
  }
  out.append("\r\n");
  out.append(in.body());
}

bool header_safe(std::string_view value) {
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u >= 0x7f) return false;
  }
  return true;
}

http::Request make_upstream_request(http::Request&& incoming, const Identity& id,
                                    std::string_view correlator, std::string_view gateway_key) {
  http::Request r = std::move(incoming);
  strip(r.base(), /*strip_authorization=*/true);
  r.version(11);
  set_if(r, kClientIdHeader, id.client_id);
  set_if(r, kPartnerHeader, id.partner);
  set_if(r, kScopeHeader, id.scope);
  set_if(r, kJtiHeader, id.jti);
  set_if(r, kTokenTypeHeader, id.token_type);
  set_if(r, "x-tollgate-subscriber", id.subscriber);
  set_if(r, "x-tollgate-amr", id.amr);
  set_if(r, kGatewayKeyHeader, gateway_key);
  r.set(http::kCorrelatorHeader, correlator);
  r.prepare_payload();
  return r;
}

http::Response make_downstream_response(http::Response&& upstream, std::string_view correlator,
                                        unsigned version, bool keep_alive) {
  http::Response r = std::move(upstream);
  strip(r.base(), /*strip_authorization=*/false);
  r.version(version);
  r.set(http::kCorrelatorHeader, correlator);
  r.keep_alive(keep_alive);
  const unsigned status = r.result_int();
  if (status < 200 || status == 204 || status == 304) {
    // RFC 9110 §8.6: no Content-Length on 1xx and 204 (Beast's prepare_payload would add "0").
    r.erase(bhttp::field::content_length);
    r.body().clear();
  } else {
    r.prepare_payload();
  }
  return r;
}

Refusal refusal_for(http::UpstreamError error) {
  switch (error) {
    case http::UpstreamError::kConnectFailed:
    case http::UpstreamError::kProtocol:
      return Refusal::kUpstreamUnreachable;
    case http::UpstreamError::kOverloaded:
      return Refusal::kUpstreamOverloaded;
    case http::UpstreamError::kConnectTimeout:
    case http::UpstreamError::kReadTimeout:
      return Refusal::kUpstreamTimeout;
  }
  return Refusal::kUpstreamUnreachable;
}

std::string_view reason_for(http::UpstreamError error) {
  switch (error) {
    case http::UpstreamError::kConnectFailed:
      return "upstream_connect_failed";
    case http::UpstreamError::kConnectTimeout:
      return "upstream_connect_timeout";
    case http::UpstreamError::kReadTimeout:
      return "upstream_timeout";
    case http::UpstreamError::kProtocol:
      return "upstream_protocol_error";
    case http::UpstreamError::kOverloaded:
      return "upstream_overloaded";
  }
  return "upstream_error";
}

}  // namespace tollgate::gateway
