// client.cc — the upstream keep-alive pool and the blocking fetch.
#include "http/client.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/url.hpp>
#include <deque>
#include <optional>
#include <unordered_map>
#include <vector>

#include "http/log.h"

namespace tollgate::http {
namespace {

namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

// Upstream response headers may legitimately exceed what we accept from clients.
constexpr std::uint32_t kMaxResponseHeaderBytes = 64 * 1024;

void report_callback_exception(std::string_view what) {
  log_json("app", {{"msg", "upstream callback threw"}, {"error", what}}, LogLevel::kError);
}

bool is_http_error(const error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category();
}

// "localhost" and IP literals need no resolver.
std::optional<asio::ip::address> literal_address(std::string_view host) {
  if (beast::iequals(host, "localhost")) return asio::ip::address_v4::loopback();
  std::string_view h = host;
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  error_code ec;
  auto addr = asio::ip::make_address(std::string(h), ec);
  if (ec) return std::nullopt;
  return addr;
}

std::string host_header(std::string_view host, std::uint16_t port) {
  std::string h(host);
  if (h.find(':') != std::string::npos && h.front() != '[') h = "[" + h + "]";
  if (port != 80) h += ":" + std::to_string(port);
  return h;
}

struct Connection {
  explicit Connection(asio::io_context& ioc) : stream(ioc) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
};

class PoolImpl;

// One request/response exchange; owns its connection while in flight.
class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(std::shared_ptr<PoolImpl> pool, Request request, UpstreamPool::Callback done)
      : pool_(std::move(pool)), request_(std::move(request)), done_(std::move(done)) {}

  void start();
  void fail(UpstreamError e);

 private:
  void open_connection();
  void connect(const tcp::resolver::results_type& endpoints);
  void on_connect(const error_code& ec);
  void send();
  void reset_parser();
  void on_write(const error_code& ec);
  void on_read(const error_code& ec);
  bool can_retry() const;
  void retry();
  void finish(std::expected<Response, UpstreamError> result, bool reusable);

  std::shared_ptr<PoolImpl> pool_;
  Request request_;
  UpstreamPool::Callback done_;
  std::shared_ptr<Connection> conn_;
  std::optional<tcp::resolver> resolver_;
  std::optional<bhttp::response_parser<bhttp::string_body>> parser_;
  bool reused_ = false;
  bool retried_ = false;
  bool got_interim_ = false;
  bool finished_ = false;
};

class PoolImpl final : public UpstreamPool, public std::enable_shared_from_this<PoolImpl> {
 public:
  PoolImpl(asio::io_context& ioc, std::string host, std::uint16_t port, UpstreamLimits limits)
      : ioc_(ioc),
        host_(std::move(host)),
        port_(port),
        host_header_(host_header(host_, port)),
        limits_(limits),
        address_(literal_address(host_)) {
    if (limits_.max_connections == 0) limits_.max_connections = 1;
  }

  ~PoolImpl() override {
    for (auto& c : idle_) {
      error_code ignored;
      c->stream.socket().close(ignored);
    }
  }

  void async_send(Request request, Callback done) override {
    auto exchange = std::make_shared<Exchange>(shared_from_this(), std::move(request), std::move(done));
    if (closed_) {
      post_failure(exchange, UpstreamError::kConnectFailed);
    } else if (active_ < limits_.max_connections) {
      ++active_;
      exchange->start();
    } else if (queue_.size() < limits_.max_queued) {
      queue_.push_back(std::move(exchange));
    } else {
      post_failure(exchange, UpstreamError::kOverloaded);
    }
  }

  void close() override {
    closed_ = true;
    for (auto& c : idle_) {
      error_code ignored;
      c->stream.socket().close(ignored);
    }
    idle_.clear();
    auto queued = std::move(queue_);
    queue_.clear();
    for (auto& e : queued) post_failure(e, UpstreamError::kConnectFailed);
    // In-flight exchanges fail with operation_aborted.
    for (auto& [ptr, weak] : in_use_) {
      if (auto c = weak.lock()) c->stream.close();
    }
  }

  asio::io_context& ioc() { return ioc_; }
  const UpstreamLimits& limits() const { return limits_; }
  const std::optional<asio::ip::address>& address() const { return address_; }
  const std::string& host() const { return host_; }
  std::uint16_t port() const { return port_; }
  const std::string& host_header_value() const { return host_header_; }
  bool closed() const { return closed_; }

  std::shared_ptr<Connection> take_idle() {
    if (idle_.empty()) return nullptr;
    auto c = std::move(idle_.back());  // LIFO: the warmest connection
    idle_.pop_back();
    mark_in_use(c);
    return c;
  }

  std::shared_ptr<Connection> new_connection() {
    auto c = std::make_shared<Connection>(ioc_);
    mark_in_use(c);
    return c;
  }

  // The exchange is done with `conn` (may be null); `reusable` keeps it idle.
  void release(std::shared_ptr<Connection> conn, bool reusable) {
    if (conn) {
      in_use_.erase(conn.get());
      conn->stream.expires_never();
      if (reusable && !closed_ && idle_.size() < limits_.max_idle_connections && conn->buffer.size() == 0) {
        idle_.push_back(std::move(conn));
      } else {
        error_code ignored;
        conn->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        conn->stream.close();
      }
    }
  }

  void drop(const std::shared_ptr<Connection>& conn) {
    if (!conn) return;
    in_use_.erase(conn.get());
    conn->stream.close();
  }

  // An exchange finished: its slot goes to the next queued request.
  void on_exchange_done() {
    --active_;
    while (!queue_.empty() && active_ < limits_.max_connections && !closed_) {
      auto next = std::move(queue_.front());
      queue_.pop_front();
      ++active_;
      next->start();
    }
  }

 private:
  void mark_in_use(const std::shared_ptr<Connection>& c) { in_use_.emplace(c.get(), c); }

  void post_failure(const std::shared_ptr<Exchange>& exchange, UpstreamError e) {
    asio::post(ioc_, [exchange, e] { exchange->fail(e); });
  }

  asio::io_context& ioc_;
  std::string host_;
  std::uint16_t port_;
  std::string host_header_;
  UpstreamLimits limits_;
  std::optional<asio::ip::address> address_;
  std::vector<std::shared_ptr<Connection>> idle_;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> in_use_;
  std::deque<std::shared_ptr<Exchange>> queue_;
  std::size_t active_ = 0;
  bool closed_ = false;
};

void Exchange::start() {
  if (pool_->closed()) {
    finish(std::unexpected(UpstreamError::kConnectFailed), false);
    return;
  }
  request_.version(11);
  request_.set(bhttp::field::host, pool_->host_header_value());
  request_.keep_alive(true);
  request_.prepare_payload();
  conn_ = pool_->take_idle();
  if (conn_) {
    reused_ = true;
    send();
  } else {
    open_connection();
  }
}

// Failure before the exchange took a pool slot (posted by the pool).
void Exchange::fail(UpstreamError e) {
  if (finished_) return;
  finished_ = true;
  auto done = std::move(done_);
  try {
    done(std::unexpected(e));
  } catch (const std::exception& ex) {
    report_callback_exception(ex.what());
  }
}

void Exchange::open_connection() {
  reused_ = false;
  conn_ = pool_->new_connection();
  if (const auto& addr = pool_->address()) {
    conn_->stream.expires_after(pool_->limits().connect_timeout);
    conn_->stream.async_connect(tcp::endpoint(*addr, pool_->port()),
                                [self = shared_from_this()](error_code ec) { self->on_connect(ec); });
    return;
  }
  resolver_.emplace(pool_->ioc());
  resolver_->async_resolve(pool_->host(), std::to_string(pool_->port()),
                           [self = shared_from_this()](error_code ec, tcp::resolver::results_type results) {
                             if (ec || self->pool_->closed()) {
                               self->finish(std::unexpected(UpstreamError::kConnectFailed), false);
                               return;
                             }
                             self->connect(results);
                           });
}

void Exchange::connect(const tcp::resolver::results_type& endpoints) {
  conn_->stream.expires_after(pool_->limits().connect_timeout);
  conn_->stream.async_connect(endpoints, [self = shared_from_this()](error_code ec, const tcp::endpoint&) {
    self->on_connect(ec);
  });
}

void Exchange::on_connect(const error_code& ec) {
  if (ec) {
    finish(std::unexpected(ec == beast::error::timeout ? UpstreamError::kConnectTimeout
                                                        : UpstreamError::kConnectFailed),
           false);
    return;
  }
  error_code ignored;
  conn_->stream.socket().set_option(tcp::no_delay(true), ignored);
  send();
}

void Exchange::send() {
  reset_parser();
  conn_->stream.expires_after(pool_->limits().response_timeout);
  bhttp::async_write(conn_->stream, request_,
                     [self = shared_from_this()](error_code ec, std::size_t) { self->on_write(ec); });
}

void Exchange::reset_parser() {
  parser_.emplace();
  parser_->header_limit(kMaxResponseHeaderBytes);
  parser_->body_limit(pool_->limits().max_response_body);
  if (request_.method() == bhttp::verb::head) parser_->skip(true);
}

void Exchange::on_write(const error_code& ec) {
  if (ec) {
    if (can_retry() && ec != beast::error::timeout) {
      retry();
      return;
    }
    finish(std::unexpected(ec == beast::error::timeout ? UpstreamError::kReadTimeout : UpstreamError::kConnectFailed),
           false);
    return;
  }
  bhttp::async_read(conn_->stream, conn_->buffer, *parser_,
                    [self = shared_from_this()](error_code rec, std::size_t) { self->on_read(rec); });
}

// A reused connection that the upstream closed while idle fails before any
// response byte; the request cannot have been processed, so one retry on a
// fresh connection is safe. Never after a response byte, never after a timeout.
bool Exchange::can_retry() const {
  return reused_ && !retried_ && !got_interim_ && !pool_->closed() && conn_->buffer.size() == 0 &&
         !parser_->got_some();
}

void Exchange::retry() {
  retried_ = true;
  pool_->drop(conn_);
  conn_.reset();
  open_connection();
}

void Exchange::on_read(const error_code& ec) {
  if (ec) {
    if (ec == beast::error::timeout) {
      finish(std::unexpected(UpstreamError::kReadTimeout), false);
    } else if (can_retry()) {
      retry();
    } else if (is_http_error(ec) || ec == asio::error::eof) {
      finish(std::unexpected(UpstreamError::kProtocol), false);
    } else {
      finish(std::unexpected(pool_->closed() ? UpstreamError::kConnectFailed : UpstreamError::kProtocol), false);
    }
    return;
  }
  const unsigned status = parser_->get().result_int();
  if (status >= 100 && status < 200 && status != 101) {
    // An interim response (100 Continue, 103 Early Hints): the real one follows.
    got_interim_ = true;  // a response byte was read: never retry now
    reset_parser();
    bhttp::async_read(conn_->stream, conn_->buffer, *parser_,
                      [self = shared_from_this()](error_code rec, std::size_t) { self->on_read(rec); });
    return;
  }
  const bool reusable = parser_->keep_alive() && parser_->is_done();
  Response res = parser_->release();
  finish(std::move(res), reusable);
}

void Exchange::finish(std::expected<Response, UpstreamError> result, bool reusable) {
  if (finished_) return;
  finished_ = true;
  parser_.reset();
  resolver_.reset();
  pool_->release(std::move(conn_), reusable);
  pool_->on_exchange_done();
  auto done = std::move(done_);
  try {
    done(std::move(result));
  } catch (const std::exception& e) {
    report_callback_exception(e.what());
  } catch (...) {
    report_callback_exception("unknown exception");
  }
}

// --- fetch ---------------------------------------------------------------------

struct Fetch {
  explicit Fetch(std::chrono::milliseconds timeout)
      : deadline(std::chrono::steady_clock::now() + timeout), stream(ioc), resolver(ioc), timer(ioc) {}

  asio::io_context ioc;
  std::chrono::steady_clock::time_point deadline;
  beast::tcp_stream stream;
  tcp::resolver resolver;
  asio::steady_timer timer;
  beast::flat_buffer buffer;
  bhttp::request<bhttp::empty_body> request;
  std::optional<bhttp::response_parser<bhttp::string_body>> parser;
  std::optional<std::expected<FetchResult, std::string>> result;

  void set(std::expected<FetchResult, std::string> r) {
    if (!result) result = std::move(r);
    timer.cancel();
    error_code ignored;
    stream.socket().close(ignored);
  }
  void fail(std::string_view what, const error_code& ec) {
    if (ec == beast::error::timeout || ec == asio::error::operation_aborted) {
      set(std::unexpected(std::string("timeout")));
    } else if (ec == bhttp::error::body_limit) {
      set(std::unexpected(std::string("body too large")));
    } else {
      set(std::unexpected(std::string(what) + ": " + ec.message()));
    }
  }

  void connect(const tcp::resolver::results_type& endpoints) {
    stream.expires_at(deadline);
    stream.async_connect(endpoints, [this](error_code ec, const tcp::endpoint&) {
      if (ec) return fail("connect", ec);
      write();
    });
  }
  void connect(const tcp::endpoint& endpoint) {
    stream.expires_at(deadline);
    stream.async_connect(endpoint, [this](error_code ec) {
      if (ec) return fail("connect", ec);
      write();
    });
  }
  void write() {
    stream.expires_at(deadline);
    bhttp::async_write(stream, request, [this](error_code ec, std::size_t) {
      if (ec) return fail("write", ec);
      read();
    });
  }
  void read() {
    stream.expires_at(deadline);
    bhttp::async_read(stream, buffer, *parser, [this](error_code ec, std::size_t) {
      if (ec) return fail("read", ec);
      const auto& res = parser->get();
      FetchResult r;
      r.status = res.result_int();
      r.content_type = std::string(res[bhttp::field::content_type]);
      r.cache_control = std::string(res[bhttp::field::cache_control]);
      r.body = parser->release().body();
      set(std::move(r));
    });
  }
};

}  // namespace

std::string_view to_string(UpstreamError e) {
  switch (e) {
    case UpstreamError::kConnectFailed:
      return "connect failed";
    case UpstreamError::kConnectTimeout:
      return "connect timeout";
    case UpstreamError::kReadTimeout:
      return "read timeout";
    case UpstreamError::kProtocol:
      return "protocol error";
    case UpstreamError::kOverloaded:
      return "overloaded";
  }
  return "unknown";
}

std::shared_ptr<UpstreamPool> UpstreamPool::create(asio::io_context& ioc, std::string host, std::uint16_t port,
                                                   UpstreamLimits limits) {
  return std::make_shared<PoolImpl>(ioc, std::move(host), port, limits);
}

std::expected<FetchResult, std::string> fetch(std::string_view url, std::chrono::milliseconds timeout,
                                              std::size_t max_body) {
  try {
    auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed) return std::unexpected("bad url: " + parsed.error().message());
    const boost::urls::url_view u = *parsed;
    if (u.scheme_id() == boost::urls::scheme::https) return std::unexpected(std::string("https not supported yet"));
    if (u.scheme_id() != boost::urls::scheme::http) return std::unexpected(std::string("unsupported url scheme"));
    if (u.host_type() == boost::urls::host_type::none || u.encoded_host().empty()) {
      return std::unexpected(std::string("bad url: missing host"));
    }
    std::uint16_t port = 80;
    if (u.has_port()) {
      if (u.port().empty() || u.port_number() == 0) return std::unexpected(std::string("bad url: bad port"));
      port = u.port_number();
    }
    std::string host;
    if (u.host_type() == boost::urls::host_type::ipv4) {
      host = u.host_ipv4_address().to_string();
    } else if (u.host_type() == boost::urls::host_type::ipv6) {
      host = u.host_ipv6_address().to_string();
    } else if (u.host_type() == boost::urls::host_type::name) {
      host = u.host_name();
    } else {
      return std::unexpected(std::string("bad url: unsupported host"));
    }
    std::string target = u.encoded_path().empty() ? std::string("/") : std::string(u.encoded_path());
    if (u.has_query()) target += "?" + std::string(u.encoded_query());

    Fetch f(timeout);
    f.request.method(bhttp::verb::get);
    f.request.target(target);
    f.request.version(11);
    f.request.set(bhttp::field::host, host_header(host, port));
    f.request.set(bhttp::field::user_agent, "tollgate");
    f.request.set(bhttp::field::accept, "*/*");
    f.request.keep_alive(false);
    f.parser.emplace();
    f.parser->header_limit(kMaxResponseHeaderBytes);
    f.parser->body_limit(max_body);

    // The resolver cannot be given a deadline; the timer cancels it.
    f.timer.expires_at(f.deadline);
    f.timer.async_wait([&f](error_code ec) {
      if (ec) return;
      f.resolver.cancel();
      f.set(std::unexpected(std::string("timeout")));
    });
    if (auto addr = literal_address(host)) {
      f.connect(tcp::endpoint(*addr, port));
    } else {
      f.resolver.async_resolve(host, std::to_string(port),
                               [&f](error_code ec, tcp::resolver::results_type results) {
                                 if (ec) return f.fail("resolve", ec);
                                 f.connect(results);
                               });
    }
    f.ioc.run();
    if (!f.result) return std::unexpected(std::string("internal error"));
    return std::move(*f.result);
  } catch (const std::exception& e) {
    return std::unexpected(std::string("fetch: ") + e.what());
  }
}

}  // namespace tollgate::http
