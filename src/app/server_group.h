// server_group.h — one listening port served by N threads, each running its own
// io_context with its own acceptor (SO_REUSEPORT): the kernel spreads
// connections across threads and a connection never changes thread, so
// handlers need no strands. Used for authz and network; the gateway runs the
// same model internally (gateway/gateway.h).
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http/server.h"

namespace tollgate::app {

class ServerGroup {
 public:
  // Binds now (throws std::system_error when the address is taken). threads <= 0: one per core.
  ServerGroup(std::string name, const std::string& listen, http::Handler handler, int threads,
              http::ServerLimits limits = {});
  ~ServerGroup();
  ServerGroup(const ServerGroup&) = delete;
  ServerGroup& operator=(const ServerGroup&) = delete;

  void start();
  void stop();  // stops accepting, closes connections, joins the threads
  std::uint16_t port() const { return port_; }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::uint16_t port_ = 0;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<std::shared_ptr<http::Server>> servers_;
  std::vector<std::thread> threads_;
};

}  // namespace tollgate::app
