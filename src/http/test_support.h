// test_support.h — helpers shared by the http tests (not part of the library):
// an io_context running a Server on 127.0.0.1:0 in a background thread, and a
// raw POSIX client with poll() timeouts so a broken server fails a test instead
// of hanging it.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>

#include "http/server.h"

namespace tollgate::http::testing {

using namespace std::chrono_literals;
using tcp = asio::ip::tcp;

// An io_context on its own thread; stops and joins on destruction.
class IoThread {
 public:
  IoThread() : guard_(asio::make_work_guard(ioc_)), thread_([this] { ioc_.run(); }) {}
  ~IoThread() { shutdown(); }
  IoThread(const IoThread&) = delete;
  IoThread& operator=(const IoThread&) = delete;

  asio::io_context& ioc() { return ioc_; }

  // Runs fn on the io thread and waits for it.
  template <class F>
  auto run(F&& fn) -> decltype(fn()) {
    std::packaged_task<decltype(fn())()> task(std::forward<F>(fn));
    auto fut = task.get_future();
    asio::post(ioc_, [&task] { task(); });
    return fut.get();
  }

  void shutdown() {
    if (!thread_.joinable()) return;
    guard_.reset();
    ioc_.stop();
    thread_.join();
  }

 private:
  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
};

inline tcp::endpoint loopback0() { return {asio::ip::make_address_v4("127.0.0.1"), 0}; }

// Blocking client on a raw socket; every wait is bounded.
class RawClient {
 public:
  explicit RawClient(const tcp::endpoint& ep) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(ep.port());
    addr.sin_addr.s_addr = htonl(ep.address().to_v4().to_uint());
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }

  bool send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // One response, or nullopt on timeout / close before a full response.
  std::optional<Response> read_response(std::chrono::milliseconds timeout = 5000ms) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (!pending_.empty()) {
        boost::system::error_code ec;
        const std::size_t used = parser.put(asio::buffer(pending_), ec);
        pending_.erase(0, used);
        if (ec && ec != bhttp::error::need_more) return std::nullopt;
        if (parser.is_done()) return parser.release();
        if (!ec && used > 0) continue;
      }
      const int r = recv_some(deadline);
      if (r == 0) {  // EOF: a body delimited by close completes here
        boost::system::error_code ec;
        parser.put_eof(ec);
        if (!ec && parser.is_done()) return parser.release();
        return std::nullopt;
      }
      if (r < 0) return std::nullopt;
    }
  }

  // The response to a HEAD request: headers only, whatever Content-Length says.
  std::optional<Response> read_head_response(std::chrono::milliseconds timeout = 5000ms) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.skip(true);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (!pending_.empty()) {
        boost::system::error_code ec;
        const std::size_t used = parser.put(asio::buffer(pending_), ec);
        pending_.erase(0, used);
        if (ec && ec != bhttp::error::need_more) return std::nullopt;
        if (parser.is_done()) return parser.release();
      }
      if (recv_some(deadline) <= 0) return std::nullopt;
    }
  }

  // True when the server closes the connection (EOF or reset) within timeout
  // without sending anything more.
  bool closed_by_peer(std::chrono::milliseconds timeout = 5000ms) {
    if (!pending_.empty()) return false;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const int r = recv_some(deadline);
    return r == 0 || r == -2;
  }

  // True when nothing at all arrives (no bytes, no close) within `wait`.
  bool silent_for(std::chrono::milliseconds wait) {
    const int r = recv_some(std::chrono::steady_clock::now() + wait);
    return r == -1;
  }

  std::uint16_t local_port() const {
    sockaddr_in addr{};
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    return ntohs(addr.sin_port);
  }

 private:
  // >0 bytes appended, 0 EOF, -1 timeout, -2 error (reset).
  int recv_some(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd_, POLLIN, 0};
    const int pr = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
    if (pr == 0) return -1;
    if (pr < 0) return -2;
    char buf[8192];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0) return -2;
    if (n == 0) return 0;
    pending_.append(buf, static_cast<std::size_t>(n));
    return static_cast<int>(n);
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string pending_;
};

}  // namespace tollgate::http::testing
