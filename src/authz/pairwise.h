// pairwise.h — the `sub` of 3-legged tokens and ID tokens: a pairwise
// pseudonymous identifier (OIDC Core §8.1) per partner, so that two partners
// cannot correlate a subscriber and no partner learns the MSISDN (CAMARA ICM
// "ID Token sub claim": no PII, hard to reverse).
//
// sub = base64url(HMAC-SHA256(secret, "tollgate-ppid-v1" 0x00 partner 0x00 msisdn)).
// The secret is 32 random bytes per deployment in <data_dir>/keys/pairwise.secret
// (mode 0600, created at first start): without it, the 10^9-odd MSISDNs of a
// numbering plan cannot be enumerated against a `sub`. Losing or changing it
// changes every subscriber's `sub` for every partner.
//
// Thread safety: immutable; `subject` may run on any thread.
#pragma once

#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

namespace tollgate::authz {

inline constexpr std::string_view kPairwiseSecretFile = "pairwise.secret";

class PairwiseSubjects {
 public:
  // REQUIRES: secret.size() >= 32.
  explicit PairwiseSubjects(std::string secret);
  // Same file rules as SubjectSealer::load (created when missing, 0600 enforced).
  static std::expected<PairwiseSubjects, std::string> load(const std::filesystem::path& file);

  std::string subject(std::string_view partner, std::string_view msisdn) const;

 private:
  std::string secret_;
};

}  // namespace tollgate::authz
