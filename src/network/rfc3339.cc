#include "network/rfc3339.h"

#include <chrono>
#include <cstdio>

namespace tollgate::network {
namespace {

using namespace std::chrono;

// Reads exactly `n` ASCII digits at `pos`; advances `pos`.
std::optional<int> digits(std::string_view s, std::size_t& pos, std::size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  pos += n;
  return v;
}

bool expect(std::string_view s, std::size_t& pos, char a, char b = '\0') {
  if (pos >= s.size() || (s[pos] != a && (b == '\0' || s[pos] != b))) return false;
  ++pos;
  return true;
}

}  // namespace

std::string format_rfc3339(core::TimePoint t) {
  const auto day = floor<days>(t);
  const year_month_day ymd{sys_days(day)};
  const hh_mm_ss hms{floor<microseconds>(t - day)};
  const auto micros = hms.subseconds().count();
  char buf[48];
  int n =
      std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
                    static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                    static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                    static_cast<int>(hms.seconds().count()));
  if (micros != 0) {
    n += std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), ".%06lld",
                       static_cast<long long>(micros));
  }
  std::string out(buf, static_cast<std::size_t>(n));
  out += 'Z';
  return out;
}

std::optional<core::TimePoint> parse_rfc3339(std::string_view s) {
  std::size_t pos = 0;
  const auto y = digits(s, pos, 4);
  if (!y || !expect(s, pos, '-')) return std::nullopt;
  const auto mo = digits(s, pos, 2);
  if (!mo || !expect(s, pos, '-')) return std::nullopt;
  const auto d = digits(s, pos, 2);
  if (!d || !expect(s, pos, 'T', 't')) return std::nullopt;
  const auto h = digits(s, pos, 2);
  if (!h || !expect(s, pos, ':')) return std::nullopt;
  const auto mi = digits(s, pos, 2);
  if (!mi || !expect(s, pos, ':')) return std::nullopt;
  const auto sec = digits(s, pos, 2);
  if (!sec) return std::nullopt;

  std::int64_t frac_us = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    std::int64_t scale = 100000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      frac_us += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }

  std::int64_t offset_s = 0;
  if (expect(s, pos, 'Z', 'z')) {
    // UTC
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    const auto oh = digits(s, pos, 2);
    if (!oh || !expect(s, pos, ':')) return std::nullopt;
    const auto om = digits(s, pos, 2);
    if (!om || *oh > 23 || *om > 59) return std::nullopt;
    offset_s = sign * (*oh * 3600 + *om * 60);
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;

  if (*y < 1970 || *h > 23 || *mi > 59 || *sec > 59) return std::nullopt;
  const year_month_day ymd{year(*y), month(static_cast<unsigned>(*mo)),
                           day(static_cast<unsigned>(*d))};
  if (!ymd.ok()) return std::nullopt;
  const auto local = sys_days(ymd) + hours(*h) + minutes(*mi) + seconds(*sec);
  // "+02:00" means local time is ahead of UTC: subtract the offset.
  return core::TimePoint(duration_cast<microseconds>(local.time_since_epoch()) - seconds(offset_s) +
                         microseconds(frac_us));
}

}  // namespace tollgate::network
