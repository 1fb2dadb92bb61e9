#include "authz/three_legged.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <stdexcept>

#include "authz/request_object.h"
#include "authz/three_legged_impl.h"
#include "core/crypto.h"
#include "http/log.h"

namespace tollgate::authz {

ThreeLeggedStores ThreeLeggedStores::open(std::shared_ptr<store::Database> db) {
  auto fail = [](std::string_view what, const store::StoreError& e) {
    throw std::runtime_error("cannot open the " + std::string(what) + " store: " + e.message);
  };
  ThreeLeggedStores s;
  if (auto r = store::SqliteConsentStore::open(db))
    s.consents = *r;
  else
    fail("consent", r.error());
  if (auto r = store::SqliteAuthCodeStore::open(db))
    s.codes = *r;
  else
    fail("authorization code", r.error());
  if (auto r = store::SqliteRefreshTokenStore::open(db))
    s.refresh_tokens = *r;
  else
    fail("refresh token", r.error());
  if (auto r = store::SqliteCibaRequestStore::open(db))
    s.ciba = *r;
  else
    fail("CIBA request", r.error());
  if (auto r = store::SqliteAuthorizeSessionStore::open(db))
    s.sessions = *r;
  else
    fail("authorize session", r.error());
  return s;
}

SubjectKeys SubjectKeys::open(const std::filesystem::path& keys_dir) {
  auto sealer = SubjectSealer::load(keys_dir / kSubjectSealKeyFile, /*create=*/true);
  if (!sealer) throw std::runtime_error(sealer.error());
  auto pairwise = PairwiseSubjects::load(keys_dir / kPairwiseSecretFile);
  if (!pairwise) throw std::runtime_error(pairwise.error());
  return {std::make_shared<const PairwiseSubjects>(std::move(*pairwise)),
          std::make_shared<const SubjectSealer>(std::move(*sealer))};
}

std::unique_ptr<ThreeLegged> ThreeLegged::create(
    const AuthzConfig& config, std::shared_ptr<const catalog::Catalog> catalog,
    std::shared_ptr<store::ClientStore> clients, KeyManager keys, const core::Clock& clock,
    ThreeLeggedStores stores, SubjectKeys subject,
    std::shared_ptr<const SubscriberDirectory> directory, ClientHooks hooks) {
  if (!catalog || !clients || !stores.consents || !stores.codes || !stores.refresh_tokens ||
      !stores.ciba || !stores.sessions || !directory || !subject.pairwise || !subject.sealer)
    throw std::invalid_argument(
        "ThreeLegged::create: a store, the subscriber directory or a subject key is missing");
  return std::make_unique<detail::ThreeLeggedImpl>(
      config, std::move(catalog), std::move(clients), std::move(keys), clock, std::move(stores),
      std::move(subject), std::move(directory), std::move(hooks));
}

namespace detail {

http::Response oauth_json(const http::Request& req, unsigned status,
                          const boost::json::object& body) {
  http::Response res{static_cast<bhttp::status>(status), req.version()};
  res.set(bhttp::field::content_type, "application/json");
  res.set(bhttp::field::cache_control, "no-store");
  res.set(bhttp::field::pragma, "no-cache");
  res.keep_alive(req.keep_alive());
  res.body() = boost::json::serialize(body);
  res.prepare_payload();
  return res;
}

http::Response oauth_error(const http::Request& req, const OAuthError& e) {
  boost::json::object body{{"error", e.error}};
  if (!e.description.empty()) body["error_description"] = e.description;
  http::Response res = oauth_json(req, e.status, body);
  if (e.status == 401) res.set(bhttp::field::www_authenticate, "Basic realm=\"tollgate\"");
  if (e.status == 503) res.set(bhttp::field::retry_after, "1");
  return res;
}

std::string_view path_of(std::string_view target) {
  return target.substr(0, std::min(target.find('?'), target.size()));
}

std::string media_type(std::string_view value) {
  value = value.substr(0, std::min(value.find(';'), value.size()));
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  std::string out(value);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<http::Form> form_body(const http::Request& req, OAuthError& error) {
  if (media_type(req[bhttp::field::content_type]) != "application/x-www-form-urlencoded") {
    error = {400, "invalid_request", "the body must be application/x-www-form-urlencoded",
             "content_type"};
    return std::nullopt;
  }
  auto form = http::parse_form(req.body());
  if (!form) {
    const bool dup = form.error() == http::FormError::kDuplicateParam;
    error = {400, "invalid_request",
             dup ? "a request parameter is repeated" : "the form body is malformed",
             dup ? "form_duplicate" : "form_malformed"};
    return std::nullopt;
  }
  return std::move(*form);
}

std::string form_value(const http::Form& form, std::string_view key) {
  auto it = form.find(key);
  return it == form.end() ? std::string() : it->second;
}

bool has(const http::Form& form, std::string_view key) { return form.find(key) != form.end(); }

void ThreeLeggedImpl::audit(std::string_view event, boost::json::object fields, bool warn) const {
  if (hooks_.audit) return hooks_.audit(event, std::move(fields), warn);
  fields["event"] = event;
  http::log_json("audit", std::move(fields), warn ? http::LogLevel::kWarn : http::LogLevel::kInfo);
}

bool is_e164(std::string_view s) {
  if (s.size() < 6 || s.size() > 16 || s[0] != '+' || s[1] < '1' || s[1] > '9') return false;
  return std::all_of(s.begin() + 1, s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string remote_ip(const http::ConnectionInfo& info) {
  auto a = info.remote.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6()).to_string();
  return a.to_string();
}

std::string cookie(const http::Request& req, std::string_view name) {
  for (auto it = req.find(bhttp::field::cookie);
       it != req.end() && it->name() == bhttp::field::cookie; ++it) {
    std::string_view v = it->value();
    while (!v.empty()) {
      const auto semi = v.find(';');
      std::string_view pair = v.substr(0, semi);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      const auto eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == name)
        return std::string(pair.substr(eq + 1));
      if (semi == std::string_view::npos) break;
      v.remove_prefix(semi + 1);
    }
  }
  return {};
}

std::string new_one_time_code() {
  // Rejection sampling keeps the six digits exactly uniform (2^32 is not a multiple of 10^6).
  constexpr std::uint32_t kCodes = 1000000u;
  constexpr std::uint32_t kLimit = 0xFFFFFFFFu - (0xFFFFFFFFu % kCodes);
  for (;;) {
    const std::string raw = core::random_bytes(4);
    const std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(raw[0])) << 24 |
                            static_cast<std::uint32_t>(static_cast<unsigned char>(raw[1])) << 16 |
                            static_cast<std::uint32_t>(static_cast<unsigned char>(raw[2])) << 8 |
                            static_cast<unsigned char>(raw[3]);
    if (n >= kLimit) continue;
    char otp[8];
    std::snprintf(otp, sizeof otp, "%06u", n % kCodes);
    return otp;
  }
}

std::string otp_hash(const store::AuthorizeSession& s, std::string_view otp) {
  return core::sha256_hex(s.session_hash + ":" + std::string(otp));
}

std::optional<bool> start_one_time_code(
    const SubscriberDirectory& directory, store::AuthorizeSession& session, std::string_view phone,
    std::int64_t now, const std::function<std::string(std::string_view)>& sms_text) {
  if (session.otp_attempts >= kMaxOtpSends * kMaxOtpAttempts) return std::nullopt;
  const std::string otp = new_one_time_code();
  session.otp_subscriber = std::string(phone);
  session.otp_expires_at = now + kOtpLifetime.count();
  // A new code: count the send (attempts of this code run from here to the next multiple).
  session.otp_attempts += kMaxOtpAttempts - (session.otp_attempts % kMaxOtpAttempts);
  // Hashed either way (the same work); kept only for a number we know.
  std::string hash = otp_hash(session, otp);
  session.otp_hash.clear();
  const bool known = directory.knows(phone);
  if (known) {
    session.otp_hash = std::move(hash);
    if (!directory.send_to_handset(phone, {.from = "Tollgate", .text = sms_text(otp)}))
      http::log_warn("one-time code could not be delivered to the handset");
  }
  return known;
}

OtpCheck check_one_time_code(store::AuthorizeSession& session, std::string_view otp,
                             std::int64_t now) {
  const bool live = session.otp_expires_at > now;
  // Hash and compare even when no code was sent (an unknown number): against a value no hash
  // has, and never a match.
  const bool sent = !session.otp_hash.empty();
  const std::string computed = otp_hash(session, otp);
  const bool match =
      core::constant_time_equal(computed, sent ? session.otp_hash : std::string(64, '-'));
  if (live && sent && otp.size() == 6 && match) {
    session.otp_hash.clear();
    return OtpCheck::kRight;
  }
  ++session.otp_attempts;
  if (!live) return OtpCheck::kExpired;
  if (session.otp_attempts % kMaxOtpAttempts == 0) return OtpCheck::kNoAttemptsLeft;
  return OtpCheck::kWrong;
}

ThreeLeggedImpl::ThreeLeggedImpl(const AuthzConfig& config,
                                 std::shared_ptr<const catalog::Catalog> catalog,
                                 std::shared_ptr<store::ClientStore> clients, KeyManager keys,
                                 const core::Clock& clock, ThreeLeggedStores stores,
                                 SubjectKeys subject,
                                 std::shared_ptr<const SubscriberDirectory> directory,
                                 ClientHooks hooks)
    : config_(config),
      catalog_(std::move(catalog)),
      clients_(std::move(clients)),
      clock_(clock),
      stores_(std::move(stores)),
      tokens_(config.issuer, std::move(keys), std::move(subject.pairwise),
              std::move(subject.sealer), clock),
      directory_(std::move(directory)),
      hooks_(std::move(hooks)) {}

std::optional<http::Response> ThreeLeggedImpl::handle(const http::Request& req,
                                                      const http::ConnectionInfo& info) {
  const std::string_view path = path_of(req.target());
  const bool post = req.method() == bhttp::verb::post;
  auto only = [&](bhttp::verb verb, std::string_view allow) -> std::optional<http::Response> {
    if (req.method() == verb) return std::nullopt;
    http::Response res = oauth_error(req, {405, "invalid_request", "method not allowed", "method"});
    res.set(bhttp::field::allow, allow);
    return res;
  };
  if (path == "/oauth2/authorize") {
    if (!post)
      if (auto r = only(bhttp::verb::get, "GET, POST")) return r;
    return authorize(req, info);
  }
  if (path == "/oauth2/authorize/login" || path == "/oauth2/authorize/otp" ||
      path == "/oauth2/authorize/consent") {
    if (auto r = only(bhttp::verb::post, "POST")) return r;
    if (path.ends_with("/login")) return authorize_login(req);
    if (path.ends_with("/otp")) return authorize_otp(req);
    return authorize_consent(req);
  }
  if (path == "/oauth2/bc-authorize") {
    if (!post) return only(bhttp::verb::post, "POST");
    return backchannel_authorize(req, info);
  }
  if (path == "/oauth2/ciba/decide") {
    if (!post) return only(bhttp::verb::post, "POST");
    return ciba_decide(req);
  }
  if (path == "/consents") {
    if (auto r = only(bhttp::verb::get, "GET")) return r;
    return consents_page(req, info);
  }
  if (path == "/consents/withdraw") {
    if (!post) return only(bhttp::verb::post, "POST");
    return consents_withdraw(req, info);
  }
  if (path == "/consents/login" || path == "/consents/otp") {
    if (!post) return only(bhttp::verb::post, "POST");
    return path.ends_with("/login") ? consents_login(req) : consents_otp(req);
  }
  return std::nullopt;
}

bool ThreeLeggedImpl::handles_grant(std::string_view g) const {
  return g == grants::kAuthorizationCode || g == grants::kRefreshToken || g == grants::kCiba ||
         g == grants::kJwtBearer;
}

http::Response ThreeLeggedImpl::token(const http::Request& req, const http::Form& form,
                                      const store::ClientRecord& client,
                                      const http::ConnectionInfo&) {
  const std::string grant = form_value(form, "grant_type");
  if (!client.allows_grant(grant)) {
    audit("grant_refused",
          {{"client_id", client.client_id}, {"grant", grant}, {"reason", "grant_not_registered"}});
    return oauth_error(
        req, {400, "unauthorized_client", "this client may not use the " + grant + " grant"});
  }
  if (grant == grants::kAuthorizationCode) return token_authorization_code(req, form, client);
  if (grant == grants::kRefreshToken) return token_refresh(req, form, client);
  if (grant == grants::kCiba) return token_ciba(req, form, client);
  return oauth_error(req, {400, "unsupported_grant_type", "unsupported grant type"});
}

void ThreeLeggedImpl::add_metadata(boost::json::object& doc) const {
  doc["authorization_endpoint"] = config_.issuer + "/oauth2/authorize";
  doc["backchannel_authentication_endpoint"] = config_.issuer + "/oauth2/bc-authorize";
  doc["backchannel_token_delivery_modes_supported"] = boost::json::array{"poll"};
  doc["backchannel_user_code_parameter_supported"] = false;
  doc["response_types_supported"] = boost::json::array{"code"};
  doc["response_modes_supported"] = boost::json::array{"query"};
  doc["code_challenge_methods_supported"] = boost::json::array{"S256"};
  doc["subject_types_supported"] = boost::json::array{"pairwise"};
  doc["id_token_signing_alg_values_supported"] =
      boost::json::array{core::alg_name(tokens_.keys().alg())};
  doc["authorization_response_iss_parameter_supported"] = true;
  doc["claims_parameter_supported"] = false;
  doc["request_parameter_supported"] = true;
  doc["request_uri_parameter_supported"] = false;
  doc["request_object_signing_alg_values_supported"] = request_object_alg_names();
  doc["backchannel_authentication_request_signing_alg_values_supported"] =
      request_object_alg_names();
  // Grant types: keep what the host put there and add ours.
  boost::json::array grants_supported;
  if (auto* g = doc.if_contains("grant_types_supported"); g && g->is_array())
    grants_supported = g->as_array();
  for (std::string_view g :
       {grants::kAuthorizationCode, grants::kRefreshToken, grants::kCiba, grants::kJwtBearer})
    if (std::find(grants_supported.begin(), grants_supported.end(), boost::json::value(g)) ==
        grants_supported.end())
      grants_supported.emplace_back(g);
  doc["grant_types_supported"] = std::move(grants_supported);
  boost::json::array scopes;
  if (auto* s = doc.if_contains("scopes_supported"); s && s->is_array()) scopes = s->as_array();
  scopes.emplace_back(kScopeOpenId);
  scopes.emplace_back(kScopeOfflineAccess);
  for (const auto& [name, purpose] : catalog_->purposes()) scopes.emplace_back(name);
  doc["scopes_supported"] = std::move(scopes);
}

std::expected<ThreeLeggedImpl::Issued, OAuthError> ThreeLeggedImpl::issue(
    const store::ClientRecord& client, const ThreeLeggedScope& scope,
    const store::GrantContext& grant, std::string_view grant_type,
    std::optional<std::string_view> refresh_grant, std::optional<std::chrono::seconds> max_lifetime,
    std::string refresh_family, std::int64_t refresh_expires_at) {
  auto access = tokens_.access_token(*catalog_, client, scope, grant, max_lifetime);
  if (!access) {
    http::log_error(std::string("3-legged token signing failed: ") +
                    std::string(core::to_string(access.error())));
    return std::unexpected(
        OAuthError{500, "server_error", "the token could not be signed", "signing_failed"});
  }
  Issued out;
  out.jti = access->jti;
  out.exp = access->exp;
  // Refresh tokens only for authorization code and CIBA, only when asked for
  // with offline_access and registered for the client (CAMARA ICM "Offline Access").
  const bool with_refresh =
      refresh_grant && scope.offline_access && client.allows_grant(grants::kRefreshToken);
  out.body = {{"access_token", access->token},
              {"token_type", "Bearer"},
              {"expires_in", access->expires_in},
              {"scope", scope.granted_scope(with_refresh)}};
  if (scope.openid) {
    auto id = tokens_.id_token(client, grant);
    if (!id)
      return std::unexpected(
          OAuthError{500, "server_error", "the ID token could not be signed", "signing_failed"});
    out.body["id_token"] = std::move(*id);
  }
  if (with_refresh) {
    // 256 bits: a refresh token is a long-lived bearer credential.
    const std::string refresh = core::random_token(32);
    store::RefreshTokenRecord rec;
    rec.token_hash = core::sha256_hex(refresh);
    rec.family_id = refresh_family.empty() ? core::random_token(16) : std::move(refresh_family);
    rec.grant_type = std::string(*refresh_grant);
    rec.grant = grant;
    rec.grant.scope = scope.granted_scope(true);
    rec.created_at = now();
    rec.access_jti = out.jti;
    rec.access_exp = out.exp;
    // A family lives kRefreshTokenLifetime from its first token: rotation never extends it.
    rec.expires_at =
        refresh_expires_at > 0
            ? refresh_expires_at
            : now() +
                  std::chrono::duration_cast<std::chrono::seconds>(kRefreshTokenLifetime).count();
    if (auto r = stores_.refresh_tokens->create(rec); !r) {
      http::log_error("refresh token store unavailable: " + r.error().message);
      return std::unexpected(OAuthError{503, "temporarily_unavailable",
                                        "the token store is unavailable; retry later", "store"});
    }
    out.refresh_family = rec.family_id;
    out.body["refresh_token"] = refresh;
  }
  audit("token_issued", {{"jti", out.jti},
                         {"client_id", client.client_id},
                         {"partner", client.partner},
                         {"grant", grant_type},
                         {"sub", access->sub},
                         {"scope", scope.token_scope()},
                         {"purpose", scope.purpose->name},
                         {"consent_id", grant.consent_id},
                         {"amr", boost::json::value_from(grant.amr)},
                         {"lifetime", access->expires_in},
                         {"refresh_family", out.refresh_family},
                         {"id_token", scope.openid}});
  return out;
}

std::expected<bool, OAuthError> ThreeLeggedImpl::consent_in_force(
    const store::GrantContext& grant) {
  if (grant.consent_id.empty()) return true;
  auto c = stores_.consents->find(grant.consent_id);
  if (!c)
    return std::unexpected(OAuthError{503, "temporarily_unavailable", "retry later", "store"});
  return *c && !(*c)->withdrawn_at && (*c)->expires_at > now();
}

std::expected<std::optional<store::ConsentRecord>, OAuthError> ThreeLeggedImpl::covering_consent(
    const std::string& partner, const std::string& subscriber, const ThreeLeggedScope& scope) {
  auto c = stores_.consents->find_covering(partner, subscriber, scope.purpose->name,
                                           scope.api.granted, now());
  if (!c)
    return std::unexpected(OAuthError{503, "temporarily_unavailable", "retry later", "store"});
  return std::move(*c);
}

std::expected<store::ConsentRecord, OAuthError> ThreeLeggedImpl::record_consent(
    const store::ClientRecord& client, const std::string& subscriber,
    const ThreeLeggedScope& scope) {
  store::ConsentRecord c;
  c.consent_id = "cns_" + core::random_token(12);
  c.partner = client.partner;
  c.client_id = client.client_id;
  c.subscriber = subscriber;
  c.purpose = scope.purpose->name;
  c.scopes = scope.api.granted;
  c.created_at = now();
  c.expires_at =
      c.created_at + std::chrono::duration_cast<std::chrono::seconds>(kConsentLifetime).count();
  if (auto r = stores_.consents->create(c); !r)
    return std::unexpected(OAuthError{503, "temporarily_unavailable", "retry later", "store"});
  audit("consent_given", {{"consent_id", c.consent_id},
                          {"partner", c.partner},
                          {"client_id", c.client_id},
                          {"sub", tokens_.pairwise_sub(c.partner, subscriber)},
                          {"purpose", c.purpose},
                          {"scope", c.scopes.to_string()},
                          {"expires_at", c.expires_at}});
  return c;
}

}  // namespace detail
}  // namespace tollgate::authz
