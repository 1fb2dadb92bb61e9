#include "gateway/access_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>

namespace tollgate::gateway {
namespace {

AccessRecord record() {
  AccessRecord r;
  r.method = "POST";
  r.path = "/sim-swap/v2/check";
  r.status = 401;
  r.reason = "token_expired";
  r.client_id = "client-42";
  r.jti = "jti-1";
  r.product = "sim-swap";
  r.upstream_ms = 1.2344;
  r.total_ms = 12.0006;
  r.correlator = "c-1";
  return r;
}

// One JSON line with every field in order, milliseconds with three decimals.
TEST(AccessLog, LineFormat) {
  const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'800'000'000'123));
  EXPECT_EQ(format_access_line(record(), t),
            R"({"ts":"2027-01-15T08:00:00.123Z","log":"access","method":"POST","path":"/sim-swap/v2/check",)"
            R"("status":401,"reason":"token_expired","client_id":"client-42","jti":"jti-1","product":"sim-swap",)"
            R"("upstream_ms":1.234,"total_ms":12.001,"correlator":"c-1"})"
            "\n");
}

// Quotes, backslashes, control and non-ASCII bytes cannot break or forge a line: they are
// escaped, and the line parses back to the same text.
TEST(AccessLog, EscapesEverything) {
  AccessRecord r = record();
  r.path = "/a\"b\\c\r\n{\"log\":\"forged\"}\x01\xc3\xa9";
  const std::string line = format_access_line(r, std::chrono::system_clock::now());
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
  EXPECT_EQ(line.find('\r'), std::string::npos);
  const auto o = boost::json::parse(line).as_object();
  EXPECT_EQ(o.at("path").as_string(), "/a\"b\\c\r\n{\"log\":\"forged\"}\x01\u00c3\u00a9");
  EXPECT_EQ(o.at("log").as_string(), "access");
}

// Through the writer thread: every line arrives, in order, once.
TEST(AccessLog, WriterKeepsOrder) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  {
    auto writer = std::make_shared<AccessLogWriter>(fds[1]);
    AccessLog log(writer);
    for (int i = 0; i < 2000; ++i) {
      AccessRecord r = record();
      r.correlator = "c-" + std::to_string(i);
      log.append(r, std::chrono::system_clock::now());
      if (i % 7 == 0) log.flush();
    }
    log.flush();
    std::string all;
    char buf[65536];
    while (std::count(all.begin(), all.end(), '\n') < 2000) {
      const ssize_t n = ::read(fds[0], buf, sizeof buf);
      ASSERT_GT(n, 0);
      all.append(buf, static_cast<std::size_t>(n));
    }
    std::size_t pos = 0;
    for (int i = 0; i < 2000; ++i) {
      const auto at = all.find("\"correlator\":\"c-" + std::to_string(i) + "\"}", pos);
      ASSERT_NE(at, std::string::npos) << i;
      pos = at;
    }
    EXPECT_EQ(writer->dropped_bytes(), 0u);
  }
  ::close(fds[0]);
  ::close(fds[1]);
}

}  // namespace
}  // namespace tollgate::gateway
