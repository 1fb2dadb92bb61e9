#include "authz/governance.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <stdexcept>

#include "authz/introspection.h"
#include "authz/oauth_response.h"
#include "authz/service.h"
#include "core/strf.h"
#include "http/log.h"
#include "store/audit.h"
#include "store/replay.h"
#include "store/revocations.h"

namespace tollgate::authz {

using core::strf;
namespace bhttp = boost::beast::http;

namespace {

constexpr std::string_view kRevokePath = "/oauth2/revoke";
constexpr std::string_view kIntrospectPath = "/oauth2/introspect";
constexpr std::string_view kRevocationsPath = "/oauth2/revocations";
constexpr std::string_view kTokenPath = "/oauth2/token";
// Audit records carry client ids as presented; bound what an attacker can make us store.
constexpr std::size_t kMaxRecordedId = 128;

std::string_view path_of(std::string_view target) { return target.substr(0, std::min(target.find('?'), target.size())); }

std::string media_type(std::string_view value) {
  value = value.substr(0, std::min(value.find(';'), value.size()));
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  std::string out(value);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string bounded(std::string_view s) { return std::string(s.substr(0, kMaxRecordedId)); }

template <class T>
T must(store::StoreResult<T> r, std::string_view what) {
  if (!r) throw std::runtime_error(strf("cannot open the {}: {}", what, r.error().message));
  return std::move(*r);
}

bool is_request_error(ClientAuthError e) {
  switch (e) {
    case ClientAuthError::kMultipleMethods:
    case ClientAuthError::kRepeatedAuthorization:
    case ClientAuthError::kClientIdMismatch:
    case ClientAuthError::kSecretWithoutClientId:
    case ClientAuthError::kAssertionIncomplete:
      return true;
    default:
      return false;
  }
}

// The one place a client-authentication failure becomes an OAuth answer.
http::Response client_auth_answer(const http::Request& req, ClientAuthError e) {
  switch (e) {
    case ClientAuthError::kMultipleMethods:
      return oauth_error(req, 400, "invalid_request", "use one client authentication method, not several");
    case ClientAuthError::kRepeatedAuthorization:
      return oauth_error(req, 400, "invalid_request", "the Authorization header is repeated");
    case ClientAuthError::kClientIdMismatch:
      return oauth_error(req, 400, "invalid_request", "client_id does not match the client credentials");
    case ClientAuthError::kSecretWithoutClientId:
      return oauth_error(req, 400, "invalid_request", "client_secret needs client_id");
    case ClientAuthError::kAssertionIncomplete:
      return oauth_error(req, 400, "invalid_request", "client_assertion and client_assertion_type go together");
    case ClientAuthError::kStoreUnavailable:
      return oauth_error(req, 503, "temporarily_unavailable", "the client registry is unavailable; retry later");
    default:
      // One answer whatever the reason: the caller learns nothing about the registry.
      return oauth_error(req, 401, "invalid_client", "client authentication failed");
  }
}

http::Response audit_unavailable(unsigned version, bool keep_alive) {
  http::Request req;
  req.version(version);
  req.keep_alive(keep_alive);
  return oauth_error(req, 503, "temporarily_unavailable", "the audit trail is unavailable; retry later");
}

http::Response method_not_allowed(const http::Request& req, std::string_view allow) {
  http::Response res = oauth_error(req, 405, "invalid_request", strf("this endpoint accepts {} only", allow));
  res.set(bhttp::field::allow, allow);
  return res;
}

boost::json::array json_array(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

}  // namespace

Governance::Governance(GovernanceDeps deps)
    : config_(std::move(deps.config)),
      data_dir_(std::move(deps.data_dir)),
      catalog_(std::move(deps.catalog)),
      clients_(std::move(deps.clients)),
      clock_(*deps.clock),
      keys_(std::move(deps.keys)),
      admin_(deps.admin ? std::move(*deps.admin) : AdminCredential::load(config_.admin_token_file, data_dir_)),
      lockout_(config_.lockout_threshold, config_.lockout_base, config_.lockout_max) {
  if (!clients_ || !catalog_) throw std::invalid_argument("Governance: missing clients or catalog");
  if (!deps.db) deps.db = must(store::Database::open(data_dir_ / "tollgate.db"), "database");
  auto replay = must(store::SqliteReplayCache::open(deps.db), "replay cache");
  auto revocation_store = must(store::SqliteRevocationStore::open(deps.db), "revocation store");
  // The audit writer has a connection of its own with synchronous=FULL: a
  // commit is on disk when it returns, and no request statement waits behind
  // the writer's fsync on the shared connection's mutex.
  // (PostgreSQL: synchronous_commit is on by default; location() is the full URL.)
  auto audit_db = must(store::Database::open_any(deps.db->location()), "audit database");
  if (audit_db->backend() == store::Backend::kSqlite)
    if (auto r = audit_db->run([](store::Connection& c) { return c.exec("PRAGMA synchronous=FULL"); }); !r)
      throw std::runtime_error("cannot configure the audit database: " + r.error().message);
  auto audit_store = must(store::AuditStore::open(audit_db), "audit trail");
  audit_ = std::make_shared<AuditLog>(std::move(audit_store),
                                      AuditOptions{config_.audit_group_commit, config_.audit_log_lines}, clock_);
  auto client_keys = std::make_shared<ClientKeys>(config_.jwks_uri_ttl, clock_, std::move(deps.jwks_fetcher));
  authenticator_ = std::make_unique<ClientAuthenticator>(clients_, std::move(replay), std::move(client_keys),
                                                         config_.issuer, config_.clock_skew, clock_);
  revocations_ = std::make_unique<Revocations>(std::move(revocation_store), audit_, keys_, config_.issuer, clock_);
}

std::shared_ptr<Governance> Governance::open(GovernanceDeps deps) {
  std::shared_ptr<Governance> g(new Governance(std::move(deps)));
  g->bg_ = std::thread([raw = g.get()] { raw->background(); });
  return g;
}

Governance::~Governance() {
  {
    std::lock_guard lock(bg_mutex_);
    bg_stop_ = true;
  }
  bg_wake_.notify_all();
  if (bg_.joinable()) bg_.join();
  audit_->stop();
}

void Governance::background() {
  for (;;) {
    {
      std::unique_lock lock(bg_mutex_);
      if (bg_wake_.wait_for(lock, kKeyScanInterval, [&] { return bg_stop_; })) return;
    }
    try {
      housekeeping();
      // Expired revocation entries are pruned by the sweeper (authz/purge.h), with the other tables.
    } catch (const std::exception& e) {
      http::log_error(std::string("housekeeping failed: ") + e.what());
    }
  }
}

void Governance::housekeeping() {
  for (const KeyEvent& e : keys_.refresh()) {
    boost::json::object fields{{"kid", e.kid}, {"alg", core::alg_name(e.alg)}};
    if (e.at) fields["at"] = e.at;
    audit_->record(e.event, std::move(fields));
  }
}

http::Handler Governance::handler(AuthzService& service) {
  return [this, &service](http::Request&& req, const http::ConnectionInfo& info, http::Respond respond) {
    if (!config_.token_path_aliases.empty()) {
      const std::string_view target = req.target();
      const std::string_view path = path_of(target);
      if (std::ranges::find(config_.token_path_aliases, path) != config_.token_path_aliases.end())
        req.target(std::string(kTokenPath) + std::string(target.substr(path.size())));
    }
    const unsigned version = req.version();
    const bool keep_alive = req.keep_alive();
    DurabilityScope scope(*audit_);
    http::Response res = service.handle(req, info);
    scope.finish([res = std::move(res), respond = std::move(respond), version, keep_alive](bool ok) mutable {
      if (ok) {
        respond(std::move(res));
      } else {
        respond(audit_unavailable(version, keep_alive));
      }
    });
  };
}

std::optional<http::Response> Governance::admit(const http::Request& req, const http::ConnectionInfo& info) {
  const std::string address = info.remote.address().to_string();
  const auto wait = address_limits_.take(address, Limit{config_.address_rate, config_.address_burst}, clock_.now());
  if (wait.count() == 0) return std::nullopt;
  http::log_json("throttle", {{"reason", "address_rate_limited"}, {"remote", address}, {"retry_after", wait.count()}},
                 http::LogLevel::kWarn);
  return oauth_error(req, 429, "temporarily_unavailable", "too many requests from this address; retry later", wait);
}

std::vector<std::string> Governance::audiences(Endpoint endpoint) const {
  std::vector<std::string> out{config_.issuer, config_.token_endpoint()};
  switch (endpoint) {
    case Endpoint::kToken:
      break;
    case Endpoint::kRevoke:
      out.push_back(config_.revocation_endpoint());
      break;
    case Endpoint::kIntrospect:
      out.push_back(config_.introspection_endpoint());
      break;
    case Endpoint::kBackchannel:
      out.push_back(config_.issuer + "/oauth2/bc-authorize");
      break;
  }
  return out;
}

Limit Governance::token_limit(const store::ClientRecord& client) const {
  double rate = config_.default_token_rate;
  if (const catalog::Partner* p = catalog_->partner(client.partner))
    if (const catalog::Tier* t = catalog_->tier(p->tier); t && t->token_rate > 0) rate = t->token_rate;
  return Limit{rate, std::max(kMinTokenBurst, rate * kTokenBurstSeconds)};
}

std::expected<AuthenticatedClient, http::Response> Governance::authenticate(const http::Request& req,
                                                                            const http::Form& form,
                                                                            const http::ConnectionInfo& info,
                                                                            Endpoint endpoint) {
  static constexpr std::string_view kEndpointNames[] = {"token", "revoke", "introspect", "bc-authorize"};
  const std::string_view endpoint_name = kEndpointNames[static_cast<int>(endpoint)];
  const std::string remote = info.remote.address().to_string();
  const core::TimePoint now = clock_.now();

  // Locked ids are refused before any credential is looked at: no guessing
  // continues during a lockout, and the answer is the same for unknown ids.
  if (std::string presented = presented_client_id(req, form); !presented.empty()) {
    if (auto left = lockout_.locked(presented, now)) {
      audit_->record("client_auth", {{"outcome", "failure"},
                                     {"reason", "client_locked"},
                                     {"client_id", bounded(presented)},
                                     {"endpoint", endpoint_name},
                                     {"remote", remote}});
      return std::unexpected(oauth_error(
          req, 429, "temporarily_unavailable",
          strf("too many failed client authentications; retry after {} s", left->count()), *left));
    }
  }

  auto result = authenticator_->authenticate(req, form, audiences(endpoint));
  if (!result) {
    const ClientAuthFailure& f = result.error();
    boost::json::object fields{{"outcome", "failure"},
                               {"reason", to_string(f.error)},
                               {"client_id", bounded(f.client_id)},
                               {"method", to_string(f.method)},
                               {"endpoint", endpoint_name},
                               {"remote", remote}};
    if (!f.kid.empty()) fields["kid"] = bounded(f.kid);
    if (!f.detail.empty() && f.error != ClientAuthError::kStoreUnavailable) fields["detail"] = bounded(f.detail);
    audit_->record("client_auth", std::move(fields));
    if (f.error == ClientAuthError::kStoreUnavailable) http::log_error("client authentication: " + f.detail);
    if (!is_request_error(f.error) && f.error != ClientAuthError::kStoreUnavailable && !f.client_id.empty()) {
      if (auto started = lockout_.failed(f.client_id, now))
        audit_->record("client_locked", {{"client_id", bounded(f.client_id)},
                                         {"failures", started->failures},
                                         {"level", started->level},
                                         {"duration_s", started->duration.count()},
                                         {"remote", remote}});
    }
    return std::unexpected(client_auth_answer(req, f.error));
  }

  const store::ClientRecord& rec = result->record;
  lockout_.succeeded(rec.client_id);
  boost::json::object fields{{"outcome", "success"},
                             {"client_id", rec.client_id},
                             {"method", to_string(result->method)},
                             {"endpoint", endpoint_name},
                             {"remote", remote}};
  if (!result->kid.empty()) fields["kid"] = result->kid;
  if (!result->assertion_jti.empty()) fields["assertion_jti"] = bounded(result->assertion_jti);
  audit_->record("client_auth", std::move(fields));

  if (endpoint == Endpoint::kToken) {
    if (const auto wait = client_limits_.take(rec.client_id, token_limit(rec), now); wait.count() > 0) {
      http::log_json("throttle",
                     {{"reason", "client_rate_limited"}, {"client_id", rec.client_id}, {"retry_after", wait.count()}},
                     http::LogLevel::kWarn);
      return std::unexpected(oauth_error(req, 429, "temporarily_unavailable",
                                         "token request rate exceeded for this client; retry later", wait));
    }
  }
  return std::move(*result);
}

void Governance::token_issued(const Issuance& i) {
  boost::json::object fields{{"jti", i.jti},
                             {"client_id", i.client_id},
                             {"partner", i.partner},
                             {"grant", i.grant},
                             {"token_type", i.token_type},
                             {"scope", i.granted.to_string()},
                             {"refused", json_array(i.refused)},
                             {"aud", json_array(i.audiences)},
                             {"lifetime", i.lifetime},
                             {"kid", i.kid}};
  if (!i.purpose.empty()) fields["purpose"] = i.purpose;
  if (!i.subject.empty()) fields["sub"] = i.subject;
  audit_->record("token_issued", std::move(fields));
}

void Governance::scope_denied(const store::ClientRecord& client, const core::ScopeSet& requested,
                              const std::vector<std::string>& refused, std::string_view grant) {
  audit_->record("scope_denied", {{"client_id", client.client_id},
                                  {"partner", client.partner},
                                  {"grant", grant},
                                  {"requested", requested.to_string()},
                                  {"refused", json_array(refused)}});
}

std::expected<http::Form, http::Response> Governance::read_form(const http::Request& req) const {
  if (media_type(req[bhttp::field::content_type]) != "application/x-www-form-urlencoded")
    return std::unexpected(
        oauth_error(req, 400, "invalid_request", "the body must be application/x-www-form-urlencoded"));
  auto form = http::parse_form(req.body());
  if (form) return std::move(*form);
  switch (form.error()) {
    case http::FormError::kDuplicateParam:
      return std::unexpected(oauth_error(req, 400, "invalid_request", "a request parameter is repeated"));
    case http::FormError::kTooManyParams:
      return std::unexpected(oauth_error(req, 400, "invalid_request", "too many request parameters"));
    case http::FormError::kBadEncoding:
      break;
  }
  return std::unexpected(oauth_error(req, 400, "invalid_request", "the form body is malformed"));
}

std::optional<http::Response> Governance::route(const http::Request& req, const http::ConnectionInfo& info) {
  const std::string_view path = path_of(req.target());
  if (path == kRevokePath) {
    if (req.method() != bhttp::verb::post) return method_not_allowed(req, "POST");
    return revoke(req, info);
  }
  if (path == kIntrospectPath) {
    if (req.method() != bhttp::verb::post) return method_not_allowed(req, "POST");
    return introspect(req, info);
  }
  if (path == kRevocationsPath) {
    if (req.method() != bhttp::verb::get) return method_not_allowed(req, "GET");
    if (auto refused = admit(req, info)) return std::move(*refused);
    return revocations_feed(req);
  }
  return std::nullopt;
}

http::Response Governance::revoke(const http::Request& req, const http::ConnectionInfo& info) {
  if (auto refused = admit(req, info)) return std::move(*refused);
  auto form = read_form(req);
  if (!form) return std::move(form.error());
  auto client = authenticate(req, *form, info, Endpoint::kRevoke);
  if (!client) return std::move(client.error());
  const auto token = form->find("token");
  if (token == form->end() || token->second.empty())
    return oauth_error(req, 400, "invalid_request", "token is required");
  const auto hint = form->find("token_type_hint");
  const RevokeOutcome outcome = revocations_->revoke_presented(
      token->second, hint == form->end() ? std::string_view() : std::string_view(hint->second),
      client->record.client_id);
  switch (outcome) {
    case RevokeOutcome::kRevoked:
    case RevokeOutcome::kAlreadyRevoked:
    case RevokeOutcome::kNothingToDo: {
      // RFC 7009 §2.2: 200 whether or not there was anything to revoke.
      http::Response res = oauth_json(req, 200, "");
      res.erase(bhttp::field::content_type);
      return res;
    }
    case RevokeOutcome::kOtherClient:
      audit_->record("revocation_refused", {{"client_id", client->record.client_id}, {"reason", "other_client"}});
      return oauth_error(req, 400, "invalid_request", "the token was not issued to this client");
    case RevokeOutcome::kUnavailable:
      break;
  }
  return oauth_error(req, 503, "temporarily_unavailable", "revocation is unavailable; retry later");
}

http::Response Governance::introspect(const http::Request& req, const http::ConnectionInfo& info) {
  if (auto refused = admit(req, info)) return std::move(*refused);
  auto form = read_form(req);
  if (!form) return std::move(form.error());
  std::string caller;
  const std::string_view authorization = req[bhttp::field::authorization];
  if (req.count(bhttp::field::authorization) == 1 && authorization.size() > 7 &&
      (authorization.substr(0, 7) == "Bearer " || authorization.substr(0, 7) == "bearer ")) {
    // A gateway introspecting on the operator's behalf: the admin credential.
    if (!admin_.check(authorization)) {
      audit_->record("client_auth", {{"outcome", "failure"},
                                     {"reason", "bad_admin_token"},
                                     {"client_id", ""},
                                     {"method", "admin_bearer"},
                                     {"endpoint", "introspect"},
                                     {"remote", info.remote.address().to_string()}});
      return oauth_error(req, 401, "invalid_client", "client authentication failed");
    }
  } else {
    auto client = authenticate(req, *form, info, Endpoint::kIntrospect);
    if (!client) return std::move(client.error());
    caller = client->record.client_id;
  }
  const auto token = form->find("token");
  if (token == form->end() || token->second.empty())
    return oauth_error(req, 400, "invalid_request", "token is required");
  auto answer = authz::introspect(*revocations_, *clients_, token->second, caller, clock_.unix_seconds());
  if (!answer) {
    http::log_error("introspection: " + answer.error().message);
    return oauth_error(req, 503, "temporarily_unavailable", "introspection is unavailable; retry later");
  }
  return oauth_json(req, 200, boost::json::serialize(*answer));
}

http::Response Governance::revocations_feed(const http::Request& req) {
  if (req.count(bhttp::field::authorization) != 1 || !admin_.check(req[bhttp::field::authorization])) {
    http::Response res = oauth_json(req, 401, R"({"error":"invalid_token","error_description":"the admin credential is required"})");
    res.set(bhttp::field::www_authenticate, "Bearer realm=\"tollgate-admin\"");
    return res;
  }
  const std::string_view target = req.target();
  const auto q = target.find('?');
  std::int64_t since = 0;
  if (q != std::string_view::npos) {
    auto query = http::parse_form(target.substr(q + 1));
    if (!query) return oauth_error(req, 400, "invalid_request", "the query string is malformed");
    if (auto s = query->find("since"); s != query->end()) {
      const std::string& v = s->second;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), since);
      if (v.empty() || ec != std::errc() || p != v.data() + v.size() || since < 0)
        return oauth_error(req, 400, "invalid_request", "since must be a non-negative integer");
    }
  }
  auto feed = revocations_->feed(since);
  if (!feed) {
    http::log_error("revocations feed: " + feed.error().message);
    return oauth_error(req, 503, "temporarily_unavailable", "the revocation store is unavailable; retry later");
  }
  return oauth_json(req, 200, boost::json::serialize(*feed));
}

void Governance::add_metadata(boost::json::object& doc) const {
  const boost::json::array methods{store::kAuthClientSecretBasic, store::kAuthClientSecretPost,
                                   store::kAuthPrivateKeyJwt};
  const boost::json::array algs{"ES256", "PS256", "RS256", "EdDSA"};
  doc["token_endpoint_auth_methods_supported"] = methods;
  doc["token_endpoint_auth_signing_alg_values_supported"] = algs;
  doc["revocation_endpoint"] = config_.revocation_endpoint();
  doc["revocation_endpoint_auth_methods_supported"] = methods;
  doc["revocation_endpoint_auth_signing_alg_values_supported"] = algs;
  doc["introspection_endpoint"] = config_.introspection_endpoint();
  doc["introspection_endpoint_auth_methods_supported"] = methods;
  doc["introspection_endpoint_auth_signing_alg_values_supported"] = algs;
}

}  // namespace tollgate::authz
