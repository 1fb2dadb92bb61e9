// server.cc — the HTTP/1.1 server (structure after Beast's advanced server:
// a listener accepting onto per-connection strands, one session per connection).
//
// Read deadlines use a steady_timer of our own rather than tcp_stream's
// expires_after: a tcp_stream timeout closes the socket, and a slow client must
// still receive its 408. Writes use tcp_stream's timeout (nothing to answer then).
#include "http/server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "http/camara.h"
#include "http/listen.h"
#include "http/log.h"

namespace tollgate::http {
namespace {

namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

// After an error response the peer may still be sending (an oversized body);
// closing with unread data would reset the connection and could destroy the
// response in flight. Drain for a little while first.
constexpr std::chrono::milliseconds kLingerTime{1000};
constexpr std::size_t kLingerBytes = 256 * 1024;
// Back-off after accept() fails for lack of resources (EMFILE, ENFILE, ENOBUFS).
constexpr std::chrono::milliseconds kAcceptRetryDelay{50};

void report(std::string_view where, std::string_view what) {
  log_json("app", {{"msg", std::string("http server: ") + std::string(where)}, {"error", what}},
           LogLevel::kError);
}

bool is_http_parse_error(const error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category();
}

Response render_or_default(const ServerLimits& limits, unsigned status, std::string_view message) {
  if (limits.render_error) {
    try {
      return limits.render_error(status, message);
    } catch (const std::exception& e) {
      report("render_error threw", e.what());
    } catch (...) {
      report("render_error threw", "unknown exception");
    }
  }
  return default_error(status, message);
}

void frame_payload(Response& res, bool head_request);

// RFC 9112 §3.2.2: a server MUST accept the absolute-form of the request target.
// Handlers route on the origin-form, so "http://host:port/p?q" becomes "/p?q"
// (and "http://host?q" becomes "/?q"); the authority is not used for routing.
void to_origin_form(Request& req) {
  const std::string_view t = req.target();
  auto starts = [&](std::string_view scheme) {
    if (t.size() < scheme.size()) return false;
    for (std::size_t i = 0; i < scheme.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(t[i])) != scheme[i]) return false;
    return true;
  };
  std::size_t authority = 0;
  if (starts("http://"))
    authority = 7;
  else if (starts("https://"))
    authority = 8;
  else
    return;
  const std::size_t rest = t.find_first_of("/?#", authority);
  std::string origin = "/";
  if (rest != std::string_view::npos && t[rest] != '#')
    origin = t[rest] == '/' ? std::string(t.substr(rest)) : "/" + std::string(t.substr(rest));
  req.target(origin);
}

class ServerImpl;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, std::shared_ptr<ServerImpl> server, std::uint64_t id);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start();
  // Closes the connection from any thread (hops onto the session's strand).
  void close_async();
  std::uint64_t id() const { return id_; }

 private:
  void read_next();
  void on_first_bytes(const error_code& ec, std::size_t n);
  void read_header();
  void on_header(const error_code& ec);
  void on_continue_written(const error_code& ec);
  void read_body();
  void on_read(const error_code& ec);
  void on_read_error(const error_code& ec, bool timed_out);
  void dispatch_request();
  void on_response(Response&& res);
  void write(bool keep_alive);
  void on_write(const error_code& ec, bool keep_alive);
  void send_error_and_close(unsigned status, std::string_view message);
  void linger();
  void on_linger(const error_code& ec, std::size_t n);
  void close();

  void arm_deadline(std::chrono::steady_clock::duration d);
  void disarm_deadline();
  bool partly_read() const { return buffer_.size() > 0 || (parser_ && parser_->got_some()); }

  template <class F>
  void guarded(std::string_view where, F&& f);

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<Response> response_;
  asio::steady_timer deadline_;
  std::shared_ptr<ServerImpl> server_;
  const ServerLimits& limits_;
  ConnectionInfo info_;
  std::uint64_t id_;
  std::uint64_t deadline_gen_ = 0;
  bool timed_out_ = false;
  bool first_request_ = true;
  bool closed_ = false;
  std::size_t lingered_bytes_ = 0;
  unsigned request_version_ = 11;
  bool request_keep_alive_ = false;
  bool request_is_head_ = false;
  std::array<char, 4096> discard_{};
};

class ServerImpl final : public Server, public std::enable_shared_from_this<ServerImpl> {
 public:
  ServerImpl(asio::io_context& ioc, Handler handler, ServerLimits limits)
      : ioc_(ioc),
        acceptor_(asio::make_strand(ioc)),
        retry_timer_(acceptor_.get_executor()),
        handler_(std::move(handler)),
        limits_(std::move(limits)) {}

  void open(const tcp::endpoint& endpoint, bool reuse_port) {
    local_ = open_listener(acceptor_, endpoint, reuse_port);
  }

  tcp::endpoint local_endpoint() const override { return local_; }

  void start() override {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      if (self->started_ || self->stopped_) return;
      self->started_ = true;
      self->do_accept();
    });
  }

  void stop() override {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] { self->do_stop(); });
  }

  const Handler& handler() const { return handler_; }
  const ServerLimits& limits() const { return limits_; }

  // Called by a session (from its strand) exactly once when it closes.
  void on_session_closed(std::uint64_t id) {
    bool resume = false;
    {
      std::lock_guard lock(mu_);
      sessions_.erase(id);
      --count_;
      if (paused_ && !stopped_flag_ && count_ < limits_.max_connections) {
        paused_ = false;
        resume = true;
      }
    }
    if (resume)
      asio::post(acceptor_.get_executor(), [self = shared_from_this()] { self->do_accept(); });
  }

 private:
  void do_accept() {
    if (stopped_) return;
    acceptor_.async_accept(asio::make_strand(ioc_),
                           [self = shared_from_this()](error_code ec, tcp::socket socket) {
                             self->on_accept(ec, std::move(socket));
                           });
  }

  void on_accept(const error_code& ec, tcp::socket socket) {
    if (stopped_ || ec == asio::error::operation_aborted) return;
    if (ec) {
      // Out of descriptors or buffers: back off rather than spin.
      report("accept", ec.message());
      retry_timer_.expires_after(kAcceptRetryDelay);
      retry_timer_.async_wait([self = shared_from_this()](error_code wec) {
        if (!wec) self->do_accept();
      });
      return;
    }
    std::shared_ptr<Session> session;
    bool pause = false;
    try {
      std::lock_guard lock(mu_);
      const std::uint64_t id = next_id_++;
      session = std::make_shared<Session>(std::move(socket), shared_from_this(), id);
      sessions_.emplace(id, session);
      ++count_;
      if (count_ >= limits_.max_connections) {
        paused_ = true;
        pause = true;
      }
    } catch (const std::exception& e) {
      report("accept", e.what());
    }
    if (session) session->start();
    if (!pause) do_accept();
  }

  void do_stop() {
    stopped_ = true;
    error_code ec;
    retry_timer_.cancel();
    acceptor_.close(ec);
    std::vector<std::shared_ptr<Session>> live;
    {
      std::lock_guard lock(mu_);
      stopped_flag_ = true;
      for (auto& [id, weak] : sessions_) {
        if (auto s = weak.lock()) live.push_back(std::move(s));
      }
    }
    for (auto& s : live) s->close_async();
  }

  asio::io_context& ioc_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  Handler handler_;
  ServerLimits limits_;
  tcp::endpoint local_;
  // Owned by the acceptor's strand.
  bool started_ = false;
  bool stopped_ = false;
  // Shared with sessions on their own strands.
  std::mutex mu_;
  std::unordered_map<std::uint64_t, std::weak_ptr<Session>> sessions_;
  std::size_t count_ = 0;
  std::uint64_t next_id_ = 1;
  bool paused_ = false;
  bool stopped_flag_ = false;
};

// --- Session -----------------------------------------------------------------

Session::Session(tcp::socket&& socket, std::shared_ptr<ServerImpl> server, std::uint64_t id)
    : stream_(std::move(socket)),
      deadline_(stream_.get_executor()),
      server_(std::move(server)),
      limits_(server_->limits()),
      id_(id) {
  error_code ec;
  info_.remote = stream_.socket().remote_endpoint(ec);
  info_.local = stream_.socket().local_endpoint(ec);
}

Session::~Session() {
  // Normally close() already ran; this covers io_context teardown.
  if (!closed_) {
    closed_ = true;
    server_->on_session_closed(id_);
  }
}

template <class F>
void Session::guarded(std::string_view where, F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    report(where, e.what());
    close();
  } catch (...) {
    report(where, "unknown exception");
    close();
  }
}

void Session::start() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    self->guarded("read", [&] { self->read_next(); });
  });
}

void Session::close_async() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->close(); });
}

void Session::arm_deadline(std::chrono::steady_clock::duration d) {
  const std::uint64_t gen = ++deadline_gen_;
  timed_out_ = false;
  deadline_.expires_after(d);
  deadline_.async_wait([self = shared_from_this(), gen](error_code ec) {
    if (ec || gen != self->deadline_gen_ || self->closed_) return;
    self->timed_out_ = true;
    error_code ignored;
    self->stream_.socket().cancel(ignored);
  });
}

void Session::disarm_deadline() {
  ++deadline_gen_;
  deadline_.cancel();
}

void Session::read_next() {
  if (closed_) return;
  parser_.emplace();
  parser_->header_limit(
      static_cast<std::uint32_t>(std::min<std::size_t>(limits_.max_header_bytes, UINT32_MAX)));
  parser_->body_limit(limits_.max_body_bytes);
  if (first_request_ || buffer_.size() > 0) {
    // A new connection (or bytes already buffered): the request clock runs now.
    first_request_ = false;
    arm_deadline(limits_.request_timeout);
    read_header();
    return;
  }
  // Keep-alive: wait up to idle_timeout for the next request to begin.
  arm_deadline(limits_.idle_timeout);
  stream_.async_read_some(buffer_.prepare(4096),
                          [self = shared_from_this()](error_code ec, std::size_t n) {
                            self->guarded("read", [&] { self->on_first_bytes(ec, n); });
                          });
}

void Session::on_first_bytes(const error_code& ec, std::size_t n) {
  if (closed_) return;
  if (ec) {  // idle timeout, peer closed, reset: nothing to answer
    close();
    return;
  }
  buffer_.commit(n);
  arm_deadline(limits_.request_timeout);
  read_header();
}

void Session::read_header() {
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           [self = shared_from_this()](error_code ec, std::size_t) {
                             self->guarded("read", [&] { self->on_header(ec); });
                           });
}

void Session::on_header(const error_code& ec) {
  if (closed_) return;
  // timed_out_ without an error: the deadline fired as the header completed;
  // the body must not then be read without a deadline.
  if (ec || timed_out_) {
    on_read_error(ec, timed_out_);
    return;
  }
  const auto& req = parser_->get();
  if (!transfer_codings_supported(req.base())) {
    send_error_and_close(501, kTransferCodingRefusal);
    return;
  }
  if (!parser_->is_done() && req.version() >= 11 &&
      beast::iequals(req[bhttp::field::expect], "100-continue")) {
    // The client waits for our go-ahead before sending the body.
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = shared_from_this()](error_code wec, std::size_t) {
                        self->guarded("write", [&] { self->on_continue_written(wec); });
                      });
    return;
  }
  read_body();
}

void Session::on_continue_written(const error_code& ec) {
  if (closed_) return;
  if (ec || timed_out_) {
    on_read_error(ec, timed_out_);
    return;
  }
  read_body();
}

void Session::read_body() {
  if (parser_->is_done()) {
    on_read({});
    return;
  }
  bhttp::async_read(stream_, buffer_, *parser_,
                    [self = shared_from_this()](error_code ec, std::size_t) {
                      self->guarded("read", [&] { self->on_read(ec); });
                    });
}

void Session::on_read(const error_code& ec) {
  if (closed_) return;
  const bool timed_out = timed_out_;
  disarm_deadline();
  if (ec) {
    on_read_error(ec, timed_out);
    return;
  }
  dispatch_request();
}

void Session::on_read_error(const error_code& ec, bool timed_out) {
  disarm_deadline();
  if (timed_out) {
    // Slow client: answer only if it had started a request.
    if (partly_read()) {
      send_error_and_close(408, "The request was not received in time");
    } else {
      close();
    }
    return;
  }
  if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
    send_error_and_close(431, "Request header fields too large");
  } else if (ec == bhttp::error::body_limit) {
    send_error_and_close(413, "Request body too large");
  } else if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
             ec == bhttp::error::short_read || !is_http_parse_error(ec)) {
    close();  // peer went away (or a socket error): nobody to answer
  } else {
    send_error_and_close(400, "Malformed HTTP request");
  }
}

void Session::dispatch_request() {
  Request req = parser_->release();
  parser_.reset();
  to_origin_form(req);
  request_version_ = req.version();
  request_keep_alive_ = req.keep_alive();
  request_is_head_ = req.method() == bhttp::verb::head;

  // Respond may be invoked from anywhere; the first call wins and is carried
  // onto this connection's strand.
  auto called = std::make_shared<std::atomic<bool>>(false);
  Respond respond = [self = shared_from_this(), called](Response&& res) {
    if (called->exchange(true)) return;
    asio::dispatch(self->stream_.get_executor(), [self, res = std::move(res)]() mutable {
      self->guarded("respond", [&] { self->on_response(std::move(res)); });
    });
  };

  try {
    server_->handler()(std::move(req), info_, respond);
  } catch (const std::exception& e) {
    report("handler threw", e.what());
    respond(render_or_default(limits_, 500, "Internal server error"));
  } catch (...) {
    report("handler threw", "unknown exception");
    respond(render_or_default(limits_, 500, "Internal server error"));
  }
}

void Session::on_response(Response&& res) {
  if (closed_) return;
  const bool handler_closes = bhttp::token_list{res[bhttp::field::connection]}.exists("close");
  const bool keep_alive = request_keep_alive_ && !handler_closes;
  response_.emplace(std::move(res));
  response_->version(request_version_);
  response_->keep_alive(keep_alive);
  frame_payload(*response_, request_is_head_);
  write(keep_alive);
}

void Session::write(bool keep_alive) {
  stream_.expires_after(std::max<std::chrono::steady_clock::duration>(limits_.request_timeout,
                                                                      std::chrono::seconds(1)));
  bhttp::async_write(stream_, *response_,
                     [self = shared_from_this(), keep_alive](error_code ec, std::size_t) {
                       self->guarded("write", [&] { self->on_write(ec, keep_alive); });
                     });
}

void Session::on_write(const error_code& ec, bool keep_alive) {
  stream_.expires_never();
  response_.reset();
  if (closed_) return;
  if (ec) {
    close();
    return;
  }
  if (!keep_alive) {
    linger();
    return;
  }
  read_next();
}

void Session::send_error_and_close(unsigned status, std::string_view message) {
  parser_.reset();
  Response res = render_or_default(limits_, status, message);
  res.version(11);
  res.keep_alive(false);
  res.prepare_payload();
  response_.emplace(std::move(res));
  write(false);
}

// Half-close, then read and discard what the peer still sends, briefly.
void Session::linger() {
  error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  buffer_.clear();
  arm_deadline(kLingerTime);
  stream_.async_read_some(asio::buffer(discard_),
                          [self = shared_from_this()](error_code ec, std::size_t n) {
                            self->guarded("linger", [&] { self->on_linger(ec, n); });
                          });
}

void Session::on_linger(const error_code& ec, std::size_t n) {
  if (closed_) return;
  lingered_bytes_ += n;
  if (ec || lingered_bytes_ >= kLingerBytes) {
    close();
    return;
  }
  stream_.async_read_some(asio::buffer(discard_),
                          [self = shared_from_this()](error_code ec2, std::size_t n2) {
                            self->guarded("linger", [&] { self->on_linger(ec2, n2); });
                          });
}

void Session::close() {
  if (closed_) return;
  closed_ = true;
  disarm_deadline();
  error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
  // parser_, buffer_ and response_ stay: a cancelled read or write still
  // touches them when its completion runs.
  server_->on_session_closed(id_);
}

// Content-Length / Transfer-Encoding for the response actually sent.
// Beast's prepare_payload would put "Content-Length: 0" on a 204 (RFC 9110
// §8.6 forbids it), overwrite a 304's or a HEAD answer's length describing the
// representation, and throws on a 1xx/204/304 with a body; frame those here.
void frame_payload(Response& res, bool head_request) {
  const unsigned status = res.result_int();
  if ((status >= 100 && status < 200) || status == 204) {
    res.erase(bhttp::field::content_length);
    res.erase(bhttp::field::transfer_encoding);
    res.body().clear();
  } else if (status == 304 || head_request) {
    // Headers describe a body that is never sent: keep a given Content-Length.
    res.erase(bhttp::field::transfer_encoding);  // no chunk terminator without a body
    if (status != 304 && res.count(bhttp::field::content_length) == 0)
      res.content_length(res.body().size());
    res.body().clear();
  } else {
    res.prepare_payload();
  }
}

std::string_view camara_code(unsigned status) {
  switch (status) {
    case 400:
    case 411:
    case 413:
    case 431:
      return "INVALID_ARGUMENT";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 405:
      return "METHOD_NOT_ALLOWED";
    case 406:
      return "NOT_ACCEPTABLE";
    case 408:
    case 504:
      return "TIMEOUT";
    case 409:
      return "CONFLICT";
    case 415:
      return "UNSUPPORTED_MEDIA_TYPE";
    case 429:
      return "TOO_MANY_REQUESTS";
    case 500:
      return "INTERNAL";
    case 501:
      return "NOT_IMPLEMENTED";
    case 502:
      return "BAD_GATEWAY";
    case 503:
      return "UNAVAILABLE";
    default:
      return status >= 500 ? "INTERNAL" : "INVALID_ARGUMENT";
  }
}

bool parse_port(std::string_view text, std::uint16_t& port) {
  if (text.empty() || text.size() > 5) return false;
  unsigned value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size() || value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

}  // namespace

Handler make_sync_handler(SyncHandler handler) {
  return [handler = std::move(handler)](Request&& request, const ConnectionInfo& info,
                                        Respond respond) {
    Response res;
    try {
      res = handler(request, info);
    } catch (const std::exception& e) {
      report("handler threw", e.what());
      res = default_error(500, "Internal server error");
    } catch (...) {
      report("handler threw", "unknown exception");
      res = default_error(500, "Internal server error");
    }
    respond(std::move(res));
  };
}

bool transfer_codings_supported(const Request::header_type& header) {
  for (const auto& field : header) {
    if (field.name() != bhttp::field::transfer_encoding) continue;
    std::string_view list = field.value();
    while (!list.empty()) {
      const std::size_t comma = std::min(list.find(','), list.size());
      std::string_view element = list.substr(0, comma);
      list.remove_prefix(std::min(comma + 1, list.size()));
      while (!element.empty() && (element.front() == ' ' || element.front() == '\t')) element.remove_prefix(1);
      while (!element.empty() && (element.back() == ' ' || element.back() == '\t')) element.remove_suffix(1);
      if (!element.empty() && !beast::iequals(element, "chunked")) return false;  // empty: "a, , b"
    }
  }
  return true;
}

Response default_error(unsigned status, std::string_view message) {
  if (message.empty()) message = bhttp::obsolete_reason(static_cast<bhttp::status>(status));
  return camara_error(status, camara_code(status), message);
}

std::shared_ptr<Server> Server::create(asio::io_context& ioc,
                                       const asio::ip::tcp::endpoint& endpoint, Handler handler,
                                       ServerLimits limits, bool reuse_port) {
  if (!handler) throw std::invalid_argument("http::Server: a handler is required");
  if (limits.max_connections == 0) limits.max_connections = 1;
  auto server = std::make_shared<ServerImpl>(ioc, std::move(handler), std::move(limits));
  server->open(endpoint, reuse_port);
  return server;
}

asio::ip::tcp::endpoint parse_endpoint(std::string_view host_port) {
  auto fail = [&](std::string_view why) -> asio::ip::tcp::endpoint {
    throw std::invalid_argument("invalid listen address \"" + std::string(host_port) +
                                "\": " + std::string(why));
  };
  std::string_view host;
  std::string_view port_text;
  if (!host_port.empty() && host_port.front() == '[') {
    const std::size_t close = host_port.find(']');
    if (close == std::string_view::npos) return fail("missing ']' after an IPv6 address");
    host = host_port.substr(1, close - 1);
    if (close + 1 >= host_port.size() || host_port[close + 1] != ':')
      return fail("expected \"[address]:port\"");
    port_text = host_port.substr(close + 2);
    error_code ec;
    const auto addr = asio::ip::make_address_v6(std::string(host), ec);
    if (ec) return fail("not an IPv6 address");
    std::uint16_t port = 0;
    if (!parse_port(port_text, port)) return fail("the port must be a number from 0 to 65535");
    return {addr, port};
  }
  const std::size_t colon = host_port.rfind(':');
  if (colon == std::string_view::npos) return fail("expected \"host:port\"");
  host = host_port.substr(0, colon);
  port_text = host_port.substr(colon + 1);
  if (host.find(':') != std::string_view::npos)
    return fail("write IPv6 addresses in brackets, e.g. [::1]:8080");
  std::uint16_t port = 0;
  if (!parse_port(port_text, port)) return fail("the port must be a number from 0 to 65535");
  if (host.empty()) return fail("missing host");
  if (beast::iequals(host, "localhost")) return {asio::ip::address_v4::loopback(), port};
  error_code ec;
  const auto addr = asio::ip::make_address_v4(std::string(host), ec);
  if (ec) return fail("the host must be an IP address or localhost");
  return {addr, port};
}

}  // namespace tollgate::http
