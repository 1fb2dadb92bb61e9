#include "gateway/upstream.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/parser.hpp>

#include "http/log.h"

namespace tollgate::gateway {

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

// Upstream response headers may legitimately exceed what we accept from partners.
constexpr std::size_t kMaxResponseHeaderBytes = 64 * 1024;

bool would_block(const error_code& ec) {
  return ec == asio::error::would_block || ec == asio::error::try_again;
}

std::optional<tcp::endpoint> literal_endpoint(const HostPort& o) {
  std::string h = o.host;
  if (beast::iequals(h, "localhost")) return tcp::endpoint(asio::ip::address_v4::loopback(), o.port);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  error_code ec;
  const auto addr = asio::ip::make_address(h, ec);
  if (ec) return std::nullopt;
  return tcp::endpoint(addr, o.port);
}

std::string make_host_header(const HostPort& o) {
  std::string h = o.host;
  if (h.find(':') != std::string::npos && h.front() != '[') h = "[" + h + "]";
  if (o.port != 80) h += ":" + std::to_string(o.port);
  return h;
}

}  // namespace

// One connection to the origin; carries one exchange at a time.
class UpstreamConnection : public std::enable_shared_from_this<UpstreamConnection> {
 public:
  UpstreamConnection(asio::io_context& ioc, Upstream& pool)
      : ioc_(ioc), socket_(ioc), buffer_(kMaxResponseHeaderBytes + kReadChunk), pool_(pool) {}

  // Start an exchange. `reused`: the connection is already open.
  void begin(Upstream::Pending&& p, bool reused) {
    out_.swap(p.wire);
    waiter_ = std::move(p.waiter);
    head_ = p.head;
    reused_ = reused;
    retried_ = false;
    got_interim_ = false;
    timed_out_ = false;
    in_flight_ = true;
    pool_.link(this);
    if (reused)
      write();
    else
      connect();
  }

  void check(Steady::time_point now) {
    if (!in_flight_ || now < deadline_) return;
    timed_out_ = true;
    error_code ignored;
    socket_.cancel(ignored);
    if (resolver_) resolver_->cancel();
  }

  void shut() {
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  std::string& out() { return out_; }

  UpstreamConnection* prev = nullptr;
  UpstreamConnection* next = nullptr;

 private:
  void connect() {
    connecting_ = true;
    deadline_ = Steady::now() + pool_.limits_.connect_timeout;
    const unsigned gen = ++gen_;
    if (pool_.endpoint_) {
      socket_.async_connect(*pool_.endpoint_,
                            [self = shared_from_this(), gen](const error_code& ec) {
                              if (gen == self->gen_) self->on_connect(ec);
                            });
      return;
    }
    resolver_.emplace(ioc_);
    resolver_->async_resolve(
        pool_.origin_.host, std::to_string(pool_.origin_.port),
        [self = shared_from_this(), gen](const error_code& ec, tcp::resolver::results_type r) {
          if (gen != self->gen_) return;
          if (ec) {
            self->on_connect(ec);
            return;
          }
          asio::async_connect(self->socket_, r,
                              [self, gen](const error_code& cec, const tcp::endpoint&) {
                                if (gen == self->gen_) self->on_connect(cec);
                              });
        });
  }

  void on_connect(const error_code& ec) {
    connecting_ = false;
    resolver_.reset();
    if (ec) {
      finish(std::unexpected(timed_out_ ? http::UpstreamError::kConnectTimeout
                                        : http::UpstreamError::kConnectFailed),
             false);
      return;
    }
    error_code oec;
    socket_.set_option(tcp::no_delay(true), oec);
    // Non-blocking once, so that write()/read() try the socket before waiting.
    socket_.non_blocking(true, oec);
    if (oec) {
      finish(std::unexpected(http::UpstreamError::kConnectFailed), false);
      return;
    }
    write();
  }

  void write() {
    deadline_ = Steady::now() + pool_.limits_.response_timeout;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(kMaxResponseHeaderBytes));
    parser_->body_limit(pool_.limits_.max_response_body);
    parser_->eager(true);
    if (head_) parser_->skip(true);
    error_code ec;
    const std::size_t n = socket_.write_some(asio::buffer(out_), ec);
    if (!ec && n == out_.size()) {
      wait_readable();  // the answer cannot be there yet: park a read
      return;
    }
    if (ec && !would_block(ec)) {
      on_error(ec);
      return;
    }
    const std::size_t done = ec ? 0 : n;
    const unsigned gen = ++gen_;
    asio::async_write(socket_, asio::buffer(out_.data() + done, out_.size() - done),
                      [self = shared_from_this(), gen](const error_code& wec, std::size_t) {
                        if (gen != self->gen_) return;
                        if (wec) {
                          self->on_error(wec);
                          return;
                        }
                        self->wait_readable();
                      });
  }

  // A parked read rather than a readiness wait: no epoll_ctl per exchange.
  void wait_readable() {
    const std::size_t room = buffer_.max_size() - buffer_.size();
    if (room == 0) {
      finish(std::unexpected(http::UpstreamError::kProtocol), false);
      return;
    }
    const unsigned gen = ++gen_;
    socket_.async_read_some(buffer_.prepare(std::min(room, kReadChunk)),
                            [self = shared_from_this(), gen](const error_code& ec, std::size_t n) {
                              if (gen != self->gen_) return;
                              if (ec) {
                                self->on_read_error(ec);
                                return;
                              }
                              self->buffer_.commit(n);
                              self->read();
                            });
  }

  void read() {
    for (;;) {
      // Parse what is buffered first.
      while (buffer_.size() > 0) {
        error_code ec;
        const std::size_t n = parser_->put(buffer_.data(), ec);
        buffer_.consume(n);
        if (ec == bhttp::error::need_more) break;
        if (ec) {
          finish(std::unexpected(http::UpstreamError::kProtocol), false);
          return;
        }
        if (parser_->is_done()) {
          on_response();
          return;
        }
        if (n == 0) break;
      }
      const std::size_t room = buffer_.max_size() - buffer_.size();
      if (room == 0) {
        finish(std::unexpected(http::UpstreamError::kProtocol), false);
        return;
      }
      error_code ec;
      const std::size_t n = socket_.read_some(buffer_.prepare(std::min(room, kReadChunk)), ec);
      if (would_block(ec)) {
        wait_readable();
        return;
      }
      if (ec) {
        on_read_error(ec);
        return;
      }
      buffer_.commit(n);
    }
  }

  void on_read_error(const error_code& ec) {
    // A body delimited by the connection's end is complete at EOF.
    if (ec == asio::error::eof && parser_ && parser_->got_some()) {
      error_code eec;
      parser_->put_eof(eec);
      if (!eec && parser_->is_done()) {
        on_response();
        return;
      }
    }
    on_error(ec);
  }

  void on_response() {
    const unsigned status = parser_->get().result_int();
    if (status == 101) {  // we never ask for an upgrade
      finish(std::unexpected(http::UpstreamError::kProtocol), false);
      return;
    }
    if (status >= 100 && status < 200) {
      // An interim answer (100 Continue, 103 Early Hints): the real one follows.
      got_interim_ = true;  // a response byte was read: never retry now
      parser_.emplace();
      parser_->header_limit(static_cast<std::uint32_t>(kMaxResponseHeaderBytes));
      parser_->body_limit(pool_.limits_.max_response_body);
      parser_->eager(true);
      if (head_) parser_->skip(true);
      read();
      return;
    }
    const bool reusable = parser_->keep_alive() && buffer_.size() == 0;
    http::Response res = parser_->release();
    finish(std::move(res), reusable);
  }

  // A reused connection that the upstream closed while idle fails before any
  // response byte; the request cannot have been processed, so one retry on a
  // fresh connection is safe. Never after a response byte, never after a timeout.
  bool can_retry() const {
    return reused_ && !retried_ && !got_interim_ && !timed_out_ && !pool_.closed_ &&
           buffer_.size() == 0 && !(parser_ && parser_->got_some());
  }

  void on_error(const error_code& ec) {
    if (timed_out_) {
      finish(std::unexpected(connecting_ ? http::UpstreamError::kConnectTimeout
                                         : http::UpstreamError::kReadTimeout),
             false);
      return;
    }
    if (can_retry()) {
      retried_ = true;
      reused_ = false;
      shut();
      socket_ = tcp::socket(ioc_);
      buffer_.clear();
      connect();
      return;
    }
    finish(std::unexpected(pool_.closed_ || ec == asio::error::operation_aborted
                               ? http::UpstreamError::kConnectFailed
                               : http::UpstreamError::kProtocol),
           false);
  }

  void finish(std::expected<http::Response, http::UpstreamError>&& result, bool reusable) {
    if (!in_flight_) return;
    in_flight_ = false;
    ++gen_;  // late completions of this exchange are ignored
    pool_.unlink(this);
    parser_.reset();
    if (!reusable) {
      shut();
      buffer_.clear();
    }
    auto waiter = std::move(waiter_);
    const auto self = shared_from_this();
    pool_.release(self, reusable);
    if (waiter) waiter->upstream_done(std::move(result));
  }

  asio::io_context& ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  std::optional<tcp::resolver> resolver_;
  std::optional<bhttp::response_parser<bhttp::string_body>> parser_;
  std::string out_;
  std::shared_ptr<UpstreamWaiter> waiter_;
  Upstream& pool_;  // the pool outlives its connections (it owns every one it can reach)
  Steady::time_point deadline_ = Steady::time_point::max();
  unsigned gen_ = 0;
  bool head_ = false;
  bool reused_ = false;
  bool retried_ = false;
  bool got_interim_ = false;
  bool timed_out_ = false;
  bool connecting_ = false;
  bool in_flight_ = false;
};

Upstream::Upstream(asio::io_context& ioc, HostPort origin, http::UpstreamLimits limits)
    : ioc_(ioc),
      origin_(std::move(origin)),
      host_header_(make_host_header(origin_)),
      limits_(limits),
      endpoint_(literal_endpoint(origin_)) {
  if (limits_.max_connections == 0) limits_.max_connections = 1;
}

Upstream::~Upstream() { close(); }

std::shared_ptr<Upstream> Upstream::create(asio::io_context& ioc, HostPort origin,
                                           http::UpstreamLimits limits) {
  return std::shared_ptr<Upstream>(new Upstream(ioc, std::move(origin), limits));
}

void Upstream::send(std::string& wire, bool head, std::shared_ptr<UpstreamWaiter> waiter) {
  if (closed_) {
    fail_later(std::move(waiter), http::UpstreamError::kConnectFailed);
    return;
  }
  Pending p;
  p.wire.swap(wire);
  p.head = head;
  p.waiter = std::move(waiter);
  if (active_ < limits_.max_connections) {
    start(std::move(p));
    // begin() swapped the buffers: the caller gets back the one of the exchange
    // that ran before on that connection (its capacity kept).
    wire.swap(p.wire);
  } else if (queue_.size() < limits_.max_queued) {
    queue_.push_back(std::move(p));
    queued_at_.push_back(Steady::now());
  } else {
    fail_later(std::move(p.waiter), http::UpstreamError::kOverloaded);
  }
}

void Upstream::start(Pending&& p) {
  ++active_;
  if (!idle_.empty()) {
    auto c = std::move(idle_.back());  // LIFO: the warmest connection
    idle_.pop_back();
    c->begin(std::move(p), /*reused=*/true);
    return;
  }
  std::make_shared<UpstreamConnection>(ioc_, *this)->begin(std::move(p), /*reused=*/false);
}

void Upstream::fail_later(std::shared_ptr<UpstreamWaiter> waiter, http::UpstreamError e) {
  asio::post(ioc_, [waiter = std::move(waiter), e] { waiter->upstream_done(std::unexpected(e)); });
}

void Upstream::release(const std::shared_ptr<UpstreamConnection>& c, bool reusable) {
  --active_;
  if (reusable && !closed_ && idle_.size() < limits_.max_idle_connections) {
    idle_.push_back(c);
  } else if (reusable) {
    c->shut();
  }
  while (!queue_.empty() && active_ < limits_.max_connections && !closed_) {
    Pending p = std::move(queue_.front());
    queue_.pop_front();
    queued_at_.pop_front();
    start(std::move(p));
  }
}

void Upstream::sweep(Steady::time_point now) {
  for (UpstreamConnection* c = head_; c != nullptr;) {
    UpstreamConnection* next = c->next;
    c->check(now);
    c = next;
  }
  // A request that waited a whole response timeout for a free connection gives up.
  while (!queue_.empty() && now - queued_at_.front() >= limits_.response_timeout) {
    auto waiter = std::move(queue_.front().waiter);
    queue_.pop_front();
    queued_at_.pop_front();
    fail_later(std::move(waiter), http::UpstreamError::kReadTimeout);
  }
}

void Upstream::close() {
  if (closed_) return;
  closed_ = true;
  for (auto& c : idle_) c->shut();
  idle_.clear();
  while (!queue_.empty()) {
    auto waiter = std::move(queue_.front().waiter);
    queue_.pop_front();
    fail_later(std::move(waiter), http::UpstreamError::kConnectFailed);
  }
  queued_at_.clear();
  // In-flight exchanges end with an error when their sockets close.
  for (UpstreamConnection* c = head_; c != nullptr; c = c->next) c->shut();
}

void Upstream::link(UpstreamConnection* c) {
  c->prev = nullptr;
  c->next = head_;
  if (head_) head_->prev = c;
  head_ = c;
}

void Upstream::unlink(UpstreamConnection* c) {
  if (c->prev) c->prev->next = c->next;
  if (c->next) c->next->prev = c->prev;
  if (head_ == c) head_ = c->next;
  c->prev = c->next = nullptr;
}

}  // namespace tollgate::gateway
