#include "gateway/subject.h"

#include <gtest/gtest.h>

namespace tollgate::gateway {
namespace {

std::shared_ptr<const authz::SubjectSealer> sealer() {
  return std::make_shared<const authz::SubjectSealer>(
      *authz::SubjectSealer::from_key(std::string(32, 'k')));
}

core::VerifiedJwt token(std::string jti, std::optional<std::string> sealed) {
  core::VerifiedJwt t;
  t.jti = std::move(jti);
  if (sealed) t.claims[authz::kSealedSubjectClaim] = *sealed;
  t.claims["amr"] = boost::json::array{"nba", "otp"};
  return t;
}

// A token without sub_sealed stays 2-legged; one with it opens to the subscriber, its amr and
// "3-legged".
TEST(GatewaySubject, SealedSubjectBecomesIdentityHeaders) {
  auto s = sealer();
  set_subject_sealer(s);
  Identity two;
  EXPECT_TRUE(resolve_subject(token("j1", std::nullopt), two));
  EXPECT_EQ(two.token_type, "2-legged");
  EXPECT_TRUE(two.subscriber.empty());

  Identity three;
  ASSERT_TRUE(resolve_subject(token("j1", s->seal("+34600000001", "j1")), three));
  EXPECT_EQ(three.token_type, "3-legged");
  EXPECT_EQ(three.subscriber, "+34600000001");
  EXPECT_EQ(three.amr, "nba otp");
  http::Request in{http::bhttp::verb::post, "/sim-swap/v2/check", 11};
  in.set("x-tollgate-subscriber", "+34699999999");  // a partner's forgery is stripped
  auto out = make_upstream_request(std::move(in), three, "corr");
  EXPECT_EQ(out["x-tollgate-subscriber"], "+34600000001");
  EXPECT_EQ(out["x-tollgate-token-type"], "3-legged");
  EXPECT_EQ(out["x-tollgate-amr"], "nba otp");
}

// Fail closed: a seal moved to another token (jti), made with another key, not a number, or with no
// key installed.
TEST(GatewaySubject, UnsealableSubjectIsRefused) {
  auto s = sealer();
  set_subject_sealer(s);
  Identity id;
  EXPECT_FALSE(resolve_subject(token("j2", s->seal("+34600000001", "j1")), id));
  auto other = authz::SubjectSealer::from_key(std::string(32, 'o'));
  EXPECT_FALSE(resolve_subject(token("j1", other->seal("+34600000001", "j1")), id));
  EXPECT_FALSE(resolve_subject(token("j1", s->seal("not-a-number", "j1")), id));
  auto bad_amr = token("j1", s->seal("+34600000001", "j1"));
  bad_amr.claims["amr"] = boost::json::array{"nba\r\nx-evil: 1"};
  EXPECT_FALSE(resolve_subject(bad_amr, id));
  set_subject_sealer(nullptr);
  EXPECT_FALSE(resolve_subject(token("j1", s->seal("+34600000001", "j1")), id));
  EXPECT_EQ(id.token_type, "2-legged");
}

}  // namespace
}  // namespace tollgate::gateway
