#include "network/subscribers.h"

#include <yaml-cpp/yaml.h>

#include <array>
#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <cmath>
#include <string>

#include "catalog/yaml_util.h"  // ConfigError only (header-only): the network library does not link catalog
#include "network/rfc3339.h"

namespace tollgate::network {
namespace {

using catalog::ConfigError;
using namespace std::chrono_literals;

// KYC Match v0.4 request fields a subscriber record may carry (kyc-match.yaml,
// KYC_MatchRequestBody, without phoneNumber). Anything else is a typo.
constexpr std::array<std::string_view, 24> kKycFields = {
    "idDocument", "idDocumentType",  "idDocumentExpiryDate", "name",        "givenName",
    "familyName", "nameKanaHankaku", "nameKanaZenkaku",      "middleNames", "familyNameAtBirth",
    "address",    "streetName",      "streetNumber",         "postalCode",  "region",
    "locality",   "country",         "houseNumberExtension", "birthdate",   "email",
    "gender",     "cityOfBirth",     "countryOfBirth",       "nationality"};

bool is_kyc_field(std::string_view key) {
  for (auto f : kKycFields) {
    if (f == key) return true;
  }
  return false;
}

// --- Strict YAML reading -------------------------------------------------------
// The network library does not link tollgate_catalog (see CMakeLists.txt), so the
// few strict helpers it needs live here; they throw the same catalog::ConfigError
// with the same "line L, column C: reason" shape as catalog/yaml_util.

std::string where_of(const YAML::Mark& mark) {
  if (mark.line < 0) return {};
  return "line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1) +
         ": ";
}

[[noreturn]] void fail(const YAML::Node& node, const std::string& what) {
  throw ConfigError(where_of(node.Mark()) + what);
}

void check_keys(const YAML::Node& node, std::initializer_list<std::string_view> allowed,
                const std::string& where) {
  if (!node.IsMap()) fail(node, where + " must be a mapping");
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    bool ok = false;
    for (auto a : allowed) ok = ok || a == key;
    if (ok) continue;
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    fail(kv.first, "unknown key '" + key + "' in " + where + "; allowed: " + list);
  }
}

const YAML::Node required(const YAML::Node& map, const char* key, const std::string& where) {
  const YAML::Node n = map[key];
  if (!n || n.IsNull()) fail(map, "'" + std::string(key) + "' is required in " + where);
  return n;
}

std::string scalar(const YAML::Node& n, const char* what) {
  if (!n.IsScalar()) fail(n, std::string(what) + " must be a string");
  return n.Scalar();
}

double number(const YAML::Node& n, const char* what, double min, double max) {
  const std::string s = n.IsScalar() ? n.Scalar() : std::string();
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v))
    fail(n, std::string(what) + " must be a number");
  if (v < min || v > max)
    fail(n, std::string(what) + " must be between " + std::to_string(min) + " and " +
                std::to_string(max));
  return v;
}

int integer(const YAML::Node& n, const char* what, int min, int max) {
  const std::string s = n.IsScalar() ? n.Scalar() : std::string();
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size())
    fail(n, std::string(what) + " must be an integer");
  if (v < min || v > max)
    fail(n, std::string(what) + " must be between " + std::to_string(min) + " and " +
                std::to_string(max));
  return v;
}

// "now", "<N><s|m|h|d> ago", or an RFC 3339 date-time.
core::TimePoint parse_time(const YAML::Node& n, const char* what, core::TimePoint now) {
  const std::string s = scalar(n, what);
  if (s == "now") return now;
  if (s.ends_with(" ago")) {
    const std::string_view amount(s.data(), s.size() - 4);
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(amount.data(), amount.data() + amount.size(), v);
    if (ec == std::errc() && p != amount.data() && v >= 0 &&
        p + 1 == amount.data() + amount.size()) {
      std::int64_t unit = 0;
      switch (*p) {
        case 's':
          unit = 1;
          break;
        case 'm':
          unit = 60;
          break;
        case 'h':
          unit = 3600;
          break;
        case 'd':
          unit = 86400;
          break;
        default:
          break;
      }
      // 100 years is more than any SIM has been around; it also bounds the arithmetic.
      if (unit != 0 && v <= 36500LL * 86400 / unit) return now - std::chrono::seconds(v * unit);
    }
  } else if (auto t = parse_rfc3339(s)) {
    return *t;
  }
  fail(n, std::string(what) +
              " must be \"now\", \"<N><s|m|h|d> ago\" (e.g. \"48h ago\") or an RFC 3339 "
              "date-time (e.g. \"2024-09-18T07:37:53Z\"), not '" +
              s + "'");
}

Subscriber parse_subscriber(const YAML::Node& n, core::TimePoint now) {
  check_keys(n,
             {"msisdn", "sim_activated", "sim_changed", "location", "roaming", "reachable",
              "handset_ip", "kyc"},
             "a subscriber");
  Subscriber s;
  const YAML::Node msisdn = required(n, "msisdn", "a subscriber");
  s.msisdn = scalar(msisdn, "msisdn");
  if (!valid_phone_number(s.msisdn))
    fail(msisdn, "msisdn '" + s.msisdn + "' is not +E.164 (^\\+[1-9][0-9]{4,14}$)");
  const std::string where = "subscriber " + s.msisdn;

  s.sim_activated = parse_time(required(n, "sim_activated", where), "sim_activated", now);
  if (const YAML::Node c = n["sim_changed"]; c && !c.IsNull()) {
    s.sim_changed = parse_time(c, "sim_changed", now);
    if (*s.sim_changed < s.sim_activated)
      fail(c, "sim_changed is before sim_activated in " + where);
  }

  const YAML::Node loc = required(n, "location", where);
  check_keys(loc, {"latitude", "longitude", "accuracy_m"}, "location of " + where);
  s.location.latitude = number(required(loc, "latitude", "location"), "latitude", -90, 90);
  s.location.longitude = number(required(loc, "longitude", "location"), "longitude", -180, 180);
  s.location.accuracy_m = number(required(loc, "accuracy_m", "location"), "accuracy_m", 1, 1e7);

  if (const YAML::Node r = n["roaming"]; r && !r.IsNull()) {
    check_keys(r, {"mcc", "country_names"}, "roaming of " + where);
    s.roaming.emplace();
    s.roaming->mcc = integer(required(r, "mcc", "roaming"), "mcc", 200, 799);
    const YAML::Node names = required(r, "country_names", "roaming");
    if (!names.IsSequence() || names.size() == 0)
      fail(names, "country_names must be a non-empty list");
    for (const auto& c : names) s.roaming->country_names.push_back(scalar(c, "a country name"));
  }

  if (const YAML::Node r = n["reachable"]; r && !r.IsNull()) {
    if (!r.IsSequence()) fail(r, "reachable must be a list of DATA and/or SMS");
    for (const auto& item : r) {
      const std::string v = scalar(item, "reachable");
      bool& flag = v == "DATA" ? s.reachable_data : s.reachable_sms;
      if ((v != "DATA" && v != "SMS") || flag)
        fail(item, "reachable must list DATA and/or SMS, each once");
      flag = true;
    }
  }

  const YAML::Node ip = required(n, "handset_ip", where);
  auto canonical = canonical_ip(scalar(ip, "handset_ip"));
  if (!canonical) fail(ip, "handset_ip '" + ip.Scalar() + "' is not an IP address");
  s.handset_ip = std::move(*canonical);

  if (const YAML::Node k = n["kyc"]; k && !k.IsNull()) {
    if (!k.IsMap()) fail(k, "kyc must be a mapping");
    for (const auto& kv : k) {
      const std::string key = kv.first.Scalar();
      if (!is_kyc_field(key))
        fail(kv.first, "unknown KYC field '" + key + "' (use the kyc-match.yaml names)");
      s.kyc[key] = scalar(kv.second, "a KYC value");
    }
  }
  return s;
}

std::shared_ptr<const SubscriberStore> from_yaml(const YAML::Node& root, const core::Clock& clock) {
  check_keys(root, {"subscribers"}, "the subscriber file");
  const YAML::Node list = required(root, "subscribers", "the subscriber file");
  if (!list.IsSequence()) fail(list, "subscribers must be a list");
  const core::TimePoint now = clock.now();
  std::vector<Subscriber> subscribers;
  subscribers.reserve(list.size());
  for (const auto& item : list) subscribers.push_back(parse_subscriber(item, now));
  return std::make_shared<const SubscriberStore>(std::move(subscribers));
}

}  // namespace

bool valid_phone_number(std::string_view s) {
  if (s.size() < 6 || s.size() > 16 || s[0] != '+' || s[1] < '1' || s[1] > '9') return false;
  for (std::size_t i = 2; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

std::optional<std::string> canonical_ip(std::string_view ip) {
  boost::system::error_code ec;
  auto addr = boost::asio::ip::make_address(ip, ec);
  if (ec) return std::nullopt;
  if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
    addr = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, addr.to_v6());
  }
  return addr.to_string();
}

SubscriberStore::SubscriberStore(std::vector<Subscriber> subscribers)
    : subscribers_(std::move(subscribers)) {
  by_msisdn_.reserve(subscribers_.size());
  by_ip_.reserve(subscribers_.size());
  for (std::size_t i = 0; i < subscribers_.size(); ++i) {
    Subscriber& s = subscribers_[i];
    if (!valid_phone_number(s.msisdn))
      throw ConfigError("subscriber msisdn '" + s.msisdn + "' is not +E.164");
    auto ip = canonical_ip(s.handset_ip);
    if (!ip)
      throw ConfigError("subscriber " + s.msisdn + ": handset_ip '" + s.handset_ip +
                        "' is not an IP address");
    s.handset_ip = std::move(*ip);
    const Location& l = s.location;
    if (!(l.latitude >= -90 && l.latitude <= 90 && l.longitude >= -180 && l.longitude <= 180 &&
          l.accuracy_m >= 1))
      throw ConfigError("subscriber " + s.msisdn + ": location out of range");
    if (s.sim_changed && *s.sim_changed < s.sim_activated)
      throw ConfigError("subscriber " + s.msisdn + ": sim_changed is before sim_activated");
    if (!by_msisdn_.emplace(s.msisdn, i).second)
      throw ConfigError("duplicate subscriber " + s.msisdn);
    if (!by_ip_.emplace(s.handset_ip, i).second) {
      throw ConfigError("subscriber " + s.msisdn + ": handset_ip " + s.handset_ip + " is already " +
                        subscribers_[by_ip_.at(s.handset_ip)].msisdn + "'s");
    }
  }
}

std::shared_ptr<const SubscriberStore> SubscriberStore::demo(const core::Clock& clock) {
  const core::TimePoint now = clock.now();
  constexpr auto kDay = std::chrono::hours(24);
  std::vector<Subscriber> v;

  Subscriber a;
  a.msisdn = "+34600000001";
  a.sim_activated = now - 730 * kDay;
  a.sim_changed = now - 48h;
  a.location = {40.4168, -3.7038, 100};
  a.reachable_data = true;
  a.reachable_sms = true;
  a.handset_ip = "127.0.0.1";
  a.kyc = {{"givenName", "Ana"},
           {"familyName", "García López"},
           {"name", "Ana García López"},
           {"idDocument", "66666666q"},
           {"idDocumentType", "national_id_card"},
           {"birthdate", "1978-08-22"},
           {"email", "ana.garcia@example.com"},
           {"locality", "Madrid"},
           {"country", "ES"}};
  v.push_back(std::move(a));

  Subscriber b;
  b.msisdn = "+34600000002";
  b.sim_activated = now - 400 * kDay;
  b.location = {41.3874, 2.1686, 100};
  b.reachable_sms = true;
  b.handset_ip = "127.0.0.2";
  b.kyc = {{"givenName", "Jordi"},      {"familyName", "Puig Serra"}, {"name", "Jordi Puig Serra"},
           {"birthdate", "1990-03-14"}, {"locality", "Barcelona"},    {"country", "ES"}};
  v.push_back(std::move(b));

  Subscriber c;
  c.msisdn = "+34600000003";
  c.sim_activated = now - 1000 * kDay;
  c.sim_changed = now - 30 * kDay;
  c.location = {48.8566, 2.3522, 1000};
  c.roaming = Roaming{208, {"FR"}};
  c.handset_ip = "127.0.0.3";
  c.kyc = {{"givenName", "Lucía"}, {"familyName", "Martín"}, {"country", "ES"}};
  v.push_back(std::move(c));

  return std::make_shared<const SubscriberStore>(std::move(v));
}

std::shared_ptr<const SubscriberStore> SubscriberStore::from_yaml_file(const std::string& path,
                                                                       const core::Clock& clock) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw ConfigError(path + ": cannot open file");
  } catch (const YAML::Exception& e) {
    throw ConfigError(path + ": " + where_of(e.mark) + e.msg);
  }
  try {
    return from_yaml(root, clock);
  } catch (const ConfigError& e) {
    throw ConfigError(path + ": " + e.what());
  }
}

std::shared_ptr<const SubscriberStore> SubscriberStore::from_yaml_string(const std::string& text,
                                                                         const core::Clock& clock) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(where_of(e.mark) + e.msg);
  }
  return from_yaml(root, clock);
}

const Subscriber* SubscriberStore::find_by_msisdn(std::string_view msisdn) const {
  auto it = by_msisdn_.find(msisdn);
  return it == by_msisdn_.end() ? nullptr : &subscribers_[it->second];
}

const Subscriber* SubscriberStore::find_by_ip(std::string_view ip) const {
  auto canonical = canonical_ip(ip);
  if (!canonical) return nullptr;
  auto it = by_ip_.find(*canonical);
  return it == by_ip_.end() ? nullptr : &subscribers_[it->second];
}

}  // namespace tollgate::network
