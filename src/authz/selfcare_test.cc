// The subscriber's self-care page (GET /consents, POST /consents/withdraw) and
// withdraw_consent: a withdrawal marks the consent, records a consent
// revocation for the gateways' feed, revokes the consent's refresh tokens and
// is audited; the page identifies the line by the network and refuses forms it
// did not issue.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <mutex>

#include "authz/consent_withdrawal.h"
#include "authz/test_support.h"
#include "authz/three_legged.h"

namespace tollgate::authz {
namespace {

namespace bhttp = boost::beast::http;
using testing::make_request;

class LoopbackDirectory final : public SubscriberDirectory {
 public:
  std::optional<std::string> msisdn_for_ip(std::string_view ip) const override {
    if (ip == "127.0.0.1") return "+34600000001";
    if (ip == "127.0.0.2") return "+34600000002";
    return std::nullopt;
  }
  bool knows(std::string_view m) const override {
    return m == "+34600000001" || m == "+34600000002";
  }
  std::optional<std::string> resolve_operator_token(std::string_view) const override {
    return std::nullopt;
  }
  bool send_to_handset(std::string_view msisdn, const HandsetMessage& m) const override {
    std::lock_guard lock(mutex_);
    sent.emplace_back(std::string(msisdn), m.text);
    return true;
  }
  mutable std::mutex mutex_;
  mutable std::vector<std::pair<std::string, std::string>> sent;
};

http::ConnectionInfo from(std::string_view ip) {
  http::ConnectionInfo info = testing::test_connection();
  info.remote = {boost::asio::ip::make_address(ip), 40000};
  return info;
}

// The value of `<input type="hidden" name="NAME" value="...">` on a page.
std::string hidden_value(const std::string& html, std::string_view name) {
  const std::string key = "name=\"" + std::string(name) + "\" value=\"";
  const auto at = html.find(key);
  if (at == std::string::npos) return {};
  const auto start = at + key.size();
  return html.substr(start, html.find('"', start) - start);
}

class SelfCareTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::open(tmp_.path() / "tollgate.db");
    ASSERT_TRUE(db);
    clients_ = *store::SqliteClientStore::open(*db);
    catalog_ =
        catalog::Catalog::from_yaml(catalog::load_string(std::string(testing::kTestCatalog) + R"(
purposes:
  dpv:RequestedServiceProvision: { legal_basis: consent, description: "to provide the service you asked for" }
)"));
    keys_.emplace(KeyManager::open(tmp_.path(), core::Alg::kES256, clock_));
    stores_ = ThreeLeggedStores::open(*db);
    revocations_ = *store::SqliteRevocationStore::open(*db);
    ClientHooks hooks;
    hooks.withdraw_consent = [this](std::string_view id, std::string_view by) {
      return withdraw_consent({*stores_.consents, *revocations_, *stores_.refresh_tokens}, id, by,
                              sink(), clock_);
    };
    hooks.audit = [this](std::string_view event, boost::json::object, bool) {
      std::lock_guard lock(mutex_);
      events_.emplace_back(event);
    };
    AuthzConfig config;
    config.issuer = "https://auth.tollgate.example";
    tl_ = ThreeLegged::create(
        config, catalog_, clients_, *keys_, clock_, stores_,
        {std::make_shared<const PairwiseSubjects>(std::string(32, 'p')),
         std::make_shared<const SubjectSealer>(*SubjectSealer::from_key(std::string(32, 'k')))},
        directory_, hooks);
    ASSERT_TRUE(stores_.consents->create(consent("cns_mine", "+34600000001")));
    ASSERT_TRUE(stores_.consents->create(consent("cns_other", "+34600000002")));
    store::RefreshTokenRecord rt;
    rt.token_hash = "h1";
    rt.family_id = "f1";
    rt.grant_type = "authorization_code";
    rt.grant = {.client_id = "tg_a",
                .partner = "demo-partner",
                .scope = "dpv:RequestedServiceProvision sim-swap:check offline_access",
                .purpose = "dpv:RequestedServiceProvision",
                .subscriber = "+34600000001",
                .amr = {"nba"},
                .consent_id = "cns_mine"};
    rt.created_at = clock_.unix_seconds();
    rt.expires_at = rt.created_at + 3600;
    ASSERT_TRUE(stores_.refresh_tokens->create(rt));
  }

  store::ConsentRecord consent(std::string id, std::string subscriber) {
    return {.consent_id = std::move(id),
            .partner = "demo-partner",
            .client_id = "tg_a",
            .subscriber = std::move(subscriber),
            .purpose = "dpv:RequestedServiceProvision",
            .scopes = core::ScopeSet::of({"sim-swap:check"}),
            .created_at = clock_.unix_seconds(),
            .expires_at = clock_.unix_seconds() + 86400};
  }

  AuditSink sink() {
    return [this](std::string_view event,
                  boost::json::object fields) -> std::expected<void, std::string> {
      std::lock_guard lock(mutex_);
      events_.emplace_back(event);
      audited_.push_back(std::move(fields));
      return {};
    };
  }

  struct Page {
    http::Response res;
    std::string session, csrf, cookie;
  };
  Page open_page(std::string_view ip = "127.0.0.1") {
    auto res = *tl_->handle(make_request(bhttp::verb::get, "/consents"), from(ip));
    Page p{res, hidden_value(res.body(), "session"), hidden_value(res.body(), "csrf"), {}};
    const std::string set_cookie(res[bhttp::field::set_cookie]);
    p.cookie = set_cookie.substr(0, set_cookie.find(';'));
    return p;
  }
  http::Response withdraw(const Page& p, std::string_view consent_id, std::string csrf,
                          bool with_cookie = true, std::string_view ip = "127.0.0.1") {
    auto req = make_request(
        bhttp::verb::post, "/consents/withdraw",
        "session=" + p.session + "&csrf=" + csrf + "&consent_id=" + std::string(consent_id));
    if (with_cookie) req.set(bhttp::field::cookie, p.cookie);
    return *tl_->handle(req, from(ip));
  }

  testing::TempDir tmp_;
  core::ManualClock clock_;
  std::shared_ptr<store::SqliteClientStore> clients_;
  std::shared_ptr<const catalog::Catalog> catalog_;
  std::optional<KeyManager> keys_;
  ThreeLeggedStores stores_;
  std::shared_ptr<store::SqliteRevocationStore> revocations_;
  std::shared_ptr<LoopbackDirectory> directory_ = std::make_shared<LoopbackDirectory>();
  std::unique_ptr<ThreeLegged> tl_;
  std::mutex mutex_;
  std::vector<std::string> events_;
  std::vector<boost::json::object> audited_;
};

// The page lists the line's own active consents in plain words, protected like the consent page.
TEST_F(SelfCareTest, PageListsTheLinesConsents) {
  Page p = open_page();
  ASSERT_EQ(p.res.result_int(), 200) << p.res.body();
  const std::string& html = p.res.body();
  EXPECT_NE(html.find("demo-partner"), std::string::npos);
  EXPECT_NE(html.find("to provide the service you asked for"), std::string::npos);
  EXPECT_NE(html.find("check whether your SIM card was changed recently"), std::string::npos);
  EXPECT_NE(html.find("value=\"cns_mine\""), std::string::npos);
  EXPECT_EQ(html.find("cns_other"), std::string::npos);  // another line's consent
  EXPECT_NE(html.find(">Withdraw<"), std::string::npos);
  EXPECT_FALSE(p.session.empty());
  EXPECT_FALSE(p.csrf.empty());
  EXPECT_NE(p.res[bhttp::field::set_cookie].find("HttpOnly; SameSite=Strict"), std::string::npos);
  EXPECT_EQ(p.res["X-Frame-Options"], "DENY");
  EXPECT_EQ(p.res[bhttp::field::cache_control], "no-store");
  // A connection the network does not know gets the one-time-code fallback.
  auto unknown = *tl_->handle(make_request(bhttp::verb::get, "/consents"), from("10.1.2.3"));
  EXPECT_EQ(unknown.result_int(), 200);
  EXPECT_NE(unknown.body().find("name=\"phone_number\""), std::string::npos);
  EXPECT_EQ(unknown.body().find("cns_mine"), std::string::npos);
  auto post_only = *tl_->handle(make_request(bhttp::verb::post, "/consents"), from("127.0.0.1"));
  EXPECT_EQ(post_only.result_int(), 405);
}

// Withdraw: consent withdrawn, consent revocation recorded, refresh tokens revoked, audited once.
TEST_F(SelfCareTest, WithdrawRevokesWhatRestsOnTheConsent) {
  Page p = open_page();
  auto res = withdraw(p, "cns_mine", p.csrf);
  ASSERT_EQ(res.result_int(), 200) << res.body();
  EXPECT_NE(res.body().find("You withdrew the permission you gave to demo-partner"),
            std::string::npos);
  EXPECT_EQ(res.body().find("value=\"cns_mine\""), std::string::npos);  // no longer listed
  auto c = stores_.consents->find("cns_mine").value();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->withdrawn_at, clock_.unix_seconds());
  EXPECT_TRUE(revocations_->consent_revoked("cns_mine").value());
  EXPECT_EQ(stores_.refresh_tokens->use("h1", clock_.unix_seconds())->outcome,
            store::RefreshOutcome::kRevoked);
  EXPECT_FALSE(stores_.consents
                   ->find_covering("demo-partner", "+34600000001", "dpv:RequestedServiceProvision",
                                   core::ScopeSet::of({"sim-swap:check"}), clock_.unix_seconds())
                   .value());
  ASSERT_EQ(audited_.size(), 1u);
  EXPECT_EQ(events_.back(), "consent_withdrawn");
  EXPECT_EQ(audited_[0]["consent_id"], "cns_mine");
  EXPECT_EQ(audited_[0]["by"], "subscriber");
  EXPECT_EQ(boost::json::serialize(audited_[0]).find("34600000001"), std::string::npos);
  // Again (a double click): nothing more is written.
  auto again = withdraw({res, p.session, p.csrf, p.cookie}, "cns_mine", p.csrf);
  EXPECT_EQ(again.result_int(), 200);
  EXPECT_EQ(audited_.size(), 1u);
  EXPECT_EQ(revocations_->last_seq().value(), 1);
}

// Forms the page did not issue change nothing: no cookie, wrong CSRF token, another line's
// consent, another connection.
TEST_F(SelfCareTest, ForgedFormsChangeNothing) {
  Page p = open_page();
  EXPECT_EQ(withdraw(p, "cns_mine", p.csrf, /*with_cookie=*/false).result_int(), 403);
  EXPECT_EQ(withdraw(p, "cns_mine", "wrong-csrf").result_int(), 403);
  EXPECT_EQ(withdraw(p, "cns_other", p.csrf).result_int(), 404);
  EXPECT_EQ(withdraw(p, "cns_unknown", p.csrf).result_int(), 404);
  EXPECT_EQ(withdraw(p, "cns_mine", p.csrf, true, "127.0.0.2").result_int(), 403);
  Page other{p.res, "not-a-session", p.csrf, p.cookie};
  EXPECT_EQ(withdraw(other, "cns_mine", p.csrf).result_int(), 400);
  clock_.advance(kAuthorizeSessionLifetime);
  EXPECT_EQ(withdraw(p, "cns_mine", p.csrf).result_int(), 400);  // expired
  EXPECT_FALSE(stores_.consents->find("cns_mine").value()->withdrawn_at);
  EXPECT_FALSE(stores_.consents->find("cns_other").value()->withdrawn_at);
  EXPECT_EQ(revocations_->last_seq().value(), 0);
  EXPECT_TRUE(audited_.empty());
}

// Not network-identified: number, code by SMS, then the list; the withdrawal needs no handset IP.
// Wrong codes are limited; a number we do not know gets no SMS.
TEST_F(SelfCareTest, OneTimeCodeFallback) {
  Page p = open_page("10.1.2.3");
  ASSERT_EQ(p.res.result_int(), 200);
  auto post = [&](std::string_view path, std::string extra) {
    auto req =
        make_request(bhttp::verb::post, path, "session=" + p.session + "&csrf=" + p.csrf + extra);
    req.set(bhttp::field::cookie, p.cookie);
    return *tl_->handle(req, from("10.1.2.3"));
  };
  // Withdrawing before identification changes nothing.
  EXPECT_EQ(post("/consents/withdraw", "&consent_id=cns_mine").result_int(), 403);
  auto code_page = post("/consents/login", "&phone_number=%2B34600000001");
  ASSERT_EQ(code_page.result_int(), 200) << code_page.body();
  EXPECT_NE(code_page.body().find("name=\"otp\""), std::string::npos);
  ASSERT_EQ(directory_->sent.size(), 1u);
  EXPECT_EQ(directory_->sent[0].first, "+34600000001");
  const std::string code = directory_->sent[0].second.substr(0, 6);
  ASSERT_EQ(code.find_first_not_of("0123456789"), std::string::npos);
  const std::string wrong = code == "000000" ? "000001" : "000000";
  auto again = post("/consents/otp", "&otp=" + wrong);
  EXPECT_NE(again.body().find("not right"), std::string::npos);
  auto listed = post("/consents/otp", "&otp=" + code);
  ASSERT_EQ(listed.result_int(), 200);
  EXPECT_NE(listed.body().find("value=\"cns_mine\""), std::string::npos);
  EXPECT_EQ(listed.body().find("cns_other"), std::string::npos);
  auto done = post("/consents/withdraw", "&consent_id=cns_mine");
  ASSERT_EQ(done.result_int(), 200) << done.body();
  EXPECT_TRUE(stores_.consents->find("cns_mine").value()->withdrawn_at);
  // The session proved +34600000001 only.
  EXPECT_EQ(post("/consents/withdraw", "&consent_id=cns_other").result_int(), 404);

  // Five wrong codes end the session; an unknown number gets the same page but no SMS.
  Page q = open_page("10.1.2.3");
  p = q;
  ASSERT_EQ(post("/consents/login", "&phone_number=%2B34699999999").result_int(), 200);
  EXPECT_EQ(directory_->sent.size(), 1u);
  for (int i = 0; i < kMaxOtpAttempts - 1; ++i)
    EXPECT_EQ(post("/consents/otp", "&otp=123456").result_int(), 200);
  EXPECT_EQ(post("/consents/otp", "&otp=123456").result_int(), 403);
  EXPECT_EQ(post("/consents/otp", "&otp=123456").result_int(), 400);  // the session is gone
}

// withdraw_consent on its own: unknown ids are kNotFound; the JSON view says active or not.
TEST_F(SelfCareTest, WithdrawConsentFunction) {
  auto none = withdraw_consent({*stores_.consents, *revocations_, *stores_.refresh_tokens},
                               "cns_nope", "cli", sink(), clock_);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, WithdrawError::kNotFound);
  auto ok = withdraw_consent({*stores_.consents, *revocations_, *stores_.refresh_tokens},
                             "cns_other", "cli", sink(), clock_);
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok->newly_withdrawn);
  EXPECT_EQ(ok->revocation_seq, 1);
  auto j = consent_to_json(ok->consent, clock_.unix_seconds());
  EXPECT_EQ(j["active"], false);
  EXPECT_EQ(j["subscriber"], "tel:+34600000002");
  EXPECT_EQ(
      consent_to_json(*stores_.consents->find("cns_mine").value(), clock_.unix_seconds())["active"],
      true);
}

}  // namespace
}  // namespace tollgate::authz
