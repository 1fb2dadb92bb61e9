#include "network/subscribers.h"

#include <yaml-cpp/yaml.h>

#include <array>
#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>
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
              "handset_ip", "kyc", "not_applicable"},
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

  if (const YAML::Node loc = n["location"]; loc && !loc.IsNull()) {
    check_keys(loc, {"latitude", "longitude", "accuracy_m", "shape", "located"},
               "location of " + where);
    Location l;
    l.latitude = number(required(loc, "latitude", "location"), "latitude", -90, 90);
    l.longitude = number(required(loc, "longitude", "location"), "longitude", -180, 180);
    l.accuracy_m = number(required(loc, "accuracy_m", "location"), "accuracy_m", 1, 1e7);
    if (const YAML::Node shape = loc["shape"]) {
      const std::string v = scalar(shape, "shape");
      if (v == "CIRCLE") {
        l.shape = AreaShape::kCircle;
      } else if (v == "POLYGON") {
        l.shape = AreaShape::kPolygon;
      } else {
        fail(shape, "shape must be CIRCLE or POLYGON, not '" + v + "'");
      }
    }
    l.located_at = now;
    if (const YAML::Node at = loc["located"]; at && !at.IsNull())
      l.located_at = parse_time(at, "located", now);
    s.location = l;
  }

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

  if (const YAML::Node na = n["not_applicable"]; na && !na.IsNull()) {
    if (!na.IsSequence()) fail(na, "not_applicable must be a list of CAMARA API names");
    for (const auto& item : na) {
      const std::string v = scalar(item, "not_applicable");
      auto api = api_from_name(v);
      if (!api)
        fail(item,
             "not_applicable: unknown API '" + v + "' (use e.g. kyc-match, quality-on-demand)");
      s.not_applicable.insert(*api);
    }
  }
  return s;
}

std::vector<Subscriber> subscribers_from_yaml(const YAML::Node& root, core::TimePoint now) {
  check_keys(root, {"subscribers"}, "the subscriber file");
  const YAML::Node list = required(root, "subscribers", "the subscriber file");
  if (!list.IsSequence()) fail(list, "subscribers must be a list");
  std::vector<Subscriber> subscribers;
  subscribers.reserve(list.size());
  for (const auto& item : list) subscribers.push_back(parse_subscriber(item, now));
  return subscribers;
}

YAML::Node load_file(const std::string& path) {
  try {
    return YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw ConfigError(path + ": cannot open file");
  } catch (const YAML::Exception& e) {
    throw ConfigError(path + ": " + where_of(e.mark) + e.msg);
  }
}

// FNV-1a: cheap, good enough spread for MSISDNs and dotted IPs, and stable across
// platforms (std::hash is neither specified nor required to be).
std::uint64_t hash_of(std::string_view key) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h ^ (h >> 29);
}

// The /64 prefix of an IPv6 address (first 8 bytes, big-endian).
std::uint64_t ipv6_prefix(const boost::asio::ip::address_v6& a) {
  const auto bytes = a.to_bytes();
  std::uint64_t p = 0;
  for (int i = 0; i < 8; ++i) p = (p << 8) | bytes[static_cast<std::size_t>(i)];
  return p;
}

// splitmix64 (Steele, Lea, Flood 2014): a tiny, fast, well-mixed PRNG; one stream per
// generated subscriber so that record i does not depend on n.
struct SplitMix {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  std::int64_t range(std::int64_t lo, std::int64_t hi) {                   // [lo, hi]
    return lo + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(hi - lo + 1));
  }
};

constexpr std::array<std::string_view, kApiCount> kApiNames = {"number-verification",
                                                               "sim-swap",
                                                               "location-verification",
                                                               "location-retrieval",
                                                               "quality-on-demand",
                                                               "qos-profiles",
                                                               "device-reachability-status",
                                                               "device-roaming-status",
                                                               "kyc-match"};

}  // namespace

std::string_view api_name(Api api) { return kApiNames[static_cast<std::size_t>(api)]; }

std::optional<Api> api_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kApiNames.size(); ++i) {
    if (kApiNames[i] == name) return static_cast<Api>(i);
  }
  return std::nullopt;
}

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

template <class KeyOf>
bool SubscriberStore::table_insert(Table& table, std::string_view key, std::uint32_t pos,
                                   KeyOf key_of) {
  const std::size_t mask = table.size() - 1;
  for (std::size_t i = hash_of(key) & mask;; i = (i + 1) & mask) {
    if (table[i] == kEmpty) {
      table[i] = pos;
      return true;
    }
    if (key_of(table[i]) == key) return false;
  }
}

template <class KeyOf>
std::uint32_t SubscriberStore::table_find(const Table& table, std::string_view key, KeyOf key_of) {
  const std::size_t mask = table.size() - 1;
  for (std::size_t i = hash_of(key) & mask;; i = (i + 1) & mask) {
    if (table[i] == kEmpty || key_of(table[i]) == key) return table[i];
  }
}

SubscriberStore::SubscriberStore(std::vector<Subscriber> subscribers)
    : subscribers_(std::move(subscribers)) {
  if (subscribers_.size() > kMaxSubscribers)
    throw ConfigError("too many subscribers (at most " + std::to_string(kMaxSubscribers) + ")");
  // Capacity: a power of two at least twice the count (load factor <= 1/2 keeps
  // linear probing short), never empty so that lookups always hit an empty slot.
  std::size_t capacity = 16;
  while (capacity < 2 * subscribers_.size()) capacity *= 2;
  by_msisdn_.assign(capacity, kEmpty);
  by_ip_.assign(capacity, kEmpty);
  const auto msisdn_of = [this](std::uint32_t p) -> std::string_view {
    return subscribers_[p].msisdn;
  };
  const auto ip_of = [this](std::uint32_t p) -> std::string_view {
    return subscribers_[p].handset_ip;
  };

  for (std::size_t i = 0; i < subscribers_.size(); ++i) {
    Subscriber& s = subscribers_[i];
    const auto pos = static_cast<std::uint32_t>(i);
    if (!valid_phone_number(s.msisdn))
      throw ConfigError("subscriber msisdn '" + s.msisdn + "' is not +E.164");
    boost::system::error_code ec;
    auto addr = boost::asio::ip::make_address(s.handset_ip, ec);
    if (ec)
      throw ConfigError("subscriber " + s.msisdn + ": handset_ip '" + s.handset_ip +
                        "' is not an IP address");
    if (addr.is_v6() && addr.to_v6().is_v4_mapped())
      addr = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, addr.to_v6());
    s.handset_ip = addr.to_string();
    if (s.location) {
      const Location& l = *s.location;
      if (!(l.latitude >= -90 && l.latitude <= 90 && l.longitude >= -180 && l.longitude <= 180 &&
            l.accuracy_m >= 1 && l.accuracy_m <= 1e7))
        throw ConfigError("subscriber " + s.msisdn + ": location out of range");
    }
    if (s.sim_changed && *s.sim_changed < s.sim_activated)
      throw ConfigError("subscriber " + s.msisdn + ": sim_changed is before sim_activated");
    if (!table_insert(by_msisdn_, s.msisdn, pos, msisdn_of))
      throw ConfigError("duplicate subscriber " + s.msisdn);
    if (!table_insert(by_ip_, s.handset_ip, pos, ip_of)) {
      throw ConfigError("subscriber " + s.msisdn + ": handset_ip " + s.handset_ip + " is already " +
                        subscribers_[table_find(by_ip_, s.handset_ip, ip_of)].msisdn + "'s");
    }
    if (addr.is_v6()) {
      // A mobile network gives each device its own /64 (3GPP TS 23.401 §5.3.1.2.2).
      auto [it, fresh] = by_ipv6_prefix_.emplace(ipv6_prefix(addr.to_v6()), pos);
      if (!fresh)
        throw ConfigError("subscriber " + s.msisdn + ": handset_ip " + s.handset_ip +
                          " is in the same /64 as " + subscribers_[it->second].msisdn + "'s");
    }
  }
}

std::vector<Subscriber> SubscriberStore::demo_subscribers(core::TimePoint now) {
  constexpr auto kDay = std::chrono::hours(24);
  std::vector<Subscriber> v;

  Subscriber a;
  a.msisdn = "+34600000001";
  a.sim_activated = now - 730 * kDay;
  a.sim_changed = now - 48h;
  a.location = Location{40.4168, -3.7038, 100, AreaShape::kCircle, now};
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
  b.location = Location{41.3874, 2.1686, 100, AreaShape::kCircle, now};
  b.reachable_sms = true;
  b.handset_ip = "127.0.0.2";
  b.kyc = {{"givenName", "Jordi"},      {"familyName", "Puig Serra"}, {"name", "Jordi Puig Serra"},
           {"birthdate", "1990-03-14"}, {"locality", "Barcelona"},    {"country", "ES"}};
  v.push_back(std::move(b));

  Subscriber c;
  c.msisdn = "+34600000003";
  c.sim_activated = now - 1000 * kDay;
  c.sim_changed = now - 30 * kDay;
  c.location = Location{48.8566, 2.3522, 1000, AreaShape::kPolygon, now - 2h};
  c.roaming = Roaming{208, {"FR"}};
  c.handset_ip = "127.0.0.3";
  c.kyc = {{"givenName", "Lucía"}, {"familyName", "Martín"}, {"country", "ES"}};
  v.push_back(std::move(c));
  return v;
}

std::shared_ptr<const SubscriberStore> SubscriberStore::demo(const core::Clock& clock) {
  return std::make_shared<const SubscriberStore>(demo_subscribers(clock.now()));
}

std::vector<Subscriber> SubscriberStore::parse_yaml_file(const std::string& path,
                                                         core::TimePoint now) {
  const YAML::Node root = load_file(path);
  try {
    return subscribers_from_yaml(root, now);
  } catch (const ConfigError& e) {
    throw ConfigError(path + ": " + e.what());
  }
}

std::shared_ptr<const SubscriberStore> SubscriberStore::from_yaml_file(const std::string& path,
                                                                       const core::Clock& clock) {
  auto subscribers = parse_yaml_file(path, clock.now());
  try {
    return std::make_shared<const SubscriberStore>(std::move(subscribers));
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
  return std::make_shared<const SubscriberStore>(subscribers_from_yaml(root, clock.now()));
}

std::vector<Subscriber> SubscriberStore::generate_population(std::size_t n, std::uint64_t seed,
                                                             core::TimePoint now) {
  if (n > kMaxGenerated)
    throw ConfigError("a generated population holds at most " + std::to_string(kMaxGenerated) +
                      " subscribers");
  static const std::array<Roaming, 4> kVisited = {Roaming{208, {"FR"}}, Roaming{262, {"DE"}},
                                                  Roaming{222, {"IT"}}, Roaming{234, {"GB"}}};
  constexpr std::int64_t kDaySeconds = 86400;
  std::vector<Subscriber> v(n);
  char ip[16];
  for (std::size_t i = 0; i < n; ++i) {
    SplitMix rng{seed ^ (0xD1B54A32D192ED03ULL * (i + 1))};
    Subscriber& s = v[i];
    s.msisdn = "+34" + std::to_string(610'000'000 + i);
    std::snprintf(ip, sizeof ip, "10.%u.%u.%u", static_cast<unsigned>((i >> 16) & 0xFF),
                  static_cast<unsigned>((i >> 8) & 0xFF), static_cast<unsigned>(i & 0xFF));
    s.handset_ip = ip;
    const std::int64_t age_s = rng.range(30 * kDaySeconds, 1825 * kDaySeconds);
    s.sim_activated = now - std::chrono::seconds(age_s);
    if (rng.range(0, 99) < 5) {
      const std::int64_t swap_s = rng.range(0, std::min<std::int64_t>(30 * kDaySeconds, age_s));
      s.sim_changed = now - std::chrono::seconds(swap_s);
    }
    Location l;
    l.latitude = 36.0 + 7.5 * rng.unit();  // mainland Spain, roughly
    l.longitude = -9.3 + 12.6 * rng.unit();
    l.accuracy_m = static_cast<double>(rng.range(50, 2000));
    l.shape = rng.range(0, 9) == 0 ? AreaShape::kPolygon : AreaShape::kCircle;
    l.located_at = now;
    s.location = l;
    const auto r = rng.range(0, 99);
    s.reachable_sms = r < 95;
    s.reachable_data = r < 85;
    if (rng.range(0, 99) < 3) s.roaming = kVisited[static_cast<std::size_t>(rng.range(0, 3))];
  }
  return v;
}

std::shared_ptr<const SubscriberStore> SubscriberStore::generate(std::size_t n, std::uint64_t seed,
                                                                 const core::Clock& clock) {
  return std::make_shared<const SubscriberStore>(generate_population(n, seed, clock.now()));
}

const Subscriber* SubscriberStore::find_by_msisdn(std::string_view msisdn) const {
  const auto pos = table_find(by_msisdn_, msisdn, [this](std::uint32_t p) -> std::string_view {
    return subscribers_[p].msisdn;
  });
  return pos == kEmpty ? nullptr : &subscribers_[pos];
}

const Subscriber* SubscriberStore::find_by_ip(std::string_view ip) const {
  boost::system::error_code ec;
  auto addr = boost::asio::ip::make_address(ip, ec);
  if (ec) return nullptr;
  if (addr.is_v6() && addr.to_v6().is_v4_mapped())
    addr = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, addr.to_v6());
  if (addr.is_v6() && addr.to_v6().scope_id() != 0) return nullptr;  // "fe80::1%eth0": not a device
  const std::string canonical = addr.to_string();
  const auto pos = table_find(by_ip_, canonical, [this](std::uint32_t p) -> std::string_view {
    return subscribers_[p].handset_ip;
  });
  if (pos != kEmpty) return &subscribers_[pos];
  if (addr.is_v6()) {
    auto it = by_ipv6_prefix_.find(ipv6_prefix(addr.to_v6()));
    if (it != by_ipv6_prefix_.end()) return &subscribers_[it->second];
  }
  return nullptr;
}

}  // namespace tollgate::network
