#include "authz/client_auth.h"

#include <gtest/gtest.h>

#include "authz/admin.h"
#include "authz/test_support.h"
#include "core/jws.h"
#include "core/test_support.h"

namespace tollgate::authz {
namespace {

namespace bhttp = boost::beast::http;
using core::Alg;
using testing::TempDir;

constexpr std::string_view kIssuer = "https://auth.tollgate.example";
constexpr std::string_view kTokenEndpoint = "https://auth.tollgate.example/oauth2/token";
constexpr std::int64_t kNow = 1'800'000'000;

std::string jwks_of(std::initializer_list<const core::Jwk*> keys) {
  boost::json::array a;
  for (const core::Jwk* k : keys) a.push_back(k->to_public_json());
  return boost::json::serialize(boost::json::object{{"keys", std::move(a)}});
}

class PrivateKeyJwtTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = store::Database::open(tmp_.path() / "tollgate.db").value();
    clients_ = store::SqliteClientStore::open(db_).value();
    replay_ = store::SqliteReplayCache::open(db_).value();
    catalog_ = testing::test_catalog();
    auto c = create_client(*clients_, *catalog_,
                           {.partner = "demo-partner",
                            .scopes = core::ScopeSet::of({"sim-swap:check"}),
                            .jwks = jwks_of({&key_es(), &key_rs()})},
                           clock_);
    ASSERT_TRUE(c) << c.error();
    id_ = c->record.client_id;
    auth_ = make_authenticator();
  }
  std::unique_ptr<ClientAuthenticator> make_authenticator(ClientKeys::Fetcher fetcher = {}) {
    auto keys = std::make_shared<ClientKeys>(
        std::chrono::seconds{300}, clock_,
        fetcher ? std::move(fetcher) : [this](const std::string& url) {
          ++fetches_;
          return fetch_(url);
        });
    return std::make_unique<ClientAuthenticator>(clients_, replay_, keys, std::string(kIssuer),
                                                 std::chrono::seconds{30}, clock_);
  }
  static const core::Jwk& key_es() { return core::testing::test_key(Alg::kES256); }
  static const core::Jwk& key_rs() { return core::testing::test_key(Alg::kRS256); }

  boost::json::object claims(std::string_view jti = "jti-1") const {
    return {{"iss", id_},  {"sub", id_},       {"aud", kTokenEndpoint},
            {"iat", kNow}, {"exp", kNow + 60}, {"jti", jti}};
  }
  static std::string sign(const boost::json::object& c, const core::Jwk& key = key_es(),
                          Alg alg = Alg::kES256) {
    return core::sign_compact(key, alg, boost::json::serialize(c), "JWT").value();
  }
  std::expected<AuthenticatedClient, ClientAuthFailure> present(
      const std::string& assertion, std::string_view type = kJwtBearerAssertionType,
      std::optional<std::string> client_id = std::nullopt,
      std::optional<std::string> basic = std::nullopt) {
    http::Form form{{"client_assertion", assertion}, {"client_assertion_type", std::string(type)}};
    if (client_id) form["client_id"] = *client_id;
    auto req = testing::make_request(bhttp::verb::post, "/oauth2/token", "x=1");
    if (basic) req.set(bhttp::field::authorization, *basic);
    const std::vector<std::string> aud{std::string(kIssuer), std::string(kTokenEndpoint)};
    return auth_->authenticate(req, form, aud);
  }
  ClientAuthError error_of(const std::expected<AuthenticatedClient, ClientAuthFailure>& r) {
    EXPECT_FALSE(r);
    return r ? ClientAuthError::kStoreUnavailable : r.error().error;
  }

  TempDir tmp_;
  core::ManualClock clock_{kNow};
  std::shared_ptr<store::Database> db_;
  std::shared_ptr<store::SqliteClientStore> clients_;
  std::shared_ptr<store::SqliteReplayCache> replay_;
  std::shared_ptr<const catalog::Catalog> catalog_;
  std::unique_ptr<ClientAuthenticator> auth_;
  std::string id_;
  int fetches_ = 0;
  std::function<std::expected<std::string, std::string>(const std::string&)> fetch_ =
      [](const std::string&) -> std::expected<std::string, std::string> {
    return std::unexpected("unreachable");
  };
};

// A well-formed assertion signed with a registered key authenticates the client; kid and jti are
// reported.
TEST_F(PrivateKeyJwtTest, ValidAssertionAuthenticates) {
  auto r = present(sign(claims()));
  ASSERT_TRUE(r) << to_string(r.error().error) << " " << r.error().detail;
  EXPECT_EQ(r->record.client_id, id_);
  EXPECT_EQ(r->method, AuthMethod::kPrivateKeyJwt);
  EXPECT_EQ(r->kid, key_es().kid());
  EXPECT_EQ(r->assertion_jti, "jti-1");
  // RS256 with the other registered key, and aud = the issuer, work too.
  auto c = claims("jti-2");
  c["aud"] = kIssuer;
  EXPECT_TRUE(present(sign(c, key_rs(), Alg::kRS256)));
}

// The same jti is accepted once; the replay is refused with its own reason.
TEST_F(PrivateKeyJwtTest, ReplayedJtiIsRefused) {
  const std::string a = sign(claims("once"));
  ASSERT_TRUE(present(a));
  EXPECT_EQ(error_of(present(a)), ClientAuthError::kAssertionReplayed);
  EXPECT_EQ(error_of(present(sign(claims("once")))),
            ClientAuthError::kAssertionReplayed);  // re-signed, same jti
}

// The replay cache survives a restart: a new authenticator over the same file refuses the jti.
TEST_F(PrivateKeyJwtTest, ReplayRefusedAfterRestart) {
  const std::string a = sign(claims("persist"));
  ASSERT_TRUE(present(a));
  replay_ =
      store::SqliteReplayCache::open(store::Database::open(tmp_.path() / "tollgate.db").value())
          .value();
  auth_ = make_authenticator();
  EXPECT_EQ(error_of(present(a)), ClientAuthError::kAssertionReplayed);
}

// A refused assertion does not burn its jti: the same jti in a valid assertion still works.
TEST_F(PrivateKeyJwtTest, RefusedAssertionDoesNotBurnJti) {
  auto far = claims("keep");
  far["exp"] = kNow + 301;
  EXPECT_EQ(error_of(present(sign(far))), ClientAuthError::kAssertionExpTooFar);
  EXPECT_TRUE(present(sign(claims("keep"))));
}

// exp at most 300 s after receipt (boundary exact), and exp - iat at most 300 s.
TEST_F(PrivateKeyJwtTest, LifetimeRules) {
  auto at_limit = claims("a");
  at_limit.erase("iat");
  at_limit["exp"] = kNow + 300;
  EXPECT_TRUE(present(sign(at_limit)));
  auto too_far = claims("b");
  too_far.erase("iat");
  too_far["exp"] = kNow + 301;
  EXPECT_EQ(error_of(present(sign(too_far))), ClientAuthError::kAssertionExpTooFar);
  auto long_life = claims("c");
  long_life["iat"] = kNow - 250;
  long_life["exp"] = kNow + 51;  // within 300 s of receipt, but 301 s after iat
  EXPECT_EQ(error_of(present(sign(long_life))), ClientAuthError::kAssertionLifetimeTooLong);
}

// Expired, not yet valid, or iat in the future: kAssertionInvalid with the JOSE reason.
TEST_F(PrivateKeyJwtTest, TimeClaims) {
  auto expired = claims("e");
  expired["iat"] = kNow - 200;
  expired["exp"] = kNow - 31;  // past the 30 s skew
  auto r = present(sign(expired));
  EXPECT_EQ(error_of(r), ClientAuthError::kAssertionInvalid);
  EXPECT_EQ(r.error().detail, "token_expired");
  auto future = claims("f");
  future["iat"] = kNow + 31;
  future["exp"] = kNow + 100;
  EXPECT_EQ(present(sign(future)).error().detail, core::to_string(core::JoseStatus::kIatInFuture));
}

// The audience must be the issuer or the endpoint; anything else is refused.
TEST_F(PrivateKeyJwtTest, WrongAudienceIsRefused) {
  auto c = claims("aud");
  c["aud"] = "https://other-as.example/token";
  auto r = present(sign(c));
  EXPECT_EQ(error_of(r), ClientAuthError::kAssertionInvalid);
  EXPECT_EQ(r.error().detail, core::to_string(core::JoseStatus::kAudMismatch));
  c.erase("aud");
  EXPECT_EQ(present(sign(c)).error().detail, core::to_string(core::JoseStatus::kAudMissing));
}

// A signature by a key the client did not register is refused; so is a bit flip.
TEST_F(PrivateKeyJwtTest, ForeignKeyOrTamperedSignatureIsRefused) {
  auto other = core::Jwk::generate(Alg::kES256, key_es().kid()).value();  // same kid, another key
  auto r = present(sign(claims("x"), other));
  EXPECT_EQ(error_of(r), ClientAuthError::kAssertionInvalid);
  EXPECT_EQ(r.error().detail, core::to_string(core::JoseStatus::kSignatureInvalid));
  std::string t = sign(claims("y"));
  t[t.size() - 5] = t[t.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(error_of(present(t)), ClientAuthError::kAssertionInvalid);
}

// sub must be the client; iss names the client; a client_id parameter must agree with iss.
TEST_F(PrivateKeyJwtTest, IssuerAndSubjectRules) {
  auto c = claims("s");
  c["sub"] = "someone-else";
  EXPECT_EQ(error_of(present(sign(c))), ClientAuthError::kAssertionSubjectMismatch);
  EXPECT_EQ(error_of(present(sign(claims("t")), kJwtBearerAssertionType, "tg_other")),
            ClientAuthError::kClientIdMismatch);
  EXPECT_TRUE(present(sign(claims("u")), kJwtBearerAssertionType, id_));
  auto unknown = claims("v");
  unknown["iss"] = unknown["sub"] = "tg_nobody";
  EXPECT_EQ(error_of(present(sign(unknown))), ClientAuthError::kUnknownClient);
}

// A signed request object (sub = client, aud = issuer) never passes as a client assertion, and
// refusing it does not burn its jti.
TEST_F(PrivateKeyJwtTest, RequestObjectIsNotAClientCredential) {
  for (const char* member : {"response_type", "redirect_uri", "login_hint", "state"}) {
    auto c = claims("ro");
    c["aud"] = kIssuer;
    c[member] = "x";
    auto r = present(sign(c));
    EXPECT_EQ(error_of(r), ClientAuthError::kAssertionIsRequestObject) << member;
    if (!r) {
      EXPECT_EQ(r.error().detail, member);
    }
  }
  EXPECT_TRUE(present(sign(claims("ro"))));
}

// Request-shape errors: wrong assertion type, a missing half, mixing with Basic.
TEST_F(PrivateKeyJwtTest, RequestShapeErrors) {
  EXPECT_EQ(error_of(present(sign(claims("a")), "urn:other")),
            ClientAuthError::kAssertionTypeUnsupported);
  http::Form only_type{{"client_assertion_type", std::string(kJwtBearerAssertionType)}};
  auto req = testing::make_request(bhttp::verb::post, "/oauth2/token", "x=1");
  const std::vector<std::string> aud{std::string(kIssuer)};
  EXPECT_EQ(auth_->authenticate(req, only_type, aud).error().error,
            ClientAuthError::kAssertionIncomplete);
  EXPECT_EQ(error_of(present(sign(claims("b")), kJwtBearerAssertionType, std::nullopt,
                             testing::basic(id_, "x"))),
            ClientAuthError::kMultipleMethods);
  EXPECT_EQ(error_of(present("not.a.jwt")), ClientAuthError::kAssertionMalformed);
  EXPECT_EQ(error_of(present(sign(claims("c"), key_es(), Alg::kES256) + "x")),
            ClientAuthError::kAssertionMalformed);
}

// A client registered only for secrets cannot use an assertion, and a disabled client is refused
// after verification.
TEST_F(PrivateKeyJwtTest, MethodAndDisabledRules) {
  auto secret_client =
      create_client(*clients_, *catalog_,
                    {.partner = "demo-partner", .scopes = core::ScopeSet::of({"sim-swap:check"})},
                    clock_)
          .value();
  auto c = claims("m");
  c["iss"] = c["sub"] = secret_client.record.client_id;
  EXPECT_EQ(error_of(present(sign(c))), ClientAuthError::kMethodNotRegistered);
  ASSERT_TRUE(clients_->disable(id_));
  EXPECT_EQ(error_of(present(sign(claims("d")))), ClientAuthError::kClientDisabled);
}

// jwks_uri: fetched once and cached; an unknown kid triggers one refetch (the client rotated).
TEST_F(PrivateKeyJwtTest, JwksUriIsFetchedCachedAndRefetchedOnUnknownKid) {
  auto c = create_client(*clients_, *catalog_,
                         {.partner = "demo-partner",
                          .scopes = core::ScopeSet::of({"sim-swap:check"}),
                          .jwks_uri = "http://keys.partner.example/jwks.json"},
                         clock_)
               .value();
  std::string served = jwks_of({&key_es()});
  fetch_ = [&](const std::string& url) -> std::expected<std::string, std::string> {
    EXPECT_EQ(url, "http://keys.partner.example/jwks.json");
    return served;
  };
  auto mk = [&](std::string jti, const core::Jwk& k, Alg alg) {
    auto cl = claims(jti);
    cl["iss"] = cl["sub"] = c.record.client_id;
    return sign(cl, k, alg);
  };
  EXPECT_TRUE(present(mk("1", key_es(), Alg::kES256)));
  EXPECT_TRUE(present(mk("2", key_es(), Alg::kES256)));
  EXPECT_EQ(fetches_, 1);
  served = jwks_of({&key_es(), &key_rs()});  // the client adds a key
  clock_.advance(std::chrono::seconds{31});  // past the refetch rate limit
  EXPECT_TRUE(present(mk("3", key_rs(), Alg::kRS256)));
  EXPECT_EQ(fetches_, 2);
  // Made-up kids do not make us fetch again within 30 s.
  auto bogus = core::Jwk::generate(Alg::kES256, "made-up").value();
  EXPECT_EQ(error_of(present(mk("4", bogus, Alg::kES256))), ClientAuthError::kAssertionInvalid);
  EXPECT_EQ(fetches_, 2);
}

// An unreachable jwks_uri with nothing cached is kClientKeysUnavailable (401 at the edge, reason
// logged).
TEST_F(PrivateKeyJwtTest, UnreachableJwksUri) {
  auto c = create_client(*clients_, *catalog_,
                         {.partner = "demo-partner",
                          .scopes = core::ScopeSet::of({"sim-swap:check"}),
                          .jwks_uri = "http://keys.partner.example/jwks.json"},
                         clock_)
               .value();
  auto cl = claims("z");
  cl["iss"] = cl["sub"] = c.record.client_id;
  auto r = present(sign(cl));
  EXPECT_EQ(error_of(r), ClientAuthError::kClientKeysUnavailable);
  EXPECT_NE(r.error().detail.find("unreachable"), std::string::npos);
}

// presented_client_id finds the claimed id in Basic, the form, or an assertion's iss.
TEST_F(PrivateKeyJwtTest, PresentedClientId) {
  auto req = testing::make_request(bhttp::verb::post, "/oauth2/token", "x=1");
  EXPECT_EQ(presented_client_id(req, {{"client_assertion", sign(claims("p"))}}), id_);
  EXPECT_EQ(presented_client_id(req, {{"client_id", "abc"}}), "abc");
  req.set(bhttp::field::authorization, testing::basic("basic-user", "pw"));
  EXPECT_EQ(presented_client_id(req, {{"client_id", "abc"}}), "basic-user");
  EXPECT_EQ(presented_client_id(testing::make_request(bhttp::verb::post, "/t", "x=1"), {}), "");
}

}  // namespace
}  // namespace tollgate::authz
