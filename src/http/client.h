// client.h — outbound HTTP/1.1: a keep-alive connection pool towards one
// upstream origin for the gateway's proxying, and a blocking fetch for
// background tasks (JWKS, discovery documents).
//
// Plain http:// only for now; https:// upstreams come with TLS support.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "http/server.h"

namespace tollgate::http {

enum class UpstreamError {
  kConnectFailed,   // refused / unreachable  -> 502 or 503 at the edge
  kConnectTimeout,  // -> 504
  kReadTimeout,     // -> 504
  kProtocol,        // malformed response -> 502
  kOverloaded,      // pool queue full -> 503
};
std::string_view to_string(UpstreamError e);

struct UpstreamLimits {
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds response_timeout{10000};
  std::size_t max_idle_connections = 256;   // kept open for reuse
  std::size_t max_connections = 1024;       // concurrently in use
  std::size_t max_queued = 4096;            // waiting for a connection; kOverloaded beyond
  std::size_t max_response_body = 8 * 1024 * 1024;
};

// A pool bound to one io_context (not thread-safe: use one pool per io_context).
class UpstreamPool {
 public:
  virtual ~UpstreamPool() = default;
  static std::shared_ptr<UpstreamPool> create(asio::io_context& ioc, std::string host, std::uint16_t port,
                                              UpstreamLimits limits = {});
  using Callback = std::function<void(std::expected<Response, UpstreamError>)>;
  // Sends `request` (Host and keep-alive set by the pool) and calls `done` exactly once.
  virtual void async_send(Request request, Callback done) = 0;
  virtual void close() = 0;
};

struct FetchResult {
  unsigned status = 0;
  std::string content_type;
  std::string body;
  std::string cache_control;
};

// Blocking GET of an http:// URL with an overall timeout and a body cap.
// The error string says what went wrong (for logs), e.g. "connect: Connection refused".
std::expected<FetchResult, std::string> fetch(std::string_view url, std::chrono::milliseconds timeout,
                                              std::size_t max_body = 1024 * 1024);

}  // namespace tollgate::http
