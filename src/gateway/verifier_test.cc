#include "gateway/verifier.h"

#include <gtest/gtest.h>

#include "gateway/test_util.h"

namespace tollgate::gateway {
namespace {

using namespace testing;

// With two issuers, each is held to its own keys: a token naming issuer B but
// signed with issuer A's key fails, and an unknown iss costs no signature check.
class MultiIssuerTest : public ::testing::Test {
 protected:
  core::ManualClock clock_{kNow};
  // Issuer 0 (kIssuer) holds ec-1; issuer 1 ("https://idp.partner.example") holds rsa-1.
  class TwoKeySets final : public JwksCache {
   public:
    std::shared_ptr<const core::Jwks> keys(std::size_t i) const override { return i == 0 ? a : b; }
    bool request_refresh(std::size_t i) override {
      refreshed.push_back(i);
      return true;
    }
    void poll() override {}
    void start() override {}
    void stop() override {}
    JwksStats stats(std::size_t) const override { return {}; }
    std::shared_ptr<const core::Jwks> a =
        std::make_shared<const core::Jwks>(std::vector{public_of(testing::keys().ec)});
    std::shared_ptr<const core::Jwks> b =
        std::make_shared<const core::Jwks>(std::vector{public_of(testing::keys().rsa)});
    std::vector<std::size_t> refreshed;
  };
  std::shared_ptr<TwoKeySets> jwks_ = std::make_shared<TwoKeySets>();
  std::shared_ptr<const Verifier> v_;
  const catalog::Product& sim_swap_ = *test_catalog()->product("sim-swap");

  void SetUp() override {
    IssuerConfig b;
    b.issuer = "https://idp.partner.example";
    b.jwks_uri = "http://127.0.0.1:1/keys";
    b.required_typ = "";
    v_ = Verifier::create({test_issuer(), b}, test_catalog(), jwks_, clock_);
  }

  std::string reason(const std::string& token) {
    auto r = v_->verify(token, sim_swap_);
    return r ? "ok:" + r->jwt.iss : std::string(core::to_string(r.error()));
  }
};

// Each issuer's tokens verify with that issuer's keys and policy.
TEST_F(MultiIssuerTest, EachIssuerUsesItsOwnKeys) {
  EXPECT_EQ(reason(mint(good_claims())), "ok:https://as.test.example");
  auto c = good_claims();
  c["iss"] = "https://idp.partner.example";
  EXPECT_EQ(reason(mint(c, keys().rsa, core::Alg::kRS256, "JWT")),
            "ok:https://idp.partner.example");
}

// A token that names issuer B but is signed with issuer A's key is refused.
TEST_F(MultiIssuerTest, ForgedIssuerGainsNothing) {
  auto c = good_claims();
  c["iss"] = "https://idp.partner.example";
  EXPECT_EQ(reason(mint(c, keys().ec)), "kid_unknown");
  EXPECT_EQ(jwks_->refreshed, std::vector<std::size_t>{1});  // only B's keys are refreshed
}

// An iss we do not trust, or none, is refused before any key is looked at.
TEST_F(MultiIssuerTest, UntrustedOrMissingIssuer) {
  auto c = good_claims();
  c["iss"] = "https://evil.example";
  EXPECT_EQ(reason(mint(c)), "iss_mismatch");
  c.erase("iss");
  EXPECT_EQ(reason(mint(c)), "iss_missing");
  c["iss"] = 42;
  EXPECT_EQ(reason(mint(c)), "claim_wrong_type");
  EXPECT_EQ(reason("garbage"), "token_malformed");
  EXPECT_TRUE(jwks_->refreshed.empty());
}

// The policy for (issuer, product) combines both as documented.
TEST(Verifier, PolicyCombinesIssuerAndProduct) {
  auto issuer = test_issuer();
  issuer.audiences = {"telco-api", std::string(kSimSwapAudience)};
  issuer.clock_skew = std::chrono::seconds(5);
  issuer.required_typ = "";
  const auto p = make_policy(issuer, *test_catalog()->product("sim-swap"));
  EXPECT_EQ(p.issuer, kIssuer);
  EXPECT_EQ(p.audiences, (std::vector<std::string>{std::string(kSimSwapAudience), "telco-api"}));
  EXPECT_EQ(p.clock_skew, std::chrono::seconds(5));
  EXPECT_EQ(p.required_typ, "");
  EXPECT_TRUE(p.allowed_algs.contains(core::Alg::kEdDSA));
}

// With no trusted issuer at all, every token is refused.
TEST(Verifier, NoIssuersRefusesEverything) {
  core::ManualClock clock{kNow};
  auto v =
      Verifier::create({}, test_catalog(), std::make_shared<FakeJwksCache>(public_jwks()), clock);
  auto r = v->verify(mint(good_claims()), *test_catalog()->product("sim-swap"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), core::JoseStatus::kIssMismatch);
}

// A product's gateway policy narrows the issuer's: its algorithms, its skew and its maximum
// token age apply to that product only.
TEST(Verifier, ProductPolicyNarrowsIssuer) {
  core::ManualClock clock{kNow};
  ProductPolicy pp;
  pp.algorithms = core::AlgSet{core::Alg::kES256};
  pp.max_token_age = std::chrono::seconds(60);
  pp.clock_skew = std::chrono::seconds(0);
  auto v = Verifier::create({test_issuer()}, test_catalog(),
                            std::make_shared<FakeJwksCache>(public_jwks()), clock,
                            {{"sim-swap", pp}});
  const auto& sim_swap = *test_catalog()->product("sim-swap");
  auto reason = [&](const std::string& token) {
    auto r = v->verify(token, sim_swap);
    return r ? std::string("ok") : std::string(core::to_string(r.error()));
  };
  EXPECT_EQ(reason(mint(good_claims())), "ok");
  EXPECT_EQ(reason(mint(good_claims(), keys().rsa, core::Alg::kRS256)), "alg_not_allowed");
  auto old = good_claims();
  old["iat"] = kNow - 61;  // older than 60 s with no skew
  EXPECT_EQ(reason(mint(old)), "token_too_old");
  // The other product keeps the issuer's defaults: RS256 and any age.
  auto qod = good_claims(kQodAudience, "quality-on-demand:sessions:read");
  qod["iat"] = kNow - 3600;
  auto r = v->verify(mint(qod, keys().rsa, core::Alg::kRS256),
                     *test_catalog()->product("quality-on-demand"));
  EXPECT_TRUE(r.has_value());
  // The window the token cache will honour ends with the maximum age.
  auto ok = v->verify(mint(good_claims()), sim_swap);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->valid_until, core::TimePoint(std::chrono::seconds(kNow - 10 + 60 + 1)));
}

}  // namespace
}  // namespace tollgate::gateway
