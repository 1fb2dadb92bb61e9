// authorize.cc — the authorization code flow with PKCE (RFC 6749 §4.1, RFC 7636,
// OIDC Core §3.1, CAMARA ICM): the /oauth2/authorize pages and the
// authorization_code grant. See three_legged.h for the contract.
//
// Subscriber identification, in order: network-based (the source IP of the
// browser is a handset's IP on the mobile network: amr ["nba"]), else a
// one-time code sent by SMS to the number the subscriber types (amr ["otp"]);
// a number that is no subscriber's gets the same pages, messages and attempt
// counting as a wrong code, only no SMS (start_one_time_code /
// check_one_time_code, shared with the self-care page: no enumeration).
// Then, when the purpose's legal basis is consent and no stored consent covers
// the request, the consent page; otherwise the code is issued at once.
// Scopes of a product with `authentication: network` (catalog.h, Number
// Verification) allow no interaction: no one-time code (login_required,
// network_authentication_required), no consent page (consent_required), and
// prompt=login / prompt=consent are invalid_request.
//
// Browser state between pages lives in store::AuthorizeSession, reached by the
// session id in the page's hidden field and bound to the browser by an
// HttpOnly SameSite=Strict cookie; each form also carries a CSRF token. A
// missing or mismatched binding or token shows an error page and changes
// nothing.
#include <boost/json.hpp>

#include "authz/pages.h"
#include "authz/request_object.h"
#include "authz/three_legged_impl.h"
#include "core/base64url.h"
#include "core/crypto.h"
#include "core/json.h"
#include "core/strf.h"
#include "http/log.h"

namespace tollgate::authz::detail {
namespace {

// OIDC/OAuth parameters are short; bound what we store and echo.
constexpr std::size_t kMaxStateBytes = 1024;
constexpr std::size_t kMaxNonceBytes = 512;
constexpr std::string_view kCookiePrefix = "tg_authz_";

struct AuthorizeRequest {
  std::string client_id, redirect_uri, scope, state, code_challenge, nonce, prompt;

  std::string to_json() const {
    return boost::json::serialize(boost::json::object{{"client_id", client_id},
                                                      {"redirect_uri", redirect_uri},
                                                      {"scope", scope},
                                                      {"state", state},
                                                      {"code_challenge", code_challenge},
                                                      {"nonce", nonce},
                                                      {"prompt", prompt}});
  }
  static std::optional<AuthorizeRequest> from_json(std::string_view text) {
    auto o = core::parse_strict_object(text);
    if (!o) return std::nullopt;
    AuthorizeRequest r;
    for (auto [key, field] : {std::pair{"client_id", &r.client_id},
                              {"redirect_uri", &r.redirect_uri},
                              {"scope", &r.scope},
                              {"state", &r.state},
                              {"code_challenge", &r.code_challenge},
                              {"nonce", &r.nonce},
                              {"prompt", &r.prompt}}) {
      auto v = core::get_string(*o, key);
      if (!v) return std::nullopt;
      *field = std::string(*v);
    }
    return r;
  }
};

bool valid_pkce_value(std::string_view v, std::size_t min, std::size_t max) {
  if (v.size() < min || v.size() > max) return false;
  for (char c : v)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
          c == '~'))
      return false;
  return true;
}

bool has_word(std::string_view list, std::string_view word) {
  while (!list.empty()) {
    const auto sp = list.find(' ');
    if (list.substr(0, sp) == word) return true;
    if (sp == std::string_view::npos) break;
    list.remove_prefix(sp + 1);
  }
  return false;
}

http::Response redirect(const http::Request& req, const std::string& location, bool after_post) {
  // 303 after a form post so the browser follows with GET (RFC 9700 §4.12).
  http::Response res{after_post ? bhttp::status::see_other : bhttp::status::found, req.version()};
  res.set(bhttp::field::location, location);
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  pages::protect(res);
  return res;
}

std::string with_params(const std::string& uri,
                        std::initializer_list<std::pair<std::string_view, std::string>> params) {
  std::string out = uri;
  char sep = uri.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [k, v] : params) {
    if (v.empty()) continue;
    out += sep;
    out += k;
    out += '=';
    out += http::url_encode(v);
    sep = '&';
  }
  return out;
}

}  // namespace

// Everything the pages share: the validated request, its client and scope.
struct Flow {
  AuthorizeRequest request;
  store::ClientRecord client;
  ThreeLeggedScope scope;
};

namespace {

// An error that goes back to the client (its redirect URI is known good).
http::Response redirect_error(const ThreeLeggedImpl& s, const http::Request& req,
                              const AuthorizeRequest& r, std::string_view error,
                              std::string_view description, std::string_view reason,
                              bool after_post = false) {
  s.audit("authorize_refused", {{"client_id", r.client_id}, {"error", error}, {"reason", reason}},
          true);
  return redirect(req,
                  with_params(r.redirect_uri, {{"error", std::string(error)},
                                               {"error_description", std::string(description)},
                                               {"state", r.state},
                                               {"iss", s.config_.issuer}}),
                  after_post);
}

http::Response error_page(const ThreeLeggedImpl& s, const http::Request& req, unsigned status,
                          std::string_view reason, std::string_view text,
                          std::string_view client_id = {}) {
  s.audit("authorize_refused",
          {{"client_id", std::string(client_id.substr(0, 128))},
           {"reason", reason},
           {"redirected", false}},
          true);
  return pages::message(req, status, "This sign-in cannot continue", text);
}

// The parameters of a signed authorization request: the verified object's members,
// after checking that scope, response_type, client_id and redirect_uri are also
// sent as plain parameters with the same values (CAMARA ICM). nullopt with
// `refused` set (an error redirect: the client and redirect_uri are known good).
std::optional<http::Form> signed_request_params(ThreeLeggedImpl& s, const http::Request& req,
                                                const http::Form& plain,
                                                const store::ClientRecord& client,
                                                const AuthorizeRequest& r,
                                                std::optional<http::Response>& refused) {
  const std::string audiences[] = {s.config_.issuer + "/oauth2/authorize", s.config_.issuer};
  auto object = verify_request_object(
      form_value(plain, "request"),
      {.client = client, .audiences = audiences, .clock_skew = s.config_.clock_skew}, s.hooks_,
      s.clock_);
  if (!object) {
    const bool down = object.error().kind == RequestObjectError::Kind::kUnavailable;
    refused = redirect_error(s, req, r, down ? "temporarily_unavailable" : "invalid_request_object",
                             object.error().description, object.error().reason);
    return std::nullopt;
  }
  for (std::string_view name : {"scope", "response_type", "client_id", "redirect_uri"}) {
    if (!has(plain, name)) {
      refused = redirect_error(s, req, r, "invalid_request",
                               std::string(name) + " is required as a plain parameter too",
                               "request_plain_param_missing");
      return std::nullopt;
    }
    auto it = object->find(name);
    if (it == object->end() && name == "client_id") continue;  // iss already names the client
    if (it == object->end()) {
      refused = redirect_error(s, req, r, "invalid_request_object",
                               "the request object must hold " + std::string(name),
                               "request_object_param_missing");
      return std::nullopt;
    }
    if (it->second != form_value(plain, name)) {
      refused = redirect_error(s, req, r, "invalid_request_object",
                               std::string(name) + " differs from the request object's",
                               "request_object_param_mismatch");
      return std::nullopt;
    }
  }
  (*object)["client_id"] = client.client_id;
  return std::move(*object);
}

}  // namespace

// The code for `flow` and the subscriber, redirected to the client.
static http::Response issue_code(ThreeLeggedImpl& s, const http::Request& req, const Flow& flow,
                                 const std::string& subscriber, const std::vector<std::string>& amr,
                                 std::int64_t auth_time, const std::string& consent_id,
                                 bool after_post) {
  const std::string code = core::random_token(32);  // 256 bits, single use, 60 s
  store::AuthCodeRecord rec;
  rec.code_hash = core::sha256_hex(code);
  rec.grant = {.client_id = flow.client.client_id,
               .partner = flow.client.partner,
               .scope = flow.scope.granted_scope(flow.scope.offline_access),
               .purpose = flow.scope.purpose->name,
               .subscriber = subscriber,
               .amr = amr,
               .consent_id = consent_id,
               .auth_time = auth_time,
               .nonce = flow.request.nonce};
  rec.redirect_uri = flow.request.redirect_uri;
  rec.code_challenge = flow.request.code_challenge;
  rec.created_at = s.clock_.unix_seconds();
  rec.expires_at = rec.created_at + kAuthCodeLifetime.count();
  if (auto r = s.stores_.codes->create(rec); !r) {
    http::log_error("authorization code store unavailable: " + r.error().message);
    return redirect_error(s, req, flow.request, "temporarily_unavailable", "retry later", "store",
                          after_post);
  }
  s.audit("code_issued", {{"client_id", flow.client.client_id},
                          {"sub", s.tokens_.pairwise_sub(flow.client.partner, subscriber)},
                          {"amr", boost::json::value_from(amr)},
                          {"purpose", flow.scope.purpose->name},
                          {"consent_id", consent_id}});
  return redirect(
      req,
      with_params(flow.request.redirect_uri,
                  {{"code", code}, {"state", flow.request.state}, {"iss", s.config_.issuer}}),
      after_post);
}

// After identification: the consent page when needed, else the code.
static http::Response after_identification(ThreeLeggedImpl& s, const http::Request& req,
                                           const Flow& flow, store::AuthorizeSession* session,
                                           const std::string& subscriber,
                                           const std::vector<std::string>& amr,
                                           std::int64_t auth_time, bool after_post,
                                           std::string* set_cookie) {
  std::string consent_id;
  if (flow.scope.purpose->legal_basis == catalog::LegalBasis::kConsent) {
    std::optional<store::ConsentRecord> existing;
    if (!has_word(flow.request.prompt, "consent")) {
      auto found = s.stores_.consents->find_covering(
          flow.client.partner, subscriber, flow.scope.purpose->name, flow.scope.api.granted,
          s.clock_.unix_seconds());
      if (!found)
        return redirect_error(s, req, flow.request, "temporarily_unavailable", "retry later",
                              "store", after_post);
      existing = std::move(*found);
    }
    if (existing) {
      consent_id = existing->consent_id;
    } else {
      if (has_word(flow.request.prompt, "none"))
        return redirect_error(s, req, flow.request, "consent_required",
                              "the subscriber's consent is required",
                              "consent_required_prompt_none", after_post);
      // prompt=none implied (catalog `authentication: network`): no consent page.
      if (flow.scope.network_only)
        return redirect_error(s, req, flow.request, "consent_required",
                              "the subscriber's consent is required and these scopes allow no "
                              "user interaction",
                              "consent_required_no_interaction", after_post);
      // Ask. The session remembers who the subscriber is.
      store::AuthorizeSession fresh;
      std::string session_id;
      if (!session) {
        session_id = core::random_token(32);
        const std::string binding = core::random_token(32);
        fresh.session_hash = core::sha256_hex(session_id);
        fresh.binding_hash = core::sha256_hex(binding);
        fresh.csrf = core::random_token(16);
        fresh.request_json = flow.request.to_json();
        fresh.created_at = s.clock_.unix_seconds();
        fresh.expires_at = fresh.created_at + kAuthorizeSessionLifetime.count();
        fresh.subscriber = subscriber;
        fresh.amr = amr;
        fresh.auth_time = auth_time;
        if (!s.stores_.sessions->create(fresh))
          return redirect_error(s, req, flow.request, "temporarily_unavailable", "retry later",
                                "store", after_post);
        *set_cookie = core::strf(
            "{}{}={}; Path=/oauth2/authorize; Max-Age={}; HttpOnly; SameSite=Strict{}",
            kCookiePrefix, session_id.substr(0, 16), binding, kAuthorizeSessionLifetime.count(),
            s.config_.issuer.starts_with("https://") ? "; Secure" : "");
        session = &fresh;
      } else {
        session_id = "";  // the caller's page already holds it
        session->subscriber = subscriber;
        session->amr = amr;
        session->auth_time = auth_time;
        session->otp_hash.clear();
        if (!s.stores_.sessions->update(*session))
          return error_page(s, req, 400, "session_gone",
                            "This sign-in has expired. Go back to the app and start again.");
      }
      pages::ConsentView v;
      v.partner = flow.client.partner;
      v.purpose = flow.scope.purpose->name;
      v.purpose_words = flow.scope.purpose->description.empty() ? pages::purpose_in_words(v.purpose)
                                                                : flow.scope.purpose->description;
      for (const auto& sc : flow.scope.api.granted.items())
        v.scope_words.push_back(pages::scope_in_words(sc));
      if (flow.scope.offline_access)
        v.scope_words.push_back(pages::scope_in_words(kScopeOfflineAccess));
      v.subscriber_masked = pages::mask_msisdn(subscriber);
      v.action = "/oauth2/authorize/consent";
      v.session = session_id;
      v.csrf = session->csrf;
      return pages::consent(req, v);
    }
  }
  return issue_code(s, req, flow, subscriber, amr, auth_time, consent_id, after_post);
}

http::Response ThreeLeggedImpl::authorize(const http::Request& req,
                                          const http::ConnectionInfo& info) {
  // GET: the query; POST (OIDC Core §3.1.2.1): a form body, the query ignored.
  std::optional<http::Form> params;
  if (req.method() == bhttp::verb::post) {
    OAuthError bad;
    params = form_body(req, bad);
    if (!params)
      return error_page(*this, req, 400, bad.reason,
                        "The request is malformed (not a form, or a parameter is repeated).");
  } else {
    const std::string_view target = req.target();
    const auto q = target.find('?');
    auto query =
        http::parse_form(q == std::string_view::npos ? std::string_view() : target.substr(q + 1));
    if (!query)
      return error_page(*this, req, 400, "query_malformed",
                        "The request is malformed (a parameter is repeated or badly encoded).");
    params = std::move(*query);
  }
  Flow flow;
  AuthorizeRequest& r = flow.request;
  r.client_id = form_value(*params, "client_id");
  if (r.client_id.empty())
    return error_page(*this, req, 400, "client_id_missing", "The request names no application.");
  auto client = clients_->find(r.client_id);
  if (!client) {
    http::log_error("client registry unavailable: " + client.error().message);
    return pages::message(req, 503, "Please try again",
                          "The service is busy. Please try again in a moment.");
  }
  if (!*client || (*client)->disabled)
    return error_page(*this, req, 400, "unknown_client",
                      "The application that sent you here is not known to us.", r.client_id);
  flow.client = std::move(**client);
  // Exact match against the registered redirect URIs (RFC 9700 §4.1.3): an
  // unregistered URI is never redirected to (it may be the attacker's).
  r.redirect_uri = form_value(*params, "redirect_uri");
  if (r.redirect_uri.empty() ||
      std::find(flow.client.redirect_uris.begin(), flow.client.redirect_uris.end(),
                r.redirect_uri) == flow.client.redirect_uris.end())
    return error_page(*this, req, 400, "redirect_uri_not_registered",
                      "The application asked to send you to an address it has not registered.",
                      r.client_id);
  r.state = form_value(*params, "state");
  if (r.state.size() > kMaxStateBytes) {
    r.state.clear();
    return redirect_error(*this, req, r, "invalid_request", "state is too long", "state_too_long");
  }
  if (has(*params, "request_uri"))
    return redirect_error(*this, req, r, "request_uri_not_supported",
                          "request_uri is not supported", "request_uri");
  if (has(*params, "request")) {
    // Signed request (CAMARA ICM, OIDC Core §6.1): from here on only the object's values count.
    std::optional<http::Response> refused;
    auto object = signed_request_params(*this, req, *params, flow.client, r, refused);
    if (!object) return std::move(*refused);
    params = std::move(*object);
    r.state = form_value(*params, "state");
    if (r.state.size() > kMaxStateBytes) {
      r.state.clear();
      return redirect_error(*this, req, r, "invalid_request_object", "state is too long",
                            "request_object_state_too_long");
    }
  }
  const std::string response_type = form_value(*params, "response_type");
  if (response_type.empty())
    return redirect_error(*this, req, r, "invalid_request", "response_type is required",
                          "response_type_missing");
  if (response_type != "code")
    return redirect_error(*this, req, r, "unsupported_response_type",
                          "only response_type=code is supported", "response_type_unsupported");
  if (!flow.client.allows_grant(grants::kAuthorizationCode))
    return redirect_error(*this, req, r, "unauthorized_client",
                          "this client may not use the authorization code flow",
                          "grant_not_registered");
  r.code_challenge = form_value(*params, "code_challenge");
  if (r.code_challenge.empty())
    return redirect_error(*this, req, r, "invalid_request",
                          "code_challenge is required (PKCE with S256)", "pkce_missing");
  // Absent means "plain" (RFC 7636 §4.3): refused like an explicit plain.
  if (form_value(*params, "code_challenge_method") != "S256")
    return redirect_error(*this, req, r, "invalid_request", "code_challenge_method must be S256",
                          "pkce_method");
  if (!valid_pkce_value(r.code_challenge, 43, 43))
    return redirect_error(*this, req, r, "invalid_request",
                          "code_challenge must be a base64url SHA-256 (43 characters)",
                          "pkce_challenge_malformed");
  r.nonce = form_value(*params, "nonce");
  if (r.nonce.size() > kMaxNonceBytes)
    return redirect_error(*this, req, r, "invalid_request", "nonce is too long", "nonce_too_long");
  r.prompt = form_value(*params, "prompt");
  r.scope = form_value(*params, "scope");
  auto scope = decide_three_legged(*catalog_, flow.client, r.scope);
  if (!scope)
    return redirect_error(*this, req, r, "invalid_scope", scope.error().description,
                          to_string(scope.error().problem));
  flow.scope = std::move(*scope);
  // Scopes of a product with `authentication: network` (catalog.h): prompt=none is
  // implied, so asking for a login or consent page contradicts the request.
  if (flow.scope.network_only && (has_word(r.prompt, "login") || has_word(r.prompt, "consent")))
    return redirect_error(*this, req, r, "invalid_request",
                          "prompt=login and prompt=consent are not allowed with these scopes: "
                          "they need network-based authentication without user interaction",
                          "prompt_needs_interaction");

  // Network-based authentication: the browser's source IP is a handset on our network.
  const std::string ip = remote_ip(info);
  if (auto msisdn = directory_->msisdn_for_ip(ip); msisdn && !has_word(r.prompt, "login")) {
    std::string cookie_header;
    http::Response res = after_identification(*this, req, flow, nullptr, *msisdn, {"nba"}, now(),
                                              false, &cookie_header);
    if (!cookie_header.empty()) res.set(bhttp::field::set_cookie, cookie_header);
    return res;
  }
  if (flow.scope.network_only)
    return redirect_error(*this, req, r, "login_required",
                          "these scopes need network-based authentication: the request must come "
                          "from the subscriber's device on the mobile network",
                          "network_authentication_required");
  if (has_word(r.prompt, "none"))
    return redirect_error(*this, req, r, "login_required",
                          "the subscriber could not be identified silently",
                          "network_authentication_failed");
  // Fallback: one-time code by SMS. First ask for the number.
  const std::string session_id = core::random_token(32);
  const std::string binding = core::random_token(32);
  store::AuthorizeSession session;
  session.session_hash = core::sha256_hex(session_id);
  session.binding_hash = core::sha256_hex(binding);
  session.csrf = core::random_token(16);
  session.request_json = r.to_json();
  session.created_at = now();
  session.expires_at = session.created_at + kAuthorizeSessionLifetime.count();
  if (!stores_.sessions->create(session))
    return redirect_error(*this, req, r, "temporarily_unavailable", "retry later", "store");
  http::Response res = pages::phone_number(req, {.action = "/oauth2/authorize/login",
                                                 .session = session_id,
                                                 .csrf = session.csrf,
                                                 .partner = flow.client.partner});
  res.set(bhttp::field::set_cookie,
          core::strf("{}{}={}; Path=/oauth2/authorize; Max-Age={}; HttpOnly; SameSite=Strict{}",
                     kCookiePrefix, session_id.substr(0, 16), binding,
                     kAuthorizeSessionLifetime.count(),
                     config_.issuer.starts_with("https://") ? "; Secure" : ""));
  return res;
}

namespace {

// The session a form post continues, checked: exists, not expired, the CSRF
// token and the browser binding match. On failure `error` is the page to show.
struct Continued {
  store::AuthorizeSession session;
  std::string session_id;
  Flow flow;
  http::Form form;
};

std::optional<Continued> continue_session(ThreeLeggedImpl& s, const http::Request& req,
                                          std::optional<http::Response>& error) {
  OAuthError bad;
  auto form = form_body(req, bad);
  if (!form) {
    error = error_page(s, req, 400, bad.reason,
                       "The form could not be read. Go back to the app and start again.");
    return std::nullopt;
  }
  Continued c;
  c.session_id = form_value(*form, "session");
  const std::string csrf = form_value(*form, "csrf");
  auto found = s.stores_.sessions->find(core::sha256_hex(c.session_id));
  if (!found) {
    error = pages::message(req, 503, "Please try again",
                           "The service is busy. Please try again in a moment.");
    return std::nullopt;
  }
  if (c.session_id.empty() || !*found || (*found)->expires_at <= s.clock_.unix_seconds()) {
    error = error_page(s, req, 400, "session_unknown_or_expired",
                       "This sign-in has expired. Go back to the app and start again.");
    return std::nullopt;
  }
  c.session = std::move(**found);
  const std::string binding = cookie(req, std::string(kCookiePrefix) + c.session_id.substr(0, 16));
  if (csrf.empty() || !core::constant_time_equal(csrf, c.session.csrf) || binding.empty() ||
      !core::constant_time_equal(core::sha256_hex(binding), c.session.binding_hash)) {
    error = error_page(
        s, req, 403, "csrf_or_binding_mismatch",
        "This form was not sent from the page we showed you. Go back to the app and start again.");
    return std::nullopt;
  }
  auto request = AuthorizeRequest::from_json(c.session.request_json);
  auto client = request ? s.clients_->find(request->client_id)
                        : store::StoreResult<std::optional<store::ClientRecord>>{};
  if (!request || !client || !*client || (*client)->disabled) {
    error = error_page(s, req, 400, "client_gone", "The application is no longer available.");
    return std::nullopt;
  }
  c.flow.request = std::move(*request);
  c.flow.client = std::move(**client);
  auto scope = decide_three_legged(*s.catalog_, c.flow.client, c.flow.request.scope);
  if (!scope) {
    error = redirect_error(s, req, c.flow.request, "invalid_scope", scope.error().description,
                           to_string(scope.error().problem), true);
    return std::nullopt;
  }
  c.flow.scope = std::move(*scope);
  c.form = std::move(*form);
  return c;
}

}  // namespace

http::Response ThreeLeggedImpl::authorize_login(const http::Request& req) {
  std::optional<http::Response> error;
  auto c = continue_session(*this, req, error);
  if (!c) return std::move(*error);
  pages::FormView view{.action = "/oauth2/authorize/login",
                       .session = c->session_id,
                       .csrf = c->session.csrf,
                       .partner = c->flow.client.partner};
  const std::string phone = form_value(c->form, "phone_number");
  if (!is_e164(phone)) {
    view.error = "Enter the number in international format, starting with + and the country code.";
    return pages::phone_number(req, view);
  }
  // Unknown numbers get the same page but no code (no subscriber enumeration).
  const std::string partner = c->flow.client.partner;
  const auto known = start_one_time_code(*directory_, c->session, phone, now(), [&](auto otp) {
    return core::strf(
        "{} is your Tollgate code to continue with {}. It expires in 5 minutes. Never share it.",
        otp, partner);
  });
  if (!known) {
    stores_.sessions->finish(c->session.session_hash);
    return redirect_error(*this, req, c->flow.request, "access_denied", "too many attempts",
                          "otp_attempts", true);
  }
  audit("otp_sent", {{"client_id", c->flow.client.client_id}, {"known", *known}});
  if (!stores_.sessions->update(c->session))
    return error_page(*this, req, 400, "session_gone",
                      "This sign-in has expired. Go back to the app and start again.");
  view.action = "/oauth2/authorize/otp";
  view.phone_masked = pages::mask_msisdn(phone);
  return pages::one_time_code(req, view);
}

http::Response ThreeLeggedImpl::authorize_otp(const http::Request& req) {
  std::optional<http::Response> error;
  auto c = continue_session(*this, req, error);
  if (!c) return std::move(*error);
  pages::FormView view{.action = "/oauth2/authorize/otp",
                       .session = c->session_id,
                       .csrf = c->session.csrf,
                       .partner = c->flow.client.partner,
                       .phone_masked = pages::mask_msisdn(c->session.otp_subscriber)};
  if (c->session.otp_subscriber.empty()) {
    view.action = "/oauth2/authorize/login";
    return pages::phone_number(req, view);
  }
  // An unknown number (no code was sent) fails like a wrong code, attempt for attempt: the
  // pages never tell which numbers are subscribers (as on the self-care page).
  const OtpCheck check = check_one_time_code(c->session, form_value(c->form, "otp"), now());
  if (check != OtpCheck::kRight) {
    const bool expired = check == OtpCheck::kExpired;
    audit("otp_failed", {{"client_id", c->flow.client.client_id}, {"expired", expired}}, true);
    if (check != OtpCheck::kWrong) {
      stores_.sessions->finish(c->session.session_hash);
      return redirect_error(*this, req, c->flow.request, "access_denied",
                            "the subscriber could not be authenticated",
                            expired ? "otp_expired" : "otp_attempts", true);
    }
    if (!stores_.sessions->update(c->session))
      return error_page(*this, req, 400, "session_gone",
                        "This sign-in has expired. Go back to the app and start again.");
    view.error = "That code is not right. Check the SMS and try again.";
    return pages::one_time_code(req, view);
  }
  const std::string subscriber = c->session.otp_subscriber;
  // Identified: the same path as network authentication, on this session.
  const bool needs_page = c->flow.scope.purpose->legal_basis == catalog::LegalBasis::kConsent;
  if (!needs_page) stores_.sessions->finish(c->session.session_hash);
  std::string unused_cookie;
  http::Response res = after_identification(*this, req, c->flow, &c->session, subscriber, {"otp"},
                                            now(), true, &unused_cookie);
  if (res.result() == bhttp::status::ok) {
    // The consent page: re-render it with this page's session id.
    pages::ConsentView v;
    v.partner = c->flow.client.partner;
    v.purpose = c->flow.scope.purpose->name;
    v.purpose_words = c->flow.scope.purpose->description.empty()
                          ? pages::purpose_in_words(v.purpose)
                          : c->flow.scope.purpose->description;
    for (const auto& sc : c->flow.scope.api.granted.items())
      v.scope_words.push_back(pages::scope_in_words(sc));
    if (c->flow.scope.offline_access)
      v.scope_words.push_back(pages::scope_in_words(kScopeOfflineAccess));
    v.subscriber_masked = pages::mask_msisdn(subscriber);
    v.action = "/oauth2/authorize/consent";
    v.session = c->session_id;
    v.csrf = c->session.csrf;
    return pages::consent(req, v);
  }
  stores_.sessions->finish(c->session.session_hash);
  return res;
}

http::Response ThreeLeggedImpl::authorize_consent(const http::Request& req) {
  std::optional<http::Response> error;
  auto c = continue_session(*this, req, error);
  if (!c) return std::move(*error);
  if (c->session.subscriber.empty())
    return error_page(*this, req, 400, "consent_before_identification",
                      "This sign-in has not identified you yet.");
  // One answer per session: two racing posts cannot both issue a code.
  auto finished = stores_.sessions->finish(c->session.session_hash);
  if (!finished || !*finished)
    return error_page(*this, req, 400, "session_already_used",
                      "This sign-in was already completed.");
  const std::string decision = form_value(c->form, "decision");
  if (decision != "allow") {
    audit("consent_denied",
          {{"client_id", c->flow.client.client_id},
           {"sub", tokens_.pairwise_sub(c->flow.client.partner, c->session.subscriber)},
           {"purpose", c->flow.scope.purpose->name}});
    return redirect_error(*this, req, c->flow.request, "access_denied",
                          "the subscriber denied the request", "consent_denied", true);
  }
  auto consent = record_consent(c->flow.client, c->session.subscriber, c->flow.scope);
  if (!consent)
    return redirect_error(*this, req, c->flow.request, "temporarily_unavailable", "retry later",
                          "store", true);
  return issue_code(*this, req, c->flow, c->session.subscriber, c->session.amr,
                    c->session.auth_time, consent->consent_id, true);
}

http::Response ThreeLeggedImpl::token_authorization_code(const http::Request& req,
                                                         const http::Form& form,
                                                         const store::ClientRecord& client) {
  const std::string code = form_value(form, "code");
  const std::string redirect_uri = form_value(form, "redirect_uri");
  const std::string verifier = form_value(form, "code_verifier");
  auto refuse = [&](std::string_view error, std::string description, std::string_view reason) {
    audit("token_refused",
          {{"client_id", client.client_id},
           {"grant", grants::kAuthorizationCode},
           {"error", error},
           {"reason", reason}},
          true);
    return oauth_error(req, {400, std::string(error), std::move(description)});
  };
  if (code.empty()) return refuse("invalid_request", "code is required", "code_missing");
  if (redirect_uri.empty())
    return refuse("invalid_request", "redirect_uri is required", "redirect_uri_missing");
  if (verifier.empty())
    return refuse("invalid_request", "code_verifier is required (PKCE)", "pkce_verifier_missing");
  if (!valid_pkce_value(verifier, 43, 128))
    return refuse("invalid_request", "code_verifier must be 43-128 unreserved characters",
                  "pkce_verifier_malformed");

  const std::string code_hash = core::sha256_hex(code);
  auto redeemed = stores_.codes->redeem(code_hash, now());
  if (!redeemed) return oauth_error(req, {503, "temporarily_unavailable", "retry later"});
  switch (redeemed->outcome) {
    case store::RedeemOutcome::kUnknown:
      return refuse("invalid_grant", "the authorization code is invalid", "code_unknown");
    case store::RedeemOutcome::kExpired:
      return refuse("invalid_grant", "the authorization code has expired", "code_expired");
    case store::RedeemOutcome::kReused: {
      // RFC 6749 §4.1.2: a code used twice revokes what was issued from it.
      const auto& rec = *redeemed->record;
      // The family may have rotated since: its later access tokens go too.
      revoke_refresh_family(rec.refresh_family, "code_reused");
      if (!rec.access_jti.empty() && hooks_.revoke_access_token)
        hooks_.revoke_access_token(rec.access_jti, rec.grant.client_id, rec.access_exp,
                                   "code_reused");
      audit("code_reuse",
            {{"client_id", client.client_id},
             {"revoked_jti", rec.access_jti},
             {"revoked_refresh_family", rec.refresh_family}},
            true);
      return refuse("invalid_grant", "the authorization code was already used", "code_reused");
    }
    case store::RedeemOutcome::kRedeemed:
      break;
  }
  const store::AuthCodeRecord& rec = *redeemed->record;
  if (rec.grant.client_id != client.client_id)
    return refuse("invalid_grant", "the authorization code was issued to another client",
                  "code_client_mismatch");
  if (rec.redirect_uri != redirect_uri)
    return refuse("invalid_grant", "redirect_uri does not match the authorization request",
                  "redirect_uri_mismatch");
  const std::string computed = core::base64url_encode(core::sha256(verifier));
  if (!core::constant_time_equal(computed, rec.code_challenge))
    return refuse("invalid_grant", "code_verifier does not match the code_challenge",
                  "pkce_mismatch");
  // The client's access may have changed since the code was issued.
  auto scope = decide_three_legged(*catalog_, client, rec.grant.scope);
  if (!scope)
    return refuse("invalid_grant", "the client may no longer be granted this scope",
                  "scope_no_longer_allowed");
  auto in_force = consent_in_force(rec.grant);
  if (!in_force) return oauth_error(req, in_force.error());
  if (!*in_force) return refuse("invalid_grant", "the consent was withdrawn", "consent_withdrawn");

  auto issued = issue(client, *scope, rec.grant, grants::kAuthorizationCode,
                      grants::kAuthorizationCode, std::nullopt);
  if (!issued) return oauth_error(req, issued.error());
  if (auto r =
          stores_.codes->record_issued(code_hash, issued->jti, issued->exp, issued->refresh_family);
      !r)
    http::log_warn("could not link tokens to their authorization code: " + r.error().message);
  return oauth_json(req, 200, issued->body);
}

}  // namespace tollgate::authz::detail
