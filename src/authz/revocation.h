// revocation.h — revoking what the authorization server issued, and telling
// gateways about it.
//
//   - Access tokens (JWT, RFC 9068) are revoked by `jti`: the entry is kept in
//     store::RevocationStore until the token's own exp and published in the
//     revocations feed (GET /oauth2/revocations?since=N) with a strictly
//     increasing seq.
//   - Refresh tokens belong to the refresh-token store (authorization code and
//     CIBA grants): it plugs in through RefreshTokenRevoker, which RFC 7009
//     requests and client revocation call.
//   - A client is revoked as a whole when it is disabled: one feed entry
//     {"client_id"}; authz::disable_client (admin.h) records it, revokes the
//     client's refresh tokens and audits — the only way, for the CLI and the
//     admin API alike.
// Every revocation is audited ("token_revoked", "client_revoked").
//
// Contract
// - `inspect` recognises only OUR access tokens: signature by a key in our
//   current JWKS (which still holds every key whose tokens may be unexpired),
//   our iss, typ at+jwt, a jti. It does not check exp (the caller decides).
// - `revoke_presented` implements RFC 7009 §2.1-2.2 for a caller client: a
//   token that is not ours, malformed or expired needs no action (200); a token
//   issued to another client is refused (kOtherClient) and nothing is revoked.
// - Thread safety: every member may be called from any thread; `set_refresh_revoker`
//   is for start-up, before requests are served.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "authz/audit.h"
#include "authz/keys.h"
#include "core/clock.h"
#include "core/jwt.h"
#include "store/revocations.h"

namespace tollgate::authz {

// Implemented by the refresh-token store (issue 3 part B). Tokens are opaque here.
class RefreshTokenRevoker {
 public:
  virtual ~RefreshTokenRevoker() = default;
  enum class Outcome { kRevoked, kUnknown, kOtherClient, kUnavailable };
  // RFC 7009 for a refresh token presented by `client_id` (revoking its family is the store's
  // choice).
  virtual Outcome revoke(std::string_view refresh_token, std::string_view client_id) = 0;
  // RFC 7662 members ("active":true, scope, client_id, exp, sub...) for an active
  // refresh token; nullopt when unknown, expired or revoked.
  virtual std::optional<boost::json::object> introspect(std::string_view refresh_token) = 0;
};

enum class RevokeOutcome {
  kRevoked,         // newly revoked
  kAlreadyRevoked,  // revoked before (still 200)
  kNothingToDo,     // not ours, malformed, expired or unknown (200, RFC 7009 §2.2)
  kOtherClient,     // ours, but issued to another client: refused
  kUnavailable,     // the store failed: 503
};
std::string_view to_string(RevokeOutcome outcome);

class Revocations {
 public:
  // Token entries stay in the feed this long past their exp (a gateway
  // accepts a token up to exp + its clock_skew, at most 300 s).
  static constexpr std::chrono::seconds kFeedKeepsPastExp{300};
  Revocations(std::shared_ptr<store::RevocationStore> store, std::shared_ptr<AuditLog> audit,
              KeyManager keys, std::string issuer, const core::Clock& clock);

  struct OurToken {
    std::string jti;
    std::string client_id;
    std::int64_t exp = 0;
    std::string kid;
    boost::json::object claims;
  };
  // Our access token's verified claims (exp not checked), or nullopt.
  std::optional<OurToken> inspect(std::string_view token) const;

  // RFC 7009 for `caller` (a client id); `hint` is token_type_hint ("" when absent).
  RevokeOutcome revoke_presented(std::string_view token, std::string_view hint,
                                 std::string_view caller);

  // Direct revocation of an access token (consent withdrawal, refresh-family reuse...).
  store::StoreResult<bool> revoke_access_token(std::string_view jti, std::string_view client_id,
                                               std::int64_t exp, std::string_view reason,
                                               std::string_view by);

  store::StoreResult<bool> token_revoked(std::string_view jti) {
    return store_->token_revoked(jti);
  }
  store::StoreResult<bool> client_revoked(std::string_view client_id) {
    return store_->client_revoked(client_id);
  }
  store::StoreResult<bool> consent_revoked(std::string_view consent_id) {
    return store_->consent_revoked(consent_id);
  }
  store::RevocationStore& store() { return *store_; }

  // The feed: {"next": M, "revoked": [{"jti":..,"exp":..} | {"client_id":..} | {"consent_id":..}]}.
  static constexpr std::size_t kFeedPage = 1000;
  store::StoreResult<boost::json::object> feed(std::int64_t since);

  store::StoreResult<std::int64_t> prune() { return store_->prune(clock_.unix_seconds()); }

  void set_refresh_revoker(std::shared_ptr<RefreshTokenRevoker> revoker) {
    refresh_ = std::move(revoker);
  }
  RefreshTokenRevoker* refresh_revoker() const { return refresh_.get(); }

 private:
  std::shared_ptr<store::RevocationStore> store_;
  std::shared_ptr<AuditLog> audit_;
  KeyManager keys_;
  std::string issuer_;
  const core::Clock& clock_;
  std::shared_ptr<RefreshTokenRevoker> refresh_;
};

}  // namespace tollgate::authz
