#include "authz/admin.h"

#include <gtest/gtest.h>

#include "authz/test_support.h"
#include "core/base64url.h"
#include "core/crypto.h"
#include "core/jwk.h"

namespace tollgate::authz {
namespace {

class AdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::open(tmp_.path() / "tollgate.db");
    ASSERT_TRUE(db);
    db_ = *db;
    clients_ = store::SqliteClientStore::open(db_).value();
    catalog_ = testing::test_catalog();
  }
  std::expected<CreatedClient, std::string> create(CreateClientRequest r) {
    return create_client(*clients_, *catalog_, r, clock_);
  }

  testing::TempDir tmp_;
  core::ManualClock clock_{1'800'000'123};
  std::shared_ptr<store::Database> db_;
  std::shared_ptr<store::SqliteClientStore> clients_;
  std::shared_ptr<const catalog::Catalog> catalog_;
};

// A new client gets a tg_ id, a 256-bit secret stored only as its hash, and the default methods and
// grant.
TEST_F(AdminTest, CreatesClientWithDefaults) {
  auto c = create({.partner = "demo-partner", .scopes = core::ScopeSet::of({"sim-swap:check"})});
  ASSERT_TRUE(c) << c.error();
  EXPECT_TRUE(c->record.client_id.starts_with("tg_"));
  EXPECT_EQ(c->record.client_id.size(), 19u);
  EXPECT_EQ(c->secret.size(), 43u);  // base64url of 32 bytes
  EXPECT_EQ(core::base64url_decode(c->secret).value_or("").size(), 32u);
  EXPECT_EQ(c->record.auth_methods,
            (std::vector<std::string>{"client_secret_basic", "client_secret_post"}));
  EXPECT_EQ(c->record.grant_types, std::vector<std::string>{"client_credentials"});
  EXPECT_EQ(c->record.created_at, 1'800'000'123);

  auto stored = clients_->find(c->record.client_id).value();
  ASSERT_TRUE(stored);
  EXPECT_NE(stored->secret_hash, c->secret);
  EXPECT_EQ(stored->secret_hash.find(c->secret), std::string::npos);
  EXPECT_TRUE(core::verify_secret(c->secret, stored->secret_hash));
}

// Two clients never share an id or a secret.
TEST_F(AdminTest, CredentialsAreFresh) {
  auto a = create({.partner = "demo-partner", .scopes = core::ScopeSet::of({"sim-swap:check"})});
  auto b = create({.partner = "demo-partner", .scopes = core::ScopeSet::of({"sim-swap:check"})});
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->record.client_id, b->record.client_id);
  EXPECT_NE(a->secret, b->secret);
}

// Scopes no catalog product defines are refused, and the message names them.
TEST_F(AdminTest, RefusesUnknownScope) {
  auto c = create({.partner = "demo-partner",
                   .scopes = core::ScopeSet::of({"sim-swap:check", "no-such:scope"})});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), "scopes not defined by any catalog product: no-such:scope");
  EXPECT_TRUE(clients_->list().value().empty());
}

// Scopes of a product the partner has not contracted are refused.
TEST_F(AdminTest, RefusesUncontractedProduct) {
  auto c = create(
      {.partner = "small-partner", .scopes = core::ScopeSet::of({"location-verification:verify"})});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(),
            "scopes of products partner 'small-partner' has not contracted: "
            "location-verification:verify");
}

// Empty scopes, bad partner names, unknown auth methods and grants are refused with a message.
TEST_F(AdminTest, RefusesBadRequests) {
  const auto scopes = core::ScopeSet::of({"sim-swap:check"});
  EXPECT_EQ(create({.partner = "demo-partner"}).error(), "at least one scope is required");
  EXPECT_NE(create({.partner = "", .scopes = scopes}).error().find("bad partner name"),
            std::string::npos);
  EXPECT_NE(create({.partner = "a b", .scopes = scopes}).error().find("bad partner name"),
            std::string::npos);
  EXPECT_EQ(
      create({.partner = "demo-partner", .scopes = scopes, .auth_methods = {"private_key_jwt"}})
          .error(),
      "private_key_jwt needs the client's public keys: --jwks FILE or --jwks-uri URL");
  EXPECT_EQ(
      create({.partner = "demo-partner", .scopes = scopes, .auth_methods = {"client_secret_jwt"}})
          .error(),
      "unsupported authentication method 'client_secret_jwt' (supported: client_secret_basic, "
      "client_secret_post, private_key_jwt)");
  EXPECT_EQ(
      create({.partner = "demo-partner", .scopes = scopes, .grant_types = {"password"}}).error(),
      "unsupported grant type 'password' (supported: client_credentials, authorization_code, refresh_token, "
      "urn:openid:params:grant-type:ciba, urn:ietf:params:oauth:grant-type:jwt-bearer)");
  EXPECT_TRUE(clients_->list().value().empty());
}

// Repeated auth methods are stored once.
TEST_F(AdminTest, DeduplicatesMethods) {
  auto c = create({.partner = "demo-partner",
                   .scopes = core::ScopeSet::of({"sim-swap:check"}),
                   .auth_methods = {"client_secret_post", "client_secret_post"}});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->record.auth_methods, std::vector<std::string>{"client_secret_post"});
}

// A store that cannot be written gives an error message, not a crash.
TEST_F(AdminTest, StoreFailureIsAMessage) {
  ASSERT_TRUE(db_->run([](store::Connection& c) { return c.exec("DROP TABLE clients"); }));
  auto c = create({.partner = "demo-partner", .scopes = core::ScopeSet::of({"sim-swap:check"})});
  ASSERT_FALSE(c);
  EXPECT_TRUE(c.error().starts_with("cannot store the client: ")) << c.error();
}

// client_to_json shows the secret only when given and never the hash.
TEST_F(AdminTest, ClientJson) {
  auto c = create(
      {.partner = "demo-partner", .scopes = core::ScopeSet::of({"sim-swap:check", "sim-swap"})});
  ASSERT_TRUE(c);
  const auto with = client_to_json(c->record, c->secret);
  EXPECT_EQ(with.at("client_id").as_string(), c->record.client_id);
  EXPECT_EQ(with.at("client_secret").as_string(), c->secret);
  EXPECT_EQ(with.at("partner").as_string(), "demo-partner");
  EXPECT_EQ(with.at("scope").as_string(), "sim-swap sim-swap:check");
  EXPECT_EQ(with.at("created_at").as_int64(), 1'800'000'123);
  EXPECT_FALSE(with.at("disabled").as_bool());
  const auto without = client_to_json(c->record, std::nullopt);
  EXPECT_FALSE(without.contains("client_secret"));
  const std::string text = boost::json::serialize(without);
  EXPECT_EQ(text.find("\"client_secret\":"), std::string::npos) << text;
  EXPECT_EQ(text.find(c->secret), std::string::npos) << text;
  EXPECT_EQ(text.find("sha256$"), std::string::npos);
}

// private_key_jwt clients: keys alone give a key-only client without a secret; both kinds can be combined.
TEST_F(AdminTest, PrivateKeyJwtClients) {
  const auto scopes = core::ScopeSet::of({"sim-swap:check"});
  const std::string jwks = R"({"keys":[)" +
                           boost::json::serialize(core::Jwk::generate(core::Alg::kES256, "k1")->to_public_json()) +
                           "]}";
  auto only = create({.partner = "demo-partner", .scopes = scopes, .jwks = jwks});
  ASSERT_TRUE(only) << only.error();
  EXPECT_EQ(only->record.auth_methods, std::vector<std::string>{"private_key_jwt"});
  EXPECT_TRUE(only->secret.empty());
  EXPECT_TRUE(only->record.secret_hash.empty());
  EXPECT_EQ(client_to_json(only->record, std::nullopt).at("jwks").at("keys").as_array().size(), 1u);
  auto both = create({.partner = "demo-partner",
                      .scopes = scopes,
                      .auth_methods = {"private_key_jwt", "client_secret_basic"},
                      .jwks_uri = "https://partner.example/jwks.json"});
  ASSERT_TRUE(both) << both.error();
  EXPECT_FALSE(both->secret.empty());
  EXPECT_EQ(client_to_json(both->record, std::nullopt).at("jwks_uri").as_string(),
            "https://partner.example/jwks.json");
  // Refusals: keys without the method, both kinds of keys, a private JWK, junk, a bad URL.
  EXPECT_EQ(create({.partner = "demo-partner", .scopes = scopes, .auth_methods = {"client_secret_basic"},
                    .jwks = jwks})
                .error(),
            "--jwks/--jwks-uri are only for private_key_jwt (add --auth private_key_jwt)");
  EXPECT_EQ(create({.partner = "demo-partner", .scopes = scopes, .jwks = jwks, .jwks_uri = "https://x.example/j"})
                .error(),
            "give either --jwks or --jwks-uri, not both");
  auto priv = core::Jwk::generate(core::Alg::kES256, "p").value();
  boost::json::object pj = priv.to_public_json();
  pj["d"] = "AAAA";
  EXPECT_TRUE(create({.partner = "demo-partner",
                      .scopes = scopes,
                      .jwks = boost::json::serialize(boost::json::object{{"keys", boost::json::array{pj}}})})
                  .error()
                  .starts_with("the JWKS holds private key material"));
  EXPECT_TRUE(create({.partner = "demo-partner", .scopes = scopes, .jwks = "{}"}).error().starts_with("the JWKS"));
  EXPECT_TRUE(create({.partner = "demo-partner", .scopes = scopes, .jwks_uri = "ftp://x"})
                  .error()
                  .starts_with("bad --jwks-uri"));
}

// Imports (benchmarks): a given id and secret are kept; a short secret or a taken id is refused.
TEST_F(AdminTest, ImportedIdAndSecret) {
  const auto scopes = core::ScopeSet::of({"sim-swap:check"});
  auto c = create({.partner = "demo-partner",
                   .scopes = scopes,
                   .client_id = "client-bench",
                   .secret = std::string("bench-secret-0123456789")});
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->record.client_id, "client-bench");
  EXPECT_TRUE(core::verify_secret("bench-secret-0123456789", c->record.secret_hash));
  EXPECT_EQ(create({.partner = "demo-partner",
                    .scopes = scopes,
                    .client_id = "client-bench",
                    .secret = std::string("bench-secret-0123456789")})
                .error(),
            "client 'client-bench' already exists");
  EXPECT_EQ(
      create({.partner = "demo-partner", .scopes = scopes, .client_id = "x", .secret = std::string("short")})
          .error(),
      "an imported secret must have at least 20 characters");
  EXPECT_TRUE(
      create({.partner = "demo-partner", .scopes = scopes, .client_id = "bad id"}).error().starts_with("bad client id"));
}

}  // namespace
}  // namespace tollgate::authz
