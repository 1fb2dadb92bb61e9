// three_legged.h — the grants that stand for one subscriber (CAMARA ICM):
// authorization code + PKCE with the operator-hosted pages, CIBA poll mode,
// the JWT bearer grant (RFC 7523 §2.1), and refresh tokens with rotation.
// AuthzService hosts it: it routes the paths below here and dispatches the
// grants; everything else about these grants lives behind this interface.
//
// Routes (handle() returns nullopt for any other path):
//   GET|POST /oauth2/authorize         start: validate, identify the subscriber, consent;
//                                      a signed `request` object (request_object.h) replaces
//                                      every parameter but the four CAMARA repeats in plain
//   POST /oauth2/authorize/login       phone number for the one-time-code fallback
//   POST /oauth2/authorize/otp         the one-time code
//   POST /oauth2/authorize/consent     Allow / Deny
//   POST /oauth2/bc-authorize          CIBA backchannel authentication request (plain, or
//                                      signed: CIBA §7.1.1, every parameter inside `request`)
//   POST /oauth2/ciba/decide           the subscriber's answer from the handset
//   GET  /consents                     the subscriber's self-care page: active consents,
//                                      identified like /oauth2/authorize (network-based,
//                                      else a one-time code by SMS)
//   POST /consents/withdraw            Withdraw (CSRF token + browser binding, like the
//                                      consent page); see consent_withdrawal.h
//   POST /consents/login, /consents/otp  its one-time-code fallback (like /oauth2/authorize)
// Grants (token endpoint): authorization_code, refresh_token,
// urn:openid:params:grant-type:ciba (token(), for an authenticated client) and
// urn:ietf:params:oauth:grant-type:jwt-bearer (jwt_bearer(), before client
// authentication: the signed assertion is the client's authentication when the
// request carries no other).
//
// Error answers: the authorize endpoint never redirects to a redirect URI that
// is not registered for the client, nor for an unknown client: it shows an
// error page (400); every later error redirects with error, error_description,
// state and iss. The token and bc-authorize endpoints answer the RFC 6749 §5.2
// body with CIBA/CAMARA codes. The precise reason of every refusal goes to the
// "audit" log channel.
//
// Thread safety: handle/token/jwt_bearer may run on any number of threads.
#pragma once

#include <boost/json.hpp>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "authz/config.h"
#include "authz/consent_withdrawal.h"
#include "authz/keys.h"
#include "authz/pairwise.h"
#include "authz/sealed_subject.h"
#include "authz/subscriber_directory.h"
#include "catalog/catalog.h"
#include "core/clock.h"
#include "core/jwk.h"
#include "http/form.h"
#include "http/server.h"
#include "store/auth_codes.h"
#include "store/authorize_sessions.h"
#include "store/ciba_requests.h"
#include "store/clients.h"
#include "store/consents.h"
#include "store/refresh_tokens.h"

namespace tollgate::authz {

namespace grants {
inline constexpr std::string_view kAuthorizationCode = "authorization_code";
inline constexpr std::string_view kRefreshToken = "refresh_token";
inline constexpr std::string_view kCiba = "urn:openid:params:grant-type:ciba";
inline constexpr std::string_view kJwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer";
}  // namespace grants

// Tunables (the reasons are in three_legged.cc next to their use).
inline constexpr std::chrono::seconds kAuthCodeLifetime{60};
inline constexpr std::chrono::seconds kAuthorizeSessionLifetime{600};
inline constexpr std::chrono::seconds kOtpLifetime{300};
inline constexpr int kMaxOtpAttempts = 5;
inline constexpr int kMaxOtpSends = 3;
inline constexpr std::chrono::seconds kCibaLifetime{120};
inline constexpr std::chrono::seconds kCibaInterval{2};
inline constexpr std::chrono::hours kConsentLifetime{24 * 365};
inline constexpr std::chrono::hours kRefreshTokenLifetime{24 * 30};

struct ThreeLeggedStores {
  std::shared_ptr<store::ConsentStore> consents;
  std::shared_ptr<store::AuthCodeStore> codes;
  std::shared_ptr<store::RefreshTokenStore> refresh_tokens;
  std::shared_ptr<store::CibaRequestStore> ciba;
  std::shared_ptr<store::AuthorizeSessionStore> sessions;

  // Open every store on `db` (applying their migrations). Throws std::runtime_error (start-up
  // only).
  static ThreeLeggedStores open(std::shared_ptr<store::Database> db);
};

struct SubjectKeys {
  std::shared_ptr<const PairwiseSubjects> pairwise;
  std::shared_ptr<const SubjectSealer> sealer;
  // <keys_dir>/pairwise.secret and <keys_dir>/subject-seal.key, created when missing.
  // Throws std::runtime_error (start-up only).
  static SubjectKeys open(const std::filesystem::path& keys_dir);
};

// What the grants need from the service that hosts them. Each may be empty;
// the feature that needs it then refuses cleanly (logged).
struct ClientHooks {
  // Authenticate the client of a backchannel request: its record, or the complete error response.
  std::function<std::expected<store::ClientRecord, http::Response>(
      const http::Request&, const http::Form&, std::string_view endpoint_url,
      const http::ConnectionInfo&)>
      authenticate;
  // The client's registered public keys (private_key_jwt registration), for JWT bearer assertions;
  // `refresh` asks for a refetch (an unknown kid).
  std::function<std::expected<std::shared_ptr<const core::Jwks>, std::string>(
      const store::ClientRecord&, bool refresh)>
      client_keys;
  // Accept an assertion's jti once per client until keep_until; false when already seen.
  std::function<std::expected<bool, std::string>(std::string_view client_id, std::string_view jti,
                                                 std::int64_t keep_until)>
      accept_jti_once;
  // A 3-legged access token must no longer be accepted (code reuse, consent withdrawn).
  std::function<void(std::string_view jti, std::string_view client_id, std::int64_t exp,
                     std::string_view reason)>
      revoke_access_token;
  // Withdraw a consent and revoke what rests on it (authz/consent_withdrawal.h); empty: the
  // self-care page refuses to withdraw (503 page).
  std::function<std::expected<WithdrawnConsent, WithdrawError>(std::string_view consent_id,
                                                               std::string_view by)>
      withdraw_consent;
  // Record an audit event (durably, before the response, in the host's audit trail);
  // empty: one line on the "audit" log channel.
  std::function<void(std::string_view event, boost::json::object fields, bool warn)> audit;
};

class ThreeLegged {
 public:
  virtual ~ThreeLegged() = default;

  // Throws std::invalid_argument when a store, the directory or a key is missing (start-up only).
  static std::unique_ptr<ThreeLegged> create(const AuthzConfig& config,
                                             std::shared_ptr<const catalog::Catalog> catalog,
                                             std::shared_ptr<store::ClientStore> clients,
                                             KeyManager keys, const core::Clock& clock,
                                             ThreeLeggedStores stores, SubjectKeys subject,
                                             std::shared_ptr<const SubscriberDirectory> directory,
                                             ClientHooks hooks);

  virtual std::optional<http::Response> handle(const http::Request& request,
                                               const http::ConnectionInfo& info) = 0;
  // authorization_code, refresh_token, CIBA, JWT bearer.
  virtual bool handles_grant(std::string_view grant_type) const = 0;
  virtual http::Response jwt_bearer(const http::Request& request, const http::Form& form,
                                    const http::ConnectionInfo& info) = 0;
  // REQUIRES: handles_grant(form grant_type) and not JWT bearer; `client` authenticated.
  virtual http::Response token(const http::Request& request, const http::Form& form,
                               const store::ClientRecord& client,
                               const http::ConnectionInfo& info) = 0;
  // Add the discovery members of these grants to the metadata document.
  virtual void add_metadata(boost::json::object& doc) const = 0;
};

}  // namespace tollgate::authz
