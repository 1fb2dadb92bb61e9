#include "network/handset.h"

#include <boost/json.hpp>
#include <ctime>

#include "core/crypto.h"
#include "http/html.h"

namespace tollgate::network {
namespace {

namespace bhttp = http::bhttp;

std::string hhmm(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}

http::Response respond(const http::Request& req, unsigned status, std::string_view type,
                       std::string body) {
  http::Response res{static_cast<bhttp::status>(status), req.version()};
  res.set(bhttp::field::content_type, type);
  res.set(bhttp::field::cache_control, "no-store");
  res.set("X-Frame-Options", "DENY");
  res.set("Content-Security-Policy",
          "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action "
          "http: https:");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

std::string inbox_html(std::string_view msisdn, const std::vector<InboxMessage>& messages) {
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
      "content=\"width=device-width, initial-scale=1\"><meta http-equiv=\"refresh\" "
      "content=\"5\"><title>Messages</title>"
      "<style>body{font-family:system-ui,sans-serif;background:#111;margin:0;color:#eee}main{max-"
      "width:24rem;"
      "margin:1rem "
      "auto;background:#1e1e1e;border-radius:24px;padding:1rem;min-height:30rem}h1{font-size:1rem;"
      "text-align:center;color:#aaa}.m{background:#2c2c2e;border-radius:14px;padding:.7rem "
      ".9rem;margin:.6rem 0}"
      ".from{font-size:.75rem;color:#8e8e93}.b{display:flex;gap:.5rem;margin-top:.6rem}button{flex:"
      "1;padding:.5rem;"
      "border-radius:10px;border:0;font-size:.95rem}.y{background:#30d158}.n{background:#ff453a;"
      "color:#fff}</style>"
      "</head><body><main><h1>Messages &middot; ";
  h += http::html_escape(msisdn);
  h += "</h1>";
  if (messages.empty()) h += "<p class=\"from\">No messages.</p>";
  for (const auto& m : messages) {
    h += "<div class=\"m\"><div class=\"from\">" + http::html_escape(m.from) + " &middot; " +
         hhmm(m.at) + "</div><div>" + http::html_escape(m.text) + "</div>";
    if (!m.action_url.empty()) {
      h += "<form method=\"post\" action=\"" + http::html_escape(m.action_url) +
           "\"><input type=\"hidden\" name=\"token\" value=\"" + http::html_escape(m.token) +
           "\"><div class=\"b\"><button class=\"n\" name=\"decision\" value=\"deny\">Deny</button>"
           "<button class=\"y\" name=\"decision\" value=\"allow\">Approve</button></div></form>";
    }
    h += "</div>";
  }
  h += "</main></body></html>\n";
  return h;
}

}  // namespace

HandsetInbox& HandsetInbox::shared() {
  static HandsetInbox inbox;
  return inbox;
}

void HandsetInbox::deliver(std::string_view msisdn, InboxMessage message) {
  std::lock_guard lock(mutex_);
  auto it = inbox_.find(msisdn);
  if (it == inbox_.end())
    it = inbox_.emplace(std::string(msisdn), std::deque<InboxMessage>{}).first;
  it->second.push_front(std::move(message));
  while (it->second.size() > kMaxMessages) it->second.pop_back();
}

std::vector<InboxMessage> HandsetInbox::messages(std::string_view msisdn) const {
  std::lock_guard lock(mutex_);
  auto it = inbox_.find(msisdn);
  if (it == inbox_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

std::string HandsetInbox::issue_operator_token(std::string_view msisdn, std::int64_t now) {
  std::lock_guard lock(mutex_);
  if (tokens_.size() >= kMaxOperatorTokens)
    std::erase_if(tokens_, [&](const auto& kv) { return kv.second.expires_at <= now; });
  if (tokens_.size() >= kMaxOperatorTokens) tokens_.clear();
  std::string token = core::random_token(24);
  tokens_[token] = {std::string(msisdn), now + kOperatorTokenLifetime};
  return token;
}

std::optional<std::string> HandsetInbox::resolve_operator_token(std::string_view token,
                                                                std::int64_t now) const {
  std::lock_guard lock(mutex_);
  auto it = tokens_.find(token);
  if (it == tokens_.end() || it->second.expires_at <= now) return std::nullopt;
  return it->second.msisdn;
}

std::optional<http::Response> handle_handset(const http::Request& req,
                                             const SubscriberStore& subscribers,
                                             HandsetInbox& inbox, const core::Clock& clock) {
  std::string_view target = req.target();
  const auto q = target.find('?');
  const std::string_view query =
      q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  std::string_view path = target.substr(0, q);
  constexpr std::string_view kPrefix = "/handset/";
  if (!path.starts_with(kPrefix)) return std::nullopt;
  path.remove_prefix(kPrefix.size());
  const auto slash = path.find('/');
  if (slash == std::string_view::npos)
    return respond(req, 404, "application/json", R"({"error":"not_found"})");
  std::string msisdn(path.substr(0, slash));
  if (msisdn.starts_with("%2B")) msisdn = "+" + msisdn.substr(3);
  const std::string_view what = path.substr(slash + 1);
  if (!subscribers.find_by_msisdn(msisdn))
    return respond(req, 404, "application/json", R"({"error":"unknown_handset"})");
  if (what == "inbox") {
    if (req.method() != bhttp::verb::get)
      return respond(req, 405, "application/json", R"({"error":"method_not_allowed"})");
    const auto messages = inbox.messages(msisdn);
    if (query == "format=json") {
      boost::json::array a;
      for (const auto& m : messages) {
        boost::json::object o{{"at", m.at}, {"from", m.from}, {"text", m.text}};
        if (!m.action_url.empty()) {
          o["action_url"] = m.action_url;
          o["token"] = m.token;
        }
        a.push_back(std::move(o));
      }
      return respond(req, 200, "application/json",
                     boost::json::serialize(boost::json::object{{"messages", a}}));
    }
    return respond(req, 200, "text/html; charset=utf-8", inbox_html(msisdn, messages));
  }
  if (what == "operator-token") {
    if (req.method() != bhttp::verb::post)
      return respond(req, 405, "application/json", R"({"error":"method_not_allowed"})");
    const std::string token = inbox.issue_operator_token(msisdn, clock.unix_seconds());
    return respond(
        req, 200, "application/json",
        boost::json::serialize(boost::json::object{
            {"operator_token", token}, {"expires_in", HandsetInbox::kOperatorTokenLifetime}}));
  }
  return respond(req, 404, "application/json", R"({"error":"not_found"})");
}

}  // namespace tollgate::network
