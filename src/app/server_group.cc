#include "app/server_group.h"

#include <boost/asio/executor_work_guard.hpp>

#include "http/cpus.h"

namespace tollgate::app {

ServerGroup::ServerGroup(std::string name, const std::string& listen, http::Handler handler,
                         int threads, http::ServerLimits limits)
    : name_(std::move(name)) {
  if (threads <= 0) threads = static_cast<int>(http::usable_cpus());
  auto endpoint = http::parse_endpoint(listen);
  for (int i = 0; i < threads; ++i) {
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    servers_.push_back(http::Server::create(*contexts_.back(), endpoint, handler, limits,
                                            /*reuse_port=*/threads > 1));
    if (i == 0) {
      port_ = servers_[0]->local_endpoint().port();
      endpoint.port(port_);  // port 0: every thread binds the port the first one got
    }
  }
}

ServerGroup::~ServerGroup() { stop(); }

void ServerGroup::start() {
  for (std::size_t i = 0; i < contexts_.size(); ++i) {
    servers_[i]->start();
    threads_.emplace_back([ctx = contexts_[i].get()] {
      auto guard = boost::asio::make_work_guard(*ctx);
      ctx->run();
    });
  }
}

void ServerGroup::stop() {
  for (auto& s : servers_) s->stop();
  for (auto& c : contexts_) c->stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

}  // namespace tollgate::app
