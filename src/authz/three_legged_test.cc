#include "authz/three_legged.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <mutex>

#include "authz/admin.h"
#include "authz/test_support.h"
#include "core/base64url.h"
#include "core/crypto.h"
#include "core/json.h"
#include "core/jwt.h"

namespace tollgate::authz {
namespace {

namespace bhttp = boost::beast::http;
using testing::make_request;

constexpr std::string_view kIssuer = "https://auth.tollgate.example";
constexpr std::string_view kRedirect = "https://app.example/cb";

class FakeDirectory final : public SubscriberDirectory {
 public:
  std::optional<std::string> msisdn_for_ip(std::string_view ip) const override {
    if (ip == "127.0.0.1") return "+34600000001";
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
    sent.emplace_back(std::string(msisdn), m);
    return true;
  }
  mutable std::mutex mutex_;
  mutable std::vector<std::pair<std::string, HandsetMessage>> sent;
};

std::string query_param(std::string_view location, std::string_view name) {
  const auto q = location.find('?');
  auto form = http::parse_form(location.substr(q + 1));
  auto it = form->find(name);
  return it == form->end() ? std::string() : it->second;
}

class ThreeLeggedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::open(tmp_.path() / "tollgate.db");
    ASSERT_TRUE(db);
    clients_ = *store::SqliteClientStore::open(*db);
    catalog_ =
        catalog::Catalog::from_yaml(catalog::load_string(std::string(testing::kTestCatalog) + R"(
purposes:
  dpv:FraudPreventionAndDetection: { legal_basis: legitimate_interest }
  dpv:RequestedServiceProvision: { legal_basis: consent }
)"));
    keys_.emplace(KeyManager::open(tmp_.path(), core::Alg::kES256, clock_));
    sealer_ = std::make_shared<const SubjectSealer>(*SubjectSealer::from_key(std::string(32, 'k')));
    AuthzConfig config;
    config.issuer = std::string(kIssuer);
    directory_ = std::make_shared<FakeDirectory>();
    ClientHooks hooks;
    hooks.authenticate =
        [this](const http::Request&, const http::Form& form, std::string_view,
               const http::ConnectionInfo&) -> std::expected<store::ClientRecord, http::Response> {
      return **clients_->find(form.at("client_id"));
    };
    tl_ = ThreeLegged::create(
        config, catalog_, clients_, *keys_, clock_, ThreeLeggedStores::open(*db),
        {std::make_shared<const PairwiseSubjects>(std::string(32, 'p')), sealer_}, directory_,
        hooks);
    CreateClientRequest req{
        .partner = "demo-partner",
        .scopes = core::ScopeSet::of({"sim-swap:check", "sim-swap:retrieve-date"})};
    req.grant_types = {"authorization_code", "refresh_token", std::string(grants::kCiba)};
    req.redirect_uris = {std::string(kRedirect)};
    client_ = create_client(*clients_, *catalog_, req, clock_)->record;
  }

  // GET /oauth2/authorize from 127.0.0.1 (a handset): the Location header.
  std::string authorize(std::string_view scope, const std::string& challenge) {
    auto req = make_request(
        bhttp::verb::get,
        "/oauth2/authorize?response_type=code&client_id=" + client_.client_id +
            "&redirect_uri=" + http::url_encode(kRedirect) + "&scope=" + http::url_encode(scope) +
            "&state=st&code_challenge=" + challenge + "&code_challenge_method=S256");
    auto res = tl_->handle(req, testing::test_connection());
    EXPECT_TRUE(res);
    EXPECT_EQ(res->result_int(), 302) << res->body();
    return std::string((*res)[bhttp::field::location]);
  }
  http::Response token(std::string body) {
    auto form = *http::parse_form(body);
    return tl_->token(make_request(bhttp::verb::post, "/oauth2/token", body), form, client_,
                      testing::test_connection());
  }
  static std::string challenge_of(const std::string& verifier) {
    return core::base64url_encode(core::sha256(verifier));
  }
  static boost::json::object json(const http::Response& r) {
    return boost::json::parse(r.body()).as_object();
  }

  testing::TempDir tmp_;
  core::ManualClock clock_;
  std::shared_ptr<store::SqliteClientStore> clients_;
  std::shared_ptr<const catalog::Catalog> catalog_;
  std::optional<KeyManager> keys_;
  std::shared_ptr<const SubjectSealer> sealer_;
  std::shared_ptr<FakeDirectory> directory_;
  std::unique_ptr<ThreeLegged> tl_;
  store::ClientRecord client_;
  const std::string verifier_ = std::string(50, 'v');
};

// A code exchanged within 60 s gives a token whose sub_sealed opens (with the jti) to the
// subscriber; at 60 s it has expired.
TEST_F(ThreeLeggedTest, CodeLivesSixtySecondsAndTokenSealsTheSubscriber) {
  const auto loc =
      authorize("dpv:FraudPreventionAndDetection sim-swap:check", challenge_of(verifier_));
  ASSERT_EQ(query_param(loc, "state"), "st");
  clock_.advance(std::chrono::seconds(59));
  auto ok = token("grant_type=authorization_code&code=" + query_param(loc, "code") +
                  "&redirect_uri=" + http::url_encode(kRedirect) + "&code_verifier=" + verifier_);
  ASSERT_EQ(ok.result_int(), 200) << ok.body();
  const std::string at(json(ok)["access_token"].as_string());
  auto verified =
      core::verify_jwt(at, *keys_->jwks(), {.issuer = std::string(kIssuer)}, clock_.now());
  ASSERT_TRUE(verified);
  const auto sealed = core::get_string(verified->claims, "sub_sealed");
  ASSERT_TRUE(sealed);
  EXPECT_EQ(sealer_->open(*sealed, verified->jti), "+34600000001");
  EXPECT_EQ(at.find("34600000001"), std::string::npos);

  const auto late =
      authorize("dpv:FraudPreventionAndDetection sim-swap:check", challenge_of(verifier_));
  clock_.advance(std::chrono::seconds(60));
  auto expired =
      token("grant_type=authorization_code&code=" + query_param(late, "code") +
            "&redirect_uri=" + http::url_encode(kRedirect) + "&code_verifier=" + verifier_);
  EXPECT_EQ(json(expired)["error"], "invalid_grant");
  EXPECT_EQ(json(expired)["error_description"], "the authorization code has expired");
}

// A CIBA request expires after its lifetime: expired_token; before that, pending.
TEST_F(ThreeLeggedTest, CibaRequestExpires) {
  auto body = "login_hint=" + http::url_encode("tel:+34600000002") +
              "&scope=" + http::url_encode("dpv:RequestedServiceProvision sim-swap:check") +
              "&client_id=" + client_.client_id;
  auto res = tl_->handle(make_request(bhttp::verb::post, "/oauth2/bc-authorize", body),
                         testing::test_connection());
  ASSERT_EQ(res->result_int(), 200) << res->body();
  ASSERT_EQ(directory_->sent.size(), 1u);
  EXPECT_EQ(directory_->sent[0].first, "+34600000002");
  EXPECT_EQ(directory_->sent[0].second.action_url, std::string(kIssuer) + "/oauth2/ciba/decide");
  const std::string id(json(*res)["auth_req_id"].as_string());
  EXPECT_EQ(
      json(token("grant_type=" + http::url_encode(grants::kCiba) + "&auth_req_id=" + id))["error"],
      "authorization_pending");
  clock_.advance(kCibaLifetime);
  EXPECT_EQ(
      json(token("grant_type=" + http::url_encode(grants::kCiba) + "&auth_req_id=" + id))["error"],
      "expired_token");
}

// A refresh family never outlives its first token: rotation keeps the absolute expiry.
TEST_F(ThreeLeggedTest, RefreshFamilyHasAnAbsoluteExpiry) {
  const auto loc = authorize("dpv:FraudPreventionAndDetection sim-swap:check offline_access",
                             challenge_of(verifier_));
  auto first =
      token("grant_type=authorization_code&code=" + query_param(loc, "code") +
            "&redirect_uri=" + http::url_encode(kRedirect) + "&code_verifier=" + verifier_);
  std::string refresh(json(first)["refresh_token"].as_string());
  clock_.advance(kRefreshTokenLifetime - std::chrono::hours(1));
  auto rotated = token("grant_type=refresh_token&refresh_token=" + refresh);
  ASSERT_EQ(rotated.result_int(), 200) << rotated.body();
  refresh = std::string(json(rotated)["refresh_token"].as_string());
  clock_.advance(std::chrono::hours(1));
  auto late = token("grant_type=refresh_token&refresh_token=" + refresh);
  EXPECT_EQ(json(late)["error"], "invalid_grant");
  EXPECT_EQ(json(late)["error_description"], "the refresh token has expired");
}

// A refresh `scope` may narrow the grant (RFC 6749 §6); a narrowing that is no valid 3-legged scope
// (no purpose left, or no API scope) is the request's fault: invalid_scope, and the refresh token
// still works afterwards.
TEST_F(ThreeLeggedTest, RefreshScopeNarrowingWithoutPurposeIsInvalidScope) {
  const auto loc = authorize("dpv:FraudPreventionAndDetection sim-swap:check offline_access",
                             challenge_of(verifier_));
  auto first =
      token("grant_type=authorization_code&code=" + query_param(loc, "code") +
            "&redirect_uri=" + http::url_encode(kRedirect) + "&code_verifier=" + verifier_);
  const std::string refresh(json(first)["refresh_token"].as_string());
  for (std::string_view scope :
       {"sim-swap:check", "dpv:FraudPreventionAndDetection", "offline_access"}) {
    auto r = token("grant_type=refresh_token&refresh_token=" + refresh +
                   "&scope=" + http::url_encode(scope));
    EXPECT_EQ(r.result_int(), 400) << scope;
    EXPECT_EQ(json(r)["error"], "invalid_scope") << scope << " " << r.body();
  }
  auto widened = token("grant_type=refresh_token&refresh_token=" + refresh + "&scope=" +
                       http::url_encode("dpv:FraudPreventionAndDetection sim-swap:retrieve-date"));
  EXPECT_EQ(json(widened)["error"], "invalid_scope");
  auto narrowed = token("grant_type=refresh_token&refresh_token=" + refresh + "&scope=" +
                        http::url_encode("dpv:FraudPreventionAndDetection sim-swap:check"));
  ASSERT_EQ(narrowed.result_int(), 200) << narrowed.body();
}

// A grant the client is not registered for is unauthorized_client, before anything else is looked
// at.
TEST_F(ThreeLeggedTest, UnregisteredGrantIsUnauthorizedClient) {
  client_.grant_types = {"authorization_code"};
  auto r = token("grant_type=refresh_token&refresh_token=x");
  EXPECT_EQ(json(r)["error"], "unauthorized_client");
}

// The one-time-code fallback never tells which numbers are subscribers: a number we do not know
// gets, post for post, the same answers as a subscriber's number with wrong codes (status,
// headers, page; the session and CSRF values aside) up to the same access_denied redirect after
// kMaxOtpAttempts codes — only no SMS.
TEST_F(ThreeLeggedTest, UnknownNumberFailsLikeAWrongCode) {
  http::ConnectionInfo browser = testing::test_connection();
  browser.remote = {boost::asio::ip::make_address("10.1.2.3"), 40000};  // not a handset
  auto hidden = [](const std::string& html, std::string_view name) {
    const std::string key = "name=\"" + std::string(name) + "\" value=\"";
    const auto at = html.find(key);
    if (at == std::string::npos) return std::string();
    const auto start = at + key.size();
    return html.substr(start, html.find('"', start) - start);
  };
  // Every answer of one sign-in with `phone` and always the same wrong code, the session's own
  // values replaced.
  auto sign_in = [&](std::string_view phone, std::string_view wrong) {
    std::vector<std::string> seen;
    auto res = *tl_->handle(
        make_request(bhttp::verb::get,
                     "/oauth2/authorize?response_type=code&client_id=" + client_.client_id +
                         "&redirect_uri=" + http::url_encode(kRedirect) + "&scope=" +
                         http::url_encode("dpv:FraudPreventionAndDetection sim-swap:check") +
                         "&state=st&code_challenge=" + challenge_of(verifier_) +
                         "&code_challenge_method=S256"),
        browser);
    EXPECT_EQ(res.result_int(), 200) << res.body();
    const std::string session = hidden(res.body(), "session"), csrf = hidden(res.body(), "csrf");
    const std::string set_cookie(res[bhttp::field::set_cookie]);
    const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
    EXPECT_FALSE(session.empty() || csrf.empty() || cookie.empty());
    auto normalised = [&](const http::Response& r) {
      std::string out = std::to_string(r.result_int()) + "\n";
      for (const auto& h : r)
        out += std::string(h.name_string()) + ": " + std::string(h.value()) + "\n";
      out += r.body();
      for (const std::string* v : {&session, &csrf})
        for (auto at = out.find(*v); at != std::string::npos; at = out.find(*v))
          out.replace(at, v->size(), "<value>");
      return out;
    };
    auto post = [&](std::string_view path, std::string extra) {
      auto req =
          make_request(bhttp::verb::post, path, "session=" + session + "&csrf=" + csrf + extra);
      req.set(bhttp::field::cookie, cookie);
      return *tl_->handle(req, browser);
    };
    seen.push_back(
        normalised(post("/oauth2/authorize/login", "&phone_number=" + http::url_encode(phone))));
    for (int i = 0; i < kMaxOtpAttempts; ++i)
      seen.push_back(normalised(post("/oauth2/authorize/otp", "&otp=" + std::string(wrong))));
    seen.push_back(normalised(post("/oauth2/authorize/otp", "&otp=" + std::string(wrong))));
    return seen;
  };
  const auto known = sign_in("+34600000002", "000000");
  ASSERT_EQ(directory_->sent.size(), 1u);
  const std::string code = directory_->sent[0].second.text.substr(0, 6);
  ASSERT_EQ(code.find_first_not_of("0123456789"), std::string::npos);
  // The known sign-in's code was `code`; if it happened to be 000000, use another wrong one.
  const auto unknown = sign_in("+34699999002", "000000");  // masked alike: +34 ••• ••• 002
  EXPECT_EQ(directory_->sent.size(), 1u);                  // no SMS for the unknown number
  if (code == "000000") GTEST_SKIP() << "the random code was the wrong code";
  ASSERT_EQ(known.size(), unknown.size());
  for (std::size_t i = 0; i < known.size(); ++i) EXPECT_EQ(known[i], unknown[i]) << "post " << i;
  EXPECT_NE(known[0].find("name=\"otp\""), std::string::npos);  // the code page
  for (int i = 1; i < kMaxOtpAttempts; ++i)
    EXPECT_NE(known[i].find("not right"), std::string::npos) << known[i];
  // The last attempt ends the sign-in: the client hears access_denied; then the session is gone.
  EXPECT_TRUE(known[kMaxOtpAttempts].starts_with("303\n")) << known[kMaxOtpAttempts];
  EXPECT_NE(known[kMaxOtpAttempts].find("error=access_denied"), std::string::npos);
  EXPECT_TRUE(known[kMaxOtpAttempts + 1].starts_with("400\n"));
}

}  // namespace
}  // namespace tollgate::authz
