#include "authz/refresh_revoker.h"

#include "core/crypto.h"

namespace tollgate::authz {
namespace {

class Revoker final : public RefreshTokenRevoker {
 public:
  Revoker(std::shared_ptr<store::RefreshTokenStore> store,
          std::shared_ptr<const PairwiseSubjects> pairwise, const core::Clock& clock,
          AccessTokenRevoke revoke_access)
      : store_(std::move(store)),
        pairwise_(std::move(pairwise)),
        clock_(clock),
        revoke_access_(std::move(revoke_access)) {}

  Outcome revoke(std::string_view token, std::string_view client_id) override {
    auto found = store_->find(core::sha256_hex(token));
    if (!found) return Outcome::kUnavailable;
    if (!*found) return Outcome::kUnknown;
    if ((*found)->grant.client_id != client_id) return Outcome::kOtherClient;
    if (!store_->revoke_family((*found)->family_id)) return Outcome::kUnavailable;
    // RFC 7009 §2.1: the access tokens based on the same grant go too.
    if (revoke_access_) {
      auto tokens = store_->family_access_tokens((*found)->family_id, clock_.unix_seconds());
      if (!tokens) return Outcome::kUnavailable;
      for (const auto& t : *tokens) revoke_access_(t.jti, t.client_id, t.exp, "refresh_revoked");
    }
    return Outcome::kRevoked;
  }

  std::optional<boost::json::object> introspect(std::string_view token) override {
    auto found = store_->find(core::sha256_hex(token));
    if (!found || !*found) return std::nullopt;
    const store::RefreshTokenRecord& r = **found;
    if (r.revoked || r.used_at || r.expires_at <= clock_.unix_seconds()) return std::nullopt;
    return boost::json::object{{"active", true},
                               {"token_type", "refresh_token"},
                               {"scope", r.grant.scope},
                               {"client_id", r.grant.client_id},
                               {"sub", pairwise_->subject(r.grant.partner, r.grant.subscriber)},
                               {"iat", r.created_at},
                               {"exp", r.expires_at}};
  }

 private:
  std::shared_ptr<store::RefreshTokenStore> store_;
  std::shared_ptr<const PairwiseSubjects> pairwise_;
  const core::Clock& clock_;
  const AccessTokenRevoke revoke_access_;
};

}  // namespace

std::shared_ptr<RefreshTokenRevoker> make_refresh_revoker(
    std::shared_ptr<store::RefreshTokenStore> store,
    std::shared_ptr<const PairwiseSubjects> pairwise, const core::Clock& clock,
    AccessTokenRevoke revoke_access) {
  return std::make_shared<Revoker>(std::move(store), std::move(pairwise), clock,
                                   std::move(revoke_access));
}

}  // namespace tollgate::authz
