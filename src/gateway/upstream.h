// upstream.h — keep-alive connections from one gateway thread to one upstream
// origin (http://host:port), the counterpart of frontend.h.
//
// send() takes the complete request bytes (proxy.h writes them) and answers the
// waiting ClientConnection exactly once, on this io_context, with the parsed
// response or an http::UpstreamError:
//   kConnectFailed   refused / unreachable / the pool was closed   -> 502
//   kConnectTimeout  no connection within connect_timeout           -> 504
//   kReadTimeout     no complete answer within response_timeout     -> 504
//   kProtocol        a response Beast cannot parse, or cut short    -> 502
//   kOverloaded      max_connections busy and max_queued waiting    -> 503
// Connections are reused LIFO (the warmest first), at most
// max_idle_connections kept. A reused connection that fails before any
// response byte (the upstream closed it while idle) is retried once on a fresh
// connection: the request cannot have been processed. Never after a response
// byte, never after a timeout. Interim 1xx answers are skipped.
// Timeouts are deadlines checked by sweep() (the Frontend's sweep tick).
//
// Threading: one Upstream per (thread, origin); not thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/config.h"
#include "gateway/frontend.h"
#include "http/client.h"

namespace tollgate::gateway {

class UpstreamConnection;

class Upstream : public std::enable_shared_from_this<Upstream> {
 public:
  static std::shared_ptr<Upstream> create(asio::io_context& ioc, HostPort origin,
                                          http::UpstreamLimits limits);
  ~Upstream();

  // The Host header value for this origin ("host:port", port omitted when 80).
  const std::string& host_header() const { return host_header_; }

  // Send `wire` (swapped out: the caller gets back a buffer to reuse) and
  // answer `waiter` with upstream_done(). `head`: the response has no body.
  void send(std::string& wire, bool head, std::shared_ptr<UpstreamWaiter> waiter);

  void sweep(Steady::time_point now);
  void close();

  std::size_t idle() const { return idle_.size(); }
  std::size_t active() const { return active_; }

 private:
  friend class UpstreamConnection;
  struct Pending {
    std::string wire;
    bool head = false;
    std::shared_ptr<UpstreamWaiter> waiter;
  };
  Upstream(asio::io_context& ioc, HostPort origin, http::UpstreamLimits limits);
  void start(Pending&& p);
  void fail_later(std::shared_ptr<UpstreamWaiter> waiter, http::UpstreamError e);
  // An exchange finished on `c`: keep it idle when reusable, then start a queued request.
  void release(const std::shared_ptr<UpstreamConnection>& c, bool reusable);
  void link(UpstreamConnection* c);
  void unlink(UpstreamConnection* c);

  asio::io_context& ioc_;
  HostPort origin_;
  std::string host_header_;
  http::UpstreamLimits limits_;
  std::optional<asio::ip::tcp::endpoint> endpoint_;  // when the host is an IP literal
  std::vector<std::shared_ptr<UpstreamConnection>> idle_;
  std::deque<Pending> queue_;
  std::deque<Steady::time_point> queued_at_;  // parallel to queue_
  std::size_t active_ = 0;
  bool closed_ = false;
  UpstreamConnection* head_ = nullptr;  // busy connections, for the sweep
};

}  // namespace tollgate::gateway
