// test_support.h — shared by the network role's unit tests: a manual clock, the demo
// store, identities, and `run`, which renders an operation's outcome as one comparable
// string: "200 {json}" or "404 IDENTIFIER_NOT_FOUND message".
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "network/api.h"

namespace tollgate::network::testing {

using namespace std::chrono_literals;

inline constexpr std::int64_t kNow = 1'800'000'000;  // 2027-01-15T08:00:00Z

inline const std::string kInvalidArgument =
    "400 INVALID_ARGUMENT Client specified an invalid argument, request body or query param.";
inline const std::string kOutOfRange = "400 OUT_OF_RANGE Client specified an invalid range.";
inline const std::string kMissingIdentifier =
    "422 MISSING_IDENTIFIER The device cannot be identified.";
inline const std::string kUnnecessaryIdentifier =
    "422 UNNECESSARY_IDENTIFIER The device is already identified by the access token.";
inline const std::string kUnsupportedIdentifier =
    "422 UNSUPPORTED_IDENTIFIER The identifier provided is not supported.";
inline const std::string kServiceNotApplicable =
    "422 SERVICE_NOT_APPLICABLE The service is not available for the provided identifier.";
inline const std::string kIdentifierNotFound =
    "404 IDENTIFIER_NOT_FOUND Device identifier not found.";
inline const std::string kNotFound = "404 NOT_FOUND The specified resource is not found.";

class NetworkOpTest : public ::testing::Test {
 protected:
  core::ManualClock clock_{kNow};
  std::shared_ptr<const SubscriberStore> store_ = SubscriberStore::demo(clock_);
  Identity two_legged_{TokenType::kTwoLegged, std::nullopt, "client-a", {}};

  static Identity three_legged(std::string msisdn, std::string client = "client-a",
                               std::vector<std::string> amr = {"nba"}) {
    return {TokenType::kThreeLegged, std::move(msisdn), std::move(client), std::move(amr)};
  }

  // The demo set plus `extra` records (for eligibility, IPv6 and location cases).
  void add_subscribers(std::vector<Subscriber> extra) {
    auto all = store_->all();
    for (auto& s : extra) all.push_back(std::move(s));
    store_ = std::make_shared<const SubscriberStore>(std::move(all));
  }

  std::string run(ApiResult (*op)(const ApiRequest&), std::string_view body, const Identity& id,
                  std::string_view param = {}, qod::SessionStore* sessions = nullptr) {
    const ApiResult r = op(ApiRequest{body, id, *store_, clock_, param, sessions});
    if (!r)
      return std::to_string(r.error().status) + " " + std::string(r.error().code) + " " +
             r.error().message;
    if (!r->body) return std::to_string(r->status);
    return std::to_string(r->status) + " " + boost::json::serialize(*r->body);
  }
  // The JSON body of a successful outcome (fails the test otherwise).
  boost::json::value json_of(ApiResult (*op)(const ApiRequest&), std::string_view body,
                             const Identity& id, std::string_view param = {},
                             qod::SessionStore* sessions = nullptr) {
    const ApiResult r = op(ApiRequest{body, id, *store_, clock_, param, sessions});
    if (!r) {
      ADD_FAILURE() << r.error().status << " " << r.error().code << " " << r.error().message;
      return nullptr;
    }
    return r->body ? *r->body : boost::json::value(nullptr);
  }
};

// A subscriber record with the given number and handset IP, at Madrid, reachable.
inline Subscriber make_subscriber(std::string msisdn, std::string ip) {
  Subscriber s;
  s.msisdn = std::move(msisdn);
  s.sim_activated = core::TimePoint(std::chrono::seconds(kNow)) - 100 * 24h;
  s.location = Location{40.4168, -3.7038, 100, AreaShape::kCircle, {}};
  s.reachable_data = s.reachable_sms = true;
  s.handset_ip = std::move(ip);
  return s;
}

}  // namespace tollgate::network::testing
