#include "catalog/catalog.h"

#include "core/strf.h"
#include <cctype>
#include <set>
#include <utility>

#include "core/crypto.h"
#include "core/scope.h"

namespace tollgate::catalog {
using core::strf;
namespace {

using std::chrono::seconds;

// Tokens live between 1 minute and 1 hour: long-lived bearer tokens defeat
// revocation, and the CAMARA profile asks for short-lived tokens.
constexpr seconds kMinLifetime{60};
constexpr seconds kMaxLifetime{3600};

bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  return true;
}

bool valid_path_template(std::string_view p) {
  if (p.empty() || p[0] != '/') return false;
  std::size_t i = 1;
  while (i <= p.size()) {
    const auto end = std::min(p.find('/', i), p.size());
    const auto seg = p.substr(i, end - i);
    if (seg.empty() && end != p.size()) return false;  // "//"
    if (!seg.empty() && seg.front() == '{') {
      if (seg.size() < 3 || seg.back() != '}') return false;
      for (char c : seg.substr(1, seg.size() - 2))
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
    } else {
      for (char c : seg)
        if (c == '{' || c == '}' || c == '?' || c == '#' || static_cast<unsigned char>(c) <= 0x20) return false;
    }
    i = end + 1;
  }
  return true;
}

Route parse_route(const YAML::Node& n, const Product& product) {
  const auto where = strf("a route of product '{}'", product.name);
  check_keys(n, {"method", "path", "any_of", "all_of"}, where);
  Route r;
  r.method = require_string(n, "method", where);
  for (auto& c : r.method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  static const std::set<std::string> kMethods{"GET", "POST", "PUT", "PATCH", "DELETE"};
  if (!kMethods.contains(r.method)) fail(n["method"], strf("unsupported method '{}'", r.method));
  r.path = require_string(n, "path", where);
  if (!valid_path_template(r.path)) fail(n["path"], strf("bad path template '{}'", r.path));
  const bool any = n["any_of"].IsDefined(), all = n["all_of"].IsDefined();
  if (any == all) fail(n, strf("{} {} needs exactly one of any_of / all_of (a route without a scope is refused)", r.method, r.path));
  r.rule = any ? ScopeRuleKind::kAnyOf : ScopeRuleKind::kAllOf;
  r.scopes = get_string_list(n, any ? "any_of" : "all_of");
  if (r.scopes.empty()) fail(n, strf("{} {} has an empty scope list", r.method, r.path));
  for (const auto& s : r.scopes)
    if (std::find(product.scopes.begin(), product.scopes.end(), s) == product.scopes.end())
      fail(n, strf("route {} {} names scope '{}' that product '{}' does not define", r.method, r.path, s,
                          product.name));
  return r;
}

constexpr std::pair<LegalBasis, std::string_view> kLegalBases[] = {
    {LegalBasis::kConsent, "consent"},
    {LegalBasis::kContract, "contract"},
    {LegalBasis::kLegitimateInterest, "legitimate_interest"},
    {LegalBasis::kLegalObligation, "legal_obligation"},
    {LegalBasis::kVitalInterest, "vital_interest"},
    {LegalBasis::kPublicTask, "public_task"},
};

// "dpv:" + a DPV concept name (letters and digits, starting with a capital).
bool valid_purpose_name(std::string_view s) {
  if (!s.starts_with("dpv:") || s.size() < 6 || s.size() > 128) return false;
  const std::string_view concept_name = s.substr(4);
  if (!std::isupper(static_cast<unsigned char>(concept_name.front()))) return false;
  for (char c : concept_name)
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace

std::string_view to_string(LegalBasis basis) {
  for (const auto& [b, name] : kLegalBases)
    if (b == basis) return name;
  return "consent";
}

std::string_view to_string(Authentication a) {
  return a == Authentication::kNetwork ? "network" : "any";
}

std::shared_ptr<const Catalog> Catalog::load_file(const std::string& path) {
  try {
    return from_yaml(catalog::load_file(path));
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    if (msg.starts_with(path)) throw;
    throw ConfigError(path + ": " + msg);
  }
}

std::shared_ptr<const Catalog> Catalog::from_yaml(const YAML::Node& root) {
  auto c = std::make_shared<Catalog>();
  check_keys(root, {"products", "tiers", "partners", "purposes"}, "the catalog");
  const YAML::Node products = root["products"];
  if (!products || !products.IsMap() || products.size() == 0) fail(root, "the catalog needs a 'products' mapping");
  for (const auto& kv : products) {
    Product p;
    p.name = kv.first.as<std::string>();
    if (!valid_name(p.name)) fail(kv.first, strf("bad product name '{}'", p.name));
    const YAML::Node n = kv.second;
    const auto where = strf("product '{}'", p.name);
    check_keys(n, {"scopes", "audience", "token_lifetime", "subscriber_data", "authentication", "routes", "upstream"},
               where);
    p.scopes = get_string_list(n, "scopes");
    if (p.scopes.empty()) fail(n, strf("{} defines no scopes", where));
    for (const auto& s : p.scopes) {
      if (!core::ScopeSet::valid_token(s)) fail(n["scopes"], strf("bad scope '{}'", s));
      if (!c->scope_to_product_.emplace(s, p.name).second)
        fail(n["scopes"], strf("scope '{}' is defined by two products", s));
    }
    p.audience = require_string(n, "audience", where);
    p.token_lifetime = get_duration(n, "token_lifetime", seconds{900}, kMinLifetime, kMaxLifetime);
    p.subscriber_data = get_bool(n, "subscriber_data", false);
    p.upstream = get_string(n, "upstream", "network");
    if (const std::string auth = get_string(n, "authentication", "any"); auth == "network")
      p.authentication = Authentication::kNetwork;
    else if (auth != "any")
      fail(n["authentication"], strf("{} has unknown authentication '{}' (any, network)", where, auth));
    const YAML::Node routes = n["routes"];
    if (routes && !routes.IsSequence()) fail(routes, strf("'routes' of {} must be a list", where));
    if (routes)
      for (const auto& r : routes) p.routes.push_back(parse_route(r, p));
    c->products_.emplace(p.name, std::move(p));
  }
  if (const YAML::Node tiers = root["tiers"]) {
    require_map(tiers, "'tiers'");
    for (const auto& kv : tiers) {
      Tier t;
      t.name = kv.first.as<std::string>();
      const auto where = strf("tier '{}'", t.name);
      check_keys(kv.second, {"rate", "burst", "token_rate"}, where);
      if (!kv.second["rate"]) fail(kv.second, strf("{} needs a rate", where));
      t.rate = parse_rate(kv.second["rate"]);
      t.burst = static_cast<double>(get_int(kv.second, "burst", static_cast<std::int64_t>(t.rate * 2) + 1, 1, 1'000'000));
      t.token_rate = kv.second["token_rate"] ? parse_rate(kv.second["token_rate"]) : 1.0;
      c->tiers_.emplace(t.name, t);
    }
  }
  if (const YAML::Node partners = root["partners"]) {
    require_map(partners, "'partners'");
    for (const auto& kv : partners) {
      Partner p;
      p.name = kv.first.as<std::string>();
      if (!valid_name(p.name)) fail(kv.first, strf("bad partner name '{}'", p.name));
      const auto where = strf("partner '{}'", p.name);
      check_keys(kv.second, {"tier", "products"}, where);
      p.tier = require_string(kv.second, "tier", where);
      if (!c->tiers_.contains(p.tier)) fail(kv.second["tier"], strf("{} names unknown tier '{}'", where, p.tier));
      p.products = get_string_list(kv.second, "products");
      for (const auto& prod : p.products)
        if (!c->products_.contains(prod))
          fail(kv.second["products"], strf("{} names unknown product '{}'", where, prod));
      c->partners_.emplace(p.name, std::move(p));
    }
  }
  if (const YAML::Node purposes = root["purposes"]) {
    require_map(purposes, "'purposes'");
    for (const auto& kv : purposes) {
      Purpose p;
      p.name = kv.first.as<std::string>();
      if (!valid_purpose_name(p.name))
        fail(kv.first, strf("bad purpose '{}' (must be dpv:<DPV purpose>, e.g. dpv:FraudPreventionAndDetection)", p.name));
      const auto where = strf("purpose '{}'", p.name);
      check_keys(kv.second, {"legal_basis", "description"}, where);
      const std::string basis = require_string(kv.second, "legal_basis", where);
      bool known = false;
      for (const auto& [b, name] : kLegalBases)
        if (name == basis) p.legal_basis = b, known = true;
      if (!known)
        fail(kv.second["legal_basis"],
             strf("{} has unknown legal_basis '{}' (consent, contract, legitimate_interest, legal_obligation, "
                  "vital_interest, public_task)", where, basis));
      p.description = get_string(kv.second, "description", "");
      c->purposes_.emplace(p.name, std::move(p));
    }
  }
  // Content hash over a canonical rendering (maps are ordered, so this is stable).
  std::string canon;
  for (const auto& [name, p] : c->products_) {
    canon += strf("P|{}|{}|{}|{}|{}\n", name, p.audience, p.token_lifetime.count(), p.subscriber_data, p.upstream);
    if (p.authentication != Authentication::kAny) canon += strf("N|{}\n", to_string(p.authentication));
    for (const auto& s : p.scopes) canon += "S|" + s + "\n";
    for (const auto& r : p.routes) {
      canon += strf("R|{}|{}|{}", r.method, r.path, r.rule == ScopeRuleKind::kAnyOf ? "any" : "all");
      for (const auto& s : r.scopes) canon += "|" + s;
      canon += "\n";
    }
  }
  for (const auto& [name, t] : c->tiers_) canon += strf("T|{}|{}|{}|{}\n", name, t.rate, t.burst, t.token_rate);
  for (const auto& [name, p] : c->partners_) {
    canon += strf("A|{}|{}", name, p.tier);
    for (const auto& prod : p.products) canon += "|" + prod;
    canon += "\n";
  }
  for (const auto& [name, p] : c->purposes_)
    canon += strf("U|{}|{}|{}\n", name, to_string(p.legal_basis), p.description);
  c->hash_ = core::sha256_hex(canon);
  return c;
}

const Product* Catalog::product_for_scope(std::string_view scope) const {
  auto it = scope_to_product_.find(scope);
  return it == scope_to_product_.end() ? nullptr : product(it->second);
}

const Product* Catalog::product(std::string_view name) const {
  auto it = products_.find(std::string(name));
  return it == products_.end() ? nullptr : &it->second;
}

const Partner* Catalog::partner(std::string_view name) const {
  auto it = partners_.find(std::string(name));
  return it == partners_.end() ? nullptr : &it->second;
}

const Purpose* Catalog::purpose(std::string_view name) const {
  auto it = purposes_.find(name);
  return it == purposes_.end() ? nullptr : &it->second;
}

const Tier* Catalog::tier(std::string_view name) const {
  auto it = tiers_.find(std::string(name));
  return it == tiers_.end() ? nullptr : &it->second;
}

}  // namespace tollgate::catalog
