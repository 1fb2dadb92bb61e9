#include "authz/admin_token.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "authz/test_support.h"

namespace tollgate::authz {
namespace {

namespace fs = std::filesystem;

std::string load_error(const std::optional<std::string>& file, const fs::path& dir) {
  try {
    AdminCredential::load(file, dir);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "no error";
}

// Without configuration a 256-bit token is generated into data/admin-token, mode 0600, and reused.
TEST(AdminCredential, GeneratedOnFirstStartThenReused) {
  testing::TempDir tmp;
  const auto a = AdminCredential::load(std::nullopt, tmp.path() / "data");
  const fs::path file = tmp.path() / "data" / "admin-token";
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string token;
  std::ifstream(file) >> token;
  EXPECT_EQ(token.size(), 43u);
  EXPECT_TRUE(a.check("Bearer " + token));
  EXPECT_TRUE(a.check("bearer " + token));
  EXPECT_TRUE(AdminCredential::load(std::nullopt, tmp.path() / "data").check("Bearer " + token));
  EXPECT_FALSE(a.check(token));
  EXPECT_FALSE(a.check("Bearer " + token + "x"));
  EXPECT_FALSE(a.check("Basic " + token));
  EXPECT_FALSE(a.check("Bearer "));
}

// A configured file must be private and hold a long token.
TEST(AdminCredential, ConfiguredFileRules) {
  testing::TempDir tmp;
  const fs::path file = tmp.path() / "admin.txt";
  { std::ofstream(file) << "  0123456789abcdef0123456789abcdef-long-enough\n"; }
  ::chmod(file.c_str(), 0644);
  EXPECT_NE(load_error(file.string(), tmp.path()).find("chmod 600"), std::string::npos);
  ::chmod(file.c_str(), 0600);
  EXPECT_TRUE(AdminCredential::load(file.string(), tmp.path()).check("Bearer 0123456789abcdef0123456789abcdef-long-enough"));
  { std::ofstream(file, std::ios::trunc) << "short"; }
  EXPECT_NE(load_error(file.string(), tmp.path()).find("at least 32"), std::string::npos);
  { std::ofstream(file, std::ios::trunc) << "0123456789abcdef 0123456789abcdef-two-words\n"; }
  EXPECT_NE(load_error(file.string(), tmp.path()).find("visible ASCII"), std::string::npos);
  { std::ofstream(file, std::ios::trunc) << "0123456789abcdef\x01" "0123456789abcdef-control\n"; }
  EXPECT_NE(load_error(file.string(), tmp.path()).find("visible ASCII"), std::string::npos);
  EXPECT_NE(load_error((tmp.path() / "missing").string(), tmp.path()).find("cannot open"), std::string::npos);
  EXPECT_FALSE(fs::exists(tmp.path() / "admin-token"));  // a configured file never triggers generation
}

}  // namespace
}  // namespace tollgate::authz
