// catalog.h — the one source of truth for what partners can buy: API products
// (scopes, audience, token lifetime, routes, upstream), partner tiers and the
// partners' contracted products (ARCHITECTURE.md "The catalog").
//
// The authorization server reads it to decide which scopes a client may be
// granted, token lifetimes and audiences; gateways read it for routes and scope
// rules. A Catalog is immutable once loaded; share it as shared_ptr<const Catalog>.
// Loading validates everything and throws ConfigError (file, line, reason).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "catalog/yaml_util.h"

namespace tollgate::catalog {

enum class ScopeRuleKind { kAnyOf, kAllOf };

struct Route {
  std::string method;  // upper-case HTTP method
  std::string path;    // template: literal segments and {name} segments
  ScopeRuleKind rule = ScopeRuleKind::kAnyOf;
  std::vector<std::string> scopes;  // non-empty: a route without a scope is refused at load
};

// How a product's 3-legged tokens must authenticate the subscriber (catalog key
// `authentication`, default `any`).
//   any      every 3-legged flow: network-based, one-time code by SMS, the consent
//            page, CIBA and JWT bearer with a tel: subject or hint.
//   network  network-based authentication only and no user interaction at all
//            (CAMARA Number Verification: "the API provider guarantees that there is
//            no user interaction", prompt=none implied). The authorization server
//            then refuses up front what the API would refuse later: /oauth2/authorize
//            never shows the one-time-code or consent page (login_required /
//            consent_required instead, prompt=login or prompt=consent is
//            invalid_request), CIBA needs an ipport: or operatortoken: login_hint,
//            the JWT bearer grant an operatortoken: subject. A request whose API
//            scopes include one product with `network` follows these rules.
enum class Authentication { kAny, kNetwork };
std::string_view to_string(Authentication a);  // "any", "network"

struct Product {
  std::string name;
  std::vector<std::string> scopes;    // every scope this product defines (CAMARA names)
  std::string audience;               // "aud" of tokens carrying these scopes
  std::chrono::seconds token_lifetime{900};
  bool subscriber_data = false;       // revocation state checked on every call
  Authentication authentication = Authentication::kAny;  // see Authentication above
  std::vector<Route> routes;
  std::string upstream;               // upstream name, resolved by the gateway's config
};

struct Tier {
  std::string name;
  double rate = 0;       // API requests per second
  double burst = 0;      // bucket size
  double token_rate = 0; // token-endpoint requests per second
};

// Why personal data is processed (CAMARA ICM "Purpose"): a W3C DPV purpose named
// "dpv:<Purpose>" with the legal basis the operator applies to it. Only the
// `consent` basis makes the authorization server ask the subscriber (or require
// a stored consent); the others grant without a prompt.
enum class LegalBasis { kConsent, kContract, kLegitimateInterest, kLegalObligation, kVitalInterest, kPublicTask };
std::string_view to_string(LegalBasis basis);  // "consent", "legitimate_interest", ...

struct Purpose {
  std::string name;          // "dpv:FraudPreventionAndDetection"
  LegalBasis legal_basis = LegalBasis::kConsent;
  std::string description;   // plain words for consent pages; may be empty
};

struct Partner {
  std::string name;
  std::string tier;
  std::vector<std::string> products;
};

class Catalog {
 public:
  static std::shared_ptr<const Catalog> load_file(const std::string& path);
  static std::shared_ptr<const Catalog> from_yaml(const YAML::Node& root);

  const std::map<std::string, Product>& products() const { return products_; }
  const std::map<std::string, Tier>& tiers() const { return tiers_; }
  const std::map<std::string, Partner>& partners() const { return partners_; }
  const std::map<std::string, Purpose, std::less<>>& purposes() const { return purposes_; }

  // The product that defines `scope`, or nullptr (each scope belongs to exactly one product).
  const Product* product_for_scope(std::string_view scope) const;
  const Product* product(std::string_view name) const;
  const Partner* partner(std::string_view name) const;
  const Tier* tier(std::string_view name) const;
  // The purpose named exactly `name` ("dpv:..."), or nullptr.
  const Purpose* purpose(std::string_view name) const;
  // Version: SHA-256 hex of a canonical serialization of the catalog content.
  const std::string& content_hash() const { return hash_; }

 private:
  std::map<std::string, Product> products_;
  std::map<std::string, Tier> tiers_;
  std::map<std::string, Partner> partners_;
  std::map<std::string, Purpose, std::less<>> purposes_;
  std::map<std::string, std::string, std::less<>> scope_to_product_;
  std::string hash_;
};

}  // namespace tollgate::catalog
