// html.h — the one HTML escaper for the server-rendered pages (the
// authorization server's consent and self-care pages, the simulated handset).
//
// Escapes the five characters that can end a text node or an attribute value
// (& < > " '), so a value is safe both between tags and inside a quoted
// attribute. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace tollgate::http {

std::string html_escape(std::string_view text);

}  // namespace tollgate::http
