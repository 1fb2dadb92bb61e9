#include "http/camara.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace tollgate::http {
namespace {

// Pattern boundaries: empty and 256 characters accepted, 257 refused.
TEST(Correlator, LengthBoundaries) {
  EXPECT_TRUE(valid_correlator(""));
  EXPECT_TRUE(valid_correlator(std::string(256, 'a')));
  EXPECT_FALSE(valid_correlator(std::string(257, 'a')));
}

// Every character of the CAMARA class is accepted.
TEST(Correlator, AllowedCharacters) {
  EXPECT_TRUE(valid_correlator("b4333c46-49c0-4f62-80d7-f0ef930f1c46"));
  EXPECT_TRUE(valid_correlator("azAZ09-_:;./<>{}"));
}

// Space, quotes, CR/LF, backslash and non-ASCII are refused.
TEST(Correlator, RefusedCharacters) {
  for (const char* bad : {"a b", " ", "a\"b", "a\r\nb", "a\\b", "a,b", "a=b", "caf\xC3\xA9", "a\tb", "a+b",
                          "a%20", "[x]", "a|b"}) {
    EXPECT_FALSE(valid_correlator(bad)) << bad;
  }
}

// camara_error: JSON body in CAMARA form, no-store, the correlator echoed.
TEST(CamaraError, BodyAndHeaders) {
  const Response res = camara_error(403, "PERMISSION_DENIED", "no", "abc-1", 10, false);
  EXPECT_EQ(res.result_int(), 403);
  EXPECT_EQ(res.version(), 10);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_EQ(res.body(), R"({"status":403,"code":"PERMISSION_DENIED","message":"no"})");
  EXPECT_EQ(res[bhttp::field::content_type], "application/json");
  EXPECT_EQ(res[bhttp::field::cache_control], "no-store");
  EXPECT_EQ(res[kCorrelatorHeader], "abc-1");
  EXPECT_EQ(res[bhttp::field::content_length], std::to_string(res.body().size()));
}

// Without a correlator no x-correlator header is sent.
TEST(CamaraError, NoCorrelatorHeaderWhenEmpty) {
  const Response res = camara_error(404, "NOT_FOUND", "gone");
  EXPECT_EQ(res.count(kCorrelatorHeader), 0u);
  EXPECT_TRUE(res.keep_alive());
}

// The message is escaped into valid JSON, including quotes, control and invalid UTF-8 bytes.
TEST(CamaraError, MessageEscaped) {
  const Response res = camara_error(400, "INVALID_ARGUMENT", "bad \"x\"\n\\ \x01 caf\xC3\xA9 \xFF");
  const auto body = boost::json::parse(res.body()).as_object();
  EXPECT_EQ(body.at("message").as_string(), "bad \"x\"\n\\ \x01 caf\xC3\xA9 \xEF\xBF\xBD");
  EXPECT_EQ(body.at("status").as_int64(), 400);
}

// json_response carries the body as given with the JSON content type.
TEST(JsonResponse, Basic) {
  const Response res = json_response(201, R"({"a":1})");
  EXPECT_EQ(res.result_int(), 201);
  EXPECT_EQ(res.body(), R"({"a":1})");
  EXPECT_EQ(res[bhttp::field::content_type], "application/json");
  EXPECT_EQ(res[bhttp::field::content_length], "7");
}

}  // namespace
}  // namespace tollgate::http
