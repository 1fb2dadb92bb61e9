// frontend.h — the gateway's partner-facing HTTP/1.1 listener: one per
// gateway thread, on that thread's io_context, made for proxying fast.
//
// Why not http::Server: the gateway is the hot path, and profiling the first
// cut (bench/gateway/own_cases.sh under perf) showed most user time in generic
// machinery a single-threaded proxy does not need: a strand per connection,
// type-erased executors copied on every operation, a timer re-armed per
// request, Beast's buffer-sequence serializer and one std::function per
// request. Here:
//   * requests are parsed by Beast's request_parser (the same strict parser
//     and limits as http::Server), fed from a plain socket read;
//   * responses are serialized by hand into one reused buffer, one write(2);
//   * timeouts are deadlines checked by one sweep timer per thread every
//     kSweepInterval, so the hot path never touches a timer;
//   * an idle keep-alive connection holds no read buffer (it waits for
//     readability; buffers go back to a per-thread pool), which is what keeps
//     10k idle connections within a few MiB.
//
// TLS (optional, tls.h): the handshake must finish within the request timeout;
// reads then go through the TLS stream the same way (non-blocking first),
// writes are always asynchronous (a TLS record must be written whole), and a
// closing connection is closed without the half-close linger.
//
// Limits (on by default, as in http::Server): header bytes (431), body bytes
// (413), whole-request timeout (408 if a request had started, else a silent
// close), keep-alive idle timeout, write timeout (= request timeout), connection
// count (accept pauses), one request at a time per connection (a pipelined
// request waits in the buffer). Malformed requests get 400. Every such error
// closes the connection after a CAMARA body.
//
// Threading: everything runs on the io_context's single thread; nothing here is
// thread-safe. Lifetime: connections are kept alive by the completion handlers
// that reference them (shared_ptr), and registered with their Frontend for the
// sweep; stop() closes the acceptor and every connection.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <array>
#include <atomic>
#include <chrono>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/access_log.h"
#include "http/client.h"
#include "http/server.h"

namespace tollgate::gateway {

namespace asio = boost::asio;
using Steady = std::chrono::steady_clock;

// Timeouts are seconds; checking them four times a second bounds the overshoot.
inline constexpr std::chrono::milliseconds kSweepInterval{250};
// After a response that closes the connection, read and drop what the peer
// still sends for this long (or this many bytes), so that its unread request
// bytes do not turn our close into a reset that destroys the response.
inline constexpr std::chrono::seconds kLingerTime{1};
inline constexpr std::size_t kLingerBytes = 64 * 1024;
// Read granularity, and how many idle read buffers a thread keeps for reuse.
inline constexpr std::size_t kReadChunk = 8 * 1024;
inline constexpr std::size_t kPooledBuffers = 256;
// A parked read's landing space, per connection: a typical API request with a
// JWT fits, and 10k idle connections cost 10 MiB for it.
inline constexpr std::size_t kInlineRead = 1024;

struct FrontendLimits {
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 64 * 1024;
  std::chrono::seconds request_timeout{15};
  std::chrono::seconds idle_timeout{60};
  std::size_t max_connections = 20000;
};

class Frontend;

// What the gateway keeps for the request in flight on a connection (reused
// from one request to the next, so the hot path allocates nothing for it).
struct RequestState {
  AccessRecord record;
  std::string correlator;
  Steady::time_point t0{}, t_upstream{};
  unsigned version = 11;
  bool keep_alive = true;
  bool head = false;
  std::string wire;  // scratch for the upstream request bytes
  // Waiting for an introspection answer before forwarding `wire` to `upstream`.
  bool introspecting = false;
  std::string upstream;
};

// Whoever waits for an upstream's answer (upstream.h); a ClientConnection in
// the gateway, a fake in tests.
class UpstreamWaiter {
 public:
  virtual ~UpstreamWaiter() = default;
  virtual void upstream_done(std::expected<http::Response, http::UpstreamError>&& result) = 0;
};

class ClientConnection final : public UpstreamWaiter,
                               public std::enable_shared_from_this<ClientConnection> {
 public:
  ClientConnection(asio::ip::tcp::socket&& socket, std::shared_ptr<Frontend> frontend,
                   std::shared_ptr<asio::ssl::context> tls = nullptr);
  ~ClientConnection();
  ClientConnection(const ClientConnection&) = delete;
  ClientConnection& operator=(const ClientConnection&) = delete;

  // The answer to the current request: serialized with the x-correlator of
  // `state().correlator`, the request's HTTP version and keep-alive, and the
  // framing rules of http::Server (no body for HEAD, 1xx, 204, 304). Hop-by-hop
  // headers, x-tollgate-* and any x-correlator in `res` are dropped.
  // Exactly once per request handed to the sink; ignored after close.
  void respond(const http::Response& res);
  // The upstream's answer for this connection's request (Upstream calls it).
  void upstream_done(std::expected<http::Response, http::UpstreamError>&& result) override;

  RequestState& state() { return state_; }
  bool closed() const { return closed_; }
  const asio::ip::tcp::endpoint& remote() const { return remote_; }

 private:
  friend class Frontend;
  enum class Phase { kReading, kHandling, kWriting, kLingering, kClosed };

  void start();
  void wait_readable();
  void read_some();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  bool parse();  // false: the request was handed over, refused or the connection closed
  void dispatch();
  void write_out(bool keep_alive);
  void on_written(const boost::system::error_code& ec, bool keep_alive);
  void fail_request(unsigned status, std::string_view message);
  void linger();
  void linger_read();
  void close();
  void check_deadline(Steady::time_point now);
  void take_buffer();
  void give_back_buffer();
  // Plain or TLS: the socket operations the connection uses.
  std::size_t sync_read(asio::mutable_buffer b, boost::system::error_code& ec);
  template <class Handler>
  void async_read(asio::mutable_buffer b, Handler&& h);
  template <class Handler>
  void async_write_all(asio::const_buffer b, Handler&& h);
  bool partly_read() const;
  void reset_parser();

  asio::ip::tcp::socket socket_;
  // TLS: the context this connection was accepted with, and the stream over socket_.
  std::shared_ptr<asio::ssl::context> tls_context_;
  std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket&>> tls_;
  std::shared_ptr<Frontend> frontend_;
  asio::ip::tcp::endpoint remote_;
  std::optional<boost::beast::flat_buffer> buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::string out_;
  std::array<char, kInlineRead> inline_;  // where a waiting read lands (see wait_readable)
  RequestState state_;
  Phase phase_ = Phase::kReading;
  Steady::time_point deadline_ = Steady::time_point::max();
  bool timed_out_ = false;
  bool closed_ = false;
  bool continue_sent_ = false;
  bool header_checked_ = false;  // transfer codings looked at for this request
  bool request_started_ = false;  // bytes of the next request may have arrived (deadline set)
  bool op_pending_ = false;  // a socket operation is outstanding
  std::size_t lingered_ = 0;
  // Frontend's registry (intrusive list for the sweep).
  ClientConnection* prev_ = nullptr;
  ClientConnection* next_ = nullptr;
};

// The gateway's request handler: called on the connection's thread with each
// complete request; must eventually call conn->respond() exactly once.
class RequestSink {
 public:
  virtual ~RequestSink() = default;
  virtual void on_request(const std::shared_ptr<ClientConnection>& conn,
                          http::Request&& request) = 0;
  virtual void on_upstream(const std::shared_ptr<ClientConnection>& conn,
                           std::expected<http::Response, http::UpstreamError>&& result) = 0;
};

class Frontend : public std::enable_shared_from_this<Frontend> {
 public:
  // Binds and listens at once (throws std::system_error; start-up only).
  // `tls`: when set, every connection is TLS with the context it holds at accept time.
  static std::shared_ptr<Frontend> create(
      asio::io_context& ioc, const asio::ip::tcp::endpoint& endpoint, RequestSink& sink,
      FrontendLimits limits, bool reuse_port,
      const std::atomic<std::shared_ptr<asio::ssl::context>>* tls = nullptr);
  ~Frontend();
  asio::ip::tcp::endpoint local_endpoint() const { return local_; }
  void start();  // begin accepting and sweeping (call on or before the io thread runs)
  void stop();   // close the acceptor and every connection; from the io thread or once it stopped
  std::size_t connections() const { return open_.load(std::memory_order_relaxed); }  // any thread
  // Extra work for the sweep (the upstream pools' timeouts), run on each tick.
  void add_sweeper(std::function<void(Steady::time_point)> f) { sweepers_.push_back(std::move(f)); }

 private:
  friend class ClientConnection;
  Frontend(asio::io_context& ioc, RequestSink& sink, FrontendLimits limits);
  void open(const asio::ip::tcp::endpoint& endpoint, bool reuse_port);
  void accept();
  void on_accept(const boost::system::error_code& ec, asio::ip::tcp::socket socket);
  void sweep();
  void link(ClientConnection* c);
  void unlink(ClientConnection* c);

  asio::io_context& ioc_;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer sweep_timer_;
  asio::steady_timer retry_timer_;
  RequestSink& sink_;
  FrontendLimits limits_;
  asio::ip::tcp::endpoint local_;
  ClientConnection* head_ = nullptr;
  std::size_t count_ = 0;
  std::atomic<std::size_t> open_{0};  // count_ for other threads (metrics)
  bool accepting_ = false;
  bool paused_ = false;
  bool stopped_ = false;
  std::vector<boost::beast::flat_buffer> buffers_;  // idle read buffers for reuse
  std::vector<std::function<void(Steady::time_point)>> sweepers_;
  const std::atomic<std::shared_ptr<asio::ssl::context>>* tls_ = nullptr;
};

// The response bytes for `res` as ClientConnection::respond sends them.
// Exposed for tests.
void write_response(const http::Response& res, std::string_view correlator, unsigned version,
                    bool keep_alive, bool head_request, std::string& out);

}  // namespace tollgate::gateway
