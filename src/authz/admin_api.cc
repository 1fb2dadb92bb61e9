#include "authz/admin_api.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <stdexcept>

#include "authz/admin.h"
#include "authz/admin_ops.h"
#include "authz/consent_withdrawal.h"
#include "authz/oauth_response.h"
#include "core/json.h"
#include "core/strf.h"
#include "http/form.h"
#include "http/log.h"

namespace tollgate::authz {

using core::strf;
namespace {

namespace bhttp = boost::beast::http;
constexpr std::string_view kPrefix = "/admin/v1/";
constexpr std::string_view kChallenge = "Bearer realm=\"tollgate-admin\"";
constexpr std::size_t kMaxId = 128;
constexpr std::size_t kMaxListed = 1000;

http::Response json(const http::Request& req, unsigned status, const boost::json::value& body) {
  return oauth_json(req, status,
                    boost::json::serialize(body));  // same headers as every OAuth answer
}

// A refusal: status + RFC 6749-style body, and the reason for the audit record.
struct Answer {
  unsigned status = 200;
  boost::json::value body;
  std::string target;  // the id acted on, for the audit record
};

Answer error(unsigned status, std::string_view code, std::string description) {
  return {status,
          boost::json::object{{"error", code}, {"error_description", std::move(description)}},
          {}};
}
Answer not_found(std::string description = "no such resource") {
  return error(404, "not_found", std::move(description));
}
Answer unavailable(std::string_view what, const std::string& detail) {
  http::log_error(strf("admin API: {} failed: {}", what, detail));
  return error(503, "temporarily_unavailable", "a store is unavailable; retry later");
}

std::string media_type(std::string_view v) {
  v = v.substr(0, std::min(v.find(';'), v.size()));
  std::string out;
  for (char c : v)
    if (c != ' ' && c != '\t')
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The JSON object body, with only `allowed` members; an Answer (400) otherwise.
std::expected<boost::json::object, Answer> body_of(const http::Request& req,
                                                   std::initializer_list<std::string_view> allowed,
                                                   bool may_be_empty = false) {
  if (may_be_empty && req.body().empty()) return boost::json::object{};
  if (media_type(req[bhttp::field::content_type]) != "application/json")
    return std::unexpected(error(400, "invalid_request", "the body must be application/json"));
  auto o = core::parse_strict_object(req.body());
  if (!o) return std::unexpected(error(400, "invalid_request", "the body must be one JSON object"));
  for (const auto& [k, v] : *o)
    if (std::find(allowed.begin(), allowed.end(), std::string_view(k)) == allowed.end())
      return std::unexpected(
          error(400, "invalid_request", strf("unknown member '{}'", std::string_view(k))));
  return std::move(*o);
}

// Optional string member; error when present with another type.
std::expected<std::string, Answer> string_member(const boost::json::object& o, std::string_view key,
                                                 bool required) {
  const auto* v = o.if_contains(key);
  if (!v) {
    if (required)
      return std::unexpected(error(400, "invalid_request", strf("'{}' is required", key)));
    return std::string();
  }
  if (!v->is_string() || (required && v->get_string().empty()))
    return std::unexpected(
        error(400, "invalid_request", strf("'{}' must be a non-empty string", key)));
  return std::string(v->get_string());
}

std::expected<std::vector<std::string>, Answer> strings_member(const boost::json::object& o,
                                                               std::string_view key) {
  std::vector<std::string> out;
  const auto* v = o.if_contains(key);
  if (!v) return out;
  if (!v->is_array())
    return std::unexpected(
        error(400, "invalid_request", strf("'{}' must be an array of strings", key)));
  for (const auto& e : v->get_array()) {
    if (!e.is_string() || e.get_string().empty())
      return std::unexpected(
          error(400, "invalid_request", strf("'{}' must be an array of strings", key)));
    out.emplace_back(e.get_string());
  }
  return out;
}

bool valid_id(std::string_view id) {
  return !id.empty() && id.size() <= kMaxId && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

class AdminService final : public AuthzService {
 public:
  AdminService(std::unique_ptr<AuthzService> inner, std::shared_ptr<AdminApi> api)
      : inner_(std::move(inner)), api_(std::move(api)) {}
  http::Response handle(const http::Request& req, const http::ConnectionInfo& info) override {
    if (auto r = api_->handle(req)) return std::move(*r);
    return inner_->handle(req, info);
  }

 private:
  std::unique_ptr<AuthzService> inner_;
  std::shared_ptr<AdminApi> api_;
};

}  // namespace

AdminApi::AdminApi(AdminApiDeps deps) : d_(std::move(deps)) {
  if (!d_.catalog || !d_.clients || !d_.consents || !d_.refresh_tokens || !d_.audit_store ||
      !d_.revocations || !d_.audit || !d_.clock)
    throw std::invalid_argument("AdminApi: a dependency is missing");
}

std::unique_ptr<AuthzService> with_admin_api(std::unique_ptr<AuthzService> inner,
                                             std::shared_ptr<AdminApi> api) {
  if (!api) return inner;
  return std::make_unique<AdminService>(std::move(inner), std::move(api));
}

std::optional<http::Response> AdminApi::handle(const http::Request& req) {
  const std::string_view target = req.target();
  const std::string_view path = target.substr(0, std::min(target.find('?'), target.size()));
  if (path != "/admin" && !path.starts_with("/admin/")) return std::nullopt;
  // Never open: without a credential the tree does not exist.
  if (!d_.credential.configured())
    return json(req, 404, boost::json::object{{"error", "not_found"}});
  if (!d_.credential.check(req[bhttp::field::authorization])) {
    const bool present = req.find(bhttp::field::authorization) != req.end();
    d_.audit->record("admin_auth_failed",
                     {{"path", std::string(path.substr(0, 128))},
                      {"reason", present ? "credential_wrong" : "credential_missing"}});
    http::Response res = json(
        req, 401,
        boost::json::object{{"error", "invalid_token"},
                            {"error_description", present ? "the admin credential is wrong"
                                                          : "the admin credential is required"}});
    res.set(bhttp::field::www_authenticate, kChallenge);
    return res;
  }
  const bool get = req.method() == bhttp::verb::get, post = req.method() == bhttp::verb::post;
  const auto parts = path.starts_with(kPrefix) ? split_path(path.substr(kPrefix.size()))
                                               : std::vector<std::string_view>{};
  const std::size_t n = parts.size();
  auto is = [&](std::initializer_list<std::string_view> shape) {
    if (shape.size() != n) return false;
    std::size_t i = 0;
    for (std::string_view s : shape) {
      if (s != "*" && s != parts[i]) return false;
      if (s == "*" && !valid_id(parts[i])) return false;
      ++i;
    }
    return true;
  };
  std::string action;
  std::string_view allow;
  const std::int64_t now = d_.clock->unix_seconds();
  Revocations& revocations = *d_.revocations;
  const AuditSink sink = [this](std::string_view event,
                                boost::json::object fields) -> std::expected<void, std::string> {
    d_.audit->record(event,
                     std::move(fields));  // durable before the response (Governance::handler)
    return {};
  };

  Answer a = not_found();
  if (is({"clients"})) {
    allow = "GET, POST";
    if (get) {
      action = "clients.list";
      auto all = d_.clients->list();
      if (!all) {
        a = unavailable(action, all.error().message);
      } else {
        boost::json::array out;
        for (const auto& c : *all) out.push_back(client_to_json(c, std::nullopt));
        a = {200, boost::json::object{{"clients", std::move(out)}}, {}};
      }
    } else if (post) {
      action = "clients.create";
      [&] {
        auto body = body_of(req, {"partner", "scope", "auth_methods", "grant_types",
                                  "redirect_uris", "jwks", "jwks_uri"});
        if (!body) return void(a = body.error());
        CreateClientRequest r;
        auto partner = string_member(*body, "partner", true);
        auto scope = string_member(*body, "scope", true);
        auto auth = strings_member(*body, "auth_methods");
        auto grants = strings_member(*body, "grant_types");
        auto uris = strings_member(*body, "redirect_uris");
        auto jwks_uri = string_member(*body, "jwks_uri", false);
        for (auto* e : {&partner, &scope, &jwks_uri})
          if (!*e) return void(a = e->error());
        for (auto* e : {&auth, &grants, &uris})
          if (!*e) return void(a = e->error());
        auto scopes = core::ScopeSet::parse(*scope);
        if (!scopes || scopes->empty())
          return void(a = error(400, "invalid_request",
                                "'scope' must be a space-separated list of scopes"));
        if (const auto* j = body->if_contains("jwks")) {
          if (!j->is_object())
            return void(a = error(400, "invalid_request", "'jwks' must be a JWKS object"));
          r.jwks = boost::json::serialize(*j);
        }
        r.partner = *partner;
        r.scopes = *scopes;
        r.auth_methods = *auth;
        if (!grants->empty()) r.grant_types = *grants;
        r.redirect_uris = *uris;
        r.jwks_uri = *jwks_uri;
        auto created = create_client(*d_.clients, *d_.catalog, r, *d_.clock);
        if (!created) {
          const bool store = created.error().starts_with("cannot store");
          return void(a = store ? unavailable(action, created.error())
                                : error(400, "invalid_request", created.error()));
        }
        d_.audit->record("client_created", {{"client_id", created->record.client_id},
                                            {"partner", created->record.partner},
                                            {"scope", created->record.scopes.to_string()},
                                            {"by", "admin"}});
        a = {201,
             client_to_json(created->record, created->secret.empty()
                                                 ? std::nullopt
                                                 : std::optional<std::string>(created->secret)),
             created->record.client_id};
      }();
    }
  } else if (is({"clients", "*"})) {
    allow = "GET";
    if (get) {
      action = "clients.show";
      auto c = d_.clients->find(parts[1]);
      if (!c)
        a = unavailable(action, c.error().message);
      else if (!*c)
        a = not_found(strf("no client '{}'", parts[1]));
      else
        a = {200, client_to_json(**c, std::nullopt), std::string(parts[1])};
    }
  } else if (is({"clients", "*", "disable"})) {
    allow = "POST";
    if (post) {
      action = "clients.disable";
      const std::string id(parts[1]);
      auto r = disable_client({*d_.clients, revocations.store(), *d_.refresh_tokens}, id, "admin",
                              sink, *d_.clock);
      if (!r)
        a = r.error().code == DisableError::kNotFound ? not_found(r.error().message)
                                                      : unavailable(action, r.error().message);
      else
        a = {200,
             boost::json::object{
                 {"client_id", id}, {"disabled", true}, {"newly_disabled", r->newly_disabled}},
             id};
    }
  } else if (is({"partners"})) {
    allow = "GET";
    if (get) {
      action = "partners.list";
      auto all = d_.clients->list();
      if (!all) {
        a = unavailable(action, all.error().message);
      } else {
        boost::json::array out;
        for (const auto& [name, p] : d_.catalog->partners())
          out.push_back(partner_to_json(p, *all));
        a = {200, boost::json::object{{"partners", std::move(out)}}, {}};
      }
    }
  } else if (is({"consents"})) {
    allow = "GET";
    if (get) {
      action = "consents.list";
      [&] {
        const auto q = target.find('?');
        auto params = http::parse_form(q == std::string_view::npos ? std::string_view()
                                                                   : target.substr(q + 1));
        if (!params) return void(a = error(400, "invalid_request", "the query is malformed"));
        std::string subscriber, partner;
        for (const auto& [k, v] : *params) {
          if (k == "subscriber") {
            std::string_view s = v;
            if (s.starts_with("tel:")) s.remove_prefix(4);
            const bool ok =
                s.size() >= 6 && s.size() <= 16 && s[0] == '+' && s[1] >= '1' && s[1] <= '9' &&
                std::all_of(s.begin() + 1, s.end(), [](char c) { return c >= '0' && c <= '9'; });
            if (!ok) return void(a = error(400, "invalid_request", "subscriber must be tel:+E164"));
            subscriber = std::string(s);
          } else if (k == "partner") {
            partner = v;
          } else {
            return void(a = error(400, "invalid_request", strf("unknown parameter '{}'", k)));
          }
        }
        auto list = d_.consents->list(subscriber, partner, kMaxListed);
        if (!list) return void(a = unavailable(action, list.error().message));
        boost::json::array out;
        for (const auto& c : *list) out.push_back(consent_to_json(c, now));
        a = {200, boost::json::object{{"consents", std::move(out)}}, {}};
      }();
    }
  } else if (is({"consents", "*", "withdraw"})) {
    allow = "POST";
    if (post) {
      action = "consents.withdraw";
      auto r = withdraw_consent({*d_.consents, revocations.store(), *d_.refresh_tokens}, parts[1],
                                "admin", sink, *d_.clock);
      if (!r) {
        a = r.error().code == WithdrawError::kNotFound ? not_found(r.error().message)
                                                       : unavailable(action, r.error().message);
      } else {
        boost::json::object o = consent_to_json(r->consent, now);
        o["newly_withdrawn"] = r->newly_withdrawn;
        o["revocation_seq"] = r->revocation_seq;
        a = {200, std::move(o), std::string(parts[1])};
      }
    }
  } else if (is({"tokens", "revoke"})) {
    allow = "POST";
    if (post) {
      action = "tokens.revoke";
      [&] {
        auto body = body_of(req, {"token", "jti", "exp", "client_id"});
        if (!body) return void(a = body.error());
        auto token = string_member(*body, "token", false);
        auto jti = string_member(*body, "jti", false);
        auto client = string_member(*body, "client_id", false);
        for (auto* e : {&token, &jti, &client})
          if (!*e) return void(a = e->error());
        std::int64_t exp = 0;
        std::string client_id = *client;
        std::string id = *jti;
        if (!token->empty()) {
          if (!id.empty() || body->contains("exp") || !client_id.empty())
            return void(
                a = error(400, "invalid_request", "give either 'token' or 'jti' with 'exp'"));
          auto ours = revocations.inspect(*token);
          if (!ours)
            return void(a = error(400, "invalid_request",
                                  "not an access token of this authorization server"));
          id = ours->jti;
          client_id = ours->client_id;
          exp = ours->exp;
        } else {
          const auto* e = body->if_contains("exp");
          if (id.empty() || !e || !e->is_int64() || e->as_int64() <= 0)
            return void(a = error(400, "invalid_request",
                                  "give either 'token' or 'jti' with 'exp' (unix seconds)"));
          exp = e->as_int64();
        }
        auto r = revoke_token_by_jti(revocations.store(), id, client_id, exp, "admin", sink, now);
        if (!r) {
          const bool store = r.error().starts_with("cannot");
          return void(a = store ? unavailable(action, r.error())
                                : error(400, "invalid_request", r.error()));
        }
        a = {200,
             boost::json::object{{"jti", id},
                                 {"client_id", client_id},
                                 {"exp", exp},
                                 {"revoked", true},
                                 {"newly_revoked", r->newly_revoked},
                                 {"revocation_seq", r->revocation_seq}},
             id};
      }();
    }
  } else if (is({"keys", "rotate"})) {
    allow = "POST";
    if (post) {
      action = "keys.rotate";
      [&] {
        auto body = body_of(req, {"activate_in"}, /*may_be_empty=*/true);
        if (!body) return void(a = body.error());
        std::int64_t activate_in = 0;
        if (const auto* in = body->if_contains("activate_in")) {
          if (!in->is_int64() || in->as_int64() < 0 || in->as_int64() > 365 * 86400)
            return void(a = error(400, "invalid_request",
                                  "'activate_in' must be seconds from now (0 to one year)"));
          activate_in = in->as_int64();
        }
        if (d_.config.signing_key_file)
          return void(a = error(409, "conflict",
                                "authz.signing_key_file is set: that file is the one key"));
        try {
          const KeyInfo k =
              KeyManager::add_key(d_.data_dir, d_.config.signing_alg, now + activate_in, *d_.clock);
          d_.audit->record("key_generated", {{"kid", k.kid},
                                             {"alg", core::alg_name(k.alg)},
                                             {"at", k.activate_at},
                                             {"by", "admin"}});
          a = {201,
               boost::json::object{{"kid", k.kid},
                                   {"alg", core::alg_name(k.alg)},
                                   {"created_at", k.created_at},
                                   {"activate_at", k.activate_at}},
               k.kid};
        } catch (const std::exception& e) {
          a = unavailable(action, e.what());
        }
      }();
    }
  } else if (is({"audit", "verify"})) {
    allow = "GET";
    if (get) {
      action = "audit.verify";
      auto report = d_.audit_store->verify();
      if (!report) {
        a = unavailable(action, report.error().message);
      } else {
        boost::json::object o{
            {"ok", report->ok}, {"records", report->records}, {"head", report->head_hash}};
        if (!report->ok) {
          o["first_broken"] = report->first_broken;
          o["reason"] = report->reason;
        }
        a = {200, std::move(o), {}};
      }
    }
  }
  if (action.empty() && !allow.empty()) {
    http::Response res = json(req, 405,
                              boost::json::object{{"error", "invalid_request"},
                                                  {"error_description", "method not allowed"}});
    res.set(bhttp::field::allow, allow);
    d_.audit->record("admin_call", {{"action", "method_not_allowed"},
                                    {"path", std::string(path.substr(0, 128))},
                                    {"status", 405},
                                    {"by", "admin"}});
    return res;
  }
  d_.audit->record("admin_call", {{"action", action.empty() ? std::string("unknown_path") : action},
                                  {"path", std::string(path.substr(0, 128))},
                                  {"target", a.target},
                                  {"status", a.status},
                                  {"by", "admin"}});
  return json(req, a.status, a.body);
}

}  // namespace tollgate::authz
