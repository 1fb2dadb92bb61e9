#include "http/html.h"

#include <gtest/gtest.h>

namespace tollgate::http {
namespace {

TEST(HtmlEscape, EscapesEveryCharacterThatEndsTextOrAnAttribute) {
  EXPECT_EQ(html_escape(R"(<a href="x" title='y'>&</a>)"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
}

TEST(HtmlEscape, LeavesOtherTextAlone) {
  EXPECT_EQ(html_escape(""), "");
  EXPECT_EQ(html_escape("+34600000001 sim-swap:check \xC3\xA9"),
            "+34600000001 sim-swap:check \xC3\xA9");
  EXPECT_EQ(html_escape("&amp;"), "&amp;amp;");  // not idempotent: escape once, at output
}

}  // namespace
}  // namespace tollgate::http
