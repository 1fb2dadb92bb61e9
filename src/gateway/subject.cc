#include "gateway/subject.h"

#include <atomic>

#include "core/json.h"

namespace tollgate::gateway {
namespace {

std::atomic<std::shared_ptr<const authz::SubjectSealer>>& installed() {
  static std::atomic<std::shared_ptr<const authz::SubjectSealer>> sealer;
  return sealer;
}

bool is_e164(std::string_view s) {
  if (s.size() < 6 || s.size() > 16 || s[0] != '+' || s[1] < '1' || s[1] > '9') return false;
  for (char c : s.substr(1))
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

void set_subject_sealer(std::shared_ptr<const authz::SubjectSealer> sealer) {
  installed().store(std::move(sealer));
}

bool resolve_subject(const core::VerifiedJwt& jwt, Identity& id) {
  const auto* claim = jwt.claims.if_contains(authz::kSealedSubjectClaim);
  if (!claim) return true;  // 2-legged
  const auto sealer = installed().load();
  if (!sealer || !claim->is_string() || jwt.jti.empty()) return false;
  auto msisdn = sealer->open(claim->as_string(), jwt.jti);
  if (!msisdn || !is_e164(*msisdn)) return false;
  std::string amr;
  if (const auto* a = jwt.claims.if_contains("amr"); a && a->is_array()) {
    for (const auto& v : a->as_array()) {
      if (!v.is_string()) return false;
      if (!amr.empty()) amr += ' ';
      amr += v.as_string();
    }
  }
  if (!header_safe(amr)) return false;
  // Only a fully resolved subject changes the identity.
  id.token_type = "3-legged";
  id.subscriber = std::move(*msisdn);
  id.amr = std::move(amr);
  return true;
}

}  // namespace tollgate::gateway
