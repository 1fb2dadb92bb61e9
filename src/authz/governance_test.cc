// Token governance through the real AuthzService: revocation, introspection,
// the revocations feed, lockout, rate limits and durable audit before answers.
#include "authz/governance.h"

#include <gtest/gtest.h>

#include <future>

#include "authz/admin.h"
#include "authz/service.h"
#include "authz/test_support.h"
#include "core/jws.h"
#include "core/test_support.h"
#include "store/audit.h"
#include "store/refresh_tokens.h"
#include "store/revocations.h"

namespace tollgate::authz {
namespace {

namespace bhttp = boost::beast::http;
using testing::basic;
using testing::make_request;

constexpr std::string_view kIssuer = "https://auth.tollgate.example";
constexpr std::string_view kAdminToken = "admin-token-for-unit-tests-0123456789";

class GovernanceTest : public ::testing::Test {
 protected:
  void SetUp() override { start({}); }

  void start(AuthzConfig config) {
    service_.reset();
    governance_.reset();
    db_ = store::Database::open(tmp_.path() / "tollgate.db").value();
    clients_ = store::SqliteClientStore::open(db_).value();
    catalog_ = testing::test_catalog();
    keys_.emplace(KeyManager::open(tmp_.path(), core::Alg::kES256, clock_));
    config.issuer = std::string(kIssuer);
    config.audit_log_lines = false;
    governance_ = Governance::open({.config = config,
                                    .data_dir = tmp_.path(),
                                    .catalog = catalog_,
                                    .clients = clients_,
                                    .db = db_,
                                    .keys = *keys_,
                                    .clock = &clock_,
                                    .admin = AdminCredential::from_token(kAdminToken)});
    service_ = AuthzService::create(config, catalog_, clients_, *keys_, clock_, governance_);
    if (a_.id.empty()) {
      a_ = make_client();
      b_ = make_client();
    }
  }
  struct Client {
    std::string id, secret;
  };
  Client make_client() {
    auto c =
        create_client(*clients_, *catalog_,
                      {.partner = "demo-partner", .scopes = core::ScopeSet::of({"sim-swap:check"})},
                      clock_)
            .value();
    return {c.record.client_id, c.secret};
  }

  http::Response call(http::Request req, std::string_view remote = "127.0.0.1") {
    http::ConnectionInfo info = testing::test_connection();
    info.remote = {boost::asio::ip::make_address(remote), 40000};
    return service_->handle(req, info);
  }
  http::Response post(std::string_view path, std::string body, std::string_view authorization = {},
                      std::string_view remote = "127.0.0.1") {
    auto req = make_request(bhttp::verb::post, path, std::move(body));
    if (!authorization.empty()) req.set(bhttp::field::authorization, authorization);
    return call(std::move(req), remote);
  }
  std::string token_for(const Client& c) {
    auto res = post("/oauth2/token", "grant_type=client_credentials&scope=sim-swap:check",
                    basic(c.id, c.secret));
    EXPECT_EQ(res.result_int(), 200u) << res.body();
    return std::string(boost::json::parse(res.body()).at("access_token").as_string());
  }
  static boost::json::object json(const http::Response& res) {
    return boost::json::parse(res.body()).as_object();
  }
  static std::string error_of(const http::Response& res) {
    return std::string(json(res).at("error").as_string());
  }
  std::vector<boost::json::object> audit_records(std::string_view event) {
    governance_->audit().flush();
    std::vector<boost::json::object> out;
    auto store = store::AuditStore::open(db_).value();
    EXPECT_TRUE(store->scan(0, 0, [&](const store::AuditRecord& r) {
      if (r.event == event) out.push_back(boost::json::parse(r.text).as_object());
      return true;
    }));
    return out;
  }
  http::Response introspect(std::string_view token, std::string_view authorization) {
    return post("/oauth2/introspect", "token=" + http::url_encode(token), authorization);
  }

  testing::TempDir tmp_;
  core::ManualClock clock_{1'800'000'000};
  std::shared_ptr<store::Database> db_;
  std::shared_ptr<store::SqliteClientStore> clients_;
  std::shared_ptr<const catalog::Catalog> catalog_;
  std::optional<KeyManager> keys_;
  std::shared_ptr<Governance> governance_;
  std::unique_ptr<AuthzService> service_;
  Client a_, b_;
};

// A client introspects its own token: active, with the token's claims.
TEST_F(GovernanceTest, IntrospectOwnTokenIsActive) {
  const std::string tok = token_for(a_);
  const auto res = introspect(tok, basic(a_.id, a_.secret));
  ASSERT_EQ(res.result_int(), 200u) << res.body();
  EXPECT_EQ(res[bhttp::field::cache_control], "no-store");
  const auto j = json(res);
  EXPECT_EQ(j.at("active"), true);
  EXPECT_EQ(j.at("client_id").as_string(), a_.id);
  EXPECT_EQ(j.at("scope").as_string(), "sim-swap:check");
  EXPECT_EQ(j.at("token_type").as_string(), "Bearer");
  EXPECT_EQ(j.at("iss").as_string(), kIssuer);
}

// Revoke then introspect: active false; revoking again is still 200; the revocation is audited
// once.
TEST_F(GovernanceTest, RevokeThenIntrospectIsInactive) {
  const std::string tok = token_for(a_);
  auto r = post("/oauth2/revoke", "token=" + tok + "&token_type_hint=access_token",
                basic(a_.id, a_.secret));
  ASSERT_EQ(r.result_int(), 200u) << r.body();
  EXPECT_EQ(r.body(), "");
  EXPECT_EQ(introspect(tok, basic(a_.id, a_.secret)).body(), R"({"active":false})");
  EXPECT_EQ(post("/oauth2/revoke", "token=" + tok, basic(a_.id, a_.secret)).result_int(), 200u);
  const auto recs = audit_records("token_revoked");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].at("client_id").as_string(), a_.id);
  EXPECT_EQ(recs[0].at("by").as_string(), a_.id);
}

// Another client's token: introspection says inactive, revocation is refused and nothing is
// revoked.
TEST_F(GovernanceTest, ForeignTokensAreInactiveAndNotRevocable) {
  const std::string tok = token_for(a_);
  EXPECT_EQ(introspect(tok, basic(b_.id, b_.secret)).body(), R"({"active":false})");
  auto r = post("/oauth2/revoke", "token=" + tok, basic(b_.id, b_.secret));
  EXPECT_EQ(r.result_int(), 400u);
  EXPECT_EQ(error_of(r), "invalid_request");
  EXPECT_EQ(json(introspect(tok, basic(a_.id, a_.secret))).at("active"), true);
}

// Unknown, malformed, expired and other issuers' tokens: revoke is 200 (RFC 7009 §2.2), introspect
// inactive.
TEST_F(GovernanceTest, UnknownExpiredAndForeignIssuerTokens) {
  const std::string expired = token_for(a_);
  const auto other = core::testing::test_key(core::Alg::kES256);
  const std::string foreign = core::sign_compact(other, core::Alg::kES256,
                                                 R"({"iss":"https://evil.example","client_id":")" +
                                                     a_.id + R"(","jti":"x","exp":1900000000})",
                                                 "at+jwt")
                                  .value();
  clock_.advance(std::chrono::hours(1));  // the first token (15 min) has expired
  for (const std::string& t : {std::string("garbage"), std::string("a.b.c"), expired, foreign}) {
    EXPECT_EQ(post("/oauth2/revoke", "token=" + http::url_encode(t), basic(a_.id, a_.secret))
                  .result_int(),
              200u)
        << t;
    EXPECT_EQ(introspect(t, basic(a_.id, a_.secret)).body(), R"({"active":false})") << t;
  }
}

// Both endpoints answer 401 invalid_client without client authentication (and with a wrong secret).
TEST_F(GovernanceTest, EndpointsRequireClientAuthentication) {
  const std::string tok = token_for(a_);
  for (std::string_view path : {"/oauth2/revoke", "/oauth2/introspect"}) {
    for (std::string_view auth : {std::string_view(), std::string_view("Basic Zm9vOmJhcg==")}) {
      const auto r = post(path, "token=" + tok, auth);
      EXPECT_EQ(r.result_int(), 401u) << path;
      EXPECT_EQ(error_of(r), "invalid_client");
      EXPECT_EQ(r[bhttp::field::www_authenticate], "Basic realm=\"tollgate\"");
    }
    EXPECT_EQ(post(path, "", basic(a_.id, a_.secret)).result_int(), 400u);  // token missing
    EXPECT_EQ(call(make_request(bhttp::verb::get, path)).result_int(), 405u);
  }
  EXPECT_EQ(json(introspect(tok, basic(a_.id, a_.secret))).at("active"),
            true);  // nothing was revoked
}

// The admin credential (a gateway) may introspect any client's token; a wrong one is 401.
TEST_F(GovernanceTest, AdminMayIntrospectAnyToken) {
  const std::string tok = token_for(a_);
  EXPECT_EQ(json(introspect(tok, "Bearer " + std::string(kAdminToken))).at("active"), true);
  const auto bad = introspect(tok, "Bearer wrong-admin-token-0123456789012345");
  EXPECT_EQ(bad.result_int(), 401u);
  EXPECT_EQ(error_of(bad), "invalid_client");
}

// The revocations feed needs the admin credential and lists revocations in order with a cursor.
TEST_F(GovernanceTest, RevocationsFeed) {
  auto no = call(make_request(bhttp::verb::get, "/oauth2/revocations?since=0"));
  EXPECT_EQ(no.result_int(), 401u);
  EXPECT_EQ(no[bhttp::field::www_authenticate], "Bearer realm=\"tollgate-admin\"");
  const std::string t1 = token_for(a_), t2 = token_for(a_);
  ASSERT_EQ(post("/oauth2/revoke", "token=" + t1, basic(a_.id, a_.secret)).result_int(), 200u);
  ASSERT_TRUE(governance_->revocations().store().revoke_client(b_.id, clock_.unix_seconds(),
                                                               "client_disabled"));
  ASSERT_EQ(post("/oauth2/revoke", "token=" + t2, basic(a_.id, a_.secret)).result_int(), 200u);
  auto feed = [&](std::string_view q) {
    auto req = make_request(bhttp::verb::get, "/oauth2/revocations" + std::string(q));
    req.set(bhttp::field::authorization, "Bearer " + std::string(kAdminToken));
    return call(std::move(req));
  };
  const auto all = feed("?since=0");
  ASSERT_EQ(all.result_int(), 200u) << all.body();
  const auto j = json(all);
  EXPECT_EQ(j.at("next"), 3);
  const auto& list = j.at("revoked").as_array();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].at("jti").as_string(), governance_->revocations().inspect(t1)->jti);
  EXPECT_EQ(list[0].at("exp"), governance_->revocations().inspect(t1)->exp);
  EXPECT_EQ(list[1], (boost::json::object{{"client_id", b_.id}}));
  EXPECT_EQ(json(feed("?since=2")).at("revoked").as_array().size(), 1u);
  EXPECT_EQ(json(feed("?since=3")),
            (boost::json::object{{"next", 3}, {"revoked", boost::json::array{}}}));
  EXPECT_EQ(feed("").result_int(), 200u);
  EXPECT_EQ(feed("?since=-1").result_int(), 400u);
  EXPECT_EQ(feed("?since=abc").result_int(), 400u);
  // Token entries stay until exp + 300 s (a gateway accepts a token up to exp + its clock skew).
  const std::int64_t exp = std::max(governance_->revocations().inspect(t1)->exp,
                                    governance_->revocations().inspect(t2)->exp);
  clock_.set_unix_seconds(exp + Revocations::kFeedKeepsPastExp.count());
  EXPECT_EQ(json(feed("?since=0")).at("revoked").as_array().size(), 3u);
  clock_.set_unix_seconds(exp + Revocations::kFeedKeepsPastExp.count() + 1);
  EXPECT_EQ(json(feed("?since=0")).at("revoked").as_array().size(), 1u);  // the client entry
}

// A revoked client's tokens are inactive even to the admin, the client can no longer authenticate
// once disabled, and its refresh tokens (only its own) are revoked — the CLI's path, which is the
// admin API's too (disable_client).
TEST_F(GovernanceTest, DisabledClientTokensAreInactive) {
  const std::string tok = token_for(a_);
  auto rev = store::SqliteRevocationStore::open(db_).value();
  auto refresh = store::SqliteRefreshTokenStore::open(db_).value();
  auto audit = store::AuditStore::open(db_).value();
  for (const auto* c : {&a_, &b_}) {
    store::RefreshTokenRecord rt;
    rt.token_hash = "h_" + c->id;
    rt.family_id = "f_" + c->id;
    rt.grant_type = "authorization_code";
    rt.grant = {.client_id = c->id,
                .partner = "demo-partner",
                .scope = "dpv:FraudPreventionAndDetection sim-swap:check offline_access",
                .purpose = "dpv:FraudPreventionAndDetection",
                .subscriber = "+34600000001",
                .amr = {"nba"}};
    rt.created_at = clock_.unix_seconds();
    rt.expires_at = rt.created_at + 3600;
    ASSERT_TRUE(refresh->create(rt));
  }
  const AuditSink sink = [&](std::string_view event,
                             boost::json::object fields) -> std::expected<void, std::string> {
    std::vector<store::AuditInput> rec{{0, std::string(event), std::move(fields)}};
    if (auto a = audit->append(rec); !a) return std::unexpected(a.error().message);
    return {};
  };
  auto r = disable_client({*clients_, *rev, *refresh}, a_.id, "cli", sink, clock_);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->newly_disabled);
  EXPECT_TRUE(refresh->find("h_" + a_.id).value()->revoked);
  EXPECT_FALSE(refresh->find("h_" + b_.id).value()->revoked);
  EXPECT_EQ(introspect(tok, "Bearer " + std::string(kAdminToken)).body(), R"({"active":false})");
  EXPECT_EQ(post("/oauth2/token", "grant_type=client_credentials&scope=sim-swap:check",
                 basic(a_.id, a_.secret))
                .result_int(),
            401u);
  EXPECT_FALSE(
      disable_client({*clients_, *rev, *refresh}, a_.id, "cli", sink, clock_)->newly_disabled);
  auto nobody = disable_client({*clients_, *rev, *refresh}, "tg_nobody", "cli", sink, clock_);
  ASSERT_FALSE(nobody);
  EXPECT_EQ(nobody.error().code, DisableError::kNotFound);
  EXPECT_EQ(audit_records("client_disabled").size(), 1u);
  EXPECT_EQ(audit_records("client_revoked").size(), 1u);
}

// Repeated failures lock the client id: 401s, then 429 with Retry-After even with the right secret;
// audited.
TEST_F(GovernanceTest, LockoutAfterRepeatedFailures) {
  AuthzConfig config;
  config.lockout_threshold = 3;
  config.lockout_base = std::chrono::seconds{30};
  start(config);
  const std::string body = "grant_type=client_credentials&scope=sim-swap:check";
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(post("/oauth2/token", body, basic(a_.id, "wrong-secret")).result_int(), 401u) << i;
  const auto locked = post("/oauth2/token", body, basic(a_.id, a_.secret));
  EXPECT_EQ(locked.result_int(), 429u);
  EXPECT_EQ(error_of(locked), "temporarily_unavailable");
  EXPECT_EQ(locked[bhttp::field::retry_after], "30");
  const auto recs = audit_records("client_locked");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].at("client_id").as_string(), a_.id);
  EXPECT_EQ(recs[0].at("duration_s"), 30);
  bool saw_locked_failure = false;
  for (const auto& r : audit_records("client_auth"))
    if (r.at("outcome") == "failure" && r.at("reason") == "client_locked")
      saw_locked_failure = true;
  EXPECT_TRUE(saw_locked_failure);
  // Unknown ids lock the same way: the answer does not reveal which ids exist.
  for (int i = 0; i < 3; ++i) post("/oauth2/token", body, basic("tg_nobody", "x"));
  EXPECT_EQ(post("/oauth2/token", body, basic("tg_nobody", "x")).result_int(), 429u);
  clock_.advance(std::chrono::seconds{31});
  EXPECT_EQ(post("/oauth2/token", body, basic(a_.id, a_.secret)).result_int(), 200u);
}

// The per-client token rate (tier token_rate, here the default) answers 429 with Retry-After.
TEST_F(GovernanceTest, ClientRateLimit) {
  AuthzConfig config;
  config.default_token_rate = 1;  // burst max(10, 10 x rate) = 10
  start(config);
  const std::string body = "grant_type=client_credentials&scope=sim-swap:check";
  for (int i = 0; i < 10; ++i)
    ASSERT_EQ(post("/oauth2/token", body, basic(a_.id, a_.secret)).result_int(), 200u) << i;
  const auto r = post("/oauth2/token", body, basic(a_.id, a_.secret));
  EXPECT_EQ(r.result_int(), 429u);
  EXPECT_EQ(r[bhttp::field::retry_after], "1");
  EXPECT_EQ(post("/oauth2/token", body, basic(b_.id, b_.secret)).result_int(), 200u);  // per client
}

// The per-address limit applies before anything else, per source address.
TEST_F(GovernanceTest, AddressRateLimit) {
  AuthzConfig config;
  config.address_rate = 1;
  config.address_burst = 2;
  start(config);
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(post("/oauth2/token", "x=1", {}, "10.0.0.1").result_int(), 400u);
  const auto r = post("/oauth2/token", "x=1", {}, "10.0.0.1");
  EXPECT_EQ(r.result_int(), 429u);
  EXPECT_EQ(r[bhttp::field::retry_after], "1");
  EXPECT_EQ(post("/oauth2/revoke", "token=x", {}, "10.0.0.1").result_int(), 429u);
  EXPECT_EQ(post("/oauth2/token", "x=1", {}, "10.0.0.2").result_int(), 400u);
}

// The server handler sends the answer only after the request's audit records are committed.
TEST_F(GovernanceTest, HandlerAnswersAfterAuditIsDurable) {
  auto handler = governance_->handler(*service_);
  std::promise<http::Response> p;
  auto req = make_request(bhttp::verb::post, "/oauth2/token",
                          "grant_type=client_credentials&scope=sim-swap:check");
  req.set(bhttp::field::authorization, basic(a_.id, a_.secret));
  handler(std::move(req), testing::test_connection(), [&](http::Response&& res) {
    // At this point the token_issued record must already be readable from another connection.
    auto other =
        store::AuditStore::open(store::Database::open(tmp_.path() / "tollgate.db").value()).value();
    int issued = 0;
    EXPECT_TRUE(other->scan(0, 0, [&](const store::AuditRecord& r) {
      issued += r.event == "token_issued";
      return true;
    }));
    EXPECT_EQ(issued, 1);
    p.set_value(std::move(res));
  });
  EXPECT_EQ(p.get_future().get().result_int(), 200u);
}

// When the audit cannot be written the answer is 503, never a token whose record was lost.
TEST_F(GovernanceTest, HandlerAnswers503WhenAuditFails) {
  ASSERT_TRUE(db_->run([](store::Connection& c) { return c.exec("DROP TABLE audit"); }));
  auto handler = governance_->handler(*service_);
  std::promise<http::Response> p;
  auto req = make_request(bhttp::verb::post, "/oauth2/token",
                          "grant_type=client_credentials&scope=sim-swap:check");
  req.set(bhttp::field::authorization, basic(a_.id, a_.secret));
  handler(std::move(req), testing::test_connection(),
          [&](http::Response&& res) { p.set_value(std::move(res)); });
  const auto res = p.get_future().get();
  EXPECT_EQ(res.result_int(), 503u);
  EXPECT_EQ(res.body().find("access_token"), std::string::npos);
}

// Configured token path aliases reach the token endpoint (the benchmark's POST /token).
TEST_F(GovernanceTest, TokenPathAlias) {
  AuthzConfig config;
  config.token_path_aliases = {"/token"};
  start(config);
  auto handler = governance_->handler(*service_);
  std::promise<http::Response> p;
  auto req = make_request(bhttp::verb::post, "/token",
                          "grant_type=client_credentials&scope=sim-swap:check");
  req.set(bhttp::field::authorization, basic(a_.id, a_.secret));
  handler(std::move(req), testing::test_connection(),
          [&](http::Response&& res) { p.set_value(std::move(res)); });
  EXPECT_EQ(p.get_future().get().result_int(), 200u);
}

// Every client authentication and issuance is in the chain: success with method, failure with
// reason.
TEST_F(GovernanceTest, AuditRecordsAuthAndIssuance) {
  const std::string tok = token_for(a_);
  post("/oauth2/token", "grant_type=client_credentials&scope=sim-swap:check", basic(a_.id, "nope"));
  const auto auths = audit_records("client_auth");
  ASSERT_EQ(auths.size(), 2u);
  EXPECT_EQ(auths[0].at("outcome"), "success");
  EXPECT_EQ(auths[0].at("method"), "client_secret_basic");
  EXPECT_EQ(auths[1].at("reason"), "wrong_secret");
  const auto issued = audit_records("token_issued");
  ASSERT_EQ(issued.size(), 1u);
  EXPECT_EQ(issued[0].at("jti").as_string(), governance_->revocations().inspect(tok)->jti);
  EXPECT_EQ(issued[0].at("lifetime"), 900);
  EXPECT_EQ(issued[0].at("grant"), "client_credentials");
  EXPECT_TRUE(store::AuditStore::open(db_).value()->verify().value().ok);
}

// Refresh tokens go through the installed RefreshTokenRevoker under the same rules as access
// tokens.
TEST_F(GovernanceTest, RefreshTokensUseTheRevoker) {
  struct FakeRevoker final : RefreshTokenRevoker {
    std::string owner;
    bool revoked = false;
    Outcome revoke(std::string_view token, std::string_view client_id) override {
      if (token != "rt-1") return Outcome::kUnknown;
      if (client_id != owner) return Outcome::kOtherClient;
      revoked = true;
      return Outcome::kRevoked;
    }
    std::optional<boost::json::object> introspect(std::string_view token) override {
      if (token != "rt-1" || revoked) return std::nullopt;
      return boost::json::object{{"client_id", owner}, {"scope", "sim-swap:check"}};
    }
  };
  auto fake = std::make_shared<FakeRevoker>();
  fake->owner = a_.id;
  governance_->revocations().set_refresh_revoker(fake);
  EXPECT_EQ(json(introspect("rt-1", basic(a_.id, a_.secret))).at("active"), true);
  EXPECT_EQ(introspect("rt-1", basic(b_.id, b_.secret)).body(), R"({"active":false})");
  EXPECT_EQ(
      post("/oauth2/revoke", "token=rt-1&token_type_hint=refresh_token", basic(b_.id, b_.secret))
          .result_int(),
      400u);
  EXPECT_FALSE(fake->revoked);
  EXPECT_EQ(post("/oauth2/revoke", "token=rt-1", basic(a_.id, a_.secret)).result_int(), 200u);
  EXPECT_TRUE(fake->revoked);
  EXPECT_EQ(introspect("rt-1", basic(a_.id, a_.secret)).body(), R"({"active":false})");
  EXPECT_EQ(post("/oauth2/revoke", "token=unknown-rt", basic(a_.id, a_.secret)).result_int(), 200u);
  // A disabled client's refresh tokens are inactive even when the store still knows them.
  fake->revoked = false;
  ASSERT_TRUE(clients_->disable(a_.id));
  EXPECT_EQ(introspect("rt-1", "Bearer " + std::string(kAdminToken)).body(), R"({"active":false})");
}

}  // namespace
}  // namespace tollgate::authz
