// service.h — the network role's HTTP face: routes CAMARA requests (method +
// path) to the operation functions (sim_swap.h, ...) and applies the rules every
// CAMARA API shares, in this order:
//   1. x-correlator: a value not matching ^[a-zA-Z0-9-_:;.\/<>{}]{0,256}$, or the
//      header sent twice → 400 INVALID_ARGUMENT; a non-empty value is echoed on
//      the response, errors included; absent or empty → a fresh UUID is sent.
//   2. unknown path → 404 NOT_FOUND; known path, other method → 405
//      METHOD_NOT_ALLOWED with `Allow`. The query string is ignored.
//   3. POST bodies must be `Content-Type: application/json` (parameters such as
//      charset allowed) → else 415 UNSUPPORTED_MEDIA_TYPE.
//   4. identity from the gateway's headers (below), then the operation.
// Every response is `Content-Type: application/json` and `Cache-Control: no-store`
// (subscriber data), with a CAMARA error body {status, code, message} on errors.
//
// Trust: the network role listens on loopback behind the gateway, which
// verifies the access token, strips any x-tollgate-* headers a client sent, and
// sets:
//   x-tollgate-token-type: 2-legged | 3-legged
//   x-tollgate-subscriber: +E.164 of the subscriber a 3-legged token stands for
//   x-tollgate-client-id:  the OAuth client (owner of QoD sessions)
//   x-tollgate-amr:        the token's authentication methods, space/comma separated
// Those headers are believed only from the gateway: with a gateway key
// configured (`gateway_key_file`; `tollgate run` makes one in the data folder
// and gives it to both roles), every API request must carry it in
// x-tollgate-gateway-key (compared in constant time) or gets 401 UNAUTHENTICATED
// before any header is read — a local process that reaches the listener directly
// cannot pose as a subscriber. Without a key (a network role started on its own
// with none configured) the headers are trusted as before and a warning is
// logged at start.
// A request without x-tollgate-token-type is treated as 2-legged (the subject
// must then be in the body); any other value → 403 PERMISSION_DENIED (fail
// closed). x-tollgate-subscriber is read only for 3-legged tokens; when absent or
// not +E.164 the subject cannot be derived from the token (422 MISSING_IDENTIFIER).
//
// Routes are method + path template; a `{param}` segment matches one non-empty
// segment and reaches the operation raw as ApiRequest::path_param.
//
// Thread-safe: handle() reads the immutable store and the clock; QoD sessions live in
// a qod::SessionStore, which has its own lock.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.h"
#include "http/server.h"
#include "network/api.h"
#include "network/qod_sessions.h"
#include "network/subscribers.h"

namespace tollgate::network {

inline constexpr std::string_view kTokenTypeHeader = "x-tollgate-token-type";
inline constexpr std::string_view kSubscriberHeader = "x-tollgate-subscriber";
inline constexpr std::string_view kClientIdHeader = "x-tollgate-client-id";
inline constexpr std::string_view kGatewayKeyHeader = "x-tollgate-gateway-key";
inline constexpr std::string_view kAmrHeader = "x-tollgate-amr";

// The `network:` section of the process configuration:
//   network:
//     listen: 127.0.0.1:9200              # host:port
//     subscribers_file: subscribers.yaml  # optional; absent = the built-in demo set
//     population: { size: 1000000, seed: 42 }   # optional: a generated population
//                                         # (SubscriberStore::generate_population) added
//                                         # to the seed set, for load tests
//     notifications:                      # QoD status notifications to partners' sinks
//       allow_private_sinks: false        # true: loopback/private sinks too (tests, demos)
//       ca_file: /etc/ssl/extra-ca.pem    # extra trust anchors for https sinks
//       max_attempts: 4                   # 1..10 attempts in all
//       first_retry_ms: 1000              # 10..60000, doubling
//     qod:                                # Quality on Demand session limits (429 beyond)
//       max_sessions: 100000              # all clients together, 1..10000000
//       max_sessions_per_client: 10000    # 1..10000000
struct NetworkConfig {
  std::string listen = "127.0.0.1:9200";
  std::optional<std::string> subscribers_file;
  std::size_t population_size = 0;
  std::uint64_t population_seed = 1;
  bool allow_private_sinks = false;
  std::string sink_ca_file;
  int notify_max_attempts = 4;
  std::chrono::milliseconds notify_first_retry{1000};
  qod::SessionLimits qod_limits;
  // The file holding the key the gateway sends in x-tollgate-gateway-key; empty = none.
  std::string gateway_key_file;

  // `section` may be undefined or null (all defaults). Unknown keys, a listen
  // address that is not host:port, an empty file name or a value out of range →
  // catalog::ConfigError.
  static NetworkConfig from_yaml(const YAML::Node& section);
};

// The subscribers file of `config` (or the demo set when none is configured), plus the
// generated population when one is configured; logs the count and load time. Throws
// catalog::ConfigError (start-up only). Call it once per process: the store of a
// generated million is some hundreds of MB.
std::shared_ptr<const SubscriberStore> load_subscribers(const NetworkConfig& config,
                                                        const core::Clock& clock);

class NetworkService {
 public:
  // `clock` must outlive the service.
  // `clock` must outlive the service. Without `sessions`, the QoD routes answer 503.
  NetworkService(std::shared_ptr<const SubscriberStore> subscribers, const core::Clock& clock,
                 std::shared_ptr<qod::SessionStore> sessions = nullptr);
  ~NetworkService();
  NetworkService(const NetworkService&) = delete;
  NetworkService& operator=(const NetworkService&) = delete;

  // The production wiring: subscribers per `config`, a QoD session store whose status
  // changes go to an HttpNotifier, and a background sweep of expired sessions every
  // kSweepInterval. Throws catalog::ConfigError (start-up only).
  // `subscribers`: an already loaded store to serve (shared with the authorization
  // server's network directory when both roles run in one process, so a generated
  // population is held once); null = load_subscribers(config, clock).
  static std::unique_ptr<NetworkService> create(
      const NetworkConfig& config, const core::Clock& clock,
      std::shared_ptr<const SubscriberStore> subscribers = nullptr);

  // How often expired QoD sessions are found without an access (and notified).
  static constexpr std::chrono::milliseconds kSweepInterval{250};

  http::Response handle(const http::Request& request, const http::ConnectionInfo& info) const;

  // Require x-tollgate-gateway-key == `key` on every API request (empty = none).
  // Call before serving.
  void require_gateway_key(std::string key) { gateway_key_ = std::move(key); }

 private:
  std::string gateway_key_;
  class Sweeper;
  std::shared_ptr<const SubscriberStore> subscribers_;
  const core::Clock& clock_;
  std::shared_ptr<qod::StatusListener> notifier_;  // destroyed after the store
  std::shared_ptr<qod::SessionStore> sessions_;
  std::unique_ptr<Sweeper> sweeper_;  // destroyed first
};

}  // namespace tollgate::network
