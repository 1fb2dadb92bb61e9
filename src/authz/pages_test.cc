#include "authz/pages.h"

#include <gtest/gtest.h>

namespace tollgate::authz::pages {
namespace {

http::Request get() {
  http::Request r{boost::beast::http::verb::get, "/oauth2/authorize", 11};
  return r;
}

// Every dynamic value is HTML-escaped: a partner name cannot inject markup into the consent page.
TEST(Pages, ConsentEscapesEverythingAndCannotBeFramed) {
  ConsentView v{.partner = "<script>x</script>",
                .purpose_words = "a \"quoted\" & 'odd' reason",
                .purpose = "dpv:X",
                .scope_words = {"<b>bold</b>"},
                .subscriber_masked = mask_msisdn("+34600000001"),
                .action = "/oauth2/authorize/consent",
                .session = "s\"1",
                .csrf = "c<1"};
  auto res = consent(get(), v);
  EXPECT_EQ(res.result_int(), 200);
  const std::string& b = res.body();
  EXPECT_EQ(b.find("<script>"), std::string::npos);
  EXPECT_NE(b.find("&lt;script&gt;x&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(b.find("&quot;quoted&quot; &amp; &#39;odd&#39;"), std::string::npos);
  EXPECT_NE(b.find("value=\"s&quot;1\""), std::string::npos);
  EXPECT_NE(b.find("value=\"c&lt;1\""), std::string::npos);
  EXPECT_EQ(b.find("34600000001"), std::string::npos);
  EXPECT_EQ(res["X-Frame-Options"], "DENY");
  EXPECT_NE(std::string(res["Content-Security-Policy"]).find("frame-ancestors 'none'"),
            std::string::npos);
  EXPECT_EQ(res[boost::beast::http::field::cache_control], "no-store");
}

// Scopes and purposes in plain words; unknown ones fall back to their names; numbers are masked.
TEST(Pages, PlainWordsAndMasking) {
  EXPECT_EQ(scope_in_words("sim-swap:check"), "check whether your SIM card was changed recently");
  EXPECT_EQ(scope_in_words("x:y"), "x:y");
  EXPECT_EQ(purpose_in_words("dpv:FraudPreventionAndDetection"), "fraud prevention and detection");
  EXPECT_EQ(mask_msisdn("+34600000001"), "+34 \u2022\u2022\u2022 \u2022\u2022\u2022 001");
  EXPECT_EQ(mask_msisdn("+3"), "your phone");
}

}  // namespace
}  // namespace tollgate::authz::pages
