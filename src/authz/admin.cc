#include "authz/admin.h"

#include <algorithm>
#include <cctype>

#include "authz/token_service.h"
#include "core/crypto.h"
#include "core/strf.h"

namespace tollgate::authz {
namespace {

using core::strf;

constexpr std::size_t kClientIdRandomBytes = 12;  // 16 base64url characters
constexpr std::size_t kSecretBytes = 32;          // 256 bits (ARCHITECTURE.md)
// A random 96-bit id colliding is all but impossible; retrying a few times
// turns "all but" into "never" without looping forever on a broken store.
constexpr int kIdAttempts = 3;

bool valid_partner_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::ranges::all_of(s, [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::expected<std::vector<std::string>, std::string> check_subset(
    const std::vector<std::string>& given, std::initializer_list<std::string_view> allowed,
    std::string_view what) {
  if (given.empty()) return std::unexpected(strf("at least one {} is required", what));
  std::vector<std::string> out;
  for (const auto& g : given) {
    if (std::ranges::find(allowed, std::string_view(g)) == allowed.end()) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return std::unexpected(strf("unsupported {} '{}' (supported: {})", what, g, list));
    }
    if (std::ranges::find(out, g) == out.end()) out.push_back(g);
  }
  return out;
}

}  // namespace

std::expected<CreatedClient, std::string> create_client(store::ClientStore& clients,
                                                        const catalog::Catalog& catalog,
                                                        const CreateClientRequest& request,
                                                        const core::Clock& clock) {
  if (!valid_partner_name(request.partner))
    return std::unexpected(
        strf("bad partner name '{}' (1-64 letters, digits, '-', '_' or '.')", request.partner));
  if (request.scopes.empty()) return std::unexpected("at least one scope is required");
  auto methods = check_subset(request.auth_methods,
                              {store::kAuthClientSecretBasic, store::kAuthClientSecretPost},
                              "authentication method");
  if (!methods) return std::unexpected(methods.error());
  auto grants = check_subset(request.grant_types, {store::kGrantClientCredentials}, "grant type");
  if (!grants) return std::unexpected(grants.error());

  store::ClientRecord record;
  record.partner = request.partner;
  record.scopes = request.scopes;
  record.grant_types = std::move(*grants);
  record.auth_methods = std::move(*methods);
  record.created_at = clock.unix_seconds();

  // The same rule the token endpoint applies: registering a client for scopes it
  // could never be granted would only defer the error to its first token request.
  if (auto d = decide_scopes(catalog, record, request.scopes); !d) {
    std::string msg;
    if (!d.error().unknown.empty())
      msg = strf("scopes not defined by any catalog product: {}", join(d.error().unknown));
    if (!d.error().not_allowed.empty())
      msg += strf("{}scopes of products partner '{}' has not contracted: {}",
                  msg.empty() ? "" : "; ", request.partner, join(d.error().not_allowed));
    return std::unexpected(msg);
  }

  std::string secret = core::random_token(kSecretBytes);
  record.secret_hash = core::hash_secret(secret);
  for (int attempt = 0;; ++attempt) {
    record.client_id = "tg_" + core::random_token(kClientIdRandomBytes);
    auto r = clients.create(record);
    if (r) break;
    if (r.error().code != store::StoreErrorCode::kConflict || attempt + 1 >= kIdAttempts)
      return std::unexpected(strf("cannot store the client: {}", r.error().message));
  }
  return CreatedClient{std::move(record), std::move(secret)};
}

boost::json::object client_to_json(const store::ClientRecord& client,
                                   std::optional<std::string> secret) {
  auto array_of = [](const std::vector<std::string>& v) {
    boost::json::array a;
    for (const auto& s : v) a.emplace_back(s);
    return a;
  };
  boost::json::object o;
  o["client_id"] = client.client_id;
  if (secret) o["client_secret"] = *secret;
  o["partner"] = client.partner;
  o["scope"] = client.scopes.to_string();
  o["grant_types"] = array_of(client.grant_types);
  o["auth_methods"] = array_of(client.auth_methods);
  o["redirect_uris"] = array_of(client.redirect_uris);
  o["created_at"] = client.created_at;
  o["disabled"] = client.disabled;
  return o;
}

}  // namespace tollgate::authz
