// server.h — an HTTP/1.1 server on Boost.Beast that knows nothing of OAuth or
// CAMARA: it reads requests within abuse limits, hands each to a Handler, and
// writes the response the handler gives back (model: Beast's advanced server).
//
// Threading: a Server lives on one io_context. Connections are never shared
// between io_contexts, so a handler runs on the thread(s) running that context;
// when one thread runs each context (the gateway's model) no strand is needed.
// Several Servers on different io_contexts may share a port with reuse_port.
//
// Limits are on by default: header and body size, whole-request read timeout
// (slow-loris), keep-alive idle timeout, connection count, one request at a time
// per connection (no pipelining races). A request that breaks a limit gets a
// response from `ServerLimits::render_error` (431, 413, 400, 408) and the
// connection is closed; the Handler is not called. An absolute-form target
// ("http://host/p?q", RFC 9112 §3.2.2) reaches the Handler as origin-form ("/p?q").
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string_view>

namespace tollgate::http {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

struct ConnectionInfo {
  asio::ip::tcp::endpoint remote;
  asio::ip::tcp::endpoint local;
};

// Called exactly once per request, on the connection's io_context thread.
using Respond = std::function<void(Response&&)>;
using Handler = std::function<void(Request&& request, const ConnectionInfo& info, Respond respond)>;
using SyncHandler = std::function<Response(const Request& request, const ConnectionInfo& info)>;

// Wrap a synchronous handler (authz, network) as a Handler.
Handler make_sync_handler(SyncHandler handler);

// Renders an error the server produces itself (before any handler runs).
using ErrorRenderer = std::function<Response(unsigned status, std::string_view message)>;
// Default: {"status":N,"code":"...","message":"..."} in CAMARA form.
Response default_error(unsigned status, std::string_view message);

// RFC 9112 §6.1: the only transfer coding we implement is chunked. False when a
// Transfer-Encoding field names any other coding (gzip, deflate, x-...; alone or
// before chunked): the listener then answers 501 and closes (RFC 9112 §6.1 SHOULD),
// rather than hand a handler a body still in a coding it never decoded.
bool transfer_codings_supported(const Request::header_type& header);
inline constexpr std::string_view kTransferCodingRefusal =
    "Transfer-Encoding other than chunked is not implemented";

struct ServerLimits {
  std::size_t max_header_bytes = 8 * 1024;      // 431 beyond (bigger than any sane JWT + headers)
  std::size_t max_body_bytes = 64 * 1024;       // 413 beyond; CAMARA bodies are small
  std::chrono::seconds request_timeout{15};     // a whole request must arrive within this (408)
  std::chrono::seconds idle_timeout{60};        // keep-alive connection with no request is closed
  std::size_t max_connections = 20000;          // accept pauses beyond this
  ErrorRenderer render_error = default_error;
};

class Server {
 public:
  virtual ~Server() = default;
  // Binds and listens immediately. Throws std::system_error if the address
  // cannot be bound (start-up only; never on the request path).
  static std::shared_ptr<Server> create(asio::io_context& ioc, const asio::ip::tcp::endpoint& endpoint,
                                        Handler handler, ServerLimits limits = {},
                                        bool reuse_port = false);
  virtual asio::ip::tcp::endpoint local_endpoint() const = 0;
  virtual void start() = 0;  // begin accepting
  virtual void stop() = 0;   // close the acceptor and every open connection; thread-safe
};

// Parse "host:port" (IPv4, [IPv6] or a name resolving to loopback) into an endpoint.
// Throws std::invalid_argument with a clear message (configuration only).
asio::ip::tcp::endpoint parse_endpoint(std::string_view host_port);

}  // namespace tollgate::http
