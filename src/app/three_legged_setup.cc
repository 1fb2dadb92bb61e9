#include "app/three_legged_setup.h"

#include "app/network_directory.h"
#include "app/store_open.h"
#include "authz/client_keys.h"
#include "authz/refresh_revoker.h"
#include "gateway/subject.h"
#include "http/log.h"
#include "store/replay.h"
#include "store/revocations.h"

namespace tollgate::app {

std::shared_ptr<authz::ThreeLegged> make_three_legged(
    const authz::AuthzConfig& config, const std::filesystem::path& data_dir,
    std::shared_ptr<const catalog::Catalog> catalog, std::shared_ptr<store::ClientStore> clients,
    const authz::KeyManager& keys, const core::Clock& clock,
    std::shared_ptr<authz::Governance> governance,
    std::shared_ptr<const network::SubscriberStore> subscribers) {
  auto db = open_database(data_dir);
  auto stores = authz::ThreeLeggedStores::open(db);
  auto subject = authz::SubjectKeys::open(data_dir / "keys");
  // JWT bearer assertions: the client's registered keys, and each jti once per
  // client in the same replay table as client assertions.
  auto client_keys =
      std::make_shared<authz::ClientKeys>(config.jwks_uri_ttl, clock, authz::http_fetcher());
  auto replay = store::SqliteReplayCache::open(db);
  if (!replay) throw std::runtime_error("cannot open the replay cache: " + replay.error().message);
  std::shared_ptr<store::ReplayCache> replay_cache = *replay;

  authz::ClientHooks hooks;
  hooks.authenticate =
      [governance](
          const http::Request& req, const http::Form& form, std::string_view endpoint,
          const http::ConnectionInfo& info) -> std::expected<store::ClientRecord, http::Response> {
    const auto which = endpoint.ends_with("/bc-authorize") ? authz::Endpoint::kBackchannel
                                                           : authz::Endpoint::kToken;
    auto c = governance->authenticate(req, form, info, which);
    if (!c) return std::unexpected(std::move(c.error()));
    return std::move(c->record);
  };
  hooks.client_keys = [client_keys](const store::ClientRecord& client, bool refresh) {
    return client_keys->keys(client, refresh);
  };
  hooks.accept_jti_once = [replay_cache, &clock](
                              std::string_view client_id, std::string_view jti,
                              std::int64_t keep_until) -> std::expected<bool, std::string> {
    auto r = replay_cache->use_once(client_id, jti, keep_until, clock.unix_seconds());
    if (!r) return std::unexpected(r.error().message);
    return *r;
  };
  hooks.revoke_access_token = [governance](std::string_view jti, std::string_view client_id,
                                           std::int64_t exp, std::string_view reason) {
    if (auto r =
            governance->revocations().revoke_access_token(jti, client_id, exp, reason, "authz");
        !r)
      http::log_error("could not record a revocation: " + r.error().message);
  };
  hooks.withdraw_consent = [governance, consents = stores.consents,
                            refresh = stores.refresh_tokens, &clock](std::string_view consent_id,
                                                                     std::string_view by) {
    return authz::withdraw_consent(
        {*consents, governance->revocations().store(), *refresh}, consent_id, by,
        [&](std::string_view event, boost::json::object fields) -> std::expected<void, std::string> {
          governance->audit().record(event, std::move(fields));  // durable before the answer
          return {};
        },
        clock);
  };
  hooks.audit = [governance](std::string_view event, boost::json::object fields, bool) {
    governance->audit().record(event, std::move(fields));
  };
  // RFC 7009 / 7662 for our refresh tokens, and client revocation, through governance.
  governance->revocations().set_refresh_revoker(authz::make_refresh_revoker(
      stores.refresh_tokens, subject.pairwise, clock, hooks.revoke_access_token));
  return authz::ThreeLegged::create(
      config, std::move(catalog), std::move(clients), keys, clock, std::move(stores),
      std::move(subject), network_directory(std::move(subscribers), clock), std::move(hooks));
}

std::unique_ptr<authz::Sweeper> start_sweeper(const std::filesystem::path& data_dir,
                                              const core::Clock& clock) {
  auto db = open_database(data_dir);
  auto stores = authz::ThreeLeggedStores::open(db);
  auto replay = store::SqliteReplayCache::open(db);
  if (!replay) throw std::runtime_error("cannot open the replay cache: " + replay.error().message);
  auto revocations = store::SqliteRevocationStore::open(db);
  if (!revocations)
    throw std::runtime_error("cannot open the revocation store: " + revocations.error().message);
  auto sweeper = std::make_unique<authz::Sweeper>(authz::PurgeStores{.codes = stores.codes,
                                                                     .sessions = stores.sessions,
                                                                     .ciba = stores.ciba,
                                                                     .refresh_tokens =
                                                                         stores.refresh_tokens,
                                                                     .replay = *replay,
                                                                     .revocations = *revocations},
                                                  clock);
  sweeper->start();
  return sweeper;
}

void install_gateway_subject_key(const std::filesystem::path& data_dir, bool create) {
  const auto file = data_dir / "keys" / authz::kSubjectSealKeyFile;
  if (create) std::filesystem::create_directories(data_dir / "keys");
  auto sealer = authz::SubjectSealer::load(file, create);
  if (!sealer) {
    http::log_warn("gateway: no subject sealing key (" + sealer.error() +
                   "); 3-legged tokens will be refused");
    return;
  }
  gateway::set_subject_sealer(std::make_shared<const authz::SubjectSealer>(std::move(*sealer)));
}

}  // namespace tollgate::app
