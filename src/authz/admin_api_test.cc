// The admin REST API (/admin/v1/) through a real AuthzService + Governance on
// SQLite: the Bearer admin credential, 404 without one, JSON errors, body
// validation, and each operation's effect (clients, consents, tokens, keys,
// audit), every call audited.
#include "authz/admin_api.h"

#include <gtest/gtest.h>

#include "authz/admin.h"
#include "authz/governance.h"
#include "authz/service.h"
#include "authz/test_support.h"
#include "store/audit.h"
#include "store/consents.h"
#include "store/refresh_tokens.h"

namespace tollgate::authz {
namespace {

namespace bhttp = boost::beast::http;
using testing::make_request;

constexpr std::string_view kIssuer = "https://auth.tollgate.example";
constexpr std::string_view kAdminToken = "admin-token-for-unit-tests-0123456789";
const std::string kBearer = "Bearer " + std::string(kAdminToken);

class AdminApiTest : public ::testing::Test {
 protected:
  void SetUp() override { start(AdminCredential::from_token(kAdminToken)); }

  void start(AdminCredential credential) {
    service_.reset();
    governance_.reset();
    db_ = store::Database::open(tmp_.path() / "tollgate.db").value();
    clients_ = store::SqliteClientStore::open(db_).value();
    consents_ = store::SqliteConsentStore::open(db_).value();
    audit_store_ = store::AuditStore::open(db_).value();
    catalog_ = testing::test_catalog();
    keys_.emplace(KeyManager::open(tmp_.path(), core::Alg::kES256, clock_));
    config_.issuer = std::string(kIssuer);
    config_.audit_log_lines = false;
    governance_ = Governance::open({.config = config_,
                                    .data_dir = tmp_.path(),
                                    .catalog = catalog_,
                                    .clients = clients_,
                                    .db = db_,
                                    .keys = *keys_,
                                    .clock = &clock_,
                                    .admin = AdminCredential::from_token(kAdminToken)});
    auto api = std::make_shared<AdminApi>(
        AdminApiDeps{.config = config_,
                     .data_dir = tmp_.path(),
                     .credential = std::move(credential),
                     .catalog = catalog_,
                     .clients = clients_,
                     .consents = consents_,
                     .refresh_tokens = store::SqliteRefreshTokenStore::open(db_).value(),
                     .audit_store = audit_store_,
                     .revocations = &governance_->revocations(),
                     .audit = &governance_->audit(),
                     .clock = &clock_});
    service_ = with_admin_api(
        AuthzService::create(config_, catalog_, clients_, *keys_, clock_, governance_), api);
  }

  http::Response call(bhttp::verb method, std::string_view target, std::string body = {},
                      std::string_view auth = kBearer, std::string_view type = "application/json") {
    auto req = make_request(method, target, std::move(body), type);
    if (!auth.empty()) req.set(bhttp::field::authorization, auth);
    auto res = service_->handle(req, testing::test_connection());
    governance_->audit().flush();
    return res;
  }
  static boost::json::object json(const http::Response& r) {
    return boost::json::parse(r.body()).as_object();
  }
  std::vector<std::string> events() {
    std::vector<std::string> out;
    audit_store_->scan(0, std::numeric_limits<std::int64_t>::min(),
                       [&](const store::AuditRecord& r) {
                         out.push_back(r.event);
                         return true;
                       });
    return out;
  }

  testing::TempDir tmp_;
  core::ManualClock clock_;
  AuthzConfig config_;
  std::shared_ptr<store::Database> db_;
  std::shared_ptr<store::SqliteClientStore> clients_;
  std::shared_ptr<store::SqliteConsentStore> consents_;
  std::shared_ptr<store::AuditStore> audit_store_;
  std::shared_ptr<const catalog::Catalog> catalog_;
  std::optional<KeyManager> keys_;
  std::shared_ptr<Governance> governance_;
  std::unique_ptr<AuthzService> service_;
};

// Without the credential: 401 + WWW-Authenticate: Bearer, JSON body, audited; a wrong one too.
TEST_F(AdminApiTest, CredentialRequired) {
  for (std::string_view auth :
       {std::string_view(), std::string_view("Bearer wrong-token-0123456789-0123456789"),
        std::string_view("Basic YWRtaW46YWRtaW4=")}) {
    auto r = call(bhttp::verb::get, "/admin/v1/clients", {}, auth);
    EXPECT_EQ(r.result_int(), 401);
    EXPECT_TRUE(r[bhttp::field::www_authenticate].starts_with("Bearer"))
        << r[bhttp::field::www_authenticate];
    EXPECT_EQ(json(r)["error"], "invalid_token");
    EXPECT_TRUE(json(r).contains("error_description"));
  }
  EXPECT_EQ(events(), (std::vector<std::string>(3, "admin_auth_failed")));
  // The rest of the server is untouched.
  EXPECT_EQ(call(bhttp::verb::get, "/jwks.json", {}, {}).result_int(), 200);
}

// No credential configured: the whole tree is 404 (never open), even with some Bearer token.
TEST_F(AdminApiTest, NoCredentialMeansNotFound) {
  start(AdminCredential{});
  for (std::string_view target : {"/admin/v1/clients", "/admin/v1/audit/verify", "/admin/"}) {
    auto r = call(bhttp::verb::get, target);
    EXPECT_EQ(r.result_int(), 404) << target;
    EXPECT_EQ(json(r)["error"], "not_found");
  }
  EXPECT_EQ(call(bhttp::verb::post, "/admin/v1/keys/rotate", "{}").result_int(), 404);
}

// Create (one-time secret, the CLI's validation), list, show, disable (revoked in the feed).
TEST_F(AdminApiTest, Clients) {
  auto created = call(
      bhttp::verb::post, "/admin/v1/clients",
      R"({"partner":"demo-partner","scope":"sim-swap:check","grant_types":["client_credentials"]})");
  ASSERT_EQ(created.result_int(), 201) << created.body();
  const std::string id(json(created)["client_id"].as_string());
  EXPECT_GE(json(created)["client_secret"].as_string().size(), 40u);
  auto shown = call(bhttp::verb::get, "/admin/v1/clients/" + id);
  ASSERT_EQ(shown.result_int(), 200);
  EXPECT_FALSE(json(shown).contains("client_secret"));
  EXPECT_EQ(json(call(bhttp::verb::get, "/admin/v1/clients"))["clients"].as_array().size(), 1u);
  EXPECT_EQ(call(bhttp::verb::get, "/admin/v1/clients/tg_unknown").result_int(), 404);

  // Bad bodies: 400, nothing created.
  for (std::string body :
       {R"({"partner":"demo-partner","scope":"sim-swap:check","colour":"red"})",
        R"({"partner":"demo-partner"})", R"({"partner":"demo-partner","scope":"no-such:scope"})",
        R"({"partner":"demo-partner","scope":"sim-swap:check","grant_types":"x"})", "[1]", "{",
        R"({"partner":"demo-partner","partner":"x","scope":"sim-swap:check"})"}) {
    auto r = call(bhttp::verb::post, "/admin/v1/clients", body);
    EXPECT_EQ(r.result_int(), 400) << body;
    EXPECT_EQ(json(r)["error"], "invalid_request") << body;
  }
  EXPECT_EQ(call(bhttp::verb::post, "/admin/v1/clients",
                 R"({"partner":"demo-partner","scope":"sim-swap:check"})", kBearer, "text/plain")
                .result_int(),
            400);
  EXPECT_EQ(json(call(bhttp::verb::get, "/admin/v1/clients"))["clients"].as_array().size(), 1u);

  auto refresh = store::SqliteRefreshTokenStore::open(db_).value();
  store::RefreshTokenRecord rt;
  rt.token_hash = "h1";
  rt.family_id = "f1";
  rt.grant_type = "authorization_code";
  rt.grant = {.client_id = id, .partner = "demo-partner", .scope = "sim-swap:check offline_access"};
  rt.created_at = clock_.unix_seconds();
  rt.expires_at = rt.created_at + 3600;
  ASSERT_TRUE(refresh->create(rt));
  auto disabled = call(bhttp::verb::post, "/admin/v1/clients/" + id + "/disable");
  ASSERT_EQ(disabled.result_int(), 200) << disabled.body();
  EXPECT_EQ(json(disabled)["newly_disabled"], true);
  EXPECT_TRUE(governance_->revocations().client_revoked(id).value());
  EXPECT_TRUE(refresh->find("h1").value()->revoked);  // the client's refresh tokens too
  EXPECT_EQ(call(bhttp::verb::post, "/admin/v1/clients/tg_nope/disable").result_int(), 404);
  auto wrong_method = call(bhttp::verb::delete_, "/admin/v1/clients/" + id);
  EXPECT_EQ(wrong_method.result_int(), 405);
  EXPECT_EQ(wrong_method[bhttp::field::allow], "GET");
  const auto ev = events();
  EXPECT_NE(std::find(ev.begin(), ev.end(), "client_created"), ev.end());
  EXPECT_NE(std::find(ev.begin(), ev.end(), "client_disabled"), ev.end());
}

// Consents by subscriber, withdraw (revocation recorded), 404 for unknown ids; bad queries 400.
TEST_F(AdminApiTest, ConsentsAndPartners) {
  ASSERT_TRUE(consents_->create({.consent_id = "cns_1",
                                 .partner = "demo-partner",
                                 .client_id = "tg_a",
                                 .subscriber = "+34600000001",
                                 .purpose = "dpv:RequestedServiceProvision",
                                 .scopes = core::ScopeSet::of({"sim-swap:check"}),
                                 .created_at = clock_.unix_seconds(),
                                 .expires_at = clock_.unix_seconds() + 3600}));
  auto list = call(bhttp::verb::get, "/admin/v1/consents?subscriber=tel%3A%2B34600000001");
  ASSERT_EQ(list.result_int(), 200) << list.body();
  ASSERT_EQ(json(list)["consents"].as_array().size(), 1u);
  EXPECT_EQ(json(list)["consents"].as_array()[0].as_object().at("active"), true);
  EXPECT_EQ(json(call(bhttp::verb::get, "/admin/v1/consents?subscriber=%2B34600000002"))["consents"]
                .as_array()
                .size(),
            0u);
  EXPECT_EQ(call(bhttp::verb::get, "/admin/v1/consents?subscriber=12345").result_int(), 400);
  EXPECT_EQ(call(bhttp::verb::get, "/admin/v1/consents?colour=red").result_int(), 400);

  auto w = call(bhttp::verb::post, "/admin/v1/consents/cns_1/withdraw");
  ASSERT_EQ(w.result_int(), 200) << w.body();
  EXPECT_EQ(json(w)["active"], false);
  EXPECT_TRUE(governance_->revocations().consent_revoked("cns_1").value());
  EXPECT_EQ(call(bhttp::verb::post, "/admin/v1/consents/cns_nope/withdraw").result_int(), 404);
  auto feed = governance_->revocations().feed(0).value();
  EXPECT_EQ(feed["revoked"].as_array().back(), (boost::json::object{{"consent_id", "cns_1"}}));

  auto partners = call(bhttp::verb::get, "/admin/v1/partners");
  ASSERT_EQ(partners.result_int(), 200);
  EXPECT_FALSE(json(partners)["partners"].as_array().empty());
}

// Tokens by value or jti; keys rotate; audit verify; every call audited as admin_call.
TEST_F(AdminApiTest, TokensKeysAudit) {
  auto c =
      create_client(*clients_, *catalog_,
                    {.partner = "demo-partner", .scopes = core::ScopeSet::of({"sim-swap:check"})},
                    clock_)
          .value();
  auto tok =
      call(bhttp::verb::post, "/oauth2/token", "grant_type=client_credentials&scope=sim-swap:check",
           testing::basic(c.record.client_id, c.secret), "application/x-www-form-urlencoded");
  ASSERT_EQ(tok.result_int(), 200) << tok.body();
  const std::string at(json(tok)["access_token"].as_string());
  auto r = call(bhttp::verb::post, "/admin/v1/tokens/revoke",
                boost::json::serialize(boost::json::object{{"token", at}}));
  ASSERT_EQ(r.result_int(), 200) << r.body();
  const std::string jti(json(r)["jti"].as_string());
  EXPECT_TRUE(governance_->revocations().token_revoked(jti).value());
  EXPECT_EQ(json(r)["client_id"].as_string(), c.record.client_id);
  auto by_jti =
      call(bhttp::verb::post, "/admin/v1/tokens/revoke",
           R"({"jti":"some-jti","exp":)" + std::to_string(clock_.unix_seconds() + 60) + "}");
  EXPECT_EQ(by_jti.result_int(), 200) << by_jti.body();
  EXPECT_TRUE(governance_->revocations().token_revoked("some-jti").value());
  for (std::string body : {R"({"token":"a.b.c"})", R"({"jti":"x"})", R"({"jti":"x","exp":"soon"})",
                           R"({"jtii":"x"})", "{}"})
    EXPECT_EQ(call(bhttp::verb::post, "/admin/v1/tokens/revoke", body).result_int(), 400) << body;

  const auto before = KeyManager::scan(tmp_.path(), core::Alg::kES256, clock_).size();
  auto k = call(bhttp::verb::post, "/admin/v1/keys/rotate", "");
  ASSERT_EQ(k.result_int(), 201) << k.body();
  EXPECT_EQ(KeyManager::scan(tmp_.path(), core::Alg::kES256, clock_).size(), before + 1);
  EXPECT_EQ(call(bhttp::verb::post, "/admin/v1/keys/rotate", R"({"x":1})").result_int(), 400);
  EXPECT_EQ(call(bhttp::verb::get, "/admin/v1/keys/rotate").result_int(), 405);

  auto v = call(bhttp::verb::get, "/admin/v1/audit/verify");
  ASSERT_EQ(v.result_int(), 200);
  EXPECT_EQ(json(v)["ok"], true);
  EXPECT_GT(json(v)["records"].as_int64(), 0);
  EXPECT_EQ(call(bhttp::verb::get, "/admin/v1/nothing-here").result_int(), 404);

  const auto ev = events();
  EXPECT_GE(std::count(ev.begin(), ev.end(), "admin_call"), 10);
  EXPECT_NE(std::find(ev.begin(), ev.end(), "key_generated"), ev.end());
  EXPECT_NE(std::find(ev.begin(), ev.end(), "token_revoked"), ev.end());
}

}  // namespace
}  // namespace tollgate::authz
