#include "authz/service.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <set>
#include <stdexcept>

#include "authz/client_auth.h"
#include "authz/governance.h"
#include "authz/three_legged.h"
#include "authz/token_service.h"
#include "http/form.h"
#include "http/log.h"

namespace tollgate::authz {
namespace {

namespace bhttp = boost::beast::http;
using Field = bhttp::field;

constexpr std::string_view kTokenPath = "/oauth2/token";
constexpr std::string_view kJwksPath = "/jwks.json";
constexpr std::string_view kOAuthMetadataPath = "/.well-known/oauth-authorization-server";
constexpr std::string_view kOidcMetadataPath = "/.well-known/openid-configuration";
constexpr std::string_view kBasicChallenge = "Basic realm=\"tollgate\"";
// Keys change rarely and rotation publishes the next key ahead of use: five
// minutes of caching is safe and spares us every verifier's polling.
constexpr std::string_view kPublicCache = "public, max-age=300";

// Every way a token request can fail, mapped to OAuth in `to_oauth` only.
enum class Refusal {
  kMethodNotAllowed,  // not POST
  kContentType,       // not application/x-www-form-urlencoded
  kFormEncoding,      // bad %-escape or control byte
  kFormDuplicate,     // a parameter appears twice
  kFormTooManyParams,
  kGrantTypeMissing,
  kGrantTypeUnsupported,
  kClientAuth,       // see ClientAuthError
  kGrantNotAllowed,  // the client is not registered for this grant
  kScopeMissing,
  kScopeMalformed,
  kScopeRefused,
  kStoreUnavailable,
  kSigningFailed,
};

struct OAuthAnswer {
  unsigned status;
  std::string_view error;
  std::string description;
};

OAuthAnswer to_oauth(Refusal r, std::string detail = {}) {
  switch (r) {
    case Refusal::kMethodNotAllowed:
      return {405, "invalid_request", "the token endpoint accepts POST only"};
    case Refusal::kContentType:
      return {400, "invalid_request", "the body must be application/x-www-form-urlencoded"};
    case Refusal::kFormEncoding:
      return {400, "invalid_request", "the form body is malformed"};
    case Refusal::kFormDuplicate:
      return {400, "invalid_request", "a request parameter is repeated"};
    case Refusal::kFormTooManyParams:
      return {400, "invalid_request", "too many request parameters"};
    case Refusal::kGrantTypeMissing:
      return {400, "invalid_request", "grant_type is required"};
    case Refusal::kGrantTypeUnsupported:
      return {400, "unsupported_grant_type", std::move(detail)};
    case Refusal::kClientAuth:
      return {401, "invalid_client", "client authentication failed"};
    case Refusal::kGrantNotAllowed:
      return {400, "unauthorized_client", "this client may not use the client_credentials grant"};
    case Refusal::kScopeMissing:
      return {400, "invalid_scope", "scope is required"};
    case Refusal::kScopeMalformed:
      return {400, "invalid_scope", "scope is malformed"};
    case Refusal::kScopeRefused:
      return {400, "invalid_scope", std::move(detail)};
    case Refusal::kStoreUnavailable:
      return {503, "temporarily_unavailable", "the client registry is unavailable; retry later"};
    case Refusal::kSigningFailed:
      return {500, "server_error", "the token could not be signed"};
  }
  return {500, "server_error", ""};
}

std::string_view path_of(std::string_view target) {
  return target.substr(0, std::min(target.find('?'), target.size()));
}

// The media type of a Content-Type value, lower-cased, parameters dropped.
std::string media_type(std::string_view value) {
  value = value.substr(0, std::min(value.find(';'), value.size()));
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  std::string out(value);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

http::Response json_response(const http::Request& req, unsigned status, std::string body) {
  http::Response res{static_cast<bhttp::status>(status), req.version()};
  res.set(Field::content_type, "application/json");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

void no_store(http::Response& res) {
  res.set(Field::cache_control, "no-store");
  res.set(Field::pragma, "no-cache");
}

http::Response oauth_error(const http::Request& req, const OAuthAnswer& a) {
  boost::json::object body{{"error", a.error}};
  if (!a.description.empty()) body["error_description"] = a.description;
  http::Response res = json_response(req, a.status, boost::json::serialize(body));
  no_store(res);
  if (a.status == 401) res.set(Field::www_authenticate, kBasicChallenge);
  if (a.status == 503) res.set(Field::retry_after, "1");
  return res;
}

http::Response method_not_allowed(const http::Request& req, std::string_view allow,
                                  std::string_view what) {
  http::Response res = oauth_error(req, {405, "invalid_request", std::string(what)});
  res.set(Field::allow, allow);
  return res;
}

class AuthzServiceImpl final : public AuthzService {
 public:
  AuthzServiceImpl(AuthzConfig config, std::shared_ptr<const catalog::Catalog> catalog,
                   std::shared_ptr<store::ClientStore> clients, KeyManager keys,
                   const core::Clock& clock, std::shared_ptr<Governance> governance,
                   std::shared_ptr<ThreeLegged> three_legged)
      : config_(std::move(config)),
        catalog_(std::move(catalog)),
        clients_(std::move(clients)),
        governance_(std::move(governance)),
        three_legged_(std::move(three_legged)),
        tokens_(config_.issuer, std::move(keys), clock),
        metadata_(build_metadata()),
        unsupported_grant_(unsupported_grant_text(metadata_)) {}

  http::Response handle(const http::Request& req, const http::ConnectionInfo& info) override {
    const std::string_view path = path_of(req.target());
    // HEAD wherever GET (RFC 9110 §9.3.2): the HTTP layer sends the headers only.
    const bool get = req.method() == bhttp::verb::get || req.method() == bhttp::verb::head;
    if (path == kTokenPath) {
      if (req.method() != bhttp::verb::post)
        return method_not_allowed(req, "POST", to_oauth(Refusal::kMethodNotAllowed).description);
      return token(req, info);
    }
    if (path == kJwksPath) {
      if (!get) return method_not_allowed(req, "GET, HEAD", "this resource accepts GET only");
      http::Response res = json_response(req, 200, tokens_.keys().jwks_json());
      res.set(Field::cache_control, kPublicCache);
      return res;
    }
    if (path == kOAuthMetadataPath || path == kOidcMetadataPath) {
      if (!get) return method_not_allowed(req, "GET, HEAD", "this resource accepts GET only");
      http::Response res = json_response(req, 200, metadata_);
      res.set(Field::cache_control, kPublicCache);
      return res;
    }
    if (auto r = governance_->route(req, info))
      return std::move(*r);  // revoke, introspect, revocations
    if (three_legged_)
      if (auto r = three_legged_->handle(req, info))
        return std::move(*r);  // authorize, bc-authorize
    http::Response res = json_response(req, 404, R"({"error":"not_found"})");
    res.set(Field::cache_control, "no-store");
    return res;
  }

 private:
  std::string build_metadata() const {
    std::set<std::string> scopes;
    for (const auto& [name, product] : catalog_->products())
      scopes.insert(product.scopes.begin(), product.scopes.end());
    boost::json::array scopes_supported;
    for (const auto& s : scopes) scopes_supported.emplace_back(s);
    boost::json::object doc{
        {"issuer", config_.issuer},
        {"token_endpoint", config_.token_endpoint()},
        {"jwks_uri", config_.jwks_uri()},
        {"grant_types_supported", boost::json::array{store::kGrantClientCredentials}},
        {"token_endpoint_auth_methods_supported",
         boost::json::array{store::kAuthClientSecretBasic, store::kAuthClientSecretPost}},
        {"response_types_supported", boost::json::array{}},
        {"scopes_supported", std::move(scopes_supported)},
    };
    governance_->add_metadata(doc);
    if (three_legged_) three_legged_->add_metadata(doc);
    return boost::json::serialize(doc);
  }

  // "supported grant types: a, b, ..." from the discovery document's list, so the
  // unsupported_grant_type description names every grant actually served.
  static std::string unsupported_grant_text(const std::string& metadata) {
    std::string out = "supported grant types:";
    const char* sep = " ";
    const boost::json::value doc = boost::json::parse(metadata);  // outlives the loop
    for (const auto& g : doc.at("grant_types_supported").as_array()) {
      out += sep;
      out += std::string_view(g.as_string());
      sep = ", ";
    }
    return out;
  }

  static std::string remote(const http::ConnectionInfo& info) {
    return info.remote.address().to_string();
  }

  http::Response refuse(const http::Request& req, Refusal r, std::string detail = {}) const {
    return oauth_error(req, to_oauth(r, std::move(detail)));
  }

  http::Response token(const http::Request& req, const http::ConnectionInfo& info) const {
    if (auto refused = governance_->admit(req, info)) return std::move(*refused);
    if (media_type(req[Field::content_type]) != "application/x-www-form-urlencoded")
      return refuse(req, Refusal::kContentType);
    auto form = http::parse_form(req.body());
    if (!form) {
      switch (form.error()) {
        case http::FormError::kBadEncoding:
          return refuse(req, Refusal::kFormEncoding);
        case http::FormError::kDuplicateParam:
          return refuse(req, Refusal::kFormDuplicate);
        case http::FormError::kTooManyParams:
          return refuse(req, Refusal::kFormTooManyParams);
      }
      return refuse(req, Refusal::kFormEncoding);
    }
    const auto grant = form->find("grant_type");
    if (grant == form->end() || grant->second.empty())
      return refuse(req, Refusal::kGrantTypeMissing);
    const bool three_legged = grant->second != store::kGrantClientCredentials;
    if (three_legged && !(three_legged_ && three_legged_->handles_grant(grant->second)))
      return refuse(req, Refusal::kGrantTypeUnsupported, unsupported_grant_);
    // RFC 7523 §2.1: the assertion may be the client's only authentication.
    if (grant->second == store::kGrantJwtBearer) return three_legged_->jwt_bearer(req, *form, info);

    auto client = governance_->authenticate(req, *form, info, Endpoint::kToken);
    if (!client) return std::move(client.error());  // audited; lockout and rate limits applied
    const store::ClientRecord& rec = client->record;
    if (three_legged) return three_legged_->token(req, *form, rec, info);
    if (!rec.allows_grant(store::kGrantClientCredentials))
      return refuse(req, Refusal::kGrantNotAllowed);

    // CAMARA profile: the scope parameter is required (no default scope).
    const auto scope_param = form->find("scope");
    if (scope_param == form->end() || scope_param->second.empty())
      return refuse(req, Refusal::kScopeMissing);
    auto requested = core::ScopeSet::parse(scope_param->second);
    if (!requested || requested->empty()) return refuse(req, Refusal::kScopeMalformed);
    auto decision = decide_scopes(*catalog_, rec, *requested);
    if (!decision) {
      std::vector<std::string> refused = decision.error().unknown;
      refused.insert(refused.end(), decision.error().not_allowed.begin(),
                     decision.error().not_allowed.end());
      governance_->scope_denied(rec, *requested, refused, store::kGrantClientCredentials);
      return refuse(req, Refusal::kScopeRefused, decision.error().description());
    }

    auto issued = tokens_.issue(*catalog_, rec, *decision);
    if (!issued) {
      http::log_error(std::string("token signing failed: ") +
                      std::string(core::to_string(issued.error())));
      return refuse(req, Refusal::kSigningFailed);
    }
    governance_->token_issued({.jti = issued->jti,
                               .client_id = rec.client_id,
                               .partner = rec.partner,
                               .grant = std::string(store::kGrantClientCredentials),
                               .granted = decision->granted,
                               .audiences = decision->audiences,
                               .lifetime = issued->expires_in,
                               .kid = issued->kid});

    boost::json::object body{{"access_token", issued->access_token},
                             {"token_type", "Bearer"},
                             {"expires_in", issued->expires_in},
                             {"scope", decision->granted.to_string()}};
    http::Response res = json_response(req, 200, boost::json::serialize(body));
    no_store(res);
    return res;
  }

  const AuthzConfig config_;
  const std::shared_ptr<const catalog::Catalog> catalog_;
  const std::shared_ptr<store::ClientStore> clients_;
  const std::shared_ptr<Governance> governance_;     // client auth, throttling, audit, revocation
  const std::shared_ptr<ThreeLegged> three_legged_;  // may be null: client credentials only
  const TokenService tokens_;
  const std::string metadata_;           // the discovery document, built once
  const std::string unsupported_grant_;  // error_description of unsupported_grant_type
};

}  // namespace

std::unique_ptr<AuthzService> AuthzService::create(AuthzConfig config,
                                                   std::shared_ptr<const catalog::Catalog> catalog,
                                                   std::shared_ptr<store::ClientStore> clients,
                                                   KeyManager keys, const core::Clock& clock,
                                                   std::shared_ptr<Governance> governance,
                                                   std::shared_ptr<ThreeLegged> three_legged) {
  if (!catalog) throw std::invalid_argument("AuthzService::create: no catalog");
  if (!clients) throw std::invalid_argument("AuthzService::create: no client store");
  if (!governance) throw std::invalid_argument("AuthzService::create: no governance");
  return std::make_unique<AuthzServiceImpl>(std::move(config), std::move(catalog),
                                            std::move(clients), std::move(keys), clock,
                                            std::move(governance), std::move(three_legged));
}

}  // namespace tollgate::authz
