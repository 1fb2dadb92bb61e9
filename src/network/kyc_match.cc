#include "network/kyc_match.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

namespace tollgate::network::kyc_match {
namespace {

enum class Kind {
  kText,        // compared normalised, scored when false
  kPlain,       // compared normalised, never scored
  kIdDocument,  // compared ignoring spaces/hyphens and case
  kExact,       // dates, enumerations: compared as sent
};

struct Field {
  std::string_view name;
  Kind kind;
};

// KYC_MatchRequestBody without phoneNumber, in the spec's order (the response follows it).
constexpr std::array<Field, 24> kFields = {{
    {"idDocument", Kind::kIdDocument},
    {"idDocumentType", Kind::kExact},
    {"idDocumentExpiryDate", Kind::kExact},
    {"name", Kind::kText},
    {"givenName", Kind::kText},
    {"familyName", Kind::kText},
    {"nameKanaHankaku", Kind::kText},
    {"nameKanaZenkaku", Kind::kText},
    {"middleNames", Kind::kText},
    {"familyNameAtBirth", Kind::kText},
    {"address", Kind::kText},
    {"streetName", Kind::kText},
    {"streetNumber", Kind::kText},
    {"postalCode", Kind::kPlain},
    {"region", Kind::kText},
    {"locality", Kind::kText},
    {"country", Kind::kPlain},
    {"houseNumberExtension", Kind::kPlain},
    {"birthdate", Kind::kExact},
    {"email", Kind::kText},
    {"gender", Kind::kExact},
    {"cityOfBirth", Kind::kText},
    {"countryOfBirth", Kind::kPlain},
    {"nationality", Kind::kPlain},
}};

constexpr std::array<std::string_view, 7> kIdDocumentTypes = {
    "passport",      "national_id_card", "residence_permit",
    "diplomatic_id", "driver_licence",   "social_security_id",
    "other"};
constexpr std::array<std::string_view, 3> kGenders = {"MALE", "FEMALE", "OTHER"};

template <std::size_t N>
bool one_of(std::string_view v, const std::array<std::string_view, N>& set) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

// JSON Schema `email` (RFC 5321 Mailbox), loosely: one '@', a non-empty local part of
// printable non-space ASCII, a dotted domain of letters, digits and hyphens.
bool is_email(std::string_view s) {
  const auto at = s.find('@');
  if (at == std::string_view::npos || at == 0 || s.find('@', at + 1) != std::string_view::npos)
    return false;
  for (char c : s.substr(0, at))
    if (c <= ' ' || c > '~') return false;
  const std::string_view domain = s.substr(at + 1);
  if (domain.empty() || domain.front() == '.' || domain.back() == '.' ||
      domain.find("..") != std::string_view::npos || domain.find('.') == std::string_view::npos)
    return false;
  for (char c : domain) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::string normalise(std::string_view v, Kind kind) {
  std::string out;
  out.reserve(v.size());
  bool space = false;
  for (char c : v) {
    if (kind == Kind::kIdDocument && (c == ' ' || c == '-' || c == '\t')) continue;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

// UTF-8 → code points; an invalid byte is taken as one character (U+FFFD-like).
std::vector<char32_t> code_points(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    int len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    char32_t cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
    bool ok = len != 0 && i + static_cast<std::size_t>(len) <= s.size();
    for (int k = 1; ok && k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
      ok = (c >> 6) == 0x2;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (!ok) {
      out.push_back(0xFFFD00u + b);  // distinct per byte value, outside Unicode
      ++i;
      continue;
    }
    out.push_back(cp);
    i += static_cast<std::size_t>(len);
  }
  return out;
}

ApiError kyc_error(unsigned status, std::string_view code, std::string message) {
  return {status, code, std::move(message)};
}

}  // namespace

double jaro_winkler(std::string_view a_text, std::string_view b_text) {
  const auto a = code_points(a_text), b = code_points(b_text);
  if (a.empty() && b.empty()) return 1.0;
  if (a.empty() || b.empty()) return 0.0;
  const std::size_t window =
      std::max(a.size(), b.size()) / 2 == 0 ? 0 : std::max(a.size(), b.size()) / 2 - 1;
  std::vector<bool> a_hit(a.size()), b_hit(b.size());
  std::size_t matches = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::size_t lo = i > window ? i - window : 0;
    const std::size_t hi = std::min(b.size(), i + window + 1);
    for (std::size_t j = lo; j < hi; ++j) {
      if (b_hit[j] || a[i] != b[j]) continue;
      a_hit[i] = b_hit[j] = true;
      ++matches;
      break;
    }
  }
  if (matches == 0) return 0.0;
  std::size_t half_transpositions = 0;
  for (std::size_t i = 0, j = 0; i < a.size(); ++i) {
    if (!a_hit[i]) continue;
    while (!b_hit[j]) ++j;
    if (a[i] != b[j]) ++half_transpositions;
    ++j;
  }
  const double m = static_cast<double>(matches);
  const double t = static_cast<double>(half_transpositions) / 2;
  const double jaro =
      (m / static_cast<double>(a.size()) + m / static_cast<double>(b.size()) + (m - t) / m) / 3;
  std::size_t prefix = 0;
  while (prefix < 4 && prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
  return jaro + static_cast<double>(prefix) * 0.1 * (1 - jaro);
}

ApiResult match(const ApiRequest& request) {
  auto body = parse_body(request.body);
  if (!body) return std::unexpected(body.error());
  auto phone = optional_phone_number(*body);
  if (!phone) return std::unexpected(phone.error());

  // Schema: every attribute sent is a string of its format.
  std::size_t attributes = 0;
  for (const Field& f : kFields) {
    auto v = optional_string(*body, f.name);
    if (!v) return std::unexpected(v.error());
    if (!*v) continue;
    ++attributes;
    const std::string_view s = **v;
    const bool ok = f.name == "idDocumentType" ? one_of(s, kIdDocumentTypes)
                    : f.name == "gender"       ? one_of(s, kGenders)
                    : f.name == "idDocumentExpiryDate" || f.name == "birthdate" ? is_date(s)
                    : f.name == "email"                                         ? is_email(s)
                                                                                : true;
    if (!ok) return std::unexpected(errors::invalid_argument());
  }
  if (attributes == 0)
    return std::unexpected(kyc_error(400, "KNOW_YOUR_CUSTOMER.INVALID_PARAM_COMBINATION",
                                     "Indicated parameter combination is invalid"));

  // Subject: this API's own 3-legged rule (see kyc_match.h).
  std::string_view msisdn;
  if (request.identity.token_type == TokenType::kThreeLegged) {
    if (!request.identity.subscriber)
      return std::unexpected(
          kyc_error(422, "MISSING_IDENTIFIER", "No phone number has been provided"));
    msisdn = *request.identity.subscriber;
    if (*phone && **phone != msisdn)
      return std::unexpected(
          errors::invalid_token_context("phoneNumber is not consistent with access token."));
  } else {
    if (!*phone)
      return std::unexpected(
          kyc_error(422, "MISSING_IDENTIFIER", "No phone number has been provided"));
    msisdn = **phone;
  }
  const Subscriber* s = request.subscribers.find_by_msisdn(msisdn);
  if (s == nullptr)
    return std::unexpected(
        kyc_error(404, "IDENTIFIER_NOT_FOUND",
                  "The phone number provided is not associated with a customer account"));
  if (s->not_applicable.contains(Api::kKycMatch))
    return std::unexpected(
        kyc_error(422, "SERVICE_NOT_APPLICABLE",
                  "The service is not applicable for the provided phone number"));

  // The idDocument gate.
  if (auto it = s->kyc.find("idDocument"); it != s->kyc.end()) {
    const auto* sent = body->if_contains("idDocument");
    if (sent == nullptr)
      return std::unexpected(
          kyc_error(403, "KNOW_YOUR_CUSTOMER.ID_DOCUMENT_REQUIRED",
                    "The idDocument is required to perform the properties validation"));
    if (normalise(sent->get_string(), Kind::kIdDocument) !=
        normalise(it->second, Kind::kIdDocument))
      return std::unexpected(kyc_error(
          403, "KNOW_YOUR_CUSTOMER.ID_DOCUMENT_MISMATCH",
          "The idDocument needs to match the one associated with the provided phoneNumber"));
  }

  boost::json::object out;
  for (const Field& f : kFields) {
    const auto* v = body->if_contains(f.name);
    if (v == nullptr) continue;
    const std::string key = std::string(f.name) + "Match";
    auto it = s->kyc.find(std::string(f.name));
    if (it == s->kyc.end()) {
      out[key] = "not_available";
      continue;
    }
    const std::string_view sent = v->get_string();
    const std::string a = f.kind == Kind::kExact ? std::string(sent) : normalise(sent, f.kind);
    const std::string b = f.kind == Kind::kExact ? it->second : normalise(it->second, f.kind);
    if (a == b) {
      out[key] = "true";
      continue;
    }
    out[key] = "false";
    if (f.kind == Kind::kText) {
      // The epsilon keeps 0.92 (=91.99999…) from flooring to 91.
      const double score = std::floor(100 * jaro_winkler(a, b) + 1e-9);
      out[key + "Score"] = static_cast<std::int64_t>(std::clamp(score, 0.0, 99.0));
    }
  }
  return ApiReply{200, std::move(out)};
}

}  // namespace tollgate::network::kyc_match
