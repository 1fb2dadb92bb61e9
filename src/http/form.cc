// form.cc — application/x-www-form-urlencoded bodies and HTTP Basic credentials.
#include "http/form.h"

#include <array>
#include <cstdint>

namespace tollgate::http {
namespace {

constexpr std::size_t kMaxFormParams = 64;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Control bytes never belong in an OAuth parameter or a credential; refusing
// them here keeps CR/LF/NUL out of logs, headers and database keys.
bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

// Standard base64 (RFC 4648 §4) with mandatory padding and canonical trailing bits.
std::optional<std::string> base64_decode_padded(std::string_view in) {
  static constexpr auto kTable = [] {
    std::array<std::int8_t, 256> t{};
    t.fill(-1);
    constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (std::size_t i = 0; i < alphabet.size(); ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
    return t;
  }();
  if (in.empty() || in.size() % 4 != 0) return std::nullopt;
  std::size_t pad = 0;
  if (in.back() == '=') ++pad;
  if (in.size() >= 2 && in[in.size() - 2] == '=') ++pad;
  if (pad == 1 && in.back() != '=') return std::nullopt;
  const std::size_t data_len = in.size() - pad;
  std::string out;
  out.reserve(in.size() / 4 * 3);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < data_len; ++i) {
    const int v = kTable[static_cast<unsigned char>(in[i])];
    if (v < 0) return std::nullopt;  // includes a '=' in the middle
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  // Leftover bits must be zero (canonical encoding).
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

std::optional<std::string> url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '+') {
      c = ' ';
    } else if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<unsigned char>(hi * 16 + lo);
      i += 2;
    }
    if (is_control(c)) return std::nullopt;
    out.push_back(static_cast<char>(c));
  }
  return out;
}

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c)) {
      out.push_back(ch);
    } else {
      // %20 rather than '+': unambiguous in both query strings and form bodies.
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0f]);
    }
  }
  return out;
}

std::expected<Form, FormError> parse_form(std::string_view body) {
  Form form;
  std::size_t count = 0;
  std::size_t pos = 0;
  while (pos <= body.size()) {
    std::size_t amp = body.find('&', pos);
    if (amp == std::string_view::npos) amp = body.size();
    const std::string_view pair = body.substr(pos, amp - pos);
    pos = amp + 1;
    if (pair.empty()) continue;  // "a=1&&b=2", a trailing '&', or an empty body
    if (++count > kMaxFormParams) return std::unexpected(FormError::kTooManyParams);
    const std::size_t eq = pair.find('=');
    auto key = url_decode(pair.substr(0, eq));
    auto value = eq == std::string_view::npos ? std::optional<std::string>(std::string{})
                                              : url_decode(pair.substr(eq + 1));
    if (!key || !value) return std::unexpected(FormError::kBadEncoding);
    if (!form.emplace(std::move(*key), std::move(*value)).second) {
      return std::unexpected(FormError::kDuplicateParam);
    }
  }
  return form;
}

std::optional<BasicCredentials> parse_basic_auth(std::string_view header) {
  constexpr std::string_view kScheme = "Basic";
  if (header.size() <= kScheme.size() + 1) return std::nullopt;
  if (!iequals(header.substr(0, kScheme.size()), kScheme)) return std::nullopt;
  if (header[kScheme.size()] != ' ') return std::nullopt;
  const auto decoded = base64_decode_padded(header.substr(kScheme.size() + 1));
  if (!decoded) return std::nullopt;
  const std::size_t colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  auto user = url_decode(std::string_view(*decoded).substr(0, colon));
  auto password = url_decode(std::string_view(*decoded).substr(colon + 1));
  if (!user || !password || user->empty()) return std::nullopt;
  return BasicCredentials{std::move(*user), std::move(*password)};
}

}  // namespace tollgate::http
