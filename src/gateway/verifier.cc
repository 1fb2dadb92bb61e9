#include "gateway/verifier.h"

#include <unordered_map>

#include "core/base64url.h"
#include "core/json.h"

namespace tollgate::gateway {
namespace {

// The unverified "iss" of a compact JWS, or the reason it cannot be read.
// Only used to pick an issuer; nothing here is trusted.
std::expected<std::string, core::JoseStatus> peek_issuer(std::string_view token) {
  if (token.size() > core::kMaxTokenBytes) return std::unexpected(core::JoseStatus::kTokenTooLarge);
  const auto d1 = token.find('.');
  if (d1 == std::string_view::npos) return std::unexpected(core::JoseStatus::kTokenMalformed);
  const auto d2 = token.find('.', d1 + 1);
  if (d2 == std::string_view::npos) return std::unexpected(core::JoseStatus::kTokenMalformed);
  const auto payload = core::base64url_decode(token.substr(d1 + 1, d2 - d1 - 1));
  if (!payload) return std::unexpected(core::JoseStatus::kBase64Invalid);
  auto obj = core::parse_strict_object(*payload);
  if (!obj) return std::unexpected(core::JoseStatus::kPayloadNotJson);
  const auto it = obj->find("iss");
  if (it == obj->end()) return std::unexpected(core::JoseStatus::kIssMissing);
  if (!it->value().is_string()) return std::unexpected(core::JoseStatus::kClaimWrongType);
  return std::string(it->value().get_string());
}

class VerifierImpl final : public Verifier {
 public:
  VerifierImpl(const std::vector<IssuerConfig>& issuers,
               std::shared_ptr<const catalog::Catalog> catalog, std::shared_ptr<JwksCache> keys,
               const core::Clock& clock)
      : issuers_(issuers), catalog_(std::move(catalog)), keys_(std::move(keys)), clock_(clock) {
    policies_.resize(issuers_.size());
    for (std::size_t i = 0; i < issuers_.size(); ++i)
      for (const auto& [name, product] : catalog_->products())
        policies_[i].emplace(&product, make_policy(issuers_[i], product));
  }

  std::expected<core::VerifiedJwt, core::JoseStatus> verify(
      std::string_view token, const catalog::Product& product) const override {
    if (issuers_.empty()) return std::unexpected(core::JoseStatus::kIssMismatch);
    std::size_t index = 0;
    if (issuers_.size() > 1) {
      auto iss = peek_issuer(token);
      if (!iss) {
        // Let the core name the precise structural reason (it fails before any crypto).
        if (iss.error() != core::JoseStatus::kIssMissing &&
            iss.error() != core::JoseStatus::kClaimWrongType)
          return run(0, token, product);
        return std::unexpected(iss.error());
      }
      auto found = find_issuer(*iss);
      if (!found) return std::unexpected(core::JoseStatus::kIssMismatch);
      index = *found;
    }
    return run(index, token, product);
  }

 private:
  std::optional<std::size_t> find_issuer(std::string_view iss) const {
    for (std::size_t i = 0; i < issuers_.size(); ++i)
      if (issuers_[i].issuer == iss) return i;
    return std::nullopt;
  }

  std::expected<core::VerifiedJwt, core::JoseStatus> run(std::size_t index, std::string_view token,
                                                         const catalog::Product& product) const {
    const auto keys = keys_->keys(index);
    const auto it = policies_[index].find(&product);
    auto result =
        it != policies_[index].end()
            ? core::verify_jwt(token, *keys, it->second, clock_.now())
            : core::verify_jwt(token, *keys, make_policy(issuers_[index], product), clock_.now());
    if (!result && result.error() == core::JoseStatus::kKidUnknown) keys_->request_refresh(index);
    return result;
  }

  std::vector<IssuerConfig> issuers_;
  std::shared_ptr<const catalog::Catalog> catalog_;  // keeps the Product keys of policies_ alive
  std::shared_ptr<JwksCache> keys_;
  const core::Clock& clock_;
  std::vector<std::unordered_map<const catalog::Product*, core::VerifyPolicy>>
      policies_;  // per issuer
};

}  // namespace

core::VerifyPolicy make_policy(const IssuerConfig& issuer, const catalog::Product& product) {
  core::VerifyPolicy p;
  p.allowed_algs = issuer.algorithms;
  p.issuer = issuer.issuer;
  p.audiences.push_back(product.audience);
  for (const auto& a : issuer.audiences)
    if (a != product.audience) p.audiences.push_back(a);
  p.clock_skew = issuer.clock_skew;
  p.required_typ = issuer.required_typ;
  return p;
}

std::shared_ptr<const Verifier> Verifier::create(const std::vector<IssuerConfig>& issuers,
                                                 std::shared_ptr<const catalog::Catalog> catalog,
                                                 std::shared_ptr<JwksCache> keys,
                                                 const core::Clock& clock) {
  return std::make_shared<VerifierImpl>(issuers, std::move(catalog), std::move(keys), clock);
}

}  // namespace tollgate::gateway
