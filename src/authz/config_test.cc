#include "authz/config.h"

#include <gtest/gtest.h>

#include "catalog/yaml_util.h"

namespace tollgate::authz {
namespace {

AuthzConfig load(const std::string& yaml) {
  return AuthzConfig::from_yaml(catalog::load_string(yaml));
}

std::string error_of(const std::string& yaml) {
  try {
    load(yaml);
  } catch (const catalog::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

// A missing or empty section gives the documented defaults.
TEST(AuthzConfig, NullSectionGivesDefaults) {
  const AuthzConfig c = AuthzConfig::from_yaml(YAML::Node());
  EXPECT_EQ(c.listen, "127.0.0.1:9000");
  EXPECT_EQ(c.issuer, "http://127.0.0.1:9000");
  EXPECT_EQ(c.signing_alg, core::Alg::kES256);
  EXPECT_EQ(c.clock_skew, std::chrono::seconds(30));
  EXPECT_EQ(c.token_endpoint(), "http://127.0.0.1:9000/oauth2/token");
  EXPECT_EQ(c.jwks_uri(), "http://127.0.0.1:9000/jwks.json");
  EXPECT_EQ(AuthzConfig::from_yaml(catalog::load_string("~")).issuer, "http://127.0.0.1:9000");
}

// Without an explicit issuer, the issuer follows the listen address.
TEST(AuthzConfig, IssuerFollowsListenByDefault) {
  EXPECT_EQ(load("listen: 127.0.0.1:19001").issuer, "http://127.0.0.1:19001");
  const AuthzConfig c = load("listen: 127.0.0.1:19001\nissuer: https://auth.operator.example\n");
  EXPECT_EQ(c.issuer, "https://auth.operator.example");
  EXPECT_EQ(c.token_endpoint(), "https://auth.operator.example/oauth2/token");
}

// Every setting is read, and non-HMAC algorithms are accepted.
TEST(AuthzConfig, ReadsEverySetting) {
  const AuthzConfig c = load(
      "listen: 0.0.0.0:9443\nissuer: https://a.example/tenant\nsigning_alg: EdDSA\nclock_skew: "
      "1m\n");
  EXPECT_EQ(c.listen, "0.0.0.0:9443");
  EXPECT_EQ(c.issuer, "https://a.example/tenant");
  EXPECT_EQ(c.signing_alg, core::Alg::kEdDSA);
  EXPECT_EQ(c.clock_skew, std::chrono::seconds(60));
  EXPECT_EQ(load("signing_alg: RS256").signing_alg, core::Alg::kRS256);
}

// HMAC signing is refused at load with the reason.
TEST(AuthzConfig, RefusesHmac) {
  for (const char* alg : {"HS256", "HS384", "HS512"}) {
    const std::string e = error_of(std::string("signing_alg: ") + alg);
    EXPECT_NE(e.find("refused"), std::string::npos) << e;
    EXPECT_NE(e.find("line 1"), std::string::npos) << e;
  }
  EXPECT_NE(error_of("signing_alg: none").find("not supported"), std::string::npos);
  EXPECT_NE(error_of("signing_alg: es256").find("not supported"), std::string::npos);
}

// Unknown keys and bad values are refused with a clear message.
TEST(AuthzConfig, RefusesBadValues) {
  EXPECT_NE(error_of("issuer_url: x").find("unknown key 'issuer_url'"), std::string::npos);
  EXPECT_NE(error_of("issuer: https://a.example/").find("must not end with '/'"),
            std::string::npos);
  EXPECT_NE(error_of("issuer: https://a.example/?x=1").find("query"), std::string::npos);
  EXPECT_NE(error_of("issuer: ftp://a.example").find("http"), std::string::npos);
  EXPECT_NE(error_of("issuer: https://").find("host"), std::string::npos);
  EXPECT_NE(error_of("listen: localhost").find("host:port"), std::string::npos);
  EXPECT_NE(error_of("listen: 127.0.0.1:99999").find("bad port"), std::string::npos);
  EXPECT_NE(error_of("clock_skew: 10m").find("between"), std::string::npos);
  EXPECT_NE(error_of("- a\n- b\n").find("mapping"), std::string::npos);
}

}  // namespace
}  // namespace tollgate::authz
