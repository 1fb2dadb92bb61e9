// Signed authentication requests (request_object.h) through the real three-legged
// endpoints: SQLite stores, the SQLite replay cache, the client's registered JWKS.
#include "authz/request_object.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "authz/admin.h"
#include "authz/client_keys.h"
#include "authz/test_support.h"
#include "core/jws.h"
#include "core/test_support.h"
#include "store/replay.h"

namespace tollgate::authz {
namespace {

namespace bhttp = boost::beast::http;
using core::Alg;
using testing::make_request;

constexpr std::string_view kIssuer = "https://auth.tollgate.example";
constexpr std::string_view kAuthorizeUrl = "https://auth.tollgate.example/oauth2/authorize";
constexpr std::string_view kBcAuthorizeUrl = "https://auth.tollgate.example/oauth2/bc-authorize";
constexpr std::string_view kRedirect = "https://app.example/cb";
constexpr std::string_view kScope = "dpv:FraudPreventionAndDetection sim-swap:check";
constexpr std::int64_t kNow = 1'800'000'000;
const std::string kChallenge(43, 'c');

class Directory final : public SubscriberDirectory {
 public:
  std::optional<std::string> msisdn_for_ip(std::string_view ip) const override {
    if (ip == "127.0.0.1") return "+34600000001";
    return std::nullopt;
  }
  bool knows(std::string_view m) const override { return m == "+34600000001"; }
  std::optional<std::string> resolve_operator_token(std::string_view) const override {
    return std::nullopt;
  }
  bool send_to_handset(std::string_view, const HandsetMessage&) const override { return true; }
};

std::string param(std::string_view location, std::string_view name) {
  const auto q = location.find('?');
  auto form = http::parse_form(location.substr(q + 1));
  auto it = form->find(name);
  return it == form->end() ? std::string() : it->second;
}

class RequestObjectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::open(tmp_.path() / "tollgate.db");
    ASSERT_TRUE(db);
    clients_ = *store::SqliteClientStore::open(*db);
    replay_ = *store::SqliteReplayCache::open(*db);
    catalog_ =
        catalog::Catalog::from_yaml(catalog::load_string(std::string(testing::kTestCatalog) + R"(
purposes:
  dpv:FraudPreventionAndDetection: { legal_basis: legitimate_interest }
)"));
    keys_.emplace(KeyManager::open(tmp_.path(), Alg::kES256, clock_));
    AuthzConfig config;
    config.issuer = std::string(kIssuer);
    auto client_keys = std::make_shared<ClientKeys>(std::chrono::seconds{300}, clock_);
    hooks_.authenticate =
        [this](const http::Request&, const http::Form& form, std::string_view,
               const http::ConnectionInfo&) -> std::expected<store::ClientRecord, http::Response> {
      return **clients_->find(form.at("client_id"));
    };
    hooks_.client_keys = [client_keys](const store::ClientRecord& c, bool refresh) {
      return client_keys->keys(c, refresh);
    };
    hooks_.accept_jti_once = [this](std::string_view id, std::string_view jti,
                                    std::int64_t keep) -> std::expected<bool, std::string> {
      auto r = replay_->use_once(id, jti, keep, clock_.unix_seconds());
      if (!r) return std::unexpected(r.error().message);
      return *r;
    };
    hooks_.audit = [this](std::string_view event, boost::json::object fields, bool) {
      fields["event"] = event;
      audited_.push_back(std::move(fields));
    };
    tl_ = ThreeLegged::create(
        config, catalog_, clients_, *keys_, clock_, ThreeLeggedStores::open(*db),
        {std::make_shared<const PairwiseSubjects>(std::string(32, 'p')),
         std::make_shared<const SubjectSealer>(*SubjectSealer::from_key(std::string(32, 'k')))},
        std::make_shared<Directory>(), hooks_);
    boost::json::array jwks{key().to_public_json(),
                            core::testing::test_key(Alg::kEdDSA).to_public_json()};
    CreateClientRequest req{.partner = "demo-partner",
                            .scopes = core::ScopeSet::of({"sim-swap:check"}),
                            .auth_methods = {"private_key_jwt"},
                            .grant_types = {"authorization_code", std::string(grants::kCiba)},
                            .redirect_uris = {std::string(kRedirect)},
                            .jwks = boost::json::serialize(boost::json::object{{"keys", jwks}})};
    auto created = create_client(*clients_, *catalog_, req, clock_);
    ASSERT_TRUE(created) << created.error();
    client_ = created->record;
  }

  static const core::Jwk& key() { return core::testing::test_key(Alg::kES256); }

  boost::json::object authorize_claims(std::string_view jti = "jti-1") const {
    return {{"iss", client_.client_id},
            {"aud", kAuthorizeUrl},
            {"iat", kNow},
            {"exp", kNow + 120},
            {"jti", jti},
            {"client_id", client_.client_id},
            {"response_type", "code"},
            {"redirect_uri", kRedirect},
            {"scope", kScope},
            {"state", "from-object"},
            {"code_challenge", kChallenge},
            {"code_challenge_method", "S256"}};
  }
  static std::string sign(const boost::json::object& c, const core::Jwk& k = key(),
                          Alg alg = Alg::kES256) {
    return core::sign_compact(k, alg, boost::json::serialize(c), "oauth-authz-req+jwt").value();
  }
  // The plain parameters that must accompany a signed request.
  std::map<std::string, std::string> plain(const std::string& request) const {
    return {{"client_id", client_.client_id},
            {"response_type", "code"},
            {"redirect_uri", std::string(kRedirect)},
            {"scope", std::string(kScope)},
            {"state", "plain-state"},
            {"request", request}};
  }
  http::Response authorize(const std::map<std::string, std::string>& params, bool post = false) {
    std::string q;
    for (const auto& [k, v] : params) q += (q.empty() ? "" : "&") + k + "=" + http::url_encode(v);
    auto req = post ? make_request(bhttp::verb::post, "/oauth2/authorize", q)
                    : make_request(bhttp::verb::get, "/oauth2/authorize?" + q);
    auto res = tl_->handle(req, testing::test_connection());
    EXPECT_TRUE(res);
    return std::move(*res);
  }
  // The error of a redirect to the client, with the reason the audit recorded.
  std::pair<std::string, std::string> refused(const http::Response& res) {
    EXPECT_EQ(res.result_int(), 302) << res.body();
    const std::string loc((res)[bhttp::field::location]);
    EXPECT_TRUE(loc.starts_with(std::string(kRedirect))) << loc;
    EXPECT_TRUE(param(loc, "code").empty());
    std::string reason;
    for (const auto& a : audited_)
      if (a.at("event") == "authorize_refused") reason = a.at("reason").as_string().c_str();
    return {param(loc, "error"), reason};
  }
  http::Response bc_authorize(const std::string& body) {
    return *tl_->handle(make_request(bhttp::verb::post, "/oauth2/bc-authorize", body),
                        testing::test_connection());
  }

  testing::TempDir tmp_;
  core::ManualClock clock_{kNow};
  std::shared_ptr<store::SqliteClientStore> clients_;
  std::shared_ptr<store::SqliteReplayCache> replay_;
  std::shared_ptr<const catalog::Catalog> catalog_;
  std::optional<KeyManager> keys_;
  ClientHooks hooks_;
  std::unique_ptr<ThreeLegged> tl_;
  store::ClientRecord client_;
  std::vector<boost::json::object> audited_;
};

// The happy path, by GET and by POST: a code, and the object's state (not the plain one) echoed.
TEST_F(RequestObjectTest, SignedAuthorizeRequestIssuesACodeWithTheObjectsState) {
  for (bool post : {false, true}) {
    auto res = authorize(plain(sign(authorize_claims(post ? "jti-post" : "jti-get"))), post);
    ASSERT_EQ(res.result_int(), 302) << res.body();
    const std::string loc(res[bhttp::field::location]);
    EXPECT_FALSE(param(loc, "code").empty()) << loc;
    EXPECT_EQ(param(loc, "state"), "from-object");
    EXPECT_EQ(param(loc, "iss"), kIssuer);
  }
}

// EdDSA and the issuer as aud are accepted too.
TEST_F(RequestObjectTest, EdDsaAndIssuerAudienceAreAccepted) {
  auto c = authorize_claims();
  c["aud"] = kIssuer;
  auto res = authorize(plain(sign(c, core::testing::test_key(Alg::kEdDSA), Alg::kEdDSA)));
  ASSERT_EQ(res.result_int(), 302);
  EXPECT_FALSE(param(std::string(res[bhttp::field::location]), "code").empty());
}

// Parameters outside the object are ignored: a plain code_challenge cannot replace the object's.
TEST_F(RequestObjectTest, OnlyTheObjectsOtherParametersCount) {
  auto c = authorize_claims();
  c.erase("code_challenge");
  auto p = plain(sign(c));
  p["code_challenge"] = kChallenge;
  p["code_challenge_method"] = "S256";
  auto [error, reason] = refused(authorize(p));
  EXPECT_EQ(error, "invalid_request");
  EXPECT_EQ(reason, "pkce_missing");
}

TEST_F(RequestObjectTest, PlainParameterMismatchOrMissingIsRefused) {
  auto p = plain(sign(authorize_claims("a")));
  p["scope"] = "dpv:FraudPreventionAndDetection sim-swap:check sim-swap:retrieve-date";
  EXPECT_EQ(refused(authorize(p)), (std::pair<std::string, std::string>{
                                       "invalid_request_object", "request_object_param_mismatch"}));
  p = plain(sign(authorize_claims("b")));
  p.erase("response_type");
  EXPECT_EQ(refused(authorize(p)).first, "invalid_request");
  auto c = authorize_claims("c");
  c.erase("redirect_uri");
  EXPECT_EQ(refused(authorize(plain(sign(c)))).second, "request_object_param_missing");
}

TEST_F(RequestObjectTest, RefusedObjectsAreInvalidRequestObjectWithAReason) {
  auto without = [&](std::string_view claim) {
    auto c = authorize_claims(std::string("w-") + std::string(claim));
    c.erase(claim);
    return sign(c);
  };
  auto with = [&](std::string_view claim, boost::json::value v) {
    auto c = authorize_claims(std::string("x-") + std::string(claim));
    c[claim] = std::move(v);
    return sign(c);
  };
  const std::string payload = boost::json::serialize(authorize_claims("alg"));
  const core::Jwk other = *core::Jwk::generate(Alg::kES256, key().kid());
  const std::pair<std::string, std::string> cases[] = {
      {without("jti"), "request_object_jti_missing"},
      {without("iat"), "request_object_iat_missing"},
      {without("exp"), "request_object_exp_missing"},
      {without("iss"), "request_object_iss_missing"},
      {with("iss", "someone-else"), "request_object_iss_mismatch"},
      {with("exp", kNow + 301), "request_object_lifetime_too_long"},
      {with("iat", kNow + 120), "request_object_iat_in_future"},
      {with("exp", kNow - 31), "request_object_token_expired"},
      {with("aud", kBcAuthorizeUrl.data()), "request_object_aud_mismatch"},
      {with("aud", "https://other.example/oauth2/authorize"), "request_object_aud_mismatch"},
      {with("aud", boost::json::array{kAuthorizeUrl.data(), "https://other.example"}),
       "request_object_aud_mismatch"},
      {with("request_uri", "https://x.example/r"), "request_object_nested"},
      {with("state", 42), "request_object_member_not_string"},
      {with("client_id", "another"), "request_object_client_id_mismatch"},
      {core::testing::raw_token(R"({"alg":"none"})", payload, ""), "request_object_alg_none"},
      {core::testing::raw_token(R"({"alg":"HS256"})", payload, "mac"),
       "request_object_alg_hmac_refused"},
      {sign(authorize_claims("other"), other), "request_object_signature_invalid"},
      {"not-a-jwt", "request_object_token_malformed"},
  };
  for (const auto& [jwt, want] : cases) {
    audited_.clear();
    auto [error, reason] = refused(authorize(plain(jwt)));
    EXPECT_EQ(error, "invalid_request_object") << want;
    EXPECT_EQ(reason, want);
  }
}

// The jti is accepted once; a refused object does not burn it.
TEST_F(RequestObjectTest, ReplayedJtiIsRefusedAndRefusalsDoNotBurnIt) {
  auto wrong = authorize_claims("once");
  wrong["aud"] = "https://other.example";
  EXPECT_EQ(refused(authorize(plain(sign(wrong)))).second, "request_object_aud_mismatch");
  const std::string good = sign(authorize_claims("once"));
  ASSERT_EQ(authorize(plain(good)).result_int(), 302);
  EXPECT_EQ(
      refused(authorize(plain(good))),
      (std::pair<std::string, std::string>{"invalid_request_object", "request_object_replayed"}));
}

// An unknown client or an unregistered redirect_uri is never redirected to; request_uri is refused.
TEST_F(RequestObjectTest, UnknownClientShowsAPageAndRequestUriIsNotSupported) {
  auto p = plain(sign(authorize_claims()));
  p["client_id"] = "nobody";
  auto res = authorize(p);
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_EQ(res.count(bhttp::field::location), 0u);
  p = plain(sign(authorize_claims()));
  p.erase("request");
  p["request_uri"] = "urn:example:r";
  EXPECT_EQ(refused(authorize(p)).first, "request_uri_not_supported");
}

// A client registered without keys (secrets only) cannot sign a request object.
TEST_F(RequestObjectTest, ClientWithoutRegisteredKeysIsRefused) {
  CreateClientRequest req{.partner = "demo-partner",
                          .scopes = core::ScopeSet::of({"sim-swap:check"}),
                          .grant_types = {"authorization_code"},
                          .redirect_uris = {std::string(kRedirect)}};
  auto created = create_client(*clients_, *catalog_, req, clock_);
  ASSERT_TRUE(created) << created.error();
  client_ = created->record;
  EXPECT_EQ(refused(authorize(plain(sign(authorize_claims())))),
            (std::pair<std::string, std::string>{"invalid_request_object",
                                                 "request_object_no_client_keys"}));
}

// CIBA: a signed authentication request gets an auth_req_id; its refusals are the JSON 400 body.
TEST_F(RequestObjectTest, SignedCibaRequest) {
  auto claims = [&](std::string_view jti) {
    return boost::json::object{{"iss", client_.client_id},
                               {"aud", kBcAuthorizeUrl},
                               {"iat", kNow},
                               {"exp", kNow + 60},
                               {"nbf", kNow},
                               {"jti", jti},
                               {"login_hint", "tel:+34600000001"},
                               {"scope", kScope}};
  };
  const std::string id = "client_id=" + client_.client_id;
  const std::string ok = sign(claims("c1"));
  auto res = bc_authorize(id + "&request=" + ok);
  ASSERT_EQ(res.result_int(), 200) << res.body();
  EXPECT_TRUE(boost::json::parse(res.body()).as_object().contains("auth_req_id"));
  auto error_of = [](const http::Response& r) {
    EXPECT_EQ(r.result_int(), 400) << r.body();
    return std::string(boost::json::parse(r.body()).at("error").as_string());
  };
  EXPECT_EQ(error_of(bc_authorize(id + "&request=" + ok)), "invalid_request_object");  // replay
  auto authorize_aud = claims("c2");
  authorize_aud["aud"] = kAuthorizeUrl;
  EXPECT_EQ(error_of(bc_authorize(id + "&request=" + sign(authorize_aud))),
            "invalid_request_object");
  // CIBA Core §7.1.1: nbf is required in a signed backchannel request (not in OIDC's).
  auto no_nbf = claims("c4");
  no_nbf.erase("nbf");
  const auto refused = bc_authorize(id + "&request=" + sign(no_nbf));
  EXPECT_EQ(error_of(refused), "invalid_request_object");
  EXPECT_NE(refused.body().find("nbf"), std::string::npos) << refused.body();
  // Authentication request parameters outside the object are refused.
  EXPECT_EQ(
      error_of(bc_authorize(id + "&login_hint=tel%3A%2B34600000001&request=" + sign(claims("c3")))),
      "invalid_request");
  EXPECT_EQ(error_of(bc_authorize(id + "&request_uri=urn%3Ax")), "request_uri_not_supported");
}

TEST_F(RequestObjectTest, DiscoveryAdvertisesSignedRequests) {
  boost::json::object doc;
  tl_->add_metadata(doc);
  EXPECT_EQ(doc.at("request_parameter_supported"), true);
  EXPECT_EQ(doc.at("request_uri_parameter_supported"), false);
  const boost::json::array algs{"ES256", "RS256", "PS256", "EdDSA"};
  EXPECT_EQ(doc.at("request_object_signing_alg_values_supported"), algs);
  EXPECT_EQ(doc.at("backchannel_authentication_request_signing_alg_values_supported"), algs);
}

}  // namespace
}  // namespace tollgate::authz
