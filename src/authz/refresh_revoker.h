// refresh_revoker.h — the refresh-token side of RFC 7009 revocation and RFC 7662
// introspection (authz/revocation.h's RefreshTokenRevoker), over
// store::RefreshTokenStore: revoking a refresh token revokes its whole family
// (every rotation of the same grant); a token is active while it is neither
// rotated, revoked nor expired. Introspection answers with the pairwise `sub`,
// never the MSISDN. When `revoke_access` is given, revoking a family also
// revokes the family's unexpired access tokens through it (RFC 7009 §2.1).
// Thread safety: any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "authz/pairwise.h"
#include "authz/revocation.h"
#include "core/clock.h"
#include "store/refresh_tokens.h"

namespace tollgate::authz {

// Revoke one access token (jti, client_id, exp, reason).
using AccessTokenRevoke =
    std::function<void(std::string_view, std::string_view, std::int64_t, std::string_view)>;

std::shared_ptr<RefreshTokenRevoker> make_refresh_revoker(
    std::shared_ptr<store::RefreshTokenStore> store,
    std::shared_ptr<const PairwiseSubjects> pairwise, const core::Clock& clock,
    AccessTokenRevoke revoke_access = {});

}  // namespace tollgate::authz
