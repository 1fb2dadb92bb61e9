// geo.h — the little geometry the location APIs need, on a sphere of the Earth's
// mean radius. Distances use the haversine formula; areas treat the neighbourhood of
// a point as flat, which for the circles CAMARA deals in (meters to a few hundred km)
// is far inside the accuracy of a network location. Pure functions, thread-safe.
#pragma once

#include <array>

namespace tollgate::network::geo {

// IUGG mean Earth radius (meters).
inline constexpr double kEarthRadiusM = 6'371'008.8;
inline constexpr double kPi = 3.14159265358979323846;

struct Point {
  double latitude = 0;   // degrees
  double longitude = 0;  // degrees
};

// Great-circle distance in meters.
double distance_m(Point a, Point b);

// The point `distance_m` meters from `start` along the initial bearing `bearing_deg`
// (degrees clockwise from north); longitude normalised to [-180, 180].
Point destination(Point start, double bearing_deg, double distance_m);

double circle_area(double radius_m);
// Area (m²) of the intersection of two circles of radii r1, r2 whose centers are d apart.
double circle_overlap_area(double r1, double r2, double d);

// The regular hexagon circumscribing the circle (center, radius): its vertices, the
// first due north-east (30°) and then clockwise every 60°. Every point of the circle
// lies inside it.
std::array<Point, 6> circumscribed_hexagon(Point center, double radius_m);
// Its area: 2·√3·r².
double circumscribed_hexagon_area(double radius_m);

}  // namespace tollgate::network::geo
