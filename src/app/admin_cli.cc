#include "app/admin_cli.h"

#include <iostream>

#include "app/store_open.h"
#include "authz/admin.h"
#include "authz/admin_ops.h"
#include "authz/config.h"
#include "authz/consent_withdrawal.h"
#include "authz/keys.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/jws.h"
#include "core/strf.h"
#include "store/audit.h"
#include "store/consents.h"
#include "store/refresh_tokens.h"
#include "store/revocations.h"

namespace tollgate::app {

using core::strf;
namespace {

void print(const boost::json::value& v) { std::cout << boost::json::serialize(v) << "\n"; }

int fail(std::string_view message, int code) {
  std::cerr << "tollgate: " << message << "\n";
  return code;
}

template <class T>
T opened(store::StoreResult<T> r, std::string_view what) {
  if (!r) throw std::runtime_error(strf("cannot open the {} store: {}", what, r.error().message));
  return std::move(*r);
}

// "tel:+34600000001" or "+34600000001" → "+34600000001"; empty when malformed.
std::string subscriber_of(std::string_view s) {
  if (s.starts_with("tel:")) s.remove_prefix(4);
  if (s.size() < 6 || s.size() > 16 || s[0] != '+' || s[1] < '1' || s[1] > '9') return {};
  for (char c : s.substr(1))
    if (c < '0' || c > '9') return {};
  return std::string(s);
}

// A verifier for our access tokens with the data folder's keys (never generates one).
// The issuer checked is the configured one when the configuration names it, else the
// token's own (the signature by one of our keys is what proves it ours).
std::unique_ptr<authz::Revocations> verifier(const ProcessConfig& cfg, std::string_view token,
                                             std::shared_ptr<store::RevocationStore> store,
                                             const core::Clock& clock) {
  const auto acfg = with_source(cfg, [&] { return authz::AuthzConfig::from_yaml(cfg.authz); });
  auto catalog = load_catalog(cfg);
  const auto options = authz::key_options(acfg, *catalog);
  if (!acfg.signing_key_file &&
      authz::KeyManager::scan(cfg.data_dir, acfg.signing_alg, clock, options).empty())
    throw std::runtime_error(strf("no signing keys in {}", (cfg.data_dir / "keys").string()));
  auto keys = authz::KeyManager::open(cfg.data_dir, acfg.signing_alg, clock, options);
  std::string issuer = acfg.issuer;
  const bool configured =
      cfg.authz && cfg.authz.IsMap() && (cfg.authz["issuer"] || cfg.authz["listen"]);
  if (!configured) {
    auto parsed = core::parse_compact(token, core::AlgSet{core::Alg::kES256, core::Alg::kRS256,
                                                          core::Alg::kPS256, core::Alg::kEdDSA});
    if (parsed) issuer = std::string(core::get_string(parsed->payload, "iss").value_or(""));
  }
  return std::make_unique<authz::Revocations>(std::move(store), nullptr, std::move(keys),
                                              std::move(issuer), clock);
}

}  // namespace

void AdminCommands::add(CLI::App& app, const AddCommon& add_common, CLI::App* client,
                        Resolve client_config) {
  client_cfg_ = std::move(client_config);
  client_show_ = client->add_subcommand("show", "one client as JSON (never its secret)");
  client_show_->add_option("client_id", id_, "the client")->required();
  client_show_->add_flag("--json", json_, "print JSON (the default)");
  client_show_->fallthrough();

  auto* partner = app.add_subcommand("partner", "partners (from the catalog) and their clients");
  partner->require_subcommand(1);
  partner_cfg_ = add_common(partner);
  partner_list_ =
      partner->add_subcommand("list", "every partner of the catalog with its client ids");
  partner_list_->add_flag("--json", json_, "print JSON (the default)");
  partner_list_->fallthrough();
  partner_show_ = partner->add_subcommand("show", "one partner with its clients");
  partner_show_->add_option("name", id_, "the partner's name")->required();
  partner_show_->add_flag("--json", json_, "print JSON (the default)");
  partner_show_->fallthrough();

  auto* consent = app.add_subcommand("consent", "subscribers' consents");
  consent->require_subcommand(1);
  consent_cfg_ = add_common(consent);
  consent_list_ =
      consent->add_subcommand("list", "consents, newest first (withdrawn ones included)");
  consent_list_->add_option("--subscriber", subscriber_, "only this subscriber's (tel:+E164)");
  consent_list_->add_option("--partner", partner_, "only those given to this partner");
  consent_list_->add_option("--limit", limit_, "at most this many (default 1000)");
  consent_list_->add_flag("--json", json_, "print JSON (the default)");
  consent_list_->fallthrough();
  consent_withdraw_ = consent->add_subcommand(
      "withdraw", "withdraw a consent and revoke the tokens and refresh tokens resting on it");
  consent_withdraw_->add_option("consent_id", id_, "the consent")->required();
  consent_withdraw_->add_flag("--json", json_, "print JSON (the default)");
  consent_withdraw_->fallthrough();

  auto* token = app.add_subcommand("token", "access tokens");
  token->require_subcommand(1);
  token_cfg_ = add_common(token);
  token_revoke_ = token->add_subcommand(
      "revoke", "revoke an access token (gateways learn it from the revocation feed)");
  auto* tok =
      token_revoke_->add_option("token", token_, "the token (verified with the authz keys)");
  auto* jti = token_revoke_->add_option("--jti", jti_, "revoke by jti instead of the token");
  auto* exp =
      token_revoke_->add_option("--exp", exp_, "with --jti: the token's exp (unix seconds)");
  token_revoke_->add_option("--client-id", token_client_,
                            "with --jti: the token's client (for the record)");
  tok->excludes(jti);
  jti->needs(exp);
  token_revoke_->add_flag("--json", json_, "print JSON (the default)");
  token_revoke_->fallthrough();
  token_introspect_ = token->add_subcommand(
      "introspect", "verify a token with the authz keys: its claims, active or why not");
  token_introspect_->add_option("token", token_, "the token")->required();
  token_introspect_->add_flag("--json", json_, "print JSON (the default)");
  token_introspect_->fallthrough();
}

std::optional<int> AdminCommands::run() {
  const core::Clock& clock = core::SystemClock::instance();
  auto chosen = [](CLI::App* c) { return c != nullptr && c->parsed(); };
  if (chosen(client_show_)) {
    const ProcessConfig cfg = client_cfg_();
    auto found = open_client_store(cfg.data_dir)->find(id_);
    if (!found) return fail(found.error().message, 1);
    if (!*found) return fail(strf("no client '{}'", id_), 2);
    print(authz::client_to_json(**found, std::nullopt));
    return 0;
  }
  if (chosen(partner_list_) || chosen(partner_show_)) {
    const ProcessConfig cfg = partner_cfg_();
    auto catalog = load_catalog(cfg);
    auto clients = open_client_store(cfg.data_dir)->list();
    if (!clients) return fail(clients.error().message, 1);
    if (chosen(partner_list_)) {
      boost::json::array out;
      for (const auto& [name, p] : catalog->partners())
        out.push_back(authz::partner_to_json(p, *clients));
      print(out);
      return 0;
    }
    const catalog::Partner* p = catalog->partner(id_);
    if (!p) return fail(strf("no partner '{}' in the catalog", id_), 2);
    boost::json::object o = authz::partner_to_json(*p, *clients);
    boost::json::array full;
    for (const auto& c : *clients)
      if (c.partner == p->name) full.push_back(authz::client_to_json(c, std::nullopt));
    o["clients"] = std::move(full);
    print(o);
    return 0;
  }
  if (chosen(consent_list_) || chosen(consent_withdraw_)) {
    const ProcessConfig cfg = consent_cfg_();
    auto db = open_database(cfg.data_dir);
    auto consents = opened(store::SqliteConsentStore::open(db), "consent");
    if (chosen(consent_list_)) {
      std::string subscriber;
      if (!subscriber_.empty()) {
        subscriber = subscriber_of(subscriber_);
        if (subscriber.empty())
          return fail("--subscriber must be tel:+E164, e.g. tel:+34600000001", 2);
      }
      auto list = consents->list(subscriber, partner_, limit_);
      if (!list) return fail(list.error().message, 1);
      boost::json::array out;
      for (const auto& c : *list) out.push_back(authz::consent_to_json(c, clock.unix_seconds()));
      print(out);
      return 0;
    }
    auto revocations = opened(store::SqliteRevocationStore::open(db), "revocation");
    auto refresh = opened(store::SqliteRefreshTokenStore::open(db), "refresh token");
    auto audit = opened(store::AuditStore::open(db), "audit");
    auto r = authz::withdraw_consent({*consents, *revocations, *refresh}, id_, "cli",
                                     authz::direct_audit_sink(audit, clock), clock);
    if (!r)
      return fail(r.error().message, r.error().code == authz::WithdrawError::kNotFound ? 2 : 1);
    boost::json::object o = authz::consent_to_json(r->consent, clock.unix_seconds());
    o["newly_withdrawn"] = r->newly_withdrawn;
    o["revocation_seq"] = r->revocation_seq;
    print(o);
    return 0;
  }
  if (chosen(token_revoke_) || chosen(token_introspect_)) {
    const ProcessConfig cfg = token_cfg_();
    auto db = open_database(cfg.data_dir);
    std::shared_ptr<store::RevocationStore> revocations =
        opened(store::SqliteRevocationStore::open(db), "revocation");
    if (chosen(token_revoke_) && token_.empty()) {
      if (jti_.empty()) return fail("give the TOKEN, or --jti JTI --exp UNIX", 2);
      auto audit = opened(store::AuditStore::open(db), "audit");
      auto r =
          authz::revoke_token_by_jti(*revocations, jti_, token_client_, exp_, "cli",
                                     authz::direct_audit_sink(audit, clock), clock.unix_seconds());
      if (!r) return fail(r.error(), r.error().starts_with("cannot") ? 1 : 2);
      print(boost::json::object{{"jti", jti_},
                                {"client_id", token_client_},
                                {"exp", exp_},
                                {"revoked", true},
                                {"newly_revoked", r->newly_revoked},
                                {"revocation_seq", r->revocation_seq}});
      return 0;
    }
    auto clients = open_client_store(cfg.data_dir);
    auto v = verifier(cfg, token_, revocations, clock);
    auto report = authz::inspect_token(*v, *revocations, *clients, token_, clock.unix_seconds());
    if (!report) return fail(report.error().message, 1);
    if (chosen(token_introspect_)) {
      print(*report ? **report : boost::json::object{{"active", false}, {"reason", "not_ours"}});
      return 0;
    }
    if (!*report)
      return fail("not an access token of this authorization server (signature, issuer or type)",
                  2);
    const boost::json::object& t = **report;
    const std::string jti(t.at("jti").as_string()), client_id(t.at("client_id").as_string());
    const std::int64_t exp = t.at("exp").as_int64();
    auto audit = opened(store::AuditStore::open(db), "audit");
    auto r =
        authz::revoke_token_by_jti(*revocations, jti, client_id, exp, "cli",
                                   authz::direct_audit_sink(audit, clock), clock.unix_seconds());
    if (!r) return fail(r.error(), 1);
    print(boost::json::object{{"jti", jti},
                              {"client_id", client_id},
                              {"exp", exp},
                              {"revoked", true},
                              {"newly_revoked", r->newly_revoked},
                              {"revocation_seq", r->revocation_seq}});
    return 0;
  }
  return std::nullopt;
}

}  // namespace tollgate::app
