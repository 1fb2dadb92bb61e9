// Number Verification v2 (number_verification.h).
#include "network/number_verification.h"

#include "core/crypto.h"
#include "network/test_support.h"

namespace tollgate::network {
namespace {

using namespace testing;

class NumberVerificationTest : public NetworkOpTest {
 protected:
  std::string verify(std::string_view body, const Identity& id) {
    return run(&number_verification::verify, body, id);
  }
  std::string share(const Identity& id) {
    return run(&number_verification::device_phone_number, "", id);
  }
};

const std::string kNotNetworkAuth =
    "403 NUMBER_VERIFICATION.USER_NOT_AUTHENTICATED_BY_MOBILE_NETWORK Client must authenticate via "
    "the mobile network to use this service";
const std::string kNeeds3Legged =
    "403 PERMISSION_DENIED This API requires a 3-legged access token obtained with network-based "
    "authentication.";

// The token's own number verifies true, another false.
TEST_F(NumberVerificationTest, VerifiesPlainNumbers) {
  EXPECT_EQ(verify(R"({"phoneNumber":"+34600000001"})", three_legged("+34600000001")),
            R"(200 {"devicePhoneNumberVerified":true})");
  EXPECT_EQ(verify(R"({"phoneNumber":"+34600000002"})", three_legged("+34600000001")),
            R"(200 {"devicePhoneNumberVerified":false})");
}

// The SHA-256 hex of "+E.164", in either case, verifies true; another hash false.
TEST_F(NumberVerificationTest, VerifiesHashedNumbers) {
  const std::string h = core::sha256_hex("+34600000001");
  std::string upper = h;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const std::string& hash : {h, upper}) {
    EXPECT_EQ(verify(R"({"hashedPhoneNumber":")" + hash + R"("})", three_legged("+34600000001")),
              R"(200 {"devicePhoneNumberVerified":true})");
  }
  EXPECT_EQ(verify(R"({"hashedPhoneNumber":")" + core::sha256_hex("34600000001") + R"("})",
                   three_legged("+34600000001")),
            R"(200 {"devicePhoneNumberVerified":false})");
}

// GET /device-phone-number returns the token's number.
TEST_F(NumberVerificationTest, SharesTheNumber) {
  EXPECT_EQ(share(three_legged("+34600000002", "c", {"mnba"})),
            R"(200 {"devicePhoneNumber":"+34600000002"})");
}

// amr without a network-based method (absent, SMS OTP, password) → 403
// USER_NOT_AUTHENTICATED_BY_MOBILE_NETWORK; one network method among others is enough.
TEST_F(NumberVerificationTest, RequiresNetworkAuthentication) {
  for (const std::vector<std::string>& amr :
       {std::vector<std::string>{}, {"otp", "sms"}, {"pwd"}, {"NBA"}, {"nba2"}}) {
    EXPECT_EQ(verify(R"({"phoneNumber":"+34600000001"})", three_legged("+34600000001", "c", amr)),
              kNotNetworkAuth);
    EXPECT_EQ(share(three_legged("+34600000001", "c", amr)), kNotNetworkAuth);
  }
  EXPECT_EQ(share(three_legged("+34600000001", "c", {"sms", "nba"})),
            R"(200 {"devicePhoneNumber":"+34600000001"})");
}

// A 2-legged token, or a 3-legged one without a subscriber: 403 PERMISSION_DENIED.
TEST_F(NumberVerificationTest, RequiresA3LeggedToken) {
  EXPECT_EQ(verify(R"({"phoneNumber":"+34600000001"})", two_legged_), kNeeds3Legged);
  EXPECT_EQ(share(two_legged_), kNeeds3Legged);
  Identity unresolved{TokenType::kThreeLegged, std::nullopt, "c", {"nba"}};
  EXPECT_EQ(share(unresolved), kNeeds3Legged);
}

// A token for a number that is not ours: 404; a subscription not eligible: 422.
TEST_F(NumberVerificationTest, UnknownOrIneligibleSubscriber) {
  EXPECT_EQ(share(three_legged("+34600000999")), kIdentifierNotFound);
  auto s = make_subscriber("+34600000050", "10.0.0.50");
  s.not_applicable.insert(Api::kNumberVerification);
  add_subscribers({s});
  EXPECT_EQ(verify(R"({"phoneNumber":"+34600000050"})", three_legged("+34600000050")),
            kServiceNotApplicable);
}

// Exactly one member, phoneNumber or hashedPhoneNumber, well-formed — else 400, even
// before the token is looked at (CAMARA's test plan sends schema errors with 2-legged tokens).
TEST_F(NumberVerificationTest, Schema) {
  const std::string h = core::sha256_hex("+34600000001");
  for (const std::string& body : {
           std::string("{}"),
           std::string(R"({"foo":"bar"})"),
           R"({"phoneNumber":"+34600000001","hashedPhoneNumber":")" + h + R"("})",
           std::string(R"({"phoneNumber":"+34600000001","extra":1})"),
           std::string(R"({"phoneNumber":"34600000001"})"),
           std::string(R"({"phoneNumber":null})"),
           std::string(R"({"hashedPhoneNumber":"abc"})"),
           R"({"hashedPhoneNumber":")" + h + R"(0"})",
           R"({"hashedPhoneNumber":")" + h.substr(1) + R"(g"})",
           std::string("[]"),
           std::string(""),
       }) {
    EXPECT_EQ(verify(body, three_legged("+34600000001")), kInvalidArgument) << body;
    EXPECT_EQ(verify(body, two_legged_), kInvalidArgument) << body;
  }
}

}  // namespace
}  // namespace tollgate::network
