#include "authz/introspection.h"

namespace tollgate::authz {
namespace {

boost::json::object inactive() { return boost::json::object{{"active", false}}; }

}  // namespace

store::StoreResult<boost::json::object> introspect(Revocations& revocations, store::ClientStore& clients,
                                                   std::string_view token, std::string_view caller, std::int64_t now) {
  const bool admin = caller.empty();
  if (std::count(token.begin(), token.end(), '.') != 2) {
    RefreshTokenRevoker* refresh = revocations.refresh_revoker();
    if (!refresh) return inactive();
    auto info = refresh->introspect(token);
    if (!info) return inactive();
    const auto owner = info->if_contains("client_id");
    if (!owner || !owner->is_string()) return inactive();
    const std::string owner_id(owner->get_string());
    if (!admin && owner_id != caller) return inactive();
    // A refresh token is no better than its client: disabled or revoked means inactive.
    auto client = clients.find(owner_id);
    if (!client) return std::unexpected(std::move(client.error()));
    if (!client->has_value() || (*client)->disabled) return inactive();
    auto client_revoked = revocations.client_revoked(owner_id);
    if (!client_revoked) return std::unexpected(std::move(client_revoked.error()));
    if (*client_revoked) return inactive();
    (*info)["active"] = true;
    return std::move(*info);
  }
  auto ours = revocations.inspect(token);
  if (!ours || ours->exp <= now) return inactive();
  if (!admin && ours->client_id != caller) return inactive();
  auto revoked = revocations.token_revoked(ours->jti);
  if (!revoked) return std::unexpected(std::move(revoked.error()));
  if (*revoked) return inactive();
  auto client_revoked = revocations.client_revoked(ours->client_id);
  if (!client_revoked) return std::unexpected(std::move(client_revoked.error()));
  if (*client_revoked) return inactive();
  // A 3-legged token is no better than the consent it rests on.
  if (auto consent = ours->claims.if_contains("consent_id"); consent && consent->is_string()) {
    auto consent_revoked = revocations.consent_revoked(consent->get_string());
    if (!consent_revoked) return std::unexpected(std::move(consent_revoked.error()));
    if (*consent_revoked) return inactive();
  }
  auto client = clients.find(ours->client_id);
  if (!client) return std::unexpected(std::move(client.error()));
  if (!client->has_value() || (*client)->disabled) return inactive();
  boost::json::object out = std::move(ours->claims);
  out["active"] = true;
  out["token_type"] = "Bearer";
  return out;
}

}  // namespace tollgate::authz
