// KYC Match v0.4 (kyc_match.h).
#include "network/kyc_match.h"

#include "network/test_support.h"

namespace tollgate::network {
namespace {

using namespace testing;

class KycMatchTest : public NetworkOpTest {
 protected:
  std::string match(std::string_view body, const Identity& id) {
    return run(&kyc_match::match, body, id);
  }
  std::string match(std::string_view body) { return match(body, two_legged_); }
};

const std::string kAna = R"("phoneNumber":"+34600000001","idDocument":"66666666q")";
const std::string kMissingPhone = "422 MISSING_IDENTIFIER No phone number has been provided";

// Jaro-Winkler reference values (Winkler 1990): MARTHA/MARHTA 0.961, DWAYNE/DUANE 0.840,
// DIXON/DICKSONX 0.813; identical strings 1; nothing in common 0.
TEST(JaroWinkler, ReferenceValues) {
  EXPECT_NEAR(kyc_match::jaro_winkler("MARTHA", "MARHTA"), 0.9611, 1e-4);
  EXPECT_NEAR(kyc_match::jaro_winkler("DWAYNE", "DUANE"), 0.84, 1e-4);
  EXPECT_NEAR(kyc_match::jaro_winkler("DIXON", "DICKSONX"), 0.8133, 1e-4);
  EXPECT_DOUBLE_EQ(kyc_match::jaro_winkler("García", "García"), 1.0);
  EXPECT_DOUBLE_EQ(kyc_match::jaro_winkler("abc", "xyz"), 0.0);
  EXPECT_DOUBLE_EQ(kyc_match::jaro_winkler("", ""), 1.0);
  EXPECT_DOUBLE_EQ(kyc_match::jaro_winkler("", "a"), 0.0);
  // "í" is one character, not two bytes: one mismatch in 6 characters.
  EXPECT_NEAR(kyc_match::jaro_winkler("garcia", "garcía"), 0.9333, 1e-4);
}

// Normalised equality is "true"; a different text is "false" with a Jaro-Winkler score
// (García López vs Garcia Lopez: 93); an attribute not on file is "not_available"; the
// answer has exactly the attributes sent, in the spec's order.
TEST_F(KycMatchTest, MatchesAttributes) {
  EXPECT_EQ(
      match(
          "{" + kAna +
          R"(,"nationality":"ES","givenName":"  ana ","familyName":"Garcia  Lopez",)"
          R"("email":"ANA.GARCIA@example.com","birthdate":"1978-08-22","country":"es","gender":"FEMALE"})"),
      R"(200 {"idDocumentMatch":"true","givenNameMatch":"true","familyNameMatch":"false",)"
      R"("familyNameMatchScore":93,"countryMatch":"true","birthdateMatch":"true","emailMatch":"true",)"
      R"("genderMatch":"not_available","nationalityMatch":"not_available"})");
}

// Exact attributes (dates, enumerations) never get a score; a wrong date is plain "false".
TEST_F(KycMatchTest, ExactAttributesHaveNoScore) {
  EXPECT_EQ(
      match("{" + kAna +
            R"(,"birthdate":"1978-08-23","idDocumentType":"passport","locality":"Madrid"})"),
      R"(200 {"idDocumentMatch":"true","idDocumentTypeMatch":"false","localityMatch":"true","birthdateMatch":"false"})");
}

// The idDocument gate: required (403) and matching (403) when the record holds one,
// spaces, hyphens and case ignored; not needed when the record holds none.
TEST_F(KycMatchTest, IdDocumentGate) {
  EXPECT_EQ(match(R"({"phoneNumber":"+34600000001","givenName":"Ana"})"),
            "403 KNOW_YOUR_CUSTOMER.ID_DOCUMENT_REQUIRED The idDocument is required to perform the "
            "properties validation");
  EXPECT_EQ(match(R"({"phoneNumber":"+34600000001","idDocument":"66666666R","givenName":"Ana"})"),
            "403 KNOW_YOUR_CUSTOMER.ID_DOCUMENT_MISMATCH The idDocument needs to match the one "
            "associated with the provided phoneNumber");
  EXPECT_EQ(match(R"({"phoneNumber":"+34600000001","idDocument":"6666-6666 Q","givenName":"Ana"})"),
            R"(200 {"idDocumentMatch":"true","givenNameMatch":"true"})");
  EXPECT_EQ(
      match(R"({"phoneNumber":"+34600000002","givenName":"Jordy","idDocument":"X"})"),
      R"(200 {"idDocumentMatch":"not_available","givenNameMatch":"false","givenNameMatchScore":92})");
}

// Only a phoneNumber (or nothing): 400 KNOW_YOUR_CUSTOMER.INVALID_PARAM_COMBINATION.
TEST_F(KycMatchTest, NeedsAnAttribute) {
  const std::string expected =
      "400 KNOW_YOUR_CUSTOMER.INVALID_PARAM_COMBINATION Indicated parameter combination is invalid";
  EXPECT_EQ(match(R"({"phoneNumber":"+34600000001"})"), expected);
  EXPECT_EQ(match(R"({"phoneNumber":"+34600000001","other":"x"})"), expected);
  EXPECT_EQ(match("{}", three_legged("+34600000001")), expected);
}

// 3-legged: the token's number; a phoneNumber sent must be the same (403
// INVALID_TOKEN_CONTEXT otherwise; never UNNECESSARY_IDENTIFIER).
TEST_F(KycMatchTest, ThreeLeggedPhoneNumberRule) {
  EXPECT_EQ(match(R"({"givenName":"Jordi"})", three_legged("+34600000002")),
            R"(200 {"givenNameMatch":"true"})");
  EXPECT_EQ(
      match(R"({"phoneNumber":"+34600000002","givenName":"Jordi"})", three_legged("+34600000002")),
      R"(200 {"givenNameMatch":"true"})");
  EXPECT_EQ(
      match(R"({"phoneNumber":"+34600000003","givenName":"Jordi"})", three_legged("+34600000002")),
      "403 INVALID_TOKEN_CONTEXT phoneNumber is not consistent with access token.");
  Identity unresolved{TokenType::kThreeLegged, std::nullopt, "client-a", {}};
  EXPECT_EQ(match(R"({"phoneNumber":"+34600000002","givenName":"Jordi"})", unresolved),
            kMissingPhone);
}

// 2-legged without phoneNumber: 422 MISSING_IDENTIFIER; unknown number: 404; not eligible: 422.
TEST_F(KycMatchTest, IdentificationErrors) {
  EXPECT_EQ(match(R"({"givenName":"Jordi"})"), kMissingPhone);
  EXPECT_EQ(match(R"({"phoneNumber":"+34600000999","givenName":"Jordi"})"),
            "404 IDENTIFIER_NOT_FOUND The phone number provided is not associated with a customer "
            "account");
  auto s = make_subscriber("+34600000040", "10.0.0.40");
  s.not_applicable.insert(Api::kKycMatch);
  add_subscribers({s});
  EXPECT_EQ(
      match(R"({"phoneNumber":"+34600000040","givenName":"X"})"),
      "422 SERVICE_NOT_APPLICABLE The service is not applicable for the provided phone number");
}

// Schema: strings only, enumerations, dates, email, phone pattern — 400 INVALID_ARGUMENT,
// before identification.
TEST_F(KycMatchTest, Schema) {
  for (const char* body : {
           R"({"phoneNumber":"+34600000001","givenName":5})",
           R"({"phoneNumber":"+34600000001","givenName":null})",
           R"({"phoneNumber":"+34600000001","idDocumentType":"Passport"})",
           R"({"phoneNumber":"+34600000001","gender":"male"})",
           R"({"phoneNumber":"+34600000001","birthdate":"1978-02-30"})",
           R"({"phoneNumber":"+34600000001","birthdate":"22/08/1978"})",
           R"({"phoneNumber":"+34600000001","idDocumentExpiryDate":"2027-13-01"})",
           R"({"phoneNumber":"+34600000001","email":"ana.example.com"})",
           R"({"phoneNumber":"+34600000001","email":"ana@@example.com"})",
           R"({"phoneNumber":"34600000001","givenName":"Ana"})",
           R"([])",
           "",
       }) {
    EXPECT_EQ(match(body), kInvalidArgument) << body;
  }
  EXPECT_EQ(match(R"({"phoneNumber":"+34600000999","birthdate":"2000-02-29"})").substr(0, 3),
            "404");
  EXPECT_EQ(match(R"({"phoneNumber":"+34600000999","birthdate":"1900-02-29"})"), kInvalidArgument);
}

}  // namespace
}  // namespace tollgate::network
