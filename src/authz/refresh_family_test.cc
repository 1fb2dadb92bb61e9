// Reuse of a rotated refresh token (or of the code that started the family) revokes the family's
// access tokens too: their jti land in the revocation store that feeds the gateways. Real SQLite
// stores throughout; the revocation hook writes to a real SqliteRevocationStore.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "authz/admin.h"
#include "authz/refresh_revoker.h"
#include "authz/test_support.h"
#include "authz/three_legged.h"
#include "core/base64url.h"
#include "core/crypto.h"
#include "store/revocations.h"

namespace tollgate::authz {
namespace {

namespace bhttp = boost::beast::http;
using testing::make_request;

constexpr std::string_view kRedirect = "https://app.example/cb";

class OneHandset final : public SubscriberDirectory {
 public:
  std::optional<std::string> msisdn_for_ip(std::string_view ip) const override {
    if (ip == "127.0.0.1") return "+34600000001";
    return std::nullopt;
  }
  bool knows(std::string_view m) const override { return m == "+34600000001"; }
  std::optional<std::string> resolve_operator_token(std::string_view) const override {
    return std::nullopt;
  }
  bool send_to_handset(std::string_view, const HandsetMessage&) const override { return true; }
};

std::string param(std::string_view location, std::string_view name) {
  auto form = http::parse_form(location.substr(location.find('?') + 1));
  auto it = form->find(name);
  return it == form->end() ? std::string() : it->second;
}

class RefreshFamilyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = *store::Database::open(tmp_.path() / "tollgate.db");
    clients_ = *store::SqliteClientStore::open(db_);
    revocations_ = *store::SqliteRevocationStore::open(db_);
    catalog_ =
        catalog::Catalog::from_yaml(catalog::load_string(std::string(testing::kTestCatalog) + R"(
purposes:
  dpv:FraudPreventionAndDetection: { legal_basis: legitimate_interest }
)"));
    keys_.emplace(KeyManager::open(tmp_.path(), core::Alg::kES256, clock_));
    AuthzConfig config;
    config.issuer = "https://auth.tollgate.example";
    stores_ = ThreeLeggedStores::open(db_);
    ClientHooks hooks;
    hooks.revoke_access_token = [this](std::string_view jti, std::string_view client_id,
                                       std::int64_t exp, std::string_view reason) {
      ASSERT_TRUE(revocations_->revoke_token(jti, client_id, exp, clock_.unix_seconds(), reason));
    };
    revoke_hook_ = hooks.revoke_access_token;
    tl_ = ThreeLegged::create(
        config, catalog_, clients_, *keys_, clock_, stores_,
        {std::make_shared<const PairwiseSubjects>(std::string(32, 'p')),
         std::make_shared<const SubjectSealer>(*SubjectSealer::from_key(std::string(32, 'k')))},
        std::make_shared<OneHandset>(), hooks);
    CreateClientRequest req{.partner = "demo-partner",
                            .scopes = core::ScopeSet::of({"sim-swap:check"}),
                            .grant_types = {"authorization_code", "refresh_token"},
                            .redirect_uris = {std::string(kRedirect)}};
    client_ = create_client(*clients_, *catalog_, req, clock_)->record;
  }

  // A code from the network-authenticated flow (no prompt: legitimate interest).
  std::string code() {
    auto res = tl_->handle(
        make_request(bhttp::verb::get,
                     "/oauth2/authorize?response_type=code&client_id=" + client_.client_id +
                         "&redirect_uri=" + http::url_encode(kRedirect) + "&scope=" +
                         http::url_encode("dpv:FraudPreventionAndDetection sim-swap:check "
                                          "offline_access") +
                         "&code_challenge=" + core::base64url_encode(core::sha256(verifier_)) +
                         "&code_challenge_method=S256"),
        testing::test_connection());
    EXPECT_EQ(res->result_int(), 302) << res->body();
    return param(std::string((*res)[bhttp::field::location]), "code");
  }
  boost::json::object token(const std::string& body) {
    auto res = tl_->token(make_request(bhttp::verb::post, "/oauth2/token", body),
                          *http::parse_form(body), client_, testing::test_connection());
    return boost::json::parse(res.body()).as_object();
  }
  boost::json::object redeem(const std::string& c) {
    return token("grant_type=authorization_code&code=" + c +
                 "&redirect_uri=" + http::url_encode(kRedirect) + "&code_verifier=" + verifier_);
  }
  boost::json::object refresh(const boost::json::object& from) {
    return token("grant_type=refresh_token&refresh_token=" +
                 std::string(from.at("refresh_token").as_string()));
  }
  // The jti of an access token in a token response.
  static std::string jti_of(const boost::json::object& body) {
    const std::string at(body.at("access_token").as_string());
    const auto first = at.find('.');
    const auto payload = core::base64url_decode(at.substr(first + 1, at.rfind('.') - first - 1));
    return std::string(boost::json::parse(*payload).at("jti").as_string());
  }
  bool revoked(const std::string& jti) { return *revocations_->token_revoked(jti); }

  testing::TempDir tmp_;
  core::ManualClock clock_;
  std::shared_ptr<store::Database> db_;
  std::shared_ptr<store::SqliteClientStore> clients_;
  std::shared_ptr<store::SqliteRevocationStore> revocations_;
  std::shared_ptr<const catalog::Catalog> catalog_;
  std::optional<KeyManager> keys_;
  ThreeLeggedStores stores_;
  AccessTokenRevoke revoke_hook_;
  std::unique_ptr<ThreeLegged> tl_;
  store::ClientRecord client_;
  const std::string verifier_ = std::string(50, 'v');
};

// Reusing a rotated refresh token revokes every unexpired access token of the family (those
// issued with the code and with each rotation), and they appear in the revocations feed;
// another family's tokens stay valid.
TEST_F(RefreshFamilyTest, ReusedRefreshTokenRevokesTheFamilysAccessTokens) {
  const auto first = redeem(code());
  ASSERT_TRUE(first.contains("refresh_token")) << boost::json::serialize(first);
  clock_.advance(std::chrono::seconds(10));
  const auto second = refresh(first);
  ASSERT_TRUE(second.contains("refresh_token")) << boost::json::serialize(second);
  const auto third = refresh(second);
  const auto bystander = redeem(code());
  EXPECT_FALSE(revoked(jti_of(first)));

  const auto reuse = refresh(first);
  EXPECT_EQ(reuse.at("error"), "invalid_grant");
  for (const auto* body : {&first, &second, &third}) EXPECT_TRUE(revoked(jti_of(*body)));
  EXPECT_FALSE(revoked(jti_of(bystander)));
  auto feed = revocations_->since(0, 100, clock_.unix_seconds());
  ASSERT_TRUE(feed);
  ASSERT_EQ(feed->size(), 3u);
  for (const auto& e : *feed) {
    EXPECT_EQ(e.kind, store::RevocationKind::kToken);
    EXPECT_EQ(e.client_id, client_.client_id);
    EXPECT_EQ(e.reason, "refresh_reused");
    EXPECT_GT(e.exp, clock_.unix_seconds());
  }
  EXPECT_EQ(refresh(third).at("error"), "invalid_grant");  // the successor is dead too
}

// Access tokens that already expired are not revoked (nothing left to revoke, no feed noise).
TEST_F(RefreshFamilyTest, ExpiredAccessTokensAreNotRevokedAgain) {
  const auto first = redeem(code());
  clock_.advance(std::chrono::hours(2));  // the access token (15 min) has expired
  const auto second = refresh(first);
  ASSERT_TRUE(second.contains("access_token"));
  EXPECT_EQ(refresh(first).at("error"), "invalid_grant");
  EXPECT_FALSE(revoked(jti_of(first)));
  EXPECT_TRUE(revoked(jti_of(second)));
}

// Reusing the authorization code after the family rotated revokes the rotated access token too.
TEST_F(RefreshFamilyTest, ReusedCodeRevokesTheRotatedAccessTokens) {
  const std::string c = code();
  const auto first = redeem(c);
  const auto second = refresh(first);
  EXPECT_EQ(redeem(c).at("error"), "invalid_grant");
  EXPECT_TRUE(revoked(jti_of(first)));
  EXPECT_TRUE(revoked(jti_of(second)));
  EXPECT_EQ(refresh(second).at("error"), "invalid_grant");
}

// RFC 7009 revocation of a refresh token (through the revoker) revokes the family's access tokens.
TEST_F(RefreshFamilyTest, Rfc7009RevocationOfARefreshTokenRevokesItsAccessTokens) {
  const auto first = redeem(code());
  const auto second = refresh(first);
  auto revoker = make_refresh_revoker(
      stores_.refresh_tokens, std::make_shared<const PairwiseSubjects>(std::string(32, 'p')),
      clock_, revoke_hook_);
  EXPECT_EQ(revoker->revoke(std::string(second.at("refresh_token").as_string()), client_.client_id),
            RefreshTokenRevoker::Outcome::kRevoked);
  EXPECT_TRUE(revoked(jti_of(first)));
  EXPECT_TRUE(revoked(jti_of(second)));
}

}  // namespace
}  // namespace tollgate::authz
