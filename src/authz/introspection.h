// introspection.h — RFC 7662 token introspection, as a pure decision over our
// own state (no HTTP here; governance.cc serves POST /oauth2/introspect).
//
// Contract
// - A token is active only when ALL hold: it is our access token (our key, our
//   iss, typ at+jwt — see Revocations::inspect) and not expired at `now`; its
//   jti is not revoked; its client exists, is not disabled and not revoked; the
//   consent named by its consent_id claim (3-legged tokens) is not revoked; and
//   the caller may see it: the token's own client, or the admin credential
//   (a gateway). Refresh tokens are asked of the RefreshTokenRevoker when one
//   is installed, under the same caller rule.
// - Anything else — malformed, foreign (another issuer, or another client's
//   token), unknown, expired, revoked — is exactly {"active":false}: the answer
//   never says which (RFC 7662 §2.2).
// - An active answer holds the token's claims plus "active":true and
//   "token_type":"Bearer".
// - A store failure is reported as an error so the edge answers 503 rather
//   than a wrong "active".
#pragma once

#include <boost/json.hpp>
#include <string_view>

#include "authz/revocation.h"
#include "store/clients.h"

namespace tollgate::authz {

// `caller_client_id` empty means the admin credential.
store::StoreResult<boost::json::object> introspect(Revocations& revocations, store::ClientStore& clients,
                                                   std::string_view token, std::string_view caller_client_id,
                                                   std::int64_t now);

}  // namespace tollgate::authz
