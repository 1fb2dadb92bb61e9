#include "gateway/verifier.h"

#include <algorithm>
#include <limits>
#include <tuple>
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
               const core::Clock& clock, const std::map<std::string, ProductPolicy>& products)
      : issuers_(issuers), catalog_(std::move(catalog)), keys_(std::move(keys)), clock_(clock) {
    policies_.resize(issuers_.size());
    for (std::size_t i = 0; i < issuers_.size(); ++i)
      for (const auto& [name, product] : catalog_->products()) {
        const auto pp = products.find(name);
        policies_[i].emplace(&product, make_policy(issuers_[i], product,
                                                   pp == products.end() ? nullptr : &pp->second));
      }
  }

  core::TimePoint now() const override { return clock_.now(); }

  std::expected<VerifiedToken, core::JoseStatus> verify(
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

  std::expected<VerifiedToken, core::JoseStatus> run(std::size_t index, std::string_view token,
                                                     const catalog::Product& product) const {
    const auto keys = keys_->keys(index);
    const auto it = policies_[index].find(&product);
    // A product outside this verifier's catalog gets the issuer's plain policy.
    const core::VerifyPolicy fallback =
        it == policies_[index].end() ? make_policy(issuers_[index], product) : core::VerifyPolicy{};
    const core::VerifyPolicy& policy = it == policies_[index].end() ? fallback : it->second;
    auto result = core::verify_jwt(token, *keys, policy, clock_.now());
    if (!result) {
      if (result.error() == core::JoseStatus::kKidUnknown) keys_->request_refresh(index);
      return std::unexpected(result.error());
    }
    VerifiedToken out;
    std::tie(out.valid_from, out.valid_until) = validity_window(*result, policy);
    out.jwt = std::move(*result);
    out.issuer = index;
    return out;
  }

  std::vector<IssuerConfig> issuers_;
  std::shared_ptr<const catalog::Catalog> catalog_;  // keeps the Product keys of policies_ alive
  std::shared_ptr<JwksCache> keys_;
  const core::Clock& clock_;
  std::vector<std::unordered_map<const catalog::Product*, core::VerifyPolicy>>
      policies_;  // per issuer
};

}  // namespace

core::VerifyPolicy make_policy(const IssuerConfig& issuer, const catalog::Product& product,
                               const ProductPolicy* pp) {
  core::VerifyPolicy p;
  p.allowed_algs = issuer.algorithms;
  if (pp && pp->algorithms) {
    core::AlgSet both;
    for (core::Alg a : core::kAllAlgs)
      if (issuer.algorithms.contains(a) && pp->algorithms->contains(a)) both.add(a);
    p.allowed_algs = both;  // may be empty: this issuer cannot serve this product
  }
  p.issuer = issuer.issuer;
  p.audiences.push_back(product.audience);
  for (const auto& a : issuer.audiences)
    if (a != product.audience) p.audiences.push_back(a);
  p.clock_skew = pp && pp->clock_skew ? *pp->clock_skew : issuer.clock_skew;
  p.required_typ = issuer.required_typ;
  p.require_jti = true;  // RFC 9068 §2.2: without one, a token cannot be revoked on its own
  if (pp && pp->max_token_age) p.max_age = *pp->max_token_age;
  return p;
}

namespace {

using Int = std::int64_t;
// TimePoint counts microseconds in an int64: keep seconds well inside its range.
constexpr Int kMaxSeconds = std::numeric_limits<Int>::max() / 1'000'000 - 1;

Int clamp_add(Int a, Int b) {
  Int r = 0;
  if (__builtin_add_overflow(a, b, &r)) r = b > 0 ? kMaxSeconds : -kMaxSeconds;
  return std::clamp(r, -kMaxSeconds, kMaxSeconds);
}

core::TimePoint at_second(Int s) {
  return core::TimePoint(std::chrono::microseconds(std::clamp(s, -kMaxSeconds, kMaxSeconds) *
                                                   1'000'000));
}

}  // namespace

std::pair<core::TimePoint, core::TimePoint> validity_window(const core::VerifiedJwt& jwt,
                                                            const core::VerifyPolicy& policy) {
  // Mirrors core::check_claims, which compares whole seconds (now_s = floor(now)):
  //   expired      now_s >= exp + skew                   -> valid while now <  exp + skew
  //   too old      now_s - iat > max_age + skew          -> valid while now <  iat + max_age + skew + 1
  //   not yet      now_s < nbf - skew                    -> valid from     now >= nbf - skew
  //   iat future   iat > now_s + skew                    -> valid from     now >= iat - skew
  const Int skew = std::max<Int>(0, policy.clock_skew.count());
  Int until = clamp_add(jwt.exp, skew);
  if (policy.max_age && jwt.iat)
    until = std::min(until, clamp_add(clamp_add(clamp_add(*jwt.iat, policy.max_age->count()), skew), 1));
  Int from = -kMaxSeconds;
  if (jwt.nbf) from = std::max(from, clamp_add(*jwt.nbf, -skew));
  if (jwt.iat) from = std::max(from, clamp_add(*jwt.iat, -skew));
  return {at_second(from), at_second(until)};
}

std::shared_ptr<const Verifier> Verifier::create(const std::vector<IssuerConfig>& issuers,
                                                 std::shared_ptr<const catalog::Catalog> catalog,
                                                 std::shared_ptr<JwksCache> keys,
                                                 const core::Clock& clock,
                                                 const std::map<std::string, ProductPolicy>& products) {
  return std::make_shared<VerifierImpl>(issuers, std::move(catalog), std::move(keys), clock,
                                        products);
}

}  // namespace tollgate::gateway
