#include "authz/pages.h"

#include <array>
#include <cctype>
#include <ctime>
#include <utility>

#include "http/html.h"

namespace tollgate::authz::pages {
namespace {

namespace bhttp = boost::beast::http;

constexpr std::array<std::pair<std::string_view, std::string_view>, 22> kScopeWords{{
    {"sim-swap", "check whether and when your SIM card was last changed"},
    {"sim-swap:check", "check whether your SIM card was changed recently"},
    {"sim-swap:retrieve-date", "see when your SIM card was last changed"},
    {"number-verification:verify", "confirm that this device uses your phone number"},
    {"number-verification:device-phone-number:read", "read the phone number of this device"},
    {"location-verification:verify", "check whether your device is in a given area"},
    {"location-retrieval:read", "find out where your device is"},
    {"device-reachability-status:read", "see whether your device is connected to the network"},
    {"device-roaming-status:read", "see whether your device is roaming, and in which country"},
    {"quality-on-demand:sessions:create", "ask for better connection quality for your device"},
    {"quality-on-demand:sessions:read", "see the connection quality sessions of your device"},
    {"quality-on-demand:sessions:update", "extend a connection quality session of your device"},
    {"quality-on-demand:sessions:delete", "end a connection quality session of your device"},
    {"quality-on-demand:sessions:retrieve-by-device",
     "list the connection quality sessions of your device"},
    {"qos-profiles:read", "read the connection quality profiles available to you"},
    {"kyc-match:match", "check the personal details you gave against those your operator holds"},
    {"geofencing-subscriptions:read", "see the area alerts set up for your device"},
    {"sim-swap-subscriptions:read", "see the SIM change alerts set up for your number"},
    {"device-reachability-status-subscriptions:read",
     "see the connectivity alerts set up for your device"},
    {"device-roaming-status-subscriptions:read", "see the roaming alerts set up for your device"},
    {"openid", "confirm that you are a customer of this operator"},
    {"offline_access", "keep this access while you are not using the app"},
}};

constexpr std::string_view kStyle =
    "body{font-family:system-ui,-apple-system,'Segoe "
    "UI',Roboto,sans-serif;background:#f3f5f8;color:#1c2430;"
    "margin:0}main{max-width:30rem;margin:2.5rem "
    "auto;background:#fff;border-radius:12px;padding:2rem;"
    "box-shadow:0 2px 12px rgba(0,0,0,.08)}h1{font-size:1.35rem;margin:0 0 1rem}.op{color:#5b6677;"
    "font-size:.85rem;letter-spacing:.04em;text-transform:uppercase;margin-bottom:.5rem}ul{padding-"
    "left:1.2rem}"
    "li{margin:.35rem 0}.why{background:#eef3fb;border-radius:8px;padding:.75rem 1rem;margin:1rem "
    "0}"
    ".small{color:#5b6677;font-size:.85rem}.err{background:#fdecec;color:#8a1c1c;border-radius:8px;"
    "padding:.6rem "
    "1rem}.buttons{display:flex;gap:.75rem;margin-top:1.5rem}button{flex:1;font-size:1rem;"
    "padding:.75rem;border-radius:8px;border:1px solid "
    "#1f5fbf;cursor:pointer}.allow{background:#1f5fbf;"
    "color:#fff}.deny{background:#fff;color:#1f5fbf}input[type=text],input[type=tel]{width:100%;"
    "box-sizing:border-box;font-size:1.1rem;padding:.6rem;border:1px solid "
    "#b8c2d1;border-radius:8px}";

http::Response page(const http::Request& req, unsigned status, std::string_view title,
                    const std::string& body) {
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<meta name=\"referrer\" content=\"no-referrer\"><title>";
  html += http::html_escape(title);
  html += "</title><style>";
  html += kStyle;
  html +=
      "</style></head><body><main><div class=\"op\">Tollgate Mobile &middot; operator "
      "sign-in</div>";
  html += body;
  html += "</main></body></html>\n";
  http::Response res{static_cast<bhttp::status>(status), req.version()};
  res.set(bhttp::field::content_type, "text/html; charset=utf-8");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(html);
  res.prepare_payload();
  protect(res);
  return res;
}

std::string hidden(std::string_view name, std::string_view value) {
  return "<input type=\"hidden\" name=\"" + http::html_escape(name) + "\" value=\"" +
         http::html_escape(value) + "\">";
}

std::string error_block(const std::string& error) {
  return error.empty() ? std::string() : "<p class=\"err\">" + http::html_escape(error) + "</p>";
}

}  // namespace

std::string scope_in_words(std::string_view scope) {
  for (const auto& [name, words] : kScopeWords)
    if (name == scope) return std::string(words);
  return std::string(scope);
}

std::string purpose_in_words(std::string_view purpose) {
  if (purpose.starts_with("dpv:")) purpose.remove_prefix(4);
  std::string out;
  for (std::size_t i = 0; i < purpose.size(); ++i) {
    const char c = purpose[i];
    if (std::isupper(static_cast<unsigned char>(c))) {
      if (i > 0) out += ' ';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

std::string mask_msisdn(std::string_view msisdn) {
  if (msisdn.size() < 7) return "your phone";
  return std::string(msisdn.substr(0, 3)) + " \u2022\u2022\u2022 \u2022\u2022\u2022 " +
         std::string(msisdn.substr(msisdn.size() - 3));
}

void protect(http::Response& res) {
  res.set(bhttp::field::cache_control, "no-store");
  res.set(bhttp::field::pragma, "no-cache");
  res.set("Content-Security-Policy",
          "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'");
  res.set("X-Frame-Options", "DENY");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
}

http::Response consent(const http::Request& req, const ConsentView& v) {
  std::string b = "<h1>Allow " + http::html_escape(v.partner) + " to use your mobile data?</h1>";
  b += "<p><strong>" + http::html_escape(v.partner) +
       "</strong> asks your operator for permission to:</p><ul>";
  for (const auto& s : v.scope_words) b += "<li>" + http::html_escape(s) + "</li>";
  b += "</ul><div class=\"why\"><strong>Why:</strong> " + http::html_escape(v.purpose_words) +
       " <span class=\"small\">(" + http::html_escape(v.purpose) + ")</span></div>";
  b += "<p class=\"small\">For the line " + http::html_escape(v.subscriber_masked) +
       ". You can withdraw this permission at any time.</p>";
  b += "<form method=\"post\" action=\"" + http::html_escape(v.action) + "\">" +
       hidden("session", v.session) + hidden("csrf", v.csrf) +
       "<div class=\"buttons\"><button class=\"deny\" type=\"submit\" name=\"decision\" "
       "value=\"deny\">Deny</button>"
       "<button class=\"allow\" type=\"submit\" name=\"decision\" "
       "value=\"allow\">Allow</button></div></form>";
  return page(req, 200, "Allow " + v.partner + "?", b);
}

std::string date_of(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return "?";
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

http::Response consents(const http::Request& req, const ConsentsView& v) {
  std::string b = "<h1>Your permissions</h1>";
  b += "<p class=\"small\">Apps and services you allowed to use the data of the line " +
       http::html_escape(v.subscriber_masked) + ".</p>";
  if (!v.notice.empty()) b += "<p class=\"why\">" + http::html_escape(v.notice) + "</p>";
  if (v.items.empty()) b += "<p>You have not given any permission that is still in force.</p>";
  for (const auto& c : v.items) {
    b += "<section class=\"why\"><h2 style=\"font-size:1.1rem;margin:0 0 .5rem\">" +
         http::html_escape(c.partner) + "</h2><p><strong>Why:</strong> " +
         http::html_escape(c.purpose_words) + " <span class=\"small\">(" +
         http::html_escape(c.purpose) + ")</span></p><ul>";
    for (const auto& s : c.scope_words) b += "<li>" + http::html_escape(s) + "</li>";
    b += "</ul><p class=\"small\">Given on " + http::html_escape(c.given) + ", valid until " +
         http::html_escape(c.expires) + ".</p>";
    b += "<form method=\"post\" action=\"" + http::html_escape(v.action) + "\">" +
         hidden("session", v.session) + hidden("csrf", v.csrf) +
         hidden("consent_id", c.consent_id) +
         "<div class=\"buttons\"><button class=\"deny\" type=\"submit\">Withdraw</button></div>"
         "</form></section>";
  }
  return page(req, 200, "Your permissions", b);
}

http::Response phone_number(const http::Request& req, const FormView& v) {
  std::string b = "<h1>Confirm your phone number</h1>";
  b += "<p>We could not recognise your mobile connection. Enter your phone number and we will send "
       "a "
       "one-time code to it by SMS, so that " +
       http::html_escape(v.partner) + " can continue.</p>";
  b += error_block(v.error);
  b += "<form method=\"post\" action=\"" + http::html_escape(v.action) + "\">" +
       hidden("session", v.session) + hidden("csrf", v.csrf) +
       "<label for=\"phone\">Phone number (international format)</label>"
       "<input id=\"phone\" type=\"tel\" name=\"phone_number\" placeholder=\"+34600000000\" "
       "autocomplete=\"tel\">"
       "<div class=\"buttons\"><button class=\"allow\" type=\"submit\">Send "
       "code</button></div></form>";
  return page(req, 200, "Confirm your phone number", b);
}

http::Response one_time_code(const http::Request& req, const FormView& v) {
  std::string b = "<h1>Enter the code we sent</h1>";
  b += "<p>We sent a 6-digit code by SMS to " + http::html_escape(v.phone_masked) + ".</p>";
  b += error_block(v.error);
  b += "<form method=\"post\" action=\"" + http::html_escape(v.action) + "\">" +
       hidden("session", v.session) + hidden("csrf", v.csrf) +
       "<label for=\"otp\">Code</label>"
       "<input id=\"otp\" type=\"text\" name=\"otp\" inputmode=\"numeric\" "
       "autocomplete=\"one-time-code\">"
       "<div class=\"buttons\"><button class=\"allow\" "
       "type=\"submit\">Continue</button></div></form>";
  return page(req, 200, "Enter the code", b);
}

http::Response message(const http::Request& req, unsigned status, std::string_view title,
                       std::string_view text) {
  return page(req, status, title,
              "<h1>" + http::html_escape(title) + "</h1><p>" + http::html_escape(text) + "</p>");
}

}  // namespace tollgate::authz::pages
