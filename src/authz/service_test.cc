#include "authz/service.h"

#include <gtest/gtest.h>

#include "authz/admin.h"
#include "authz/governance.h"
#include "authz/oauth_response.h"
#include "authz/test_support.h"
#include "core/crypto.h"
#include "core/jwt.h"

namespace tollgate::authz {
namespace {

namespace bhttp = boost::beast::http;
using testing::basic;
using testing::make_request;
using testing::TempDir;

constexpr std::string_view kIssuer = "https://auth.tollgate.example";
constexpr std::string_view kSimSwapAud = "https://api.tollgate.example/sim-swap";
constexpr std::string_view kLocationAud = "https://api.tollgate.example/location";

// A ClientStore whose every call fails as a locked database would.
class FailingClientStore final : public store::ClientStore {
 public:
  store::StoreResult<void> create(const store::ClientRecord&) override { return fail(); }
  store::StoreResult<std::optional<store::ClientRecord>> find(std::string_view) override {
    return fail();
  }
  store::StoreResult<std::vector<store::ClientRecord>> list() override { return fail(); }
  store::StoreResult<void> disable(std::string_view) override { return fail(); }
  store::StoreResult<std::int64_t> registry_version() override { return fail(); }

 private:
  static std::unexpected<store::StoreError> fail() {
    return std::unexpected(store::StoreError{store::StoreErrorCode::kBusy, "database is locked"});
  }
};

class AuthzServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::open(tmp_.path() / "tollgate.db");
    ASSERT_TRUE(db) << db.error().message;
    auto clients = store::SqliteClientStore::open(*db);
    ASSERT_TRUE(clients) << clients.error().message;
    clients_ = *clients;
    catalog_ = testing::test_catalog();
    db_ = *db;
    keys_.emplace(KeyManager::open(tmp_.path(), core::Alg::kES256, clock_));
    AuthzConfig config;
    config.issuer = std::string(kIssuer);
    governance_ = make_governance(config, clients_);
    service_ = AuthzService::create(config, catalog_, clients_, *keys_, clock_, governance_);

    auto created =
        create_client(*clients_, *catalog_,
                      {.partner = "demo-partner",
                       .scopes = core::ScopeSet::of({"sim-swap:check", "sim-swap:retrieve-date",
                                                     "location-verification:verify"})},
                      clock_);
    ASSERT_TRUE(created) << created.error();
    id_ = created->record.client_id;
    secret_ = created->secret;
  }

  std::shared_ptr<Governance> make_governance(const AuthzConfig& config,
                                              std::shared_ptr<store::ClientStore> clients) {
    return Governance::open(
        {.config = config,
         .data_dir = tmp_.path(),
         .catalog = catalog_,
         .clients = std::move(clients),
         .db = db_,
         .keys = *keys_,
         .clock = &clock_,
         .admin = AdminCredential::from_token("admin-token-for-unit-tests-0123456789")});
  }

  http::Response call(const http::Request& req) {
    return service_->handle(req, testing::test_connection());
  }

  // POST /oauth2/token with a form body and an optional Authorization header.
  http::Response token(std::string body, std::string_view authorization = {},
                       std::string_view content_type = "application/x-www-form-urlencoded") {
    auto req = make_request(bhttp::verb::post, "/oauth2/token", std::move(body), content_type);
    if (!authorization.empty()) req.set(bhttp::field::authorization, authorization);
    return call(req);
  }
  http::Response token_basic(std::string_view scope) {
    return token("grant_type=client_credentials&scope=" + http::url_encode(scope),
                 basic(id_, secret_));
  }

  static boost::json::object body_of(const http::Response& res) {
    return boost::json::parse(res.body()).as_object();
  }
  static std::string error_of(const http::Response& res) {
    return std::string(body_of(res).at("error").as_string());
  }
  static std::string description_of(const http::Response& res) {
    const auto b = body_of(res);
    return b.contains("error_description") ? std::string(b.at("error_description").as_string())
                                           : "";
  }

  // Verify a token the way a gateway would: against the JWKS the server serves.
  core::VerifiedJwt verify(std::string_view token, std::vector<std::string> audiences) {
    const auto jwks_res = call(make_request(bhttp::verb::get, "/jwks.json"));
    auto jwks = core::Jwks::from_json(jwks_res.body());
    EXPECT_TRUE(jwks);
    core::VerifyPolicy policy;
    policy.issuer = std::string(kIssuer);
    policy.audiences = std::move(audiences);
    policy.require_sub = true;
    policy.require_jti = true;
    auto v = core::verify_jwt(token, *jwks, policy, clock_.now());
    EXPECT_TRUE(v) << (v ? "" : std::string(core::to_string(v.error())));
    return v ? *v : core::VerifiedJwt{};
  }

  void expect_no_store(const http::Response& res) {
    EXPECT_EQ(res[bhttp::field::cache_control], "no-store");
    EXPECT_EQ(res[bhttp::field::pragma], "no-cache");
    EXPECT_EQ(res[bhttp::field::content_type], "application/json");
  }

  TempDir tmp_;
  core::ManualClock clock_{1'800'000'000};
  std::shared_ptr<store::SqliteClientStore> clients_;
  std::shared_ptr<const catalog::Catalog> catalog_;
  std::shared_ptr<store::Database> db_;
  std::optional<KeyManager> keys_;
  std::shared_ptr<Governance> governance_;
  std::unique_ptr<AuthzService> service_;
  std::string id_, secret_;
};

// client_secret_basic gets an RFC 9068 token that verifies against the served JWKS with the right
// claims.
TEST_F(AuthzServiceTest, BasicAuthIssuesVerifiableToken) {
  const auto res = token_basic("sim-swap:check");
  ASSERT_EQ(res.result_int(), 200u) << res.body();
  expect_no_store(res);
  const auto body = body_of(res);
  EXPECT_EQ(body.at("token_type").as_string(), "Bearer");
  EXPECT_EQ(body.at("expires_in").as_int64(), 900);  // sim-swap: 15m
  EXPECT_EQ(body.at("scope").as_string(), "sim-swap:check");
  const std::string tok(body.at("access_token").as_string());

  auto parsed = core::parse_compact(tok, {core::Alg::kES256});
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->typ.value_or(""), "at+jwt");
  EXPECT_EQ(parsed->kid.value_or(""), keys_->current().kid());

  const core::VerifiedJwt v = verify(tok, {std::string(kSimSwapAud)});
  EXPECT_EQ(v.iss, kIssuer);
  EXPECT_EQ(v.sub, id_);
  EXPECT_EQ(v.client_id, id_);
  EXPECT_EQ(v.aud, std::vector<std::string>{std::string(kSimSwapAud)});
  EXPECT_TRUE(v.claims.at("aud").is_string());  // one audience: a string, not an array
  EXPECT_EQ(v.iat.value_or(0), 1'800'000'000);
  EXPECT_EQ(v.exp, 1'800'000'900);
  EXPECT_EQ(v.jti.size(), 22u);  // 128 bits, base64url
  EXPECT_EQ(v.scope.to_string(), "sim-swap:check");
  EXPECT_EQ(v.claims.at("partner").as_string(), "demo-partner");
  EXPECT_EQ(v.claims.at("tier").as_string(), "gold");
}

// client_secret_post (client_id and client_secret in the form) works as well as Basic.
TEST_F(AuthzServiceTest, PostAuthIssuesToken) {
  const auto res =
      token("grant_type=client_credentials&scope=sim-swap%3Aretrieve-date&client_id=" + id_ +
            "&client_secret=" + secret_);
  ASSERT_EQ(res.result_int(), 200u) << res.body();
  EXPECT_EQ(body_of(res).at("scope").as_string(), "sim-swap:retrieve-date");
}

// Scopes from two products give an array audience and the shorter product lifetime.
TEST_F(AuthzServiceTest, TwoProductsGiveArrayAudienceAndShortestLifetime) {
  const auto res = token_basic("sim-swap:check location-verification:verify");
  ASSERT_EQ(res.result_int(), 200u) << res.body();
  EXPECT_EQ(body_of(res).at("expires_in").as_int64(), 300);  // location: 5m < 15m
  EXPECT_EQ(body_of(res).at("scope").as_string(), "location-verification:verify sim-swap:check");
  const auto v = verify(body_of(res).at("access_token").as_string(), {std::string(kLocationAud)});
  EXPECT_TRUE(v.claims.at("aud").is_array());
  EXPECT_EQ(v.aud, (std::vector<std::string>{std::string(kLocationAud), std::string(kSimSwapAud)}));
  EXPECT_EQ(v.exp - v.iat.value_or(0), 300);
}

// Two tokens never share a jti.
TEST_F(AuthzServiceTest, EveryTokenHasFreshJti) {
  const auto a = verify(body_of(token_basic("sim-swap:check")).at("access_token").as_string(), {});
  const auto b = verify(body_of(token_basic("sim-swap:check")).at("access_token").as_string(), {});
  EXPECT_NE(a.jti, b.jti);
}

// A Basic credential is form-urlencoded inside (RFC 6749 §2.3.1): special characters survive.
TEST_F(AuthzServiceTest, BasicCredentialsAreUrlDecoded) {
  store::ClientRecord c;
  c.client_id = "odd:id %";
  c.partner = "demo-partner";
  c.secret_hash = core::hash_secret("p@ss:wörd+&=");
  c.scopes = core::ScopeSet::of({"sim-swap:check"});
  c.grant_types = {"client_credentials"};
  c.auth_methods = {"client_secret_basic"};
  ASSERT_TRUE(clients_->create(c));
  const auto res = token("grant_type=client_credentials&scope=sim-swap:check",
                         basic("odd:id %", "p@ss:wörd+&="));
  EXPECT_EQ(res.result_int(), 200u) << res.body();
}

// A wrong Basic secret is 401 invalid_client with a Basic challenge.
TEST_F(AuthzServiceTest, WrongBasicSecretIs401WithChallenge) {
  const auto res =
      token("grant_type=client_credentials&scope=sim-swap:check", basic(id_, secret_ + "x"));
  ASSERT_EQ(res.result_int(), 401u);
  EXPECT_EQ(error_of(res), "invalid_client");
  EXPECT_EQ(res[bhttp::field::www_authenticate], "Basic realm=\"tollgate\"");
  expect_no_store(res);
}

// A wrong client_secret_post secret is 401 too (and, as every 401 must, it carries a challenge).
TEST_F(AuthzServiceTest, WrongPostSecretIs401) {
  const auto res = token("grant_type=client_credentials&scope=sim-swap:check&client_id=" + id_ +
                         "&client_secret=no");
  ASSERT_EQ(res.result_int(), 401u);
  EXPECT_EQ(error_of(res), "invalid_client");
  EXPECT_EQ(res[bhttp::field::www_authenticate], "Basic realm=\"tollgate\"");
}

// An unknown client gets exactly the answer a wrong secret gets.
TEST_F(AuthzServiceTest, UnknownClientIs401) {
  const auto res =
      token("grant_type=client_credentials&scope=sim-swap:check", basic("tg_nobody", "x"));
  ASSERT_EQ(res.result_int(), 401u);
  EXPECT_EQ(error_of(res), "invalid_client");
  const auto wrong = token("grant_type=client_credentials&scope=sim-swap:check", basic(id_, "x"));
  EXPECT_EQ(res.body(), wrong.body());
}

// No client authentication at all, or a non-Basic Authorization header, is 401 invalid_client.
TEST_F(AuthzServiceTest, MissingOrMalformedCredentialsAre401) {
  EXPECT_EQ(token("grant_type=client_credentials&scope=sim-swap:check").result_int(), 401u);
  EXPECT_EQ(
      token("grant_type=client_credentials&scope=sim-swap:check&client_id=" + id_).result_int(),
      401u);
  EXPECT_EQ(token("grant_type=client_credentials&scope=sim-swap:check", "Bearer abc").result_int(),
            401u);
  EXPECT_EQ(token("grant_type=client_credentials&scope=sim-swap:check", "Basic !!!").result_int(),
            401u);
}

// A disabled client can no longer authenticate, even with the right secret.
TEST_F(AuthzServiceTest, DisabledClientIs401) {
  ASSERT_TRUE(clients_->disable(id_));
  const auto res = token_basic("sim-swap:check");
  ASSERT_EQ(res.result_int(), 401u);
  EXPECT_EQ(error_of(res), "invalid_client");
}

// A client registered for client_secret_post only cannot authenticate with Basic.
TEST_F(AuthzServiceTest, UnregisteredAuthMethodIs401) {
  auto created = create_client(*clients_, *catalog_,
                               {.partner = "demo-partner",
                                .scopes = core::ScopeSet::of({"sim-swap:check"}),
                                .auth_methods = {"client_secret_post"}},
                               clock_);
  ASSERT_TRUE(created);
  const auto id = created->record.client_id, secret = created->secret;
  EXPECT_EQ(
      token("grant_type=client_credentials&scope=sim-swap:check", basic(id, secret)).result_int(),
      401u);
  EXPECT_EQ(token("grant_type=client_credentials&scope=sim-swap:check&client_id=" + id +
                  "&client_secret=" + secret)
                .result_int(),
            200u);
}

// Basic and client_secret_post together are invalid_request.
TEST_F(AuthzServiceTest, BothAuthMethodsIsInvalidRequest) {
  const auto res = token("grant_type=client_credentials&scope=sim-swap:check&client_id=" + id_ +
                             "&client_secret=" + secret_,
                         basic(id_, secret_));
  ASSERT_EQ(res.result_int(), 400u);
  EXPECT_EQ(error_of(res), "invalid_request");
  expect_no_store(res);
}

// RFC 6749 §3.2: a parameter sent without a value is treated as omitted, so an empty
// client_secret, client_id or client_assertion next to Basic is no second method or mismatch,
// and an empty client_secret alone is no credential at all.
TEST_F(AuthzServiceTest, EmptyCredentialParametersCountAsOmitted) {
  for (std::string_view extra :
       {"&client_secret=", "&client_id=", "&client_assertion=&client_assertion_type=",
        "&client_assertion="}) {
    const auto res =
        token("grant_type=client_credentials&scope=sim-swap:check" + std::string(extra),
              basic(id_, secret_));
    EXPECT_EQ(res.result_int(), 200u) << extra << " " << res.body();
  }
  const auto res = token("grant_type=client_credentials&scope=sim-swap:check&client_id=" + id_ +
                         "&client_secret=");
  EXPECT_EQ(res.result_int(), 401u);
  EXPECT_EQ(error_of(res), "invalid_client");
}

// Two Authorization headers, or a client_id that contradicts Basic, are invalid_request.
TEST_F(AuthzServiceTest, ContradictoryCredentialsAreInvalidRequest) {
  auto req = make_request(bhttp::verb::post, "/oauth2/token",
                          "grant_type=client_credentials&scope=sim-swap:check");
  req.insert(bhttp::field::authorization, basic(id_, secret_));
  req.insert(bhttp::field::authorization, basic(id_, secret_));
  auto res = call(req);
  EXPECT_EQ(res.result_int(), 400u);
  EXPECT_EQ(error_of(res), "invalid_request");
  res = token("grant_type=client_credentials&scope=sim-swap:check&client_id=tg_other",
              basic(id_, secret_));
  EXPECT_EQ(res.result_int(), 400u);
  EXPECT_EQ(error_of(res), "invalid_request");
  res = token("grant_type=client_credentials&scope=sim-swap:check&client_id=" + id_,
              basic(id_, secret_));
  EXPECT_EQ(res.result_int(), 200u);  // the same client_id next to Basic is fine
}

// A grant type other than client_credentials is unsupported_grant_type; no grant_type is
// invalid_request.
TEST_F(AuthzServiceTest, GrantTypeChecks) {
  auto res = token("grant_type=password&username=a&password=b", basic(id_, secret_));
  ASSERT_EQ(res.result_int(), 400u);
  EXPECT_EQ(error_of(res), "unsupported_grant_type");
  // The description names the grants the discovery document lists (here: client credentials only).
  EXPECT_EQ(description_of(res), "supported grant types: client_credentials");
  res = token("scope=sim-swap:check", basic(id_, secret_));
  ASSERT_EQ(res.result_int(), 400u);
  EXPECT_EQ(error_of(res), "invalid_request");
  EXPECT_EQ(description_of(res), "grant_type is required");
  res = token("", basic(id_, secret_));
  ASSERT_EQ(res.result_int(), 400u);
  EXPECT_EQ(error_of(res), "invalid_request");
}

// A client not registered for client_credentials is unauthorized_client.
TEST_F(AuthzServiceTest, GrantNotRegisteredIsUnauthorizedClient) {
  store::ClientRecord c;
  c.client_id = "tg_code_only";
  c.partner = "demo-partner";
  c.secret_hash = core::hash_secret("s");
  c.scopes = core::ScopeSet::of({"sim-swap:check"});
  c.grant_types = {"authorization_code"};
  c.auth_methods = {"client_secret_basic"};
  ASSERT_TRUE(clients_->create(c));
  const auto res =
      token("grant_type=client_credentials&scope=sim-swap:check", basic("tg_code_only", "s"));
  ASSERT_EQ(res.result_int(), 400u);
  EXPECT_EQ(error_of(res), "unauthorized_client");
}

// The scope parameter is required by the CAMARA profile.
TEST_F(AuthzServiceTest, MissingScopeIsInvalidScope) {
  for (std::string body :
       {"grant_type=client_credentials", "grant_type=client_credentials&scope="}) {
    const auto res = token(body, basic(id_, secret_));
    ASSERT_EQ(res.result_int(), 400u);
    EXPECT_EQ(error_of(res), "invalid_scope");
    EXPECT_EQ(description_of(res), "scope is required");
  }
}

// A scope string with doubled spaces or forbidden bytes is invalid_scope.
TEST_F(AuthzServiceTest, MalformedScopeIsInvalidScope) {
  for (std::string scope : {"sim-swap:check  sim-swap", " sim-swap:check", "sim\"swap"}) {
    const auto res = token("grant_type=client_credentials&scope=" + http::url_encode(scope),
                           basic(id_, secret_));
    ASSERT_EQ(res.result_int(), 400u) << scope;
    EXPECT_EQ(error_of(res), "invalid_scope") << scope;
    EXPECT_EQ(description_of(res), "scope is malformed") << scope;
  }
}

// A scope no product defines is refused by name; nothing is silently dropped.
TEST_F(AuthzServiceTest, UnknownScopeIsInvalidScopeNamingIt) {
  const auto res = token_basic("sim-swap:check no-such:scope");
  ASSERT_EQ(res.result_int(), 400u);
  EXPECT_EQ(error_of(res), "invalid_scope");
  EXPECT_EQ(description_of(res), "unknown scope: no-such:scope");
}

// A catalog scope the client was not registered for is refused by name.
TEST_F(AuthzServiceTest, ScopeNotAllowedForClientIsInvalidScope) {
  const auto res = token_basic("sim-swap sim-swap:check");
  ASSERT_EQ(res.result_int(), 400u);
  EXPECT_EQ(error_of(res), "invalid_scope");
  EXPECT_EQ(description_of(res), "scope not allowed for this client: sim-swap");
}

// A registered scope of a product the partner has not contracted is refused (catalog wins over the
// registry).
TEST_F(AuthzServiceTest, UncontractedProductIsInvalidScope) {
  store::ClientRecord c;
  c.client_id = "tg_small";
  c.partner = "small-partner";  // contracted: sim-swap only
  c.secret_hash = core::hash_secret("s");
  c.scopes = core::ScopeSet::of({"sim-swap:check", "location-verification:verify"});
  c.grant_types = {"client_credentials"};
  c.auth_methods = {"client_secret_basic"};
  ASSERT_TRUE(clients_->create(c));
  auto res = token("grant_type=client_credentials&scope=location-verification%3Averify",
                   basic("tg_small", "s"));
  ASSERT_EQ(res.result_int(), 400u);
  EXPECT_EQ(error_of(res), "invalid_scope");
  EXPECT_EQ(description_of(res), "scope not allowed for this client: location-verification:verify");
  res = token("grant_type=client_credentials&scope=sim-swap%3Acheck", basic("tg_small", "s"));
  ASSERT_EQ(res.result_int(), 200u);
  EXPECT_EQ(verify(body_of(res).at("access_token").as_string(), {}).claims.at("tier").as_string(),
            "bronze");
}

// A partner absent from the catalog is bounded by its registered scopes and its tokens carry no
// tier.
TEST_F(AuthzServiceTest, PartnerOutsideCatalogGetsNoTier) {
  store::ClientRecord c;
  c.client_id = "tg_unlisted";
  c.partner = "unlisted-partner";
  c.secret_hash = core::hash_secret("s");
  c.scopes = core::ScopeSet::of({"sim-swap:check"});
  c.grant_types = {"client_credentials"};
  c.auth_methods = {"client_secret_basic"};
  ASSERT_TRUE(clients_->create(c));
  const auto res =
      token("grant_type=client_credentials&scope=sim-swap%3Acheck", basic("tg_unlisted", "s"));
  ASSERT_EQ(res.result_int(), 200u) << res.body();
  const auto v = verify(body_of(res).at("access_token").as_string(), {});
  EXPECT_EQ(v.claims.at("partner").as_string(), "unlisted-partner");
  EXPECT_FALSE(v.claims.contains("tier"));
}

// A repeated parameter is invalid_request (RFC 6749 §3.2).
TEST_F(AuthzServiceTest, DuplicateParameterIsInvalidRequest) {
  const auto res =
      token("grant_type=client_credentials&grant_type=client_credentials&scope=sim-swap:check",
            basic(id_, secret_));
  ASSERT_EQ(res.result_int(), 400u);
  EXPECT_EQ(error_of(res), "invalid_request");
  expect_no_store(res);
}

// A bad %-escape is invalid_request.
TEST_F(AuthzServiceTest, BadPercentEscapeIsInvalidRequest) {
  const auto res = token("grant_type=client_credentials&scope=%zz", basic(id_, secret_));
  ASSERT_EQ(res.result_int(), 400u);
  EXPECT_EQ(error_of(res), "invalid_request");
}

// A body that is not application/x-www-form-urlencoded is invalid_request; a charset parameter is
// fine.
TEST_F(AuthzServiceTest, ContentTypeIsChecked) {
  auto res =
      token(R"({"grant_type":"client_credentials"})", basic(id_, secret_), "application/json");
  ASSERT_EQ(res.result_int(), 400u);
  EXPECT_EQ(error_of(res), "invalid_request");
  res = token("grant_type=client_credentials&scope=sim-swap:check", basic(id_, secret_), "");
  ASSERT_EQ(res.result_int(), 400u);
  EXPECT_EQ(error_of(res), "invalid_request");
  res = token("grant_type=client_credentials&scope=sim-swap:check", basic(id_, secret_),
              "Application/X-WWW-Form-Urlencoded; charset=UTF-8");
  EXPECT_EQ(res.result_int(), 200u) << res.body();
}

// GET on the token endpoint is 405 with Allow: POST and an OAuth body.
TEST_F(AuthzServiceTest, GetOnTokenEndpointIs405) {
  const auto res = call(make_request(bhttp::verb::get, "/oauth2/token"));
  ASSERT_EQ(res.result_int(), 405u);
  EXPECT_EQ(res[bhttp::field::allow], "POST");
  EXPECT_EQ(error_of(res), "invalid_request");
  expect_no_store(res);
}

// A registry that cannot be read is 503 temporarily_unavailable, not a crash or a 401.
TEST_F(AuthzServiceTest, StoreFailureIs503) {
  auto failing = std::make_shared<FailingClientStore>();
  auto broken = AuthzService::create(AuthzConfig{}, catalog_, failing, *keys_, clock_,
                                     make_governance(AuthzConfig{}, failing));
  auto req = make_request(bhttp::verb::post, "/oauth2/token",
                          "grant_type=client_credentials&scope=sim-swap:check");
  req.set(bhttp::field::authorization, basic(id_, secret_));
  const auto res = broken->handle(req, testing::test_connection());
  ASSERT_EQ(res.result_int(), 503u);
  EXPECT_EQ(error_of(res), "temporarily_unavailable");
  expect_no_store(res);
}

// Both discovery documents describe this issuer, its endpoints, grants, auth methods and catalog
// scopes.
TEST_F(AuthzServiceTest, DiscoveryDocuments) {
  for (std::string_view path :
       {"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"}) {
    const auto res = call(make_request(bhttp::verb::get, path));
    ASSERT_EQ(res.result_int(), 200u) << path;
    EXPECT_EQ(res[bhttp::field::content_type], "application/json");
    EXPECT_EQ(res[bhttp::field::cache_control], "public, max-age=300");
    const auto d = body_of(res);
    EXPECT_EQ(d.at("issuer").as_string(), kIssuer);
    EXPECT_EQ(d.at("token_endpoint").as_string(), "https://auth.tollgate.example/oauth2/token");
    EXPECT_EQ(d.at("jwks_uri").as_string(), "https://auth.tollgate.example/jwks.json");
    EXPECT_EQ(boost::json::serialize(d.at("grant_types_supported")), R"(["client_credentials"])");
    EXPECT_EQ(boost::json::serialize(d.at("token_endpoint_auth_methods_supported")),
              R"(["client_secret_basic","client_secret_post","private_key_jwt"])");
    EXPECT_EQ(boost::json::serialize(d.at("token_endpoint_auth_signing_alg_values_supported")),
              R"(["ES256","PS256","RS256","EdDSA"])");
    EXPECT_EQ(d.at("revocation_endpoint").as_string(),
              "https://auth.tollgate.example/oauth2/revoke");
    EXPECT_EQ(d.at("introspection_endpoint").as_string(),
              "https://auth.tollgate.example/oauth2/introspect");
    EXPECT_EQ(boost::json::serialize(d.at("response_types_supported")), "[]");
    EXPECT_EQ(
        boost::json::serialize(d.at("scopes_supported")),
        R"(["location-verification:verify","sim-swap","sim-swap:check","sim-swap:retrieve-date"])");
  }
  EXPECT_EQ(call(make_request(bhttp::verb::post, "/.well-known/openid-configuration", "x=1"))
                .result_int(),
            405u);
}

// The JWKS endpoint serves the public keys with a cache lifetime.
TEST_F(AuthzServiceTest, JwksEndpoint) {
  const auto res = call(make_request(bhttp::verb::get, "/jwks.json?x=1"));
  ASSERT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res[bhttp::field::content_type], "application/json");
  EXPECT_EQ(res[bhttp::field::cache_control], "public, max-age=300");
  EXPECT_EQ(res.body(), keys_->jwks_json());
  EXPECT_EQ(res.body().find("\"d\""), std::string::npos);
  const auto del = call(make_request(bhttp::verb::delete_, "/jwks.json"));
  EXPECT_EQ(del.result_int(), 405u);
  EXPECT_EQ(del[bhttp::field::allow], "GET, HEAD");
}

// HEAD is answered wherever GET is (RFC 9110 §9.3.2); the HTTP layer drops the body.
TEST_F(AuthzServiceTest, HeadIsServedLikeGet) {
  for (std::string_view path : {"/jwks.json", "/.well-known/oauth-authorization-server",
                                "/.well-known/openid-configuration"}) {
    const auto get = call(make_request(bhttp::verb::get, path));
    const auto head = call(make_request(bhttp::verb::head, path));
    EXPECT_EQ(head.result_int(), 200u) << path;
    EXPECT_EQ(head[bhttp::field::content_type], "application/json") << path;
    EXPECT_EQ(head[bhttp::field::content_length], get[bhttp::field::content_length]) << path;
  }
}

// The listener's own refusals (before any handler) carry an RFC 6749 §5.2 body too.
TEST(OAuthServerError, RendersAnOAuthErrorBodyWithNoStore) {
  const http::Response res = oauth_server_error(413, "Request body too large");
  EXPECT_EQ(res.result_int(), 413u);
  EXPECT_EQ(res[bhttp::field::content_type], "application/json");
  EXPECT_EQ(res[bhttp::field::cache_control], "no-store");
  EXPECT_EQ(res[bhttp::field::pragma], "no-cache");
  const auto body = boost::json::parse(res.body()).as_object();
  EXPECT_EQ(body.at("error").as_string(), "invalid_request");
  EXPECT_EQ(body.at("error_description").as_string(), "Request body too large");
}

// Any other path is 404 with an OAuth-style body.
TEST_F(AuthzServiceTest, UnknownPathIs404) {
  for (std::string_view path : {"/", "/oauth2/token/x", "/oauth2/authorize", "/jwks.json/"}) {
    const auto res = call(make_request(bhttp::verb::get, path));
    EXPECT_EQ(res.result_int(), 404u) << path;
    EXPECT_EQ(res.body(), R"({"error":"not_found"})");
  }
}

// The audit log records issuance (jti, client, scope, lifetime) and failures, never a secret or a
// token.
TEST_F(AuthzServiceTest, AuditLinesNeverHoldSecretsOrTokens) {
  ::testing::internal::CaptureStderr();
  const auto ok = token_basic("sim-swap:check");
  const auto bad =
      token("grant_type=client_credentials&scope=sim-swap:check", basic(id_, "wrong-secret-value"));
  governance_->audit().flush();  // the writer thread logs each record once committed
  const std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_EQ(ok.result_int(), 200u);
  ASSERT_EQ(bad.result_int(), 401u);
  const std::string tok(body_of(ok).at("access_token").as_string());
  const auto v = verify(tok, {});
  EXPECT_NE(log.find("\"event\":\"token_issued\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"jti\":\"" + v.jti + "\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"lifetime\":900"), std::string::npos) << log;
  EXPECT_NE(log.find("\"reason\":\"wrong_secret\""), std::string::npos) << log;
  EXPECT_EQ(log.find(secret_), std::string::npos);
  EXPECT_EQ(log.find("wrong-secret-value"), std::string::npos);
  EXPECT_EQ(log.find(tok.substr(tok.rfind('.') + 1)), std::string::npos);  // no signature
  EXPECT_EQ(log.find(tok.substr(0, tok.find('.'))), std::string::npos);    // no header segment
}

// Responses follow the request's HTTP version and keep-alive choice.
TEST_F(AuthzServiceTest, ResponseFollowsRequestVersionAndKeepAlive) {
  auto req = make_request(bhttp::verb::get, "/jwks.json");
  req.version(10);
  req.keep_alive(false);
  const auto res = call(req);
  EXPECT_EQ(res.version(), 10u);
  EXPECT_FALSE(res.keep_alive());
}

}  // namespace
}  // namespace tollgate::authz
