// Scopes of a product with `authentication: network` (catalog.h; CAMARA Number
// Verification: no user interaction, prompt=none implied) through the real
// three-legged endpoints (SQLite stores, the SQLite replay cache, the client's
// registered JWKS): /oauth2/authorize never shows the one-time-code or consent
// page, CIBA refuses a tel: hint and the JWT bearer grant a tel: subject. Each
// refusal is checked with the reason code the audit recorded, and each against
// the same request for a product without the flag (which must still pass).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "authz/admin.h"
#include "authz/client_keys.h"
#include "authz/test_support.h"
#include "authz/three_legged.h"
#include "core/base64url.h"
#include "core/crypto.h"
#include "core/jws.h"
#include "core/test_support.h"
#include "store/replay.h"

namespace tollgate::authz {
namespace {

namespace bhttp = boost::beast::http;
using core::Alg;
using testing::make_request;

constexpr std::string_view kIssuer = "https://auth.tollgate.example";
constexpr std::string_view kRedirect = "https://app.example/cb";
constexpr std::string_view kLegit = "dpv:FraudPreventionAndDetection";
constexpr std::string_view kConsent = "dpv:RequestedServiceProvision";
constexpr std::string_view kNv = "number-verification:verify";
constexpr std::int64_t kNow = 1'800'000'000;

constexpr std::string_view kCatalog = R"(
products:
  sim-swap:
    scopes: [sim-swap:check]
    audience: https://api.tollgate.example/sim-swap
  number-verification:
    scopes: [number-verification:verify]
    audience: https://api.tollgate.example/number-verification
    authentication: network
tiers:
  gold: { rate: 500/s }
partners:
  demo-partner: { tier: gold, products: [sim-swap, number-verification] }
purposes:
  dpv:FraudPreventionAndDetection: { legal_basis: legitimate_interest }
  dpv:RequestedServiceProvision: { legal_basis: consent }
)";

// 127.0.0.1 is +34600000001's handset; operator token "ts43" is +34600000002's.
class Directory final : public SubscriberDirectory {
 public:
  std::optional<std::string> msisdn_for_ip(std::string_view ip) const override {
    if (ip == "127.0.0.1") return "+34600000001";
    return std::nullopt;
  }
  bool knows(std::string_view m) const override {
    return m == "+34600000001" || m == "+34600000002";
  }
  std::optional<std::string> resolve_operator_token(std::string_view t) const override {
    if (t == "ts43") return "+34600000002";
    return std::nullopt;
  }
  bool send_to_handset(std::string_view, const HandsetMessage& m) const override {
    sent.push_back(m);
    return true;
  }
  mutable std::vector<HandsetMessage> sent;
};

std::string param(std::string_view location, std::string_view name) {
  const auto q = location.find('?');
  auto form = http::parse_form(location.substr(q + 1));
  auto it = form->find(name);
  return it == form->end() ? std::string() : it->second;
}

http::ConnectionInfo from(std::string_view ip) {
  http::ConnectionInfo info = testing::test_connection();
  info.remote = {boost::asio::ip::make_address(std::string(ip)), 40000};
  return info;
}

class NetworkOnlyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::open(tmp_.path() / "tollgate.db");
    ASSERT_TRUE(db);
    clients_ = *store::SqliteClientStore::open(*db);
    replay_ = *store::SqliteReplayCache::open(*db);
    catalog_ = catalog::Catalog::from_yaml(catalog::load_string(std::string(kCatalog)));
    keys_.emplace(KeyManager::open(tmp_.path(), Alg::kES256, clock_));
    AuthzConfig config;
    config.issuer = std::string(kIssuer);
    auto client_keys = std::make_shared<ClientKeys>(std::chrono::seconds{300}, clock_);
    ClientHooks hooks;
    hooks.authenticate =
        [this](const http::Request&, const http::Form& form, std::string_view,
               const http::ConnectionInfo&) -> std::expected<store::ClientRecord, http::Response> {
      return **clients_->find(form.at("client_id"));
    };
    hooks.client_keys = [client_keys](const store::ClientRecord& c, bool refresh) {
      return client_keys->keys(c, refresh);
    };
    hooks.accept_jti_once = [this](std::string_view id, std::string_view jti,
                                   std::int64_t keep) -> std::expected<bool, std::string> {
      auto r = replay_->use_once(id, jti, keep, clock_.unix_seconds());
      if (!r) return std::unexpected(r.error().message);
      return *r;
    };
    hooks.audit = [this](std::string_view event, boost::json::object fields, bool) {
      fields["event"] = event;
      audited_.push_back(std::move(fields));
    };
    directory_ = std::make_shared<Directory>();
    tl_ = ThreeLegged::create(
        config, catalog_, clients_, *keys_, clock_, ThreeLeggedStores::open(*db),
        {std::make_shared<const PairwiseSubjects>(std::string(32, 'p')),
         std::make_shared<const SubjectSealer>(*SubjectSealer::from_key(std::string(32, 'k')))},
        directory_, hooks);
    boost::json::array jwks{key().to_public_json()};
    CreateClientRequest req{
        .partner = "demo-partner",
        .scopes = core::ScopeSet::of({"sim-swap:check", std::string(kNv)}),
        .auth_methods = {"private_key_jwt"},
        .grant_types = {"authorization_code", std::string(grants::kCiba),
                        std::string(grants::kJwtBearer)},
        .redirect_uris = {std::string(kRedirect)},
        .jwks = boost::json::serialize(boost::json::object{{"keys", jwks}})};
    auto created = create_client(*clients_, *catalog_, req, clock_);
    ASSERT_TRUE(created) << created.error();
    client_ = created->record;
  }

  static const core::Jwk& key() { return core::testing::test_key(Alg::kES256); }

  // GET /oauth2/authorize from `ip`.
  http::Response authorize(std::string_view scope, std::string_view ip = "127.0.0.1",
                           std::string_view prompt = {}) {
    std::string q = "response_type=code&client_id=" + client_.client_id +
                    "&redirect_uri=" + http::url_encode(kRedirect) +
                    "&scope=" + http::url_encode(scope) + "&state=st&code_challenge=" +
                    core::base64url_encode(core::sha256(std::string(50, 'v'))) +
                    "&code_challenge_method=S256";
    if (!prompt.empty()) q += "&prompt=" + http::url_encode(prompt);
    auto res = tl_->handle(make_request(bhttp::verb::get, "/oauth2/authorize?" + q), from(ip));
    EXPECT_TRUE(res);
    return std::move(*res);
  }
  // A redirect with a code (the flow completed without a page).
  static bool issued_code(const http::Response& res) {
    if (res.result_int() != 302) return false;
    const std::string loc(res[bhttp::field::location]);
    return !param(loc, "code").empty() && param(loc, "error").empty();
  }
  // The last audited reason of `event`.
  std::string last_reason(std::string_view event) const {
    for (auto it = audited_.rbegin(); it != audited_.rend(); ++it)
      if (it->at("event").as_string() == event) return std::string(it->at("reason").as_string());
    return {};
  }
  // The error of a redirect to the client, with the reason the audit recorded.
  std::pair<std::string, std::string> refused(const http::Response& res) {
    EXPECT_EQ(res.result_int(), 302) << res.body();
    EXPECT_EQ(res.count(bhttp::field::set_cookie), 0u);  // no session was opened
    const std::string loc(res[bhttp::field::location]);
    EXPECT_TRUE(loc.starts_with(std::string(kRedirect))) << loc;
    EXPECT_TRUE(param(loc, "code").empty());
    EXPECT_EQ(param(loc, "state"), "st");
    return {param(loc, "error"), last_reason("authorize_refused")};
  }
  http::Response bc_authorize(std::string_view hint, std::string_view scope) {
    const std::string body = "login_hint=" + http::url_encode(hint) +
                             "&scope=" + http::url_encode(scope) + "&client_id=" + client_.client_id;
    return *tl_->handle(make_request(bhttp::verb::post, "/oauth2/bc-authorize", body),
                        testing::test_connection());
  }
  http::Response jwt_bearer(std::string_view sub, std::string_view scope, std::string_view jti) {
    const boost::json::object claims{{"iss", client_.client_id},
                                     {"sub", sub},
                                     {"aud", std::string(kIssuer) + "/oauth2/token"},
                                     {"iat", kNow},
                                     {"exp", kNow + 120},
                                     {"jti", jti},
                                     {"scope", scope}};
    const std::string assertion =
        core::sign_compact(key(), Alg::kES256, boost::json::serialize(claims), "JWT").value();
    const std::string body = "grant_type=" + http::url_encode(grants::kJwtBearer) +
                             "&assertion=" + assertion;
    return tl_->jwt_bearer(make_request(bhttp::verb::post, "/oauth2/token", body),
                           *http::parse_form(body), testing::test_connection());
  }
  static boost::json::object json(const http::Response& r) {
    return boost::json::parse(r.body()).as_object();
  }
  static std::string scope(std::string_view purpose, std::string_view api) {
    return std::string(purpose) + " " + std::string(api);
  }

  testing::TempDir tmp_;
  core::ManualClock clock_{kNow};
  std::shared_ptr<store::SqliteClientStore> clients_;
  std::shared_ptr<store::SqliteReplayCache> replay_;
  std::shared_ptr<const catalog::Catalog> catalog_;
  std::optional<KeyManager> keys_;
  std::shared_ptr<Directory> directory_;
  std::unique_ptr<ThreeLegged> tl_;
  store::ClientRecord client_;
  std::vector<boost::json::object> audited_;
};

// From the handset (network-based), no consent needed: the code at once, with or without
// an explicit prompt=none.
TEST_F(NetworkOnlyTest, FromTheHandsetTheCodeComesSilently) {
  EXPECT_TRUE(issued_code(authorize(scope(kLegit, kNv))));
  EXPECT_TRUE(issued_code(authorize(scope(kLegit, kNv), "127.0.0.1", "none")));
}

// Off the mobile network: login_required (network_authentication_required) instead of the
// one-time-code page, with or without prompt=none; the same request for SIM swap still gets
// the page.
TEST_F(NetworkOnlyTest, OffNetworkIsLoginRequiredNotTheOneTimeCodePage) {
  for (std::string_view api : {kNv, std::string_view("number-verification:verify sim-swap:check")})
    for (std::string_view prompt : {"", "none"}) {
      auto [error, reason] = refused(authorize(scope(kLegit, api), "127.0.0.9", prompt));
      EXPECT_EQ(error, "login_required") << api << " prompt=" << prompt;
      EXPECT_EQ(reason, "network_authentication_required");
    }
  auto page = authorize(scope(kLegit, "sim-swap:check"), "127.0.0.9");
  EXPECT_EQ(page.result_int(), 200);
  EXPECT_NE(page.body().find("name=\"phone_number\""), std::string::npos);
}

// A consent purpose with no stored consent: consent_required instead of the consent page.
// Once the subscriber has consented (here: on the handset through CIBA), the code comes
// silently. SIM swap in the same situation still gets the page.
TEST_F(NetworkOnlyTest, ConsentIsRequiredNotAsked) {
  auto [error, reason] = refused(authorize(scope(kConsent, kNv)));
  EXPECT_EQ(error, "consent_required");
  EXPECT_EQ(reason, "consent_required_no_interaction");
  EXPECT_EQ(authorize(scope(kConsent, "sim-swap:check")).result_int(), 200);

  auto bc = bc_authorize("ipport:127.0.0.1", scope(kConsent, kNv));
  ASSERT_EQ(bc.result_int(), 200) << bc.body();
  ASSERT_EQ(directory_->sent.size(), 1u);
  const std::string decide = "token=" + directory_->sent[0].token + "&decision=allow";
  auto answered =
      tl_->handle(make_request(bhttp::verb::post, "/oauth2/ciba/decide", decide),
                  testing::test_connection());
  ASSERT_TRUE(answered);
  ASSERT_EQ(answered->result_int(), 200) << answered->body();
  EXPECT_TRUE(issued_code(authorize(scope(kConsent, kNv))));
}

// prompt=login or prompt=consent asks for the interaction these scopes exclude: invalid_request,
// even from the handset; SIM swap with prompt=consent still gets the consent page.
TEST_F(NetworkOnlyTest, PromptLoginOrConsentIsInvalidRequest) {
  for (std::string_view prompt : {"login", "consent", "login consent", "none consent"}) {
    auto [error, reason] = refused(authorize(scope(kLegit, kNv), "127.0.0.1", prompt));
    EXPECT_EQ(error, "invalid_request") << prompt;
    EXPECT_EQ(reason, "prompt_needs_interaction") << prompt;
  }
  EXPECT_EQ(authorize(scope(kConsent, "sim-swap:check"), "127.0.0.1", "consent").result_int(), 200);
}

// CIBA: a tel: hint is refused with invalid_request whether or not the number is ours;
// ipport: and operatortoken: are accepted; tel: for SIM swap still is.
TEST_F(NetworkOnlyTest, CibaRefusesATelHint) {
  for (std::string_view hint : {"tel:+34600000001", "tel:+34699999999"}) {
    auto res = bc_authorize(hint, scope(kLegit, kNv));
    EXPECT_EQ(res.result_int(), 400) << hint;
    EXPECT_EQ(json(res)["error"], "invalid_request") << hint;
    const std::string description(json(res)["error_description"].as_string());
    EXPECT_NE(description.find("ipport:"), std::string::npos) << description;
    EXPECT_NE(description.find("operatortoken:"), std::string::npos) << description;
    EXPECT_EQ(last_reason("bc_authorize_refused"), "tel_hint_needs_network_authentication");
  }
  EXPECT_EQ(bc_authorize("ipport:127.0.0.1:5000", scope(kLegit, kNv)).result_int(), 200);
  EXPECT_EQ(bc_authorize("operatortoken:ts43", scope(kLegit, kNv)).result_int(), 200);
  EXPECT_EQ(bc_authorize("tel:+34600000001", scope(kLegit, "sim-swap:check")).result_int(), 200);
}

// JWT bearer: a tel: subject is invalid_grant (and does not burn its jti); operatortoken:
// gets a token; tel: for SIM swap still does.
TEST_F(NetworkOnlyTest, JwtBearerRefusesATelSubject) {
  auto res = jwt_bearer("tel:+34600000001", scope(kLegit, kNv), "j1");
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_EQ(json(res)["error"], "invalid_grant");
  EXPECT_NE(std::string(json(res)["error_description"].as_string()).find("operatortoken:"),
            std::string::npos);
  EXPECT_EQ(last_reason("token_refused"), "tel_subject_needs_network_authentication");
  auto ok = jwt_bearer("operatortoken:ts43", scope(kLegit, kNv), "j2");
  EXPECT_EQ(ok.result_int(), 200) << ok.body();
  auto tel = jwt_bearer("tel:+34600000001", scope(kLegit, "sim-swap:check"), "j1");
  EXPECT_EQ(tel.result_int(), 200) << tel.body();
}

}  // namespace
}  // namespace tollgate::authz
