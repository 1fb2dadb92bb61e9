// executor_bench — the executor-model measurement behind gateway.h's choice.
//
// Serves every request with a fixed 200 {"ok":true} (no upstream, no token:
// only the executor and connection machinery differ) in one of three models:
//   shared    one io_context run by N threads, one http::Server whose
//             connections each live on a strand (Beast's advanced server)
//   per-core  N io_contexts with one thread each, N http::Servers on one
//             SO_REUSEPORT port (strands still there, but never contended)
//   frontend  N io_contexts with one thread each, N gateway::Frontends (the
//             gateway's listener: no strands, hand serialization, sweep timeouts)
// Usage: executor_bench MODEL THREADS PORT   (runs until SIGINT/SIGTERM)
// Driven by bench/gateway/executor_models.sh.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gateway/frontend.h"
#include "http/server.h"

namespace {

namespace asio = boost::asio;
namespace bhttp = tollgate::http::bhttp;
using tollgate::http::Request;
using tollgate::http::Response;

Response ok() {
  Response r{bhttp::status::ok, 11};
  r.set(bhttp::field::content_type, "application/json");
  r.body() = R"({"ok":true})";
  r.prepare_payload();
  return r;
}

class OkSink final : public tollgate::gateway::RequestSink {
 public:
  void on_request(const std::shared_ptr<tollgate::gateway::ClientConnection>& conn, Request&&) override {
    conn->respond(response_);
  }
  void on_upstream(const std::shared_ptr<tollgate::gateway::ClientConnection>&,
                   std::expected<Response, tollgate::http::UpstreamError>&&) override {}

 private:
  Response response_ = ok();
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: executor_bench shared|per-core|frontend THREADS PORT\n");
    return 2;
  }
  const std::string model = argv[1];
  const int threads = std::max(1, std::atoi(argv[2]));
  asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(std::atoi(argv[3])));
  const tollgate::http::Handler handler =
      tollgate::http::make_sync_handler([](const Request&, const tollgate::http::ConnectionInfo&) { return ok(); });

  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<std::shared_ptr<tollgate::http::Server>> servers;
  std::vector<std::shared_ptr<tollgate::gateway::Frontend>> frontends;
  OkSink sink;
  const int n_contexts = model == "shared" ? 1 : threads;
  for (int i = 0; i < n_contexts; ++i)
    contexts.push_back(std::make_unique<asio::io_context>(model == "shared" ? threads : 1));
  for (int i = 0; i < n_contexts; ++i) {
    if (model == "frontend") {
      frontends.push_back(tollgate::gateway::Frontend::create(*contexts[i], ep, sink, {}, true));
      frontends.back()->start();
    } else {
      servers.push_back(tollgate::http::Server::create(*contexts[i], ep, handler, {}, model == "per-core"));
      servers.back()->start();
    }
  }
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& c : contexts) guards.emplace_back(c->get_executor());
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    auto& ctx = *contexts[model == "shared" ? 0 : t];
    pool.emplace_back([&ctx] { ctx.run(); });
  }
  asio::io_context signals_ctx;
  asio::signal_set signals(signals_ctx, SIGINT, SIGTERM);
  signals.async_wait([](const boost::system::error_code&, int) {});
  signals_ctx.run();
  for (auto& c : contexts) c->stop();
  for (auto& t : pool) t.join();
  return 0;
}
