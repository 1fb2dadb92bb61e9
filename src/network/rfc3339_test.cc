#include "network/rfc3339.h"

#include <gtest/gtest.h>

namespace tollgate::network {
namespace {

using std::chrono::microseconds;
using std::chrono::seconds;

core::TimePoint at(std::int64_t unix_seconds, std::int64_t micros = 0) {
  return core::TimePoint(seconds(unix_seconds)) + microseconds(micros);
}

// A whole second is written without a fraction, in UTC with Z.
TEST(Rfc3339, FormatsWholeSecondsWithoutFraction) {
  EXPECT_EQ(format_rfc3339(at(1'800'000'000)), "2027-01-15T08:00:00Z");
  EXPECT_EQ(format_rfc3339(at(0)), "1970-01-01T00:00:00Z");
}

// A sub-second time keeps its microseconds.
TEST(Rfc3339, FormatsMicroseconds) {
  EXPECT_EQ(format_rfc3339(at(1'800'000'000, 250'000)), "2027-01-15T08:00:00.250000Z");
  EXPECT_EQ(format_rfc3339(at(1'800'000'000, 7)), "2027-01-15T08:00:00.000007Z");
}

// Z, lower-case t/z and numeric offsets all parse to the same instant.
TEST(Rfc3339, ParsesUtcAndOffsets) {
  EXPECT_EQ(parse_rfc3339("2027-01-15T08:00:00Z"), at(1'800'000'000));
  EXPECT_EQ(parse_rfc3339("2027-01-15t08:00:00z"), at(1'800'000'000));
  EXPECT_EQ(parse_rfc3339("2027-01-15T10:00:00+02:00"), at(1'800'000'000));
  EXPECT_EQ(parse_rfc3339("2027-01-15T05:30:00-02:30"), at(1'800'000'000));
}

// Fractions are read to the microsecond and truncated beyond it.
TEST(Rfc3339, ParsesFractions) {
  EXPECT_EQ(parse_rfc3339("2027-01-15T08:00:00.5Z"), at(1'800'000'000, 500'000));
  EXPECT_EQ(parse_rfc3339("2024-09-18T07:37:53.471829447Z"), at(1'726'645'073, 471'829));
}

// Formatting then parsing gives back the same instant.
TEST(Rfc3339, RoundTrips) {
  for (auto t : {at(1'800'000'000), at(1'726'645'073, 471'829), at(951'782'400)}) {
    EXPECT_EQ(parse_rfc3339(format_rfc3339(t)), t);
  }
}

// Anything that is not a complete RFC 3339 date-time is refused.
TEST(Rfc3339, RefusesMalformed) {
  for (const char* bad :
       {"", "2027-01-15", "2027-01-15T08:00:00", "2027-01-15 08:00:00Z", "2027-1-15T08:00:00Z",
        "2027-02-30T08:00:00Z", "2027-13-01T08:00:00Z", "2027-01-15T24:00:00Z",
        "2027-01-15T08:60:00Z", "2016-12-31T23:59:60Z", "2027-01-15T08:00:00.Z",
        "2027-01-15T08:00:00+0200", "2027-01-15T08:00:00+24:00", "2027-01-15T08:00:00Zx",
        "1969-12-31T23:59:59Z", "48h ago"}) {
    EXPECT_EQ(parse_rfc3339(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace tollgate::network
