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

// The governance settings: defaults, parsing, and refusals with the reason.
TEST(AuthzConfig, GovernanceSettings) {
  const AuthzConfig d = AuthzConfig::from_yaml(YAML::Node());
  EXPECT_EQ(d.key_rotation, std::chrono::hours(24 * 30));
  EXPECT_EQ(d.publish_ahead, std::chrono::hours(1));
  EXPECT_FALSE(d.signing_key_file);
  EXPECT_FALSE(d.admin_token_file);
  EXPECT_EQ(d.lockout_threshold, 5);
  EXPECT_TRUE(d.audit_group_commit);
  EXPECT_TRUE(d.token_path_aliases.empty());
  EXPECT_EQ(d.revocation_endpoint(), "http://127.0.0.1:9000/oauth2/revoke");
  EXPECT_EQ(d.introspection_endpoint(), "http://127.0.0.1:9000/oauth2/introspect");
  const AuthzConfig c = load(
      "key_rotation: 7d\npublish_ahead: 2h\nsigning_key_file: /k.pem\nadmin_token_file: /a\n"
      "address_rate: 600/m\naddress_burst: 5\ndefault_token_rate: 2/s\nlockout_threshold: 3\n"
      "lockout_base: 10s\nlockout_max: 5m\naudit_group_commit: false\naudit_log_lines: false\n"
      "jwks_uri_ttl: 1m\ntoken_path_aliases: [/token]\n");
  EXPECT_EQ(c.key_rotation, std::chrono::hours(24 * 7));
  EXPECT_EQ(c.publish_ahead, std::chrono::hours(2));
  EXPECT_EQ(c.signing_key_file, "/k.pem");
  EXPECT_EQ(c.admin_token_file, "/a");
  EXPECT_DOUBLE_EQ(c.address_rate, 10);
  EXPECT_DOUBLE_EQ(c.address_burst, 5);
  EXPECT_DOUBLE_EQ(c.default_token_rate, 2);
  EXPECT_EQ(c.lockout_threshold, 3);
  EXPECT_EQ(c.lockout_base, std::chrono::seconds(10));
  EXPECT_EQ(c.lockout_max, std::chrono::minutes(5));
  EXPECT_FALSE(c.audit_group_commit);
  EXPECT_FALSE(c.audit_log_lines);
  EXPECT_EQ(c.jwks_uri_ttl, std::chrono::minutes(1));
  EXPECT_EQ(c.token_path_aliases, std::vector<std::string>{"/token"});
  EXPECT_EQ(load("key_rotation: 0").key_rotation.count(), 0);
  EXPECT_NE(error_of("key_rotation: 1h\npublish_ahead: 1h").find("shorter than 'key_rotation'"), std::string::npos);
  EXPECT_NE(error_of("lockout_base: 10m\nlockout_max: 1m").find("lockout_max"), std::string::npos);
  EXPECT_NE(error_of("lockout_threshold: 0").find("lockout_threshold"), std::string::npos);
  EXPECT_NE(error_of("address_rate: fast").find("bad rate"), std::string::npos);
  EXPECT_NE(error_of("token_path_aliases: [/oauth2/revoke]").find("outside /oauth2/"), std::string::npos);
  EXPECT_NE(error_of("token_path_aliases: [token]").find("absolute"), std::string::npos);
}

}  // namespace
}  // namespace tollgate::authz
