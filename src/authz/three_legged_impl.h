// three_legged_impl.h — private to the three-legged grants (three_legged.cc,
// authorize.cc, ciba.cc, jwt_bearer.cc, refresh.cc, selfcare.cc). Not an interface.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "authz/subject_tokens.h"
#include "authz/three_legged.h"
#include "authz/three_legged_scope.h"

namespace tollgate::authz::detail {

namespace bhttp = boost::beast::http;

// An OAuth error answer (RFC 6749 §5.2 body; 401 adds the Basic challenge).
struct OAuthError {
  unsigned status = 400;
  std::string error;
  std::string description;
  std::string reason;  // precise reason code for the audit log
};

http::Response oauth_json(const http::Request& req, unsigned status,
                          const boost::json::object& body);
http::Response oauth_error(const http::Request& req, const OAuthError& e);
std::string_view path_of(std::string_view target);
std::string media_type(std::string_view content_type);
// A form body (POST application/x-www-form-urlencoded); nullopt with `error` set when it is not
// one.
std::optional<http::Form> form_body(const http::Request& req, OAuthError& error);
std::string form_value(const http::Form& form, std::string_view key);
bool has(const http::Form& form, std::string_view key);
// ^\+[1-9][0-9]{4,14}$
bool is_e164(std::string_view s);

// Subscriber identification, shared by the authorization pages (authorize.cc)
// and the consent self-care page (selfcare.cc):
// the source IP of a connection (an IPv4-mapped IPv6 address as IPv4), for network-based
// authentication;
std::string remote_ip(const http::ConnectionInfo& info);
// the value of cookie `name` (the browser binding of a page session), or empty;
std::string cookie(const http::Request& req, std::string_view name);
// a one-time code for the SMS fallback: six digits from the CSPRNG (10^6 codes against at most
// kMaxOtpAttempts guesses); stored only as otp_hash (bound to its session).
std::string new_one_time_code();
std::string otp_hash(const store::AuthorizeSession& session, std::string_view otp);

// The one-time-code fallback itself, shared by the authorization pages and the self-care page so
// that a number we do not know behaves exactly like a subscriber's number with a wrong code (the
// pages never tell which numbers are subscribers: same pages, messages, attempt counting and
// work, only no SMS).
// start_one_time_code: a new code for `phone` on `session` (otp_subscriber, otp_expires_at =
// now + kOtpLifetime; the send is counted in otp_attempts and the earlier code is dropped). The
// code is delivered by SMS (`sms_text(code)`) only when the directory knows the number; an
// unknown number's session holds no otp_hash, so no code ever matches it. nullopt when the
// session has used up its kMaxOtpSends (nothing changed); else whether the number is known (for
// the audit record only, never for the page).
std::optional<bool> start_one_time_code(
    const SubscriberDirectory& directory, store::AuthorizeSession& session, std::string_view phone,
    std::int64_t now, const std::function<std::string(std::string_view)>& sms_text);
enum class OtpCheck {
  kRight,           // the number is proven: otp_hash cleared
  kWrong,           // counted; ask again ("not right")
  kExpired,         // counted; the caller ends the session
  kNoAttemptsLeft,  // counted, the kMaxOtpAttempts-th wrong code: the caller ends the session
};
// Check `otp` against the session's code (the same work whether or not a code was sent).
OtpCheck check_one_time_code(store::AuthorizeSession& session, std::string_view otp,
                             std::int64_t now);

class ThreeLeggedImpl final : public ThreeLegged {
 public:
  ThreeLeggedImpl(const AuthzConfig& config, std::shared_ptr<const catalog::Catalog> catalog,
                  std::shared_ptr<store::ClientStore> clients, KeyManager keys,
                  const core::Clock& clock, ThreeLeggedStores stores, SubjectKeys subject,
                  std::shared_ptr<const SubscriberDirectory> directory, ClientHooks hooks);

  std::optional<http::Response> handle(const http::Request& req,
                                       const http::ConnectionInfo& info) override;
  bool handles_grant(std::string_view grant) const override;
  http::Response jwt_bearer(const http::Request& req, const http::Form& form,
                            const http::ConnectionInfo& info) override;
  http::Response token(const http::Request& req, const http::Form& form,
                       const store::ClientRecord& client,
                       const http::ConnectionInfo& info) override;
  void add_metadata(boost::json::object& doc) const override;

 private:
  // --- shared (three_legged.cc) ---
  struct Issued {
    boost::json::object body;
    std::string jti;
    std::int64_t exp = 0;
    std::string refresh_family;
  };
  // Sign the access token (and ID token, and a refresh token when `refresh_grant`
  // is set and the scope asked for offline_access) and audit the issuance.
  std::expected<Issued, OAuthError> issue(const store::ClientRecord& client,
                                          const ThreeLeggedScope& scope,
                                          const store::GrantContext& grant,
                                          std::string_view grant_type,
                                          std::optional<std::string_view> refresh_grant,
                                          std::optional<std::chrono::seconds> max_lifetime,
                                          std::string refresh_family = {},
                                          std::int64_t refresh_expires_at = 0);
  // The consent a grant rests on is still in force (not withdrawn, not expired); true when it needs
  // none.
  std::expected<bool, OAuthError> consent_in_force(const store::GrantContext& grant);
  // A covering consent for (partner, subscriber, purpose, scopes), or nullopt.
  std::expected<std::optional<store::ConsentRecord>, OAuthError> covering_consent(
      const std::string& partner, const std::string& subscriber, const ThreeLeggedScope& scope);
  std::expected<store::ConsentRecord, OAuthError> record_consent(const store::ClientRecord& client,
                                                                 const std::string& subscriber,
                                                                 const ThreeLeggedScope& scope);
  std::int64_t now() const { return clock_.unix_seconds(); }

  // --- authorization code (authorize.cc) ---
  http::Response authorize(const http::Request& req, const http::ConnectionInfo& info);
  http::Response authorize_login(const http::Request& req);
  http::Response authorize_otp(const http::Request& req);
  http::Response authorize_consent(const http::Request& req);
  http::Response token_authorization_code(const http::Request& req, const http::Form& form,
                                          const store::ClientRecord& client);

  // --- CIBA (ciba.cc) ---
  http::Response backchannel_authorize(const http::Request& req, const http::ConnectionInfo& info);
  http::Response ciba_decide(const http::Request& req);
  http::Response token_ciba(const http::Request& req, const http::Form& form,
                            const store::ClientRecord& client);

  // --- the subscriber's consent self-care (selfcare.cc) ---
  http::Response consents_page(const http::Request& req, const http::ConnectionInfo& info);
  http::Response consents_withdraw(const http::Request& req, const http::ConnectionInfo& info);
  http::Response consents_login(const http::Request& req);
  http::Response consents_otp(const http::Request& req);

  // --- refresh and JWT bearer (refresh.cc, jwt_bearer.cc) ---
  http::Response token_refresh(const http::Request& req, const http::Form& form,
                               const store::ClientRecord& client);

 public:  // for the helpers in authorize.cc
  void audit(std::string_view event, boost::json::object fields, bool warn = false) const;
  // A refresh family ends (reuse of a rotated token or of its code): its refresh tokens and
  // every still-unexpired access token issued with them are revoked (refresh.cc). Returns how
  // many access tokens were revoked.
  std::size_t revoke_refresh_family(std::string_view family_id, std::string_view reason);
  const AuthzConfig config_;
  const std::shared_ptr<const catalog::Catalog> catalog_;
  const std::shared_ptr<store::ClientStore> clients_;
  const core::Clock& clock_;
  const ThreeLeggedStores stores_;
  const SubjectTokenIssuer tokens_;
  const std::shared_ptr<const SubscriberDirectory> directory_;
  const ClientHooks hooks_;
};

}  // namespace tollgate::authz::detail
