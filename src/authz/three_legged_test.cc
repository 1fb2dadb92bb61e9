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

// A grant the client is not registered for is unauthorized_client, before anything else is looked
// at.
TEST_F(ThreeLeggedTest, UnregisteredGrantIsUnauthorizedClient) {
  client_.grant_types = {"authorization_code"};
  auto r = token("grant_type=refresh_token&refresh_token=x");
  EXPECT_EQ(json(r)["error"], "unauthorized_client");
}

}  // namespace
}  // namespace tollgate::authz
