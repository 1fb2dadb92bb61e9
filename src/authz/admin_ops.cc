#include "authz/admin_ops.h"

#include "core/json.h"
#include "core/strf.h"

namespace tollgate::authz {

boost::json::object partner_to_json(const catalog::Partner& partner,
                                    const std::vector<store::ClientRecord>& all_clients) {
  boost::json::array products, clients;
  for (const auto& p : partner.products) products.emplace_back(p);
  for (const auto& c : all_clients)
    if (c.partner == partner.name) clients.emplace_back(c.client_id);
  return {{"name", partner.name},
          {"tier", partner.tier},
          {"products", std::move(products)},
          {"clients", std::move(clients)}};
}

store::StoreResult<std::optional<boost::json::object>> inspect_token(
    const Revocations& verifier, store::RevocationStore& revocations, store::ClientStore& clients,
    std::string_view token, std::int64_t now) {
  auto ours = verifier.inspect(token);
  if (!ours) return std::optional<boost::json::object>{};
  std::string reason = "ok";
  const std::string consent_id(core::get_string(ours->claims, "consent_id").value_or(""));
  auto client = clients.find(ours->client_id);
  if (!client) return std::unexpected(std::move(client.error()));
  auto token_revoked = revocations.token_revoked(ours->jti);
  if (!token_revoked) return std::unexpected(std::move(token_revoked.error()));
  auto client_revoked = revocations.client_revoked(ours->client_id);
  if (!client_revoked) return std::unexpected(std::move(client_revoked.error()));
  store::StoreResult<bool> consent_revoked = false;
  if (!consent_id.empty()) consent_revoked = revocations.consent_revoked(consent_id);
  if (!consent_revoked) return std::unexpected(std::move(consent_revoked.error()));
  if (*token_revoked)
    reason = "token_revoked";
  else if (*client_revoked)
    reason = "client_revoked";
  else if (*consent_revoked)
    reason = "consent_revoked";
  else if (!*client)
    reason = "client_unknown";
  else if ((*client)->disabled)
    reason = "client_disabled";
  else if (ours->exp <= now)
    reason = "expired";
  boost::json::object out{
      {"active", reason == "ok"},         {"reason", reason}, {"jti", ours->jti},
      {"client_id", ours->client_id},     {"exp", ours->exp}, {"kid", ours->kid},
      {"claims", std::move(ours->claims)}};
  return std::optional<boost::json::object>(std::move(out));
}

std::expected<RevokedToken, std::string> revoke_token_by_jti(
    store::RevocationStore& revocations, std::string_view jti, std::string_view client_id,
    std::int64_t exp, std::string_view by, const AuditSink& audit, std::int64_t now) {
  if (jti.empty() || jti.size() > 256) return std::unexpected(std::string("a jti is required"));
  if (exp <= 0)
    return std::unexpected(std::string("exp must be the token's expiry (unix seconds)"));
  auto r = revocations.revoke_token(jti, client_id, exp, now, "admin");
  if (!r) return std::unexpected(core::strf("cannot record the revocation: {}", r.error().message));
  if (r->created && audit) {
    auto a = audit("token_revoked", {{"token_type", "access_token"},
                                     {"jti", jti},
                                     {"client_id", client_id},
                                     {"exp", exp},
                                     {"revocation_seq", r->entry.seq},
                                     {"reason", "admin"},
                                     {"by", by}});
    if (!a) return std::unexpected("cannot write the audit record: " + a.error());
  }
  return RevokedToken{r->created, r->entry.seq};
}

}  // namespace tollgate::authz
