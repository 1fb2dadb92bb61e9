#include "network/sim_swap.h"

#include <gtest/gtest.h>

namespace tollgate::network {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kNow = 1'800'000'000;  // 2027-01-15T08:00:00Z

class SimSwapTest : public ::testing::Test {
 protected:
  core::ManualClock clock_{kNow};
  std::shared_ptr<const SubscriberStore> store_ = SubscriberStore::demo(clock_);
  Identity two_legged_{};
  Identity three_legged(std::string msisdn) { return {TokenType::kThreeLegged, std::move(msisdn)}; }

  // Runs `op` and renders the outcome as "200 {...}" or "400 CODE message".
  std::string run(ApiResult (*op)(const ApiRequest&), std::string_view body, const Identity& id) {
    const ApiResult r = op(ApiRequest{body, id, *store_, clock_});
    if (!r)
      return std::to_string(r.error().status) + " " + std::string(r.error().code) + " " +
             r.error().message;
    return std::to_string(r->status) + " " + boost::json::serialize(*r->body);
  }
  std::string check(std::string_view body) { return run(&sim_swap::check, body, two_legged_); }
  std::string retrieve(std::string_view body) {
    return run(&sim_swap::retrieve_date, body, two_legged_);
  }
};

const std::string kInvalidArgument =
    "400 INVALID_ARGUMENT Client specified an invalid argument, request body or query param.";
const std::string kOutOfRange = "400 OUT_OF_RANGE Client specified an invalid range.";
const std::string kMissingIdentifier = "422 MISSING_IDENTIFIER The device cannot be identified.";
const std::string kUnnecessaryIdentifier =
    "422 UNNECESSARY_IDENTIFIER The device is already identified by the access token.";
const std::string kIdentifierNotFound = "404 IDENTIFIER_NOT_FOUND Device identifier not found.";

// --- check ---------------------------------------------------------------------

// A swap 48 h ago is within the default maxAge of 240 h.
TEST_F(SimSwapTest, CheckSwappedWithinDefaultMaxAge) {
  EXPECT_EQ(check(R"({"phoneNumber":"+34600000001"})"), R"(200 {"swapped":true})");
}

// A swap 48 h ago is not within the last 24 h.
TEST_F(SimSwapTest, CheckNotSwappedWithinShorterMaxAge) {
  EXPECT_EQ(check(R"({"phoneNumber":"+34600000001","maxAge":24})"), R"(200 {"swapped":false})");
}

// A subscriber never swapped and activated 400 days ago has not swapped within any allowed maxAge.
TEST_F(SimSwapTest, CheckNeverSwapped) {
  EXPECT_EQ(check(R"({"phoneNumber":"+34600000002"})"), R"(200 {"swapped":false})");
  EXPECT_EQ(check(R"({"phoneNumber":"+34600000002","maxAge":2400})"), R"(200 {"swapped":false})");
}

// maxAge is inclusive: a swap exactly maxAge hours old counts, one hour less does not.
TEST_F(SimSwapTest, CheckBoundaryIsInclusive) {
  EXPECT_EQ(check(R"({"phoneNumber":"+34600000001","maxAge":48})"), R"(200 {"swapped":true})");
  EXPECT_EQ(check(R"({"phoneNumber":"+34600000001","maxAge":47})"), R"(200 {"swapped":false})");
  clock_.advance(1us);
  EXPECT_EQ(check(R"({"phoneNumber":"+34600000001","maxAge":48})"), R"(200 {"swapped":false})");
}

// +34600000003 swapped 30 days (720 h) ago: false at the default, true from 720 h to 2400 h.
TEST_F(SimSwapTest, CheckMiddleCase) {
  EXPECT_EQ(check(R"({"phoneNumber":"+34600000003"})"), R"(200 {"swapped":false})");
  EXPECT_EQ(check(R"({"phoneNumber":"+34600000003","maxAge":719})"), R"(200 {"swapped":false})");
  EXPECT_EQ(check(R"({"phoneNumber":"+34600000003","maxAge":720})"), R"(200 {"swapped":true})");
  EXPECT_EQ(check(R"({"phoneNumber":"+34600000003","maxAge":2400})"), R"(200 {"swapped":true})");
}

// The 1 and 2400 ends of the range are accepted.
TEST_F(SimSwapTest, CheckAcceptsRangeEnds) {
  EXPECT_EQ(check(R"({"phoneNumber":"+34600000001","maxAge":1})"), R"(200 {"swapped":false})");
  EXPECT_EQ(check(R"({"phoneNumber":"+34600000001","maxAge":2400})"), R"(200 {"swapped":true})");
}

// A new subscription counts as a SIM swap (sim-swap.yaml): a SIM activated 10 h ago and never
// swapped is "swapped".
TEST_F(SimSwapTest, CheckCountsActivationAsSwap) {
  Subscriber fresh;
  fresh.msisdn = "+34600000100";
  fresh.sim_activated = clock_.now() - 10h;
  fresh.location = {40, -3, 100};
  fresh.handset_ip = "10.0.0.1";
  std::vector<Subscriber> v{fresh};
  store_ = std::make_shared<const SubscriberStore>(std::move(v));
  EXPECT_EQ(check(R"({"phoneNumber":"+34600000100","maxAge":10})"), R"(200 {"swapped":true})");
  EXPECT_EQ(check(R"({"phoneNumber":"+34600000100","maxAge":9})"), R"(200 {"swapped":false})");
}

// maxAge outside 1..2400 is 400 OUT_OF_RANGE, however the number is written.
TEST_F(SimSwapTest, CheckMaxAgeOutOfRange) {
  for (const char* max_age : {"0", "-1", "2401", "100000", "18446744073709551615",
                              "99999999999999999999", "1e9", "-0.0"}) {
    EXPECT_EQ(check(std::string(R"({"phoneNumber":"+34600000001","maxAge":)") + max_age + "}"),
              kOutOfRange)
        << max_age;
  }
}

// maxAge that is not a JSON Schema draft-4 integer (fraction, exponent form, string, boolean, null)
// is 400 INVALID_ARGUMENT.
TEST_F(SimSwapTest, CheckMaxAgeNotAnInteger) {
  for (const char* max_age : {"24.5", "120.0", "1.2e2", R"("24")", "true", "null", "[24]", "{}"}) {
    EXPECT_EQ(check(std::string(R"({"phoneNumber":"+34600000001","maxAge":)") + max_age + "}"),
              kInvalidArgument)
        << max_age;
  }
}

// A schema error is reported before an identification error (400 before 422).
TEST_F(SimSwapTest, CheckSchemaBeforeIdentification) {
  EXPECT_EQ(check(R"({"maxAge":0})"), kOutOfRange);
  EXPECT_EQ(run(&sim_swap::check, R"({"phoneNumber":"34600000001"})", three_legged("+34600000001")),
            kInvalidArgument);
}

// Members the schema does not list are allowed (no additionalProperties: false) and ignored.
TEST_F(SimSwapTest, CheckIgnoresUnknownMembers) {
  EXPECT_EQ(check(R"({"phoneNumber":"+34600000001","colour":"blue"})"), R"(200 {"swapped":true})");
}

// --- retrieve-date ---------------------------------------------------------------

// The latest swap date is returned in RFC 3339, UTC.
TEST_F(SimSwapTest, RetrieveDateOfSwap) {
  EXPECT_EQ(retrieve(R"({"phoneNumber":"+34600000001"})"),
            R"(200 {"latestSimChange":"2027-01-13T08:00:00Z"})");
  EXPECT_EQ(retrieve(R"({"phoneNumber":"+34600000003"})"),
            R"(200 {"latestSimChange":"2026-12-16T08:00:00Z"})");
}

// Without any swap, the SIM activation date is returned.
TEST_F(SimSwapTest, RetrieveDateOfActivationWhenNeverSwapped) {
  EXPECT_EQ(retrieve(R"({"phoneNumber":"+34600000002"})"),
            R"(200 {"latestSimChange":"2025-12-11T08:00:00Z"})");
}

// retrieve-date's schema has no maxAge, so a maxAge member is just an unknown member and ignored.
TEST_F(SimSwapTest, RetrieveDateIgnoresUnknownMembers) {
  EXPECT_EQ(retrieve(R"({"phoneNumber":"+34600000002","maxAge":"x"})"),
            R"(200 {"latestSimChange":"2025-12-11T08:00:00Z"})");
}

// --- shared body and identity rules (both operations) ----------------------------

// Bodies that are not one well-formed JSON object are 400 INVALID_ARGUMENT.
TEST_F(SimSwapTest, MalformedBodies) {
  for (const char* body :
       {"", "{", "not json", R"({"phoneNumber":"+34600000001"} x)", "[]", "\"x\"", "null", "42",
        R"({"phoneNumber":"+34600000001","phoneNumber":"+34600000002"})",
        R"({"a":{"b":1,"b":2},"phoneNumber":"+34600000001"})"}) {
    EXPECT_EQ(check(body), kInvalidArgument) << body;
    EXPECT_EQ(retrieve(body), kInvalidArgument) << body;
  }
}

// A phoneNumber that is not a string matching ^\+[1-9][0-9]{4,14}$ is 400 INVALID_ARGUMENT.
TEST_F(SimSwapTest, BadPhoneNumbers) {
  for (const char* phone :
       {R"("34600000001")", R"("+034600000001")", R"("+1234")", R"("+1234567890123456")",
        R"("+34 600000001")", R"("")", "34600000001", "null", "true"}) {
    const std::string body = std::string(R"({"phoneNumber":)") + phone + "}";
    EXPECT_EQ(check(body), kInvalidArgument) << phone;
    EXPECT_EQ(retrieve(body), kInvalidArgument) << phone;
  }
}

// A number the operator does not know is 404 IDENTIFIER_NOT_FOUND.
TEST_F(SimSwapTest, UnknownNumber) {
  EXPECT_EQ(check(R"({"phoneNumber":"+34600000999"})"), kIdentifierNotFound);
  EXPECT_EQ(retrieve(R"({"phoneNumber":"+34600000999"})"), kIdentifierNotFound);
}

// A 2-legged call without phoneNumber is 422 MISSING_IDENTIFIER.
TEST_F(SimSwapTest, TwoLeggedWithoutPhoneNumber) {
  EXPECT_EQ(check("{}"), kMissingIdentifier);
  EXPECT_EQ(check(R"({"maxAge":24})"), kMissingIdentifier);
  EXPECT_EQ(retrieve("{}"), kMissingIdentifier);
}

// A 3-legged call takes the subscriber from the token.
TEST_F(SimSwapTest, ThreeLeggedUsesTokenSubscriber) {
  const Identity id = three_legged("+34600000001");
  EXPECT_EQ(run(&sim_swap::check, "{}", id), R"(200 {"swapped":true})");
  EXPECT_EQ(run(&sim_swap::check, R"({"maxAge":24})", id), R"(200 {"swapped":false})");
  EXPECT_EQ(run(&sim_swap::retrieve_date, "{}", id),
            R"(200 {"latestSimChange":"2027-01-13T08:00:00Z"})");
}

// A 3-legged call that also names a phoneNumber is 422 UNNECESSARY_IDENTIFIER, even the same
// number.
TEST_F(SimSwapTest, ThreeLeggedWithPhoneNumber) {
  const Identity id = three_legged("+34600000001");
  EXPECT_EQ(run(&sim_swap::check, R"({"phoneNumber":"+34600000001"})", id), kUnnecessaryIdentifier);
  EXPECT_EQ(run(&sim_swap::check, R"({"phoneNumber":"+34600000002"})", id), kUnnecessaryIdentifier);
  EXPECT_EQ(run(&sim_swap::retrieve_date, R"({"phoneNumber":"+34600000001"})", id),
            kUnnecessaryIdentifier);
}

// A 3-legged token whose subscriber the gateway could not resolve is 422 MISSING_IDENTIFIER.
TEST_F(SimSwapTest, ThreeLeggedWithoutSubscriber) {
  const Identity id{TokenType::kThreeLegged, std::nullopt};
  EXPECT_EQ(run(&sim_swap::check, "{}", id), kMissingIdentifier);
  EXPECT_EQ(run(&sim_swap::retrieve_date, "{}", id), kMissingIdentifier);
}

// A 3-legged token for a subscriber the operator does not know is 404 IDENTIFIER_NOT_FOUND.
TEST_F(SimSwapTest, ThreeLeggedUnknownSubscriber) {
  EXPECT_EQ(run(&sim_swap::check, "{}", three_legged("+34600000999")), kIdentifierNotFound);
}

}  // namespace
}  // namespace tollgate::network
