#include "gateway/frontend.h"

#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <charconv>

#include "gateway/proxy.h"
#include "http/camara.h"
#include "http/listen.h"
#include "http/log.h"

namespace tollgate::gateway {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

constexpr std::chrono::milliseconds kAcceptRetryDelay{100};
// Buffers that grew past this (a large body) are not kept in the pool.
constexpr std::size_t kPooledBufferMax = 2 * kReadChunk;

void report(std::string_view where, std::string_view what) {
  http::log_json("app", {{"msg", "gateway connection error"}, {"where", where}, {"error", what}},
                 http::LogLevel::kError);
}

void append_number(std::string& out, std::size_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

bool would_block(const error_code& ec) {
  return ec == asio::error::would_block || ec == asio::error::try_again;
}

// Lingering reads land here: their bytes are dropped, so threads share one.
thread_local std::array<char, 4096> g_discard;

}  // namespace

void write_response(const http::Response& res, std::string_view correlator, unsigned version,
                    bool keep_alive, bool head_request, std::string& out) {
  out.clear();
  const unsigned status = res.result_int();
  out.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  append_number(out, status);
  out.push_back(' ');
  std::string_view reason = res.reason();
  if (reason.empty()) reason = bhttp::obsolete_reason(res.result());
  out.append(reason);
  out.append("\r\n");
  const bool has_connection = res.find(bhttp::field::connection) != res.end();
  const std::vector<std::string_view> named =
      has_connection ? connection_tokens(res) : std::vector<std::string_view>{};
  std::string_view given_length;
  for (const auto& f : res) {
    if (f.name() == bhttp::field::content_length) {
      given_length = f.value();
      continue;
    }
    const std::string_view name = f.name_string();
    if (beast::iequals(name, http::kCorrelatorHeader) || drop_on_forward(name, named)) continue;
    out.append(name);
    out.append(": ");
    out.append(f.value());
    out.append("\r\n");
  }
  if (!correlator.empty()) {
    out.append("x-correlator: ");
    out.append(correlator);
    out.append("\r\n");
  }
  // Framing as http::Server does (RFC 9110 §6.4.1, §8.6): no length and no body
  // for 1xx and 204; 304 and HEAD keep a given length that describes the body
  // never sent.
  const bool no_length = status < 200 || status == 204;
  const bool no_body = no_length || status == 304 || head_request;
  if (!no_length) {
    if (status == 304 || head_request) {
      if (!given_length.empty()) {
        out.append("Content-Length: ");
        out.append(given_length);
        out.append("\r\n");
      } else if (status != 304) {
        out.append("Content-Length: ");
        append_number(out, res.body().size());
        out.append("\r\n");
      }
    } else {
      out.append("Content-Length: ");
      append_number(out, res.body().size());
      out.append("\r\n");
    }
  }
  if (version >= 11 && !keep_alive) out.append("Connection: close\r\n");
  if (version == 10 && keep_alive) out.append("Connection: keep-alive\r\n");
  out.append("\r\n");
  if (!no_body) out.append(res.body());
}

// --- ClientConnection -------------------------------------------------------------

ClientConnection::ClientConnection(tcp::socket&& socket, std::shared_ptr<Frontend> frontend,
                                   std::shared_ptr<asio::ssl::context> tls)
    : socket_(std::move(socket)), tls_context_(std::move(tls)), frontend_(std::move(frontend)) {
  error_code ec;
  remote_ = socket_.remote_endpoint(ec);
  if (tls_context_)
    tls_ = std::make_unique<asio::ssl::stream<tcp::socket&>>(socket_, *tls_context_);
}

std::size_t ClientConnection::sync_read(asio::mutable_buffer b, error_code& ec) {
  return tls_ ? tls_->read_some(b, ec) : socket_.read_some(b, ec);
}

template <class Handler>
void ClientConnection::async_read(asio::mutable_buffer b, Handler&& h) {
  if (tls_)
    tls_->async_read_some(b, std::forward<Handler>(h));
  else
    socket_.async_read_some(b, std::forward<Handler>(h));
}

template <class Handler>
void ClientConnection::async_write_all(asio::const_buffer b, Handler&& h) {
  if (tls_)
    asio::async_write(*tls_, b, std::forward<Handler>(h));
  else
    asio::async_write(socket_, b, std::forward<Handler>(h));
}

ClientConnection::~ClientConnection() {
  if (!closed_) {
    closed_ = true;
    frontend_->unlink(this);
  }
}

void ClientConnection::start() {
  frontend_->link(this);
  error_code ec;
  socket_.non_blocking(true, ec);
  socket_.set_option(tcp::no_delay(true), ec);
  // A new connection must bring its first request within the request timeout.
  deadline_ = Steady::now() + frontend_->limits_.request_timeout;
  request_started_ = true;
  if (!tls_) {
    wait_readable();
    return;
  }
  phase_ = Phase::kReading;  // the handshake runs under the request deadline
  op_pending_ = true;
  tls_->async_handshake(asio::ssl::stream_base::server,
                        [self = shared_from_this()](const error_code& ec) {
                          self->op_pending_ = false;
                          if (self->closed_) return;
                          if (ec) {
                            self->close();
                            return;
                          }
                          self->wait_readable();
                        });
}

void ClientConnection::take_buffer() {
  if (buffer_) return;
  auto& pool = frontend_->buffers_;
  if (!pool.empty()) {
    buffer_.emplace(std::move(pool.back()));
    pool.pop_back();
  } else {
    const auto& l = frontend_->limits_;
    buffer_.emplace(l.max_header_bytes + l.max_body_bytes + kReadChunk);
  }
}

void ClientConnection::give_back_buffer() {
  if (!buffer_ || buffer_->size() != 0) return;
  auto& pool = frontend_->buffers_;
  if (pool.size() < kPooledBuffers && buffer_->capacity() <= kPooledBufferMax)
    pool.push_back(std::move(*buffer_));
  buffer_.reset();
}

bool ClientConnection::partly_read() const {
  return (buffer_ && buffer_->size() > 0) || (parser_ && parser_->got_some());
}

void ClientConnection::reset_parser() {
  parser_.emplace();
  const auto& l = frontend_->limits_;
  parser_->header_limit(
      static_cast<std::uint32_t>(std::min<std::size_t>(l.max_header_bytes, UINT32_MAX)));
  parser_->body_limit(l.max_body_bytes);
  parser_->eager(true);
  continue_sent_ = false;
  header_checked_ = false;
}

void ClientConnection::wait_readable() {
  phase_ = Phase::kReading;
  op_pending_ = true;
  // A read (not a readiness wait): Asio tries it at once and otherwise parks it
  // on the already-registered descriptor, where a readiness wait would re-arm
  // epoll (one epoll_ctl per request). The few bytes land in the connection's
  // small inline buffer, so an idle connection still holds no read buffer.
  async_read(
      asio::buffer(inline_), [self = shared_from_this()](const error_code& ec, std::size_t n) {
        self->op_pending_ = false;
        if (self->closed_ || self->phase_ != Phase::kReading) return;
        if (ec) {
          // The sweep cancels the read on a timeout; it already answered or closed.
          if (ec != asio::error::operation_aborted) self->close();
          return;
        }
        try {
          self->take_buffer();
          asio::buffer_copy(self->buffer_->prepare(n), asio::buffer(self->inline_.data(), n));
          self->buffer_->commit(n);
          if (!self->request_started_) {  // the request clock runs from its first byte
            self->request_started_ = true;
            self->deadline_ = Steady::now() + self->frontend_->limits_.request_timeout;
          }
          self->read_some();
        } catch (const std::exception& e) {
          report("read", e.what());
          self->close();
        }
      });
}

// Reads what the socket holds without blocking, parses it, and either hands a
// complete request to the sink, answers an error, or waits for more bytes.
void ClientConnection::read_some() {
  while (!closed_ && phase_ == Phase::kReading) {
    take_buffer();
    // parse() may hand the request over, and the handler may answer and start
    // waiting for the next one before it returns: then this loop is done.
    if (buffer_->size() > 0 && !parse()) return;
    const std::size_t room = buffer_->max_size() - buffer_->size();
    if (room == 0) {  // a header that never ends, or a body beyond the limit
      fail_request(parser_ && parser_->is_header_done() ? 413 : 431,
                   parser_ && parser_->is_header_done() ? "Request body too large"
                                                        : "Request header fields too large");
      return;
    }
    error_code ec;
    const std::size_t n = sync_read(buffer_->prepare(std::min(room, kReadChunk)), ec);
    if (would_block(ec)) {
      give_back_buffer();  // nothing buffered: an idle connection holds no buffer
      wait_readable();
      return;
    }
    if (ec) {  // the peer went away or reset: nobody to answer
      close();
      return;
    }
    buffer_->commit(n);
    if (!request_started_) {  // the request clock runs from its first byte
      request_started_ = true;
      deadline_ = Steady::now() + frontend_->limits_.request_timeout;
    }
  }
}

bool ClientConnection::parse() {
  if (!parser_) reset_parser();
  while (buffer_->size() > 0) {
    error_code ec;
    const std::size_t n = parser_->put(buffer_->data(), ec);
    buffer_->consume(n);
    if (ec == bhttp::error::need_more) break;
    if (ec) {
      if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow)
        fail_request(431, "Request header fields too large");
      else if (ec == bhttp::error::body_limit)
        fail_request(413, "Request body too large");
      else
        fail_request(400, "Malformed HTTP request");
      return false;
    }
    if (parser_->is_header_done() && !header_checked_) {
      header_checked_ = true;
      if (!http::transfer_codings_supported(parser_->get().base())) {
        fail_request(501, http::kTransferCodingRefusal);
        return false;
      }
    }
    if (parser_->is_done()) {
      dispatch();
      return false;
    }
    if (parser_->is_header_done() && !continue_sent_) {
      const auto& req = parser_->get();
      if (req.version() >= 11 && beast::iequals(req[bhttp::field::expect], "100-continue")) {
        // The client waits for our go-ahead before it sends the body.
        continue_sent_ = true;
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        if (tls_) {
          async_write_all(asio::buffer(kContinue.data(), kContinue.size()),
                          [self = shared_from_this()](const error_code& wec, std::size_t) {
                            if (wec && !self->closed_) self->close();
                          });
        } else {
          error_code wec;
          asio::write(socket_, asio::buffer(kContinue.data(), kContinue.size()), wec);
          if (wec && !would_block(wec)) {
            close();
            return false;
          }
        }
      }
    }
    if (n == 0) break;
  }
  return true;
}

void ClientConnection::dispatch() {
  phase_ = Phase::kHandling;
  deadline_ = Steady::time_point::max();  // the upstream pool times the exchange
  timed_out_ = false;
  request_started_ = false;
  http::Request req = parser_->release();
  parser_.reset();
  state_.version = req.version();
  state_.keep_alive = req.keep_alive();
  state_.head = req.method() == bhttp::verb::head;
  give_back_buffer();  // a pipelined request stays buffered
  const auto self = shared_from_this();
  try {
    frontend_->sink_.on_request(self, std::move(req));
  } catch (const std::exception& e) {
    report("handler", e.what());
    respond(http::default_error(500, "Internal server error"));
  }
}

void ClientConnection::respond(const http::Response& res) {
  if (closed_ || phase_ != Phase::kHandling) return;
  const bool handler_closes = bhttp::token_list{res[bhttp::field::connection]}.exists("close");
  const bool keep_alive = state_.keep_alive && !handler_closes;
  write_response(res, state_.correlator, state_.version, keep_alive, state_.head, out_);
  write_out(keep_alive);
}

void ClientConnection::upstream_done(std::expected<http::Response, http::UpstreamError>&& result) {
  const auto self = shared_from_this();
  try {
    frontend_->sink_.on_upstream(self, std::move(result));
  } catch (const std::exception& e) {
    report("upstream handler", e.what());
    respond(http::default_error(500, "Internal server error"));
  }
}

void ClientConnection::write_out(bool keep_alive) {
  phase_ = Phase::kWriting;
  deadline_ = Steady::now() + frontend_->limits_.request_timeout;
  if (tls_) {  // a TLS record is written whole: always through the stream's async write
    op_pending_ = true;
    async_write_all(asio::buffer(out_),
                    [self = shared_from_this(), keep_alive](const error_code& wec, std::size_t) {
                      self->op_pending_ = false;
                      self->on_written(wec, keep_alive);
                    });
    return;
  }
  // Most answers fit the socket buffer: try at once, fall back to an async write.
  error_code ec;
  const std::size_t n = socket_.write_some(asio::buffer(out_), ec);
  if (!ec && n == out_.size()) {
    on_written({}, keep_alive);
    return;
  }
  if (ec && !would_block(ec)) {
    close();
    return;
  }
  const std::size_t done = ec ? 0 : n;
  op_pending_ = true;
  asio::async_write(socket_, asio::buffer(out_.data() + done, out_.size() - done),
                    [self = shared_from_this(), keep_alive](const error_code& wec, std::size_t) {
                      self->op_pending_ = false;
                      self->on_written(wec, keep_alive);
                    });
}

void ClientConnection::on_written(const error_code& ec, bool keep_alive) {
  if (closed_) return;
  if (ec) {
    close();
    return;
  }
  if (!keep_alive) {
    if (tls_)
      close();  // no half-close under TLS
    else
      linger();
    return;
  }
  phase_ = Phase::kReading;
  timed_out_ = false;
  if (buffer_ && buffer_->size() > 0) {
    // A pipelined request is waiting: continue from the event loop, not from
    // this stack (which may be the handler's), so a long pipeline cannot recurse.
    deadline_ = Steady::now() + frontend_->limits_.request_timeout;
    request_started_ = true;
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
      if (self->closed_ || self->phase_ != Phase::kReading) return;
      try {
        self->read_some();
      } catch (const std::exception& e) {
        report("read", e.what());
        self->close();
      }
    });
    return;
  }
  deadline_ = Steady::now() + frontend_->limits_.idle_timeout;
  wait_readable();
}

void ClientConnection::fail_request(unsigned status, std::string_view message) {
  // A valid x-correlator among the header fields parsed so far (a body too large,
  // e.g. by its Content-Length, malformed or late) is echoed like on every other
  // answer (CAMARA: errors included); an invalid or repeated one is not.
  std::string correlator;
  if (parser_) {
    const auto& req = parser_->get();
    const auto range = req.equal_range(http::kCorrelatorHeader);
    if (range.first != range.second && std::next(range.first) == range.second &&
        http::valid_correlator(range.first->value()))
      correlator = std::string(range.first->value());
  }
  parser_.reset();
  state_.correlator.clear();
  state_.version = 11;
  state_.keep_alive = false;
  state_.head = false;
  write_response(http::default_error(status, message), correlator, 11, false, false, out_);
  if (buffer_) buffer_->clear();
  write_out(false);
}

// Half-close, then read and drop what the peer still sends, briefly.
void ClientConnection::linger() {
  phase_ = Phase::kLingering;
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
  if (buffer_) buffer_->clear();
  give_back_buffer();
  deadline_ = Steady::now() + kLingerTime;  // not extended by what the peer sends
  linger_read();
}

void ClientConnection::linger_read() {
  op_pending_ = true;
  socket_.async_read_some(asio::buffer(g_discard),
                          [self = shared_from_this()](const error_code& ec, std::size_t n) {
                            self->op_pending_ = false;
                            if (self->closed_) return;
                            self->lingered_ += n;
                            if (ec || self->lingered_ >= kLingerBytes) {
                              self->close();
                              return;
                            }
                            self->linger_read();
                          });
}

void ClientConnection::close() {
  if (closed_) return;
  closed_ = true;
  phase_ = Phase::kClosed;
  frontend_->unlink(this);
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  parser_.reset();
  if (buffer_) buffer_->clear();
  give_back_buffer();
}

void ClientConnection::check_deadline(Steady::time_point now) {
  if (closed_ || now < deadline_) return;
  switch (phase_) {
    case Phase::kReading:
      timed_out_ = true;
      if (partly_read()) {
        // Slow client: it started a request and did not finish it in time.
        error_code ignored;
        socket_.cancel(ignored);  // the pending wait ends quietly
        fail_request(408, "The request was not received in time");
      } else {
        close();
      }
      return;
    case Phase::kWriting:    // the client stopped reading
    case Phase::kLingering:  // enough waiting
      close();
      return;
    case Phase::kHandling:
    case Phase::kClosed:
      return;
  }
}

// --- Frontend ---------------------------------------------------------------------

Frontend::Frontend(asio::io_context& ioc, RequestSink& sink, FrontendLimits limits)
    : ioc_(ioc),
      acceptor_(ioc),
      sweep_timer_(ioc),
      retry_timer_(ioc),
      sink_(sink),
      limits_(limits) {
  buffers_.reserve(kPooledBuffers);
}

Frontend::~Frontend() = default;

std::shared_ptr<Frontend> Frontend::create(
    asio::io_context& ioc, const tcp::endpoint& endpoint, RequestSink& sink, FrontendLimits limits,
    bool reuse_port, const std::atomic<std::shared_ptr<asio::ssl::context>>* tls) {
  std::shared_ptr<Frontend> f(new Frontend(ioc, sink, limits));
  f->tls_ = tls;
  f->open(endpoint, reuse_port);
  return f;
}

void Frontend::open(const tcp::endpoint& endpoint, bool reuse_port) {
  local_ = http::open_listener(acceptor_, endpoint, reuse_port);
}

void Frontend::start() {
  asio::post(ioc_, [self = shared_from_this()] {
    if (self->accepting_ || self->stopped_) return;
    self->accepting_ = true;
    self->accept();
    self->sweep();
  });
}

void Frontend::accept() {
  if (stopped_) return;
  acceptor_.async_accept(ioc_, [self = shared_from_this()](const error_code& ec, tcp::socket s) {
    self->on_accept(ec, std::move(s));
  });
}

void Frontend::on_accept(const error_code& ec, tcp::socket socket) {
  if (stopped_ || ec == asio::error::operation_aborted) return;
  if (ec) {
    // Out of descriptors or buffers: back off rather than spin.
    report("accept", ec.message());
    retry_timer_.expires_after(kAcceptRetryDelay);
    retry_timer_.async_wait([self = shared_from_this()](const error_code& wec) {
      if (!wec) self->accept();
    });
    return;
  }
  try {
    std::make_shared<ClientConnection>(std::move(socket), shared_from_this(),
                                       tls_ ? tls_->load(std::memory_order_acquire) : nullptr)
        ->start();
  } catch (const std::exception& e) {
    report("accept", e.what());
  }
  if (count_ >= limits_.max_connections) {
    paused_ = true;
    return;
  }
  accept();
}

void Frontend::sweep() {
  if (stopped_) return;
  const auto now = Steady::now();
  for (ClientConnection* c = head_; c != nullptr;) {
    ClientConnection* next = c->next_;
    const auto keep = c->shared_from_this();  // a close inside must not destroy it under us
    c->check_deadline(now);
    c = next;
  }
  for (const auto& f : sweepers_) f(now);
  sweep_timer_.expires_after(kSweepInterval);
  sweep_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (!ec) self->sweep();
  });
}

void Frontend::link(ClientConnection* c) {
  c->prev_ = nullptr;
  c->next_ = head_;
  if (head_) head_->prev_ = c;
  head_ = c;
  ++count_;
  open_.store(count_, std::memory_order_relaxed);
}

void Frontend::unlink(ClientConnection* c) {
  if (c->prev_) c->prev_->next_ = c->next_;
  if (c->next_) c->next_->prev_ = c->prev_;
  if (head_ == c) head_ = c->next_;
  c->prev_ = c->next_ = nullptr;
  --count_;
  open_.store(count_, std::memory_order_relaxed);
  if (paused_ && !stopped_ && count_ < limits_.max_connections) {
    paused_ = false;
    accept();
  }
}

void Frontend::stop() {
  if (stopped_) return;
  stopped_ = true;
  error_code ignored;
  acceptor_.close(ignored);
  sweep_timer_.cancel();
  retry_timer_.cancel();
  while (head_ != nullptr) {
    const auto keep = head_->shared_from_this();
    head_->close();
  }
}

}  // namespace tollgate::gateway
