#include "authz/admin.h"

#include <algorithm>
#include <cctype>

#include "authz/token_service.h"
#include "core/crypto.h"
#include "core/jwk.h"
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

bool valid_client_id(std::string_view s) { return valid_partner_name(s); }

// True when any key of a JWKS document carries a private or symmetric member.
bool holds_private_members(std::string_view jwks) {
  boost::system::error_code ec;
  const auto v = boost::json::parse(jwks, ec);
  if (ec || !v.is_object()) return false;  // refused later as malformed
  const auto* keys = v.get_object().if_contains("keys");
  if (!keys || !keys->is_array()) return false;
  for (const auto& k : keys->get_array()) {
    if (!k.is_object()) continue;
    for (std::string_view m : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
      if (k.get_object().contains(m)) return true;
  }
  return false;
}

bool valid_jwks_uri(std::string_view uri) {
  if (uri.size() > 2000) return false;
  for (unsigned char c : uri)
    if (c <= 0x20 || c >= 0x7f) return false;
  const std::string_view rest = uri.starts_with("https://")  ? uri.substr(8)
                                : uri.starts_with("http://") ? uri.substr(7)
                                                             : std::string_view();
  return !rest.empty() && rest.front() != '/' && uri.find('#') == std::string_view::npos;
}

// RFC 9700 §2.1: exact redirect URIs; plain http only for native apps on loopback.
bool valid_redirect_uri(std::string_view uri) {
  if (uri.size() > 2000 || uri.find('#') != std::string_view::npos) return false;
  for (unsigned char c : uri)
    if (c <= 0x20 || c >= 0x7f) return false;
  std::string_view rest;
  if (uri.starts_with("https://")) {
    rest = uri.substr(8);
  } else if (uri.starts_with("http://")) {
    rest = uri.substr(7);
    const std::string_view host = rest.substr(0, rest.find_first_of(":/?"));
    if (host != "127.0.0.1" && host != "localhost" && !rest.starts_with("[::1]")) return false;
  } else {
    return false;
  }
  return !rest.empty() && rest.front() != '/' && rest.front() != ':';
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
  const bool has_keys = !request.jwks.empty() || !request.jwks_uri.empty();
  std::vector<std::string> wanted = request.auth_methods;
  if (wanted.empty())
    wanted = has_keys ? std::vector<std::string>{std::string(store::kAuthPrivateKeyJwt)}
                      : std::vector<std::string>{std::string(store::kAuthClientSecretBasic),
                                                 std::string(store::kAuthClientSecretPost)};
  auto methods = check_subset(
      wanted,
      {store::kAuthClientSecretBasic, store::kAuthClientSecretPost, store::kAuthPrivateKeyJwt},
      "authentication method");
  if (!methods) return std::unexpected(methods.error());
  const bool key_method = std::ranges::find(*methods, store::kAuthPrivateKeyJwt) != methods->end();
  const bool secret_method = std::ranges::any_of(*methods, [](const std::string& m) {
    return m == store::kAuthClientSecretBasic || m == store::kAuthClientSecretPost;
  });
  if (key_method && !has_keys)
    return std::unexpected(
        "private_key_jwt needs the client's public keys: --jwks FILE or --jwks-uri URL");
  if (!key_method && has_keys)
    return std::unexpected(
        "--jwks/--jwks-uri are only for private_key_jwt (add --auth private_key_jwt)");
  if (!request.jwks.empty() && !request.jwks_uri.empty())
    return std::unexpected("give either --jwks or --jwks-uri, not both");
  if (!request.jwks.empty()) {
    if (holds_private_members(request.jwks))
      return std::unexpected(
          "the JWKS holds private key material: register the public keys only (and replace that "
          "key)");
    // Jwks::from_json refuses a malformed document; unusable entries are skipped.
    auto jwks = core::Jwks::from_json(request.jwks);
    if (!jwks)
      return std::unexpected(strf("the JWKS is not usable: {}", core::to_string(jwks.error())));
    if (jwks->keys().empty())
      return std::unexpected(
          "the JWKS holds no usable signing key (RSA of 2048 bits or more, EC P-256 with 32-byte x "
          "and y, or "
          "Ed25519; \"use\" absent or \"sig\")");
  }
  if (!request.jwks_uri.empty() && !valid_jwks_uri(request.jwks_uri))
    return std::unexpected(
        strf("bad --jwks-uri '{}' (an http:// or https:// URL)", request.jwks_uri));
  if (request.secret && !secret_method)
    return std::unexpected("a secret was given but no secret authentication method is registered");
  if (request.secret && request.secret->size() < kMinImportedSecret)
    return std::unexpected(
        strf("an imported secret must have at least {} characters", kMinImportedSecret));
  if (request.client_id && !valid_client_id(*request.client_id))
    return std::unexpected(
        strf("bad client id '{}' (1-64 letters, digits, '-', '_' or '.')", *request.client_id));
  auto grants = check_subset(request.grant_types,
                             {store::kGrantClientCredentials, store::kGrantAuthorizationCode,
                              store::kGrantRefreshToken, store::kGrantCiba, store::kGrantJwtBearer},
                             "grant type");
  if (!grants) return std::unexpected(grants.error());
  for (const auto& uri : request.redirect_uris)
    if (!valid_redirect_uri(uri))
      return std::unexpected(
          strf("bad redirect URI '{}' (https://..., or http:// on 127.0.0.1, [::1] or "
               "localhost; no fragment)",
               uri));
  if (std::ranges::find(*grants, store::kGrantAuthorizationCode) != grants->end() &&
      request.redirect_uris.empty())
    return std::unexpected("the authorization_code grant needs at least one --redirect-uri");

  store::ClientRecord record;
  record.partner = request.partner;
  record.scopes = request.scopes;
  record.grant_types = std::move(*grants);
  record.redirect_uris = request.redirect_uris;
  record.auth_methods = std::move(*methods);
  record.jwks = request.jwks;
  record.jwks_uri = request.jwks_uri;
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

  std::string secret;
  if (secret_method) {
    secret = request.secret ? *request.secret : core::random_token(kSecretBytes);
    record.secret_hash = core::hash_secret(secret);
  }
  for (int attempt = 0;; ++attempt) {
    record.client_id =
        request.client_id ? *request.client_id : "tg_" + core::random_token(kClientIdRandomBytes);
    auto r = clients.create(record);
    if (r) break;
    if (r.error().code == store::StoreErrorCode::kConflict && request.client_id)
      return std::unexpected(strf("client '{}' already exists", *request.client_id));
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
  if (!client.jwks_uri.empty()) o["jwks_uri"] = client.jwks_uri;
  if (!client.jwks.empty()) {
    boost::system::error_code ec;
    auto v = boost::json::parse(client.jwks, ec);
    if (!ec) o["jwks"] = std::move(v);
  }
  o["created_at"] = client.created_at;
  o["disabled"] = client.disabled;
  return o;
}

}  // namespace tollgate::authz

namespace tollgate::authz {

std::expected<DisabledClient, DisableError> disable_client(const ClientDisableStores& stores,
                                                           std::string_view client_id,
                                                           std::string_view by,
                                                           const AuditSink& audit,
                                                           const core::Clock& clock) {
  auto fail = [](std::string message) {
    return std::unexpected(DisableError{DisableError::kStore, std::move(message)});
  };
  auto found = stores.clients.find(client_id);
  if (!found) return fail(strf("cannot read the client registry: {}", found.error().message));
  if (!found->has_value())
    return std::unexpected(
        DisableError{DisableError::kNotFound, strf("no client '{}'", client_id)});
  const bool was_disabled = (*found)->disabled;
  if (auto r = stores.clients.disable(client_id); !r)
    return fail(strf("cannot disable: {}", r.error().message));
  auto rev = stores.revocations.revoke_client(client_id, clock.unix_seconds(), "client_disabled");
  if (!rev) return fail(strf("cannot record the revocation: {}", rev.error().message));
  // Its access tokens are covered by the client revocation; its refresh tokens go here.
  if (auto r = stores.refresh_tokens.revoke_client(client_id); !r)
    return fail(strf("cannot revoke the refresh tokens: {}", r.error().message));
  if (audit) {
    if (!was_disabled)
      if (auto a = audit("client_disabled", {{"client_id", client_id}, {"by", by}}); !a)
        return fail("cannot write the audit record: " + a.error());
    if (rev->created)
      if (auto a = audit("client_revoked", {{"client_id", client_id},
                                            {"revocation_seq", rev->entry.seq},
                                            {"reason", "client_disabled"},
                                            {"by", by}});
          !a)
        return fail("cannot write the audit record: " + a.error());
  }
  return DisabledClient{!was_disabled, rev->entry.seq};
}

}  // namespace tollgate::authz
