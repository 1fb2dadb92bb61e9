#include "network/handset.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace tollgate::network {
namespace {

http::Request get(std::string target, http::bhttp::verb verb = http::bhttp::verb::get) {
  http::Request r{verb, target, 11};
  r.prepare_payload();
  return r;
}

class HandsetTest : public ::testing::Test {
 protected:
  core::ManualClock clock_;
  std::shared_ptr<const SubscriberStore> subs_ = SubscriberStore::demo(clock_);
  HandsetInbox inbox_;
};

// Messages are listed newest first as JSON, with a prompt's action and token; HTML escapes the
// text.
TEST_F(HandsetTest, InboxNewestFirstJsonAndEscapedHtml) {
  inbox_.deliver("+34600000001", {.at = 1, .from = "Tollgate", .text = "first"});
  inbox_.deliver("+34600000001", {.at = 2,
                                  .from = "Tollgate",
                                  .text = "<b>approve?</b>",
                                  .action_url = "http://127.0.0.1:9000/oauth2/ciba/decide",
                                  .token = "tok"});
  auto res = handle_handset(get("/handset/+34600000001/inbox?format=json"), *subs_, inbox_, clock_);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200);
  auto doc = boost::json::parse(res->body()).as_object();
  const auto& msgs = doc["messages"].as_array();
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].as_object().at("token").as_string(), "tok");
  EXPECT_EQ(msgs[1].as_object().at("text").as_string(), "first");
  auto html = handle_handset(get("/handset/+34600000001/inbox"), *subs_, inbox_, clock_);
  EXPECT_NE(html->body().find("&lt;b&gt;approve?&lt;/b&gt;"), std::string::npos);
  EXPECT_EQ(html->body().find("<b>approve"), std::string::npos);
  EXPECT_NE(html->body().find("name=\"decision\" value=\"allow\""), std::string::npos);
  EXPECT_EQ((*html)[http::bhttp::field::cache_control], "no-store");
}

// Unknown numbers and paths are 404; other paths are not the handset's (nullopt); the inbox is
// bounded.
TEST_F(HandsetTest, UnknownAndBounds) {
  EXPECT_EQ(
      handle_handset(get("/handset/+34600000999/inbox"), *subs_, inbox_, clock_)->result_int(),
      404);
  EXPECT_EQ(
      handle_handset(get("/handset/+34600000001/photos"), *subs_, inbox_, clock_)->result_int(),
      404);
  EXPECT_EQ(handle_handset(get("/handset/+34600000001/inbox", http::bhttp::verb::post), *subs_,
                           inbox_, clock_)
                ->result_int(),
            405);
  EXPECT_FALSE(handle_handset(get("/sim-swap/v2/check"), *subs_, inbox_, clock_));
  for (int i = 0; i < 30; ++i) inbox_.deliver("+34600000002", {.at = i, .text = std::to_string(i)});
  auto msgs = inbox_.messages("+34600000002");
  ASSERT_EQ(msgs.size(), HandsetInbox::kMaxMessages);
  EXPECT_EQ(msgs.front().text, "29");
}

// An operator token resolves to its subscriber until it expires, and never for another value.
TEST_F(HandsetTest, OperatorTokenResolvesUntilExpiry) {
  auto res = handle_handset(get("/handset/+34600000002/operator-token", http::bhttp::verb::post),
                            *subs_, inbox_, clock_);
  ASSERT_EQ(res->result_int(), 200);
  const std::string token(
      boost::json::parse(res->body()).as_object().at("operator_token").as_string());
  const auto now = clock_.unix_seconds();
  EXPECT_EQ(inbox_.resolve_operator_token(token, now), "+34600000002");
  EXPECT_EQ(inbox_.resolve_operator_token(token, now + HandsetInbox::kOperatorTokenLifetime),
            std::nullopt);
  EXPECT_EQ(inbox_.resolve_operator_token(token + "x", now), std::nullopt);
}

}  // namespace
}  // namespace tollgate::network
