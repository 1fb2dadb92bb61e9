#include "authz/sealed_subject.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "authz/pairwise.h"
#include "authz/test_support.h"

namespace tollgate::authz {
namespace {

SubjectSealer sealer(char fill = 'k') { return *SubjectSealer::from_key(std::string(32, fill)); }

// A sealed MSISDN opens to itself with the same key and context, and its text does not contain the
// number.
TEST(SealedSubject, RoundTripAndNoClearText) {
  const auto s = sealer();
  const std::string sealed = s.seal("+34600000001", "jti-1");
  ASSERT_TRUE(sealed.starts_with("1."));
  EXPECT_EQ(sealed.find("34600000001"), std::string::npos);
  EXPECT_EQ(s.open(sealed, "jti-1"), "+34600000001");
  EXPECT_NE(s.seal("+34600000001", "jti-1"), sealed);  // fresh IV each time
}

// Another key, another context (a value moved to another token), any flipped bit or a truncation
// fails to open.
TEST(SealedSubject, TamperingWrongKeyOrContextFails) {
  const auto s = sealer();
  const std::string sealed = s.seal("+34600000001", "jti-1");
  EXPECT_EQ(sealer('x').open(sealed, "jti-1"), std::nullopt);
  EXPECT_EQ(s.open(sealed, "jti-2"), std::nullopt);
  auto raw = *core::base64url_decode(sealed.substr(2));
  for (std::size_t i = 0; i < raw.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string t = raw;
      t[i] = static_cast<char>(t[i] ^ (1 << bit));
      ASSERT_EQ(s.open("1." + core::base64url_encode(t), "jti-1"), std::nullopt) << i << ":" << bit;
    }
  }
  for (std::size_t n = 0; n < sealed.size(); ++n)
    EXPECT_EQ(s.open(sealed.substr(0, n), "jti-1"), std::nullopt);
  EXPECT_EQ(s.open("2." + sealed.substr(2), "jti-1"), std::nullopt);
  EXPECT_FALSE(SubjectSealer::from_key("short"));
}

// The key file is created 0600 on first load, reloads to the same key, and a group-readable file is
// refused.
TEST(SealedSubject, KeyFileCreatedPrivateAndReloaded) {
  testing::TempDir dir;
  const auto file = dir.path() / "subject-seal.key";
  EXPECT_FALSE(SubjectSealer::load(file, /*create=*/false));
  auto a = SubjectSealer::load(file, true);
  ASSERT_TRUE(a) << a.error();
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto b = SubjectSealer::load(file, false);
  ASSERT_TRUE(b) << b.error();
  EXPECT_EQ(b->open(a->seal("+34600000002", "j"), "j"), "+34600000002");
  ::chmod(file.c_str(), 0640);
  auto c = SubjectSealer::load(file, false);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().find("chmod 600"), std::string::npos);
}

// Pairwise subjects are stable per (partner, MSISDN), differ across partners and subscribers, and
// hide the number.
TEST(Pairwise, StablePerPartnerAndOpaque) {
  PairwiseSubjects p(std::string(32, 's'));
  const auto a1 = p.subject("acme", "+34600000001");
  EXPECT_EQ(a1, p.subject("acme", "+34600000001"));
  EXPECT_NE(a1, p.subject("other", "+34600000001"));
  EXPECT_NE(a1, p.subject("acme", "+34600000002"));
  EXPECT_NE(a1, PairwiseSubjects(std::string(32, 't')).subject("acme", "+34600000001"));
  EXPECT_EQ(a1.size(), 43u);
  EXPECT_EQ(a1.find("600000001"), std::string::npos);
  // The separator keeps ("ab", "+3...") and ("a", "b+3...") apart.
  EXPECT_NE(p.subject("ab", "+34600000001"), p.subject("a", "b+34600000001"));
}

}  // namespace
}  // namespace tollgate::authz
