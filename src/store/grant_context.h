// grant_context.h — what a 3-legged grant stands for, as the authorization
// code, refresh token and CIBA request stores keep it: the client, the
// subscriber, how the subscriber was authenticated, the purpose and scopes, and
// the consent it rests on. Plain data; the stores serialize it as columns.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tollgate::store {

struct GrantContext {
  std::string client_id;
  std::string partner;
  std::string scope;       // the granted scope string (openid / offline_access / dpv: included)
  std::string purpose;     // "dpv:..."
  std::string subscriber;  // +E.164 (operator database only; never in a token in clear)
  std::vector<std::string> amr;  // "nba", "otp", ...
  std::string consent_id;        // empty when the purpose's legal basis needs no consent
  std::int64_t auth_time = 0;    // when the subscriber was authenticated (unix seconds)
  std::string nonce;             // OIDC nonce for the ID token; empty when none
};

}  // namespace tollgate::store
