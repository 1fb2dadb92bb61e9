// status_test.cc — stable reason codes.
#include "core/status.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace tollgate::core {
namespace {

// Well-known statuses map to their documented stable codes.
TEST(Status, KnownCodes) {
  EXPECT_EQ(to_string(JoseStatus::kOk), "ok");
  EXPECT_EQ(to_string(JoseStatus::kExpired), "token_expired");
  EXPECT_EQ(to_string(JoseStatus::kSignatureInvalid), "signature_invalid");
  EXPECT_EQ(to_string(JoseStatus::kAlgNone), "alg_none");
  EXPECT_EQ(to_string(JoseStatus::kKidUnknown), "kid_unknown");
}

// Every status value has its own non-empty snake_case code.
TEST(Status, CodesAreUniqueSnakeCase) {
  std::set<std::string_view> seen;
  const int last = static_cast<int>(JoseStatus::kCryptoFailure);
  for (int i = 0; i <= last; ++i) {
    const std::string_view code = to_string(static_cast<JoseStatus>(i));
    EXPECT_FALSE(code.empty());
    EXPECT_NE(code, "unknown_status") << i;
    for (char c : code) EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') << code;
    EXPECT_TRUE(seen.insert(code).second) << "duplicate code " << code;
  }
}

}  // namespace
}  // namespace tollgate::core
