// post.h — one blocking HTTP/1.1 POST of a JSON document to an http:// or https://
// URL, for background deliveries to partner endpoints (CAMARA notifications to a
// `sink`). Never call it on a request path: it blocks for up to `timeout`.
//
// https: TLS 1.2 or newer, the peer's certificate verified against the system's
// trust store plus `ca_file`, and its name (or IP address) checked against the URL's
// host; SNI is sent for host names.
//
// SSRF guard: the URL's host is resolved once, and only addresses `allow_address`
// accepts are connected to (so a name cannot be re-resolved to another address
// between the check and the connection). A refused address is never contacted.
//
// Thread-safe: each call has its own io_context.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <expected>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tollgate::http {

struct PostOptions {
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra request headers
  std::chrono::milliseconds timeout{5000};                   // the whole exchange, DNS to last byte
  std::size_t max_response_body = 64 * 1024;
  std::string ca_file;  // PEM trust anchors for https, in addition to the system's
  // Called for every resolved address before connecting; false refuses it. Empty: any.
  std::function<bool(const boost::asio::ip::address&)> allow_address;
};

struct PostResult {
  unsigned status = 0;
  std::string body;
};

// The response, or why there is none ("connect: Connection refused", "timeout",
// "tls: certificate verify failed", "address not allowed: 10.0.0.1", "bad url: ...").
// Header values with CR, LF or NUL are refused ("bad header"), never sent.
std::expected<PostResult, std::string> post_json(std::string_view url, std::string body,
                                                 const PostOptions& options);

// True for globally routable unicast addresses; false for loopback, unspecified,
// multicast, RFC 1918 / RFC 6598 (CGNAT) / link-local / documentation / benchmarking /
// reserved IPv4 ranges, IPv6 unique-local, link-local and documentation ranges, and
// IPv4-mapped forms of any of those.
bool is_public_address(const boost::asio::ip::address& address);

}  // namespace tollgate::http
