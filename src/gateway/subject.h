// subject.h — who a 3-legged token stands for, for the network behind the
// gateway: x-tollgate-token-type: 3-legged, x-tollgate-subscriber (+E.164) and
// x-tollgate-amr. The authorization server carries the MSISDN sealed in the
// token's "sub_sealed" claim (authz/sealed_subject.h: AES-256-GCM bound to the
// token's jti); its `sub` is a pairwise pseudonym the network cannot use.
//
// A verified token with a sub_sealed claim is 3-legged. When the claim does not
// open (no sealing key installed, another deployment's key, altered, moved from
// another token) or holds no +E.164 number, the token is refused
// (reason "subject_unsealable"): fail closed, never forwarded as 2-legged.
// A token without the claim is 2-legged and left as it is.
//
// The sealing key is installed once at start-up, before the gateway serves
// (app/roles.cc reads <data_dir>/keys/subject-seal.key); reads are lock-free.
#pragma once

#include <memory>
#include <string_view>

#include "authz/sealed_subject.h"
#include "core/jwt.h"
#include "gateway/proxy.h"

namespace tollgate::gateway {

inline constexpr std::string_view kSubscriberHeader = "x-tollgate-subscriber";
inline constexpr std::string_view kAmrHeader = "x-tollgate-amr";
inline constexpr std::string_view kReasonSubjectUnsealable = "subject_unsealable";

void set_subject_sealer(std::shared_ptr<const authz::SubjectSealer> sealer);

// Fills id.token_type, id.subscriber and id.amr for a 3-legged token; false when
// the token claims a subject that cannot be opened (refuse it).
bool resolve_subject(const core::VerifiedJwt& jwt, Identity& id);

}  // namespace tollgate::gateway
