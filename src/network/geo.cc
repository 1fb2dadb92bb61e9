#include "network/geo.h"

#include <algorithm>
#include <cmath>

namespace tollgate::network::geo {
namespace {

constexpr double kDeg = kPi / 180.0;

}  // namespace

double distance_m(Point a, Point b) {
  const double p1 = a.latitude * kDeg, p2 = b.latitude * kDeg;
  const double dp = p2 - p1, dl = (b.longitude - a.longitude) * kDeg;
  const double h = std::sin(dp / 2) * std::sin(dp / 2) +
                   std::cos(p1) * std::cos(p2) * std::sin(dl / 2) * std::sin(dl / 2);
  return 2 * kEarthRadiusM * std::asin(std::min(1.0, std::sqrt(h)));
}

Point destination(Point start, double bearing_deg, double distance) {
  const double delta = distance / kEarthRadiusM, theta = bearing_deg * kDeg;
  const double p1 = start.latitude * kDeg, l1 = start.longitude * kDeg;
  const double sin_p2 =
      std::sin(p1) * std::cos(delta) + std::cos(p1) * std::sin(delta) * std::cos(theta);
  const double p2 = std::asin(std::clamp(sin_p2, -1.0, 1.0));
  const double l2 = l1 + std::atan2(std::sin(theta) * std::sin(delta) * std::cos(p1),
                                    std::cos(delta) - std::sin(p1) * std::sin(p2));
  double lon = std::remainder(l2 / kDeg, 360.0);  // [-180, 180]
  if (lon == -180.0) lon = 180.0;
  return {std::clamp(p2 / kDeg, -90.0, 90.0), lon};
}

double circle_area(double r) { return kPi * r * r; }

double circle_overlap_area(double r1, double r2, double d) {
  if (d >= r1 + r2) return 0;
  if (d <= std::abs(r1 - r2)) return circle_area(std::min(r1, r2));
  const double a1 = std::clamp((d * d + r1 * r1 - r2 * r2) / (2 * d * r1), -1.0, 1.0);
  const double a2 = std::clamp((d * d + r2 * r2 - r1 * r1) / (2 * d * r2), -1.0, 1.0);
  const double k = (-d + r1 + r2) * (d + r1 - r2) * (d - r1 + r2) * (d + r1 + r2);
  return r1 * r1 * std::acos(a1) + r2 * r2 * std::acos(a2) - 0.5 * std::sqrt(std::max(0.0, k));
}

std::array<Point, 6> circumscribed_hexagon(Point center, double radius_m) {
  // A regular hexagon with inradius r has circumradius r / cos(30°).
  const double circumradius = radius_m / std::cos(30.0 * kDeg);
  std::array<Point, 6> out;
  for (int i = 0; i < 6; ++i)
    out[static_cast<std::size_t>(i)] = destination(center, 30.0 + 60.0 * i, circumradius);
  return out;
}

double circumscribed_hexagon_area(double radius_m) {
  return 2 * std::sqrt(3.0) * radius_m * radius_m;
}

}  // namespace tollgate::network::geo
