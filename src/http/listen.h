// listen.h — open, bind and listen a TCP acceptor the same way for every
// server (http::Server and the gateway's own front end): SO_REUSEADDR,
// SO_REUSEPORT when several acceptors share the port (one per I/O thread),
// the system's maximum backlog. Throws std::system_error naming the step and
// the address ("bind 127.0.0.1:8080: Address already in use"); returns the
// bound endpoint (the port chosen by the kernel for port 0).
#pragma once

#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/socket_base.hpp>
#include <string>
#include <system_error>

namespace tollgate::http {

template <class Acceptor>
boost::asio::ip::tcp::endpoint open_listener(Acceptor& acceptor,
                                             const boost::asio::ip::tcp::endpoint& endpoint,
                                             bool reuse_port) {
  namespace asio = boost::asio;
  boost::system::error_code ec;
  auto fail = [&](const char* what) {
    throw std::system_error(static_cast<std::error_code>(ec),
                            std::string(what) + " " + endpoint.address().to_string() + ":" +
                                std::to_string(endpoint.port()));
  };
  acceptor.open(endpoint.protocol(), ec);
  if (ec) fail("open");
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) fail("SO_REUSEADDR");
  if (reuse_port) {
    using reuse_port_option = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
    acceptor.set_option(reuse_port_option(true), ec);
    if (ec) fail("SO_REUSEPORT");
  }
  acceptor.bind(endpoint, ec);
  if (ec) fail("bind");
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) fail("listen");
  auto local = acceptor.local_endpoint(ec);
  if (ec) fail("getsockname");
  return local;
}

}  // namespace tollgate::http
