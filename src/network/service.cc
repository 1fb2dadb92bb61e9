#include "network/service.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <condition_variable>
#include <iterator>
#include <mutex>
#include <span>
#include <stdexcept>
#include <thread>

#include "catalog/yaml_util.h"  // ConfigError only (header-only)
#include "core/crypto.h"
#include "http/camara.h"
#include "http/log.h"
#include "http/secret_file.h"
#include "network/api.h"
#include "network/device_reachability_status.h"
#include "network/device_roaming_status.h"
#include "network/handset.h"
#include "network/kyc_match.h"
#include "network/location_retrieval.h"
#include "network/location_verification.h"
#include "network/notifier.h"
#include "network/number_verification.h"
#include "network/qod_sessions.h"
#include "network/qos_profiles.h"
#include "network/quality_on_demand.h"
#include "network/sim_swap.h"

namespace tollgate::network {
namespace {

using Operation = ApiResult (*)(const ApiRequest&);

struct Route {
  http::bhttp::verb method;
  std::string_view path;  // literal segments and at most one {param} segment
  Operation operation;
};

using http::bhttp::verb;

// Every CAMARA operation the network role serves. New APIs add lines here.
constexpr std::array kRoutes = {
    Route{verb::post, "/sim-swap/v2/check", &sim_swap::check},
    Route{verb::post, "/sim-swap/v2/retrieve-date", &sim_swap::retrieve_date},
    Route{verb::post, "/device-reachability-status/v1/retrieve",
          &device_reachability_status::retrieve},
    Route{verb::post, "/device-roaming-status/v1/retrieve", &device_roaming_status::retrieve},
    Route{verb::post, "/location-verification/v3/verify", &location_verification::verify},
    Route{verb::post, "/location-retrieval/v0.5/retrieve", &location_retrieval::retrieve},
    Route{verb::post, "/kyc-match/v0.4/match", &kyc_match::match},
    Route{verb::post, "/number-verification/v2/verify", &number_verification::verify},
    Route{verb::get, "/number-verification/v2/device-phone-number",
          &number_verification::device_phone_number},
    Route{verb::post, "/quality-on-demand/v1/sessions", &quality_on_demand::create_session},
    Route{verb::get, "/quality-on-demand/v1/sessions/{sessionId}", &quality_on_demand::get_session},
    Route{verb::delete_, "/quality-on-demand/v1/sessions/{sessionId}",
          &quality_on_demand::delete_session},
    Route{verb::post, "/quality-on-demand/v1/sessions/{sessionId}/extend",
          &quality_on_demand::extend_session},
    Route{verb::post, "/quality-on-demand/v1/retrieve-sessions",
          &quality_on_demand::retrieve_sessions},
    Route{verb::post, "/qos-profiles/v1/retrieve-qos-profiles", &qos_profiles::retrieve},
    Route{verb::get, "/qos-profiles/v1/qos-profiles/{name}", &qos_profiles::get},
};

// Matches `path` against a route template; on a match, `param` holds the {param}
// segment's raw value (empty when the template has none). A parameter matches exactly
// one non-empty segment.
bool matches(std::string_view tmpl, std::string_view path, std::string_view& param) {
  param = {};
  while (!tmpl.empty() || !path.empty()) {
    if (tmpl.empty() || path.empty() || tmpl.front() != '/' || path.front() != '/') return false;
    tmpl.remove_prefix(1);
    path.remove_prefix(1);
    const std::string_view t = tmpl.substr(0, tmpl.find('/'));
    const std::string_view p = path.substr(0, path.find('/'));
    if (t.size() > 2 && t.front() == '{' && t.back() == '}') {
      if (p.empty()) return false;
      param = p;
    } else if (t != p) {
      return false;
    }
    tmpl.remove_prefix(t.size());
    path.remove_prefix(p.size());
  }
  return true;
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "application/json", optionally with parameters ("; charset=utf-8").
bool is_json_content_type(const http::Request& req) {
  auto it = req.find(http::bhttp::field::content_type);
  if (it == req.end()) return false;
  const std::string_view value = it->value();
  return iequals(trim(value.substr(0, value.find(';'))), "application/json");
}

// x-tollgate-amr: the token's amr values, separated by spaces and/or commas.
std::vector<std::string> amr_of(std::string_view header) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < header.size()) {
    while (i < header.size() && (header[i] == ' ' || header[i] == ',')) ++i;
    const std::size_t start = i;
    while (i < header.size() && header[i] != ' ' && header[i] != ',') ++i;
    if (i > start) out.emplace_back(header.substr(start, i - start));
  }
  return out;
}

// Exactly one x-tollgate-gateway-key, equal to `key` (constant time).
bool from_gateway(const http::Request& req, const std::string& key) {
  const auto [first, last] = req.equal_range(kGatewayKeyHeader);
  if (first == last || std::next(first) != last) return false;
  return core::constant_time_equal(first->value(), key);
}

std::expected<Identity, ApiError> identity_of(const http::Request& req) {
  Identity id;
  if (auto c = req.find(kClientIdHeader); c != req.end()) id.client_id = std::string(c->value());
  if (auto a = req.find(kAmrHeader); a != req.end()) id.amr = amr_of(a->value());
  auto type = req.find(kTokenTypeHeader);
  if (type == req.end() || type->value() == "2-legged") return id;  // absent: 2-legged (service.h)
  if (type->value() != "3-legged") return std::unexpected(errors::permission_denied());
  id.token_type = TokenType::kThreeLegged;
  if (auto sub = req.find(kSubscriberHeader);
      sub != req.end() && valid_phone_number(sub->value())) {
    id.subscriber = std::string(sub->value());
  }
  return id;
}

http::Response error_response(const ApiError& e, const http::Request& req,
                              std::string_view correlator) {
  return http::camara_error(e.status, e.code, e.message, correlator, req.version(),
                            req.keep_alive());
}

}  // namespace

NetworkConfig NetworkConfig::from_yaml(const YAML::Node& section) {
  NetworkConfig config;
  if (!section || section.IsNull()) return config;
  const auto fail = [](const YAML::Node& n, const std::string& what) {
    const YAML::Mark m = n.Mark();
    const std::string where = m.line < 0 ? ""
                                         : "line " + std::to_string(m.line + 1) + ", column " +
                                               std::to_string(m.column + 1) + ": ";
    throw catalog::ConfigError(where + what);
  };
  const auto check_keys = [&](const YAML::Node& map,
                              std::initializer_list<std::string_view> allowed,
                              const std::string& where) {
    if (!map.IsMap()) fail(map, where + " must be a mapping");
    for (const auto& kv : map) {
      const std::string key = kv.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      fail(kv.first, "unknown key '" + key + "' in " + where + "; allowed: " + list);
    }
  };
  const auto text = [&](const YAML::Node& n, const std::string& key) {
    if (!n.IsScalar() || n.Scalar().empty()) fail(n, "'" + key + "' must be a non-empty string");
    return n.Scalar();
  };
  const auto integer = [&](const YAML::Node& n, const std::string& key, std::int64_t min,
                           std::int64_t max) {
    const std::string v = n.IsScalar() ? n.Scalar() : std::string();
    std::int64_t out = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (v.empty() || ec != std::errc() || p != v.data() + v.size() || out < min || out > max)
      fail(n, "'" + key + "' must be an integer from " + std::to_string(min) + " to " +
                  std::to_string(max));
    return out;
  };
  const auto boolean = [&](const YAML::Node& n, const std::string& key) {
    const std::string v = n.IsScalar() ? n.Scalar() : std::string();
    if (v != "true" && v != "false") fail(n, "'" + key + "' must be true or false");
    return v == "true";
  };

  check_keys(
      section,
      {"listen", "subscribers_file", "population", "notifications", "qod", "gateway_key_file"},
      "network");
  if (const YAML::Node n = section["gateway_key_file"])
    config.gateway_key_file = text(n, "gateway_key_file");
  if (const YAML::Node n = section["listen"]) {
    config.listen = text(n, "listen");
    try {
      (void)http::parse_endpoint(config.listen);
    } catch (const std::exception& e) {
      fail(n, "network.listen: " + std::string(e.what()));
    }
  }
  if (const YAML::Node n = section["subscribers_file"])
    config.subscribers_file = text(n, "subscribers_file");
  if (const YAML::Node p = section["population"]) {
    check_keys(p, {"size", "seed"}, "network.population");
    if (!p["size"]) fail(p, "network.population needs a size");
    config.population_size = static_cast<std::size_t>(
        integer(p["size"], "size", 0, static_cast<std::int64_t>(SubscriberStore::kMaxGenerated)));
    if (const YAML::Node seed = p["seed"])
      config.population_seed = static_cast<std::uint64_t>(integer(seed, "seed", 0, INT64_MAX));
  }
  if (const YAML::Node n = section["notifications"]) {
    check_keys(n, {"allow_private_sinks", "ca_file", "max_attempts", "first_retry_ms"},
               "network.notifications");
    if (const YAML::Node v = n["allow_private_sinks"])
      config.allow_private_sinks = boolean(v, "allow_private_sinks");
    if (const YAML::Node v = n["ca_file"]) config.sink_ca_file = text(v, "ca_file");
    if (const YAML::Node v = n["max_attempts"])
      config.notify_max_attempts = static_cast<int>(integer(v, "max_attempts", 1, 10));
    if (const YAML::Node v = n["first_retry_ms"])
      config.notify_first_retry =
          std::chrono::milliseconds(integer(v, "first_retry_ms", 10, 60000));
  }
  if (const YAML::Node n = section["qod"]) {
    check_keys(n, {"max_sessions", "max_sessions_per_client"}, "network.qod");
    if (const YAML::Node v = n["max_sessions"])
      config.qod_limits.max_sessions =
          static_cast<std::size_t>(integer(v, "max_sessions", 1, 10'000'000));
    if (const YAML::Node v = n["max_sessions_per_client"])
      config.qod_limits.max_per_client =
          static_cast<std::size_t>(integer(v, "max_sessions_per_client", 1, 10'000'000));
  }
  return config;
}

namespace {

std::shared_ptr<const SubscriberStore> read_subscribers(const NetworkConfig& config,
                                                        const core::Clock& clock) {
  if (config.population_size == 0) {
    if (config.subscribers_file)
      return SubscriberStore::from_yaml_file(*config.subscribers_file, clock);
    return SubscriberStore::demo(clock);
  }
  const core::TimePoint now = clock.now();
  std::vector<Subscriber> all =
      config.subscribers_file ? SubscriberStore::parse_yaml_file(*config.subscribers_file, now)
                              : SubscriberStore::demo_subscribers(now);
  auto generated =
      SubscriberStore::generate_population(config.population_size, config.population_seed, now);
  all.reserve(all.size() + generated.size());
  std::move(generated.begin(), generated.end(), std::back_inserter(all));
  return std::make_shared<const SubscriberStore>(std::move(all));
}

}  // namespace

std::shared_ptr<const SubscriberStore> load_subscribers(const NetworkConfig& config,
                                                        const core::Clock& clock) {
  const auto started = std::chrono::steady_clock::now();
  auto subscribers = read_subscribers(config, clock);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  http::log_json("app", {{"msg", "network: subscribers loaded"},
                         {"subscribers", subscribers->size()},
                         {"load_ms", ms.count()}});
  return subscribers;
}

// Calls SessionStore::sweep every kSweepInterval on its own thread until destroyed.
class NetworkService::Sweeper {
 public:
  explicit Sweeper(std::shared_ptr<qod::SessionStore> sessions)
      : sessions_(std::move(sessions)), thread_([this] { run(); }) {}
  ~Sweeper() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void run() {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, kSweepInterval, [this] { return stop_; })) {
      lock.unlock();
      try {
        sessions_->sweep();
      } catch (const std::exception& e) {  // bad_alloc at worst; keep sweeping
        http::log_error(std::string("qod sweep failed: ") + e.what());
      }
      lock.lock();
    }
  }

  std::shared_ptr<qod::SessionStore> sessions_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

std::unique_ptr<NetworkService> NetworkService::create(
    const NetworkConfig& config, const core::Clock& clock,
    std::shared_ptr<const SubscriberStore> subscribers) {
  NotifierConfig n;
  n.allow_private_sinks = config.allow_private_sinks;
  n.ca_file = config.sink_ca_file;
  n.max_attempts = config.notify_max_attempts;
  n.first_retry = config.notify_first_retry;
  auto notifier = std::make_shared<HttpNotifier>(clock, n);
  auto sessions = std::make_shared<qod::SessionStore>(clock, notifier, config.qod_limits);
  if (!subscribers) subscribers = load_subscribers(config, clock);
  auto service = std::make_unique<NetworkService>(std::move(subscribers), clock, sessions);
  if (!config.gateway_key_file.empty()) {
    std::string key;
    try {
      key = http::load_or_create_secret(config.gateway_key_file, false);
    } catch (const std::runtime_error& e) {
      throw catalog::ConfigError(std::string("network.gateway_key_file: ") + e.what());
    }
    service->require_gateway_key(std::move(key));
  } else {
    http::log_json("app",
                   {{"msg",
                     "network: no gateway_key_file: x-tollgate-* identity headers are trusted "
                     "from any caller that reaches the listener"},
                    {"listen", config.listen}},
                   http::LogLevel::kWarn);
  }
  service->notifier_ = std::move(notifier);
  service->sweeper_ = std::make_unique<Sweeper>(std::move(sessions));
  return service;
}

NetworkService::NetworkService(std::shared_ptr<const SubscriberStore> subscribers,
                               const core::Clock& clock,
                               std::shared_ptr<qod::SessionStore> sessions)
    : subscribers_(std::move(subscribers)), clock_(clock), sessions_(std::move(sessions)) {
  if (!subscribers_) throw std::invalid_argument("NetworkService needs a subscriber store");
}

NetworkService::~NetworkService() = default;

http::Response NetworkService::handle(const http::Request& req,
                                      const http::ConnectionInfo& /*info*/) const {
  // The simulated handsets (not a CAMARA API): SMS inbox and operator tokens.
  if (auto handset = handle_handset(req, *subscribers_, HandsetInbox::shared(), clock_))
    return std::move(*handset);
  // 1. x-correlator (CAMARA design guide §8.1): validated first so that every
  // later response, errors included, carries it.
  std::string correlator;
  {
    const auto [first, last] = req.equal_range(http::kCorrelatorHeader);
    const bool repeated = first != last && std::next(first) != last;
    if (first != last) correlator = std::string(first->value());
    if (repeated || !http::valid_correlator(correlator)) {
      return error_response(errors::invalid_argument(), req, core::random_uuid());
    }
    if (correlator.empty()) correlator = core::random_uuid();
  }

  try {
    // 2. route
    const std::string_view path = path_of(req.target());
    const Route* route = nullptr;
    std::string_view param;
    std::string allow;
    // RFC 9110 §9.3.2: HEAD is answered like GET (the server sends no body).
    const bool head = req.method() == http::bhttp::verb::head;
    for (const auto& r : kRoutes) {
      std::string_view p;
      if (!matches(r.path, path, p)) continue;
      if (!allow.empty()) allow += ", ";
      allow += http::bhttp::to_string(r.method);
      if (r.method == http::bhttp::verb::get) allow += ", HEAD";
      if ((r.method == req.method() || (head && r.method == http::bhttp::verb::get)) &&
          route == nullptr) {
        route = &r;
        param = p;
      }
    }
    if (allow.empty()) return error_response(errors::not_found(), req, correlator);
    if (route == nullptr) {
      auto res = error_response(errors::method_not_allowed(), req, correlator);
      res.set(http::bhttp::field::allow, allow);
      return res;
    }

    // 3. media type
    if (route->method == http::bhttp::verb::post && !is_json_content_type(req)) {
      return error_response(errors::unsupported_media_type(), req, correlator);
    }

    // 4. the gateway's key (when one is set), identity, then the operation
    if (!gateway_key_.empty() && !from_gateway(req, gateway_key_))
      return error_response(errors::unauthenticated(), req, correlator);
    auto identity = identity_of(req);
    if (!identity) return error_response(identity.error(), req, correlator);
    const ApiRequest api{req.body(), *identity, *subscribers_, clock_, param, sessions_.get()};
    ApiResult result = route->operation(api);
    if (!result) return error_response(result.error(), req, correlator);

    http::Response res;
    if (result->body) {
      res = http::json_response(result->status, boost::json::serialize(*result->body),
                                req.version(), req.keep_alive());
    } else {
      res = http::Response(static_cast<http::bhttp::status>(result->status), req.version());
      res.keep_alive(req.keep_alive());
      // A 204 has no body and no Content-Length (RFC 9110 §8.6); others say 0.
      if (result->status != 204) res.prepare_payload();
    }
    // Answers are about a subscriber: no cache may keep them (errors get it from camara_error).
    res.set(http::bhttp::field::cache_control, "no-store");
    res.set(http::kCorrelatorHeader, correlator);
    return res;
  } catch (const std::exception&) {
    // Operations do not throw; this is the last line against a bug (or bad_alloc).
    return http::camara_error(500, "INTERNAL", "Unknown server error. Typically a server bug.",
                              correlator, req.version(), req.keep_alive());
  }
}

}  // namespace tollgate::network
