#include "authz/consent_withdrawal.h"

#include <chrono>
#include <vector>

#include "core/strf.h"

namespace tollgate::authz {

AuditSink direct_audit_sink(std::shared_ptr<store::AuditStore> audit, const core::Clock& clock) {
  return
      [audit = std::move(audit), &clock](
          std::string_view event, boost::json::object fields) -> std::expected<void, std::string> {
        const auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch())
                .count();
        std::vector<store::AuditInput> rec{{ms, std::string(event), std::move(fields)}};
        if (auto a = audit->append(rec); !a) return std::unexpected(a.error().message);
        return {};
      };
}

using core::strf;

std::expected<WithdrawnConsent, WithdrawError> withdraw_consent(
    const ConsentWithdrawalStores& stores, std::string_view consent_id, std::string_view by,
    const AuditSink& audit, const core::Clock& clock) {
  auto store_error = [](std::string_view what, const store::StoreError& e) {
    return std::unexpected(WithdrawError{WithdrawError::kStore, strf("{}: {}", what, e.message)});
  };
  auto found = stores.consents.find(consent_id);
  if (!found) return store_error("cannot read the consents", found.error());
  if (!*found)
    return std::unexpected(
        WithdrawError{WithdrawError::kNotFound, strf("no consent '{}'", consent_id)});
  const bool was_withdrawn = (*found)->withdrawn_at.has_value();
  const std::int64_t now = clock.unix_seconds();
  if (auto r = stores.consents.withdraw(consent_id, now); !r)
    return store_error("cannot withdraw the consent", r.error());
  auto rev =
      stores.revocations.revoke_consent(consent_id, (*found)->client_id, now, "consent_withdrawn");
  if (!rev) return store_error("cannot record the revocation", rev.error());
  if (auto r = stores.refresh_tokens.revoke_consent(consent_id); !r)
    return store_error("cannot revoke the refresh tokens", r.error());
  auto after = stores.consents.find(consent_id);
  if (!after) return store_error("cannot read the consent back", after.error());
  if (!*after) return std::unexpected(WithdrawError{WithdrawError::kStore, "the consent vanished"});
  WithdrawnConsent out{std::move(**after), !was_withdrawn, rev->entry.seq};
  // Audited when something changed (a repeated withdrawal changes nothing).
  if (!was_withdrawn || rev->created) {
    if (audit) {
      auto a = audit("consent_withdrawn", {{"consent_id", out.consent.consent_id},
                                           {"partner", out.consent.partner},
                                           {"client_id", out.consent.client_id},
                                           {"purpose", out.consent.purpose},
                                           {"scope", out.consent.scopes.to_string()},
                                           {"revocation_seq", out.revocation_seq},
                                           {"by", by}});
      if (!a)
        return std::unexpected(
            WithdrawError{WithdrawError::kStore, "cannot write the audit record: " + a.error()});
    }
  }
  return out;
}

boost::json::object consent_to_json(const store::ConsentRecord& c, std::int64_t now) {
  boost::json::object o{{"consent_id", c.consent_id}, {"partner", c.partner},
                        {"client_id", c.client_id},   {"subscriber", "tel:" + c.subscriber},
                        {"purpose", c.purpose},       {"scope", c.scopes.to_string()},
                        {"created_at", c.created_at}, {"expires_at", c.expires_at}};
  if (c.withdrawn_at)
    o["withdrawn_at"] = *c.withdrawn_at;
  else
    o["withdrawn_at"] = nullptr;
  o["active"] = !c.withdrawn_at && c.expires_at > now;
  return o;
}

}  // namespace tollgate::authz
