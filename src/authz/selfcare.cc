// selfcare.cc — the subscriber's consent self-care page (CAMARA ICM: consent
// can be withdrawn at any time): GET /consents lists the active consents of the
// subscriber, POST /consents/withdraw withdraws one (consent_withdrawal.h).
//
// Identification: network-based, as /oauth2/authorize does it (the source IP
// is a handset on the mobile network, amr "nba"); re-checked on every post, so
// the withdrawal is made by the line's own connection. A connection the
// network does not recognise gets a page saying so (no one-time-code fallback
// here yet: it lives in the authorization flow's session).
//
// CSRF: the same mechanism as the consent page — a store::AuthorizeSession
// (its request_json marks it as a self-care session, which the authorization
// pages refuse) reached by the hidden `session` field, bound to the browser by
// an HttpOnly SameSite=Strict cookie (Path=/consents), plus a CSRF token in
// each form; mismatches show an error page and change nothing. A consent of
// another subscriber is answered like an unknown one.
#include <boost/json.hpp>

#include "authz/pages.h"
#include "authz/three_legged_impl.h"
#include "core/crypto.h"
#include "core/strf.h"
#include "http/log.h"

namespace tollgate::authz::detail {
namespace {

constexpr std::string_view kCareCookiePrefix = "tg_care_";
constexpr std::string_view kCareMarker = R"({"selfcare":true})";
constexpr std::size_t kMaxListed = 200;

std::string source_ip(const http::ConnectionInfo& info) {
  auto a = info.remote.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6()).to_string();
  return a.to_string();
}

std::string cookie_value(const http::Request& req, std::string_view name) {
  for (auto it = req.find(bhttp::field::cookie);
       it != req.end() && it->name() == bhttp::field::cookie; ++it) {
    std::string_view v = it->value();
    while (!v.empty()) {
      const auto semi = v.find(';');
      std::string_view pair = v.substr(0, semi);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      const auto eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == name)
        return std::string(pair.substr(eq + 1));
      if (semi == std::string_view::npos) break;
      v.remove_prefix(semi + 1);
    }
  }
  return {};
}

http::Response busy(const http::Request& req) {
  return pages::message(req, 503, "Please try again",
                        "The service is busy. Please try again in a moment.");
}

http::Response not_recognised(const http::Request& req) {
  return pages::message(req, 403, "We could not recognise your line",
                        "Open this page on your phone, over its mobile data connection "
                        "(not Wi-Fi), to see and withdraw the permissions you gave.");
}

}  // namespace

namespace {

// The page for `subscriber` on `session` (its id in the forms).
http::Response render(ThreeLeggedImpl& s, const http::Request& req, const std::string& subscriber,
                      const std::string& session_id, const std::string& csrf, std::string notice) {
  auto list = s.stores_.consents->list(subscriber, "", kMaxListed);
  if (!list) {
    http::log_error("consent store unavailable: " + list.error().message);
    return busy(req);
  }
  pages::ConsentsView v;
  v.subscriber_masked = pages::mask_msisdn(subscriber);
  v.notice = std::move(notice);
  v.action = "/consents/withdraw";
  v.session = session_id;
  v.csrf = csrf;
  const std::int64_t now = s.clock_.unix_seconds();
  for (const auto& c : *list) {
    if (c.withdrawn_at || c.expires_at <= now) continue;
    pages::ConsentItem item;
    item.consent_id = c.consent_id;
    item.partner = c.partner;
    item.purpose = c.purpose;
    const catalog::Purpose* p = s.catalog_->purpose(c.purpose);
    item.purpose_words =
        p && !p->description.empty() ? p->description : pages::purpose_in_words(c.purpose);
    for (const auto& sc : c.scopes.items()) item.scope_words.push_back(pages::scope_in_words(sc));
    item.given = pages::date_of(c.created_at);
    item.expires = pages::date_of(c.expires_at);
    v.items.push_back(std::move(item));
  }
  return pages::consents(req, v);
}

}  // namespace

http::Response ThreeLeggedImpl::consents_page(const http::Request& req,
                                              const http::ConnectionInfo& info) {
  auto msisdn = directory_->msisdn_for_ip(source_ip(info));
  if (!msisdn) {
    audit("selfcare_refused", {{"reason", "network_authentication_failed"}}, true);
    return not_recognised(req);
  }
  const std::string session_id = core::random_token(32);
  const std::string binding = core::random_token(32);
  store::AuthorizeSession session;
  session.session_hash = core::sha256_hex(session_id);
  session.binding_hash = core::sha256_hex(binding);
  session.csrf = core::random_token(16);
  session.request_json = std::string(kCareMarker);
  session.subscriber = *msisdn;
  session.amr = {"nba"};
  session.auth_time = now();
  session.created_at = now();
  session.expires_at = session.created_at + kAuthorizeSessionLifetime.count();
  if (auto r = stores_.sessions->create(session); !r) {
    http::log_error("authorize session store unavailable: " + r.error().message);
    return busy(req);
  }
  http::Response res = render(*this, req, *msisdn, session_id, session.csrf, {});
  res.set(bhttp::field::set_cookie,
          core::strf("{}{}={}; Path=/consents; Max-Age={}; HttpOnly; SameSite=Strict{}",
                     kCareCookiePrefix, session_id.substr(0, 16), binding,
                     kAuthorizeSessionLifetime.count(),
                     config_.issuer.starts_with("https://") ? "; Secure" : ""));
  return res;
}

http::Response ThreeLeggedImpl::consents_withdraw(const http::Request& req,
                                                  const http::ConnectionInfo& info) {
  auto refuse = [&](unsigned status, std::string_view reason, std::string_view text) {
    audit("selfcare_refused", {{"reason", reason}}, true);
    return pages::message(req, status, "This page cannot continue", text);
  };
  OAuthError bad;
  auto form = form_body(req, bad);
  if (!form) return refuse(400, bad.reason, "The form could not be read. Open the page again.");
  const std::string session_id = form_value(*form, "session");
  const std::string csrf = form_value(*form, "csrf");
  const std::string consent_id = form_value(*form, "consent_id");
  if (session_id.empty()) return refuse(400, "session_missing", "Open the page again.");
  auto found = stores_.sessions->find(core::sha256_hex(session_id));
  if (!found) return busy(req);
  if (!*found || (*found)->expires_at <= now() || (*found)->request_json != kCareMarker)
    return refuse(400, "session_unknown_or_expired", "This page has expired. Open it again.");
  const store::AuthorizeSession& session = **found;
  const std::string binding =
      cookie_value(req, std::string(kCareCookiePrefix) + session_id.substr(0, 16));
  if (csrf.empty() || !core::constant_time_equal(csrf, session.csrf) || binding.empty() ||
      !core::constant_time_equal(core::sha256_hex(binding), session.binding_hash))
    return refuse(403, "csrf_or_binding_mismatch",
                  "This form was not sent from the page we showed you. Open the page again.");
  // The line must still be the one connected: network-based, re-checked on every post.
  auto msisdn = directory_->msisdn_for_ip(source_ip(info));
  if (!msisdn || *msisdn != session.subscriber) {
    audit("selfcare_refused", {{"reason", "network_authentication_changed"}}, true);
    return not_recognised(req);
  }
  auto consent = stores_.consents->find(consent_id);
  if (!consent) return busy(req);
  if (consent_id.empty() || !*consent || (*consent)->subscriber != session.subscriber)
    return refuse(404, "consent_unknown", "We found no such permission for your line.");
  if (!hooks_.withdraw_consent) {
    http::log_error("consent withdrawal is not wired (ClientHooks::withdraw_consent)");
    return busy(req);
  }
  auto withdrawn = hooks_.withdraw_consent(consent_id, "subscriber");
  if (!withdrawn) {
    http::log_error("consent withdrawal failed: " + withdrawn.error().message);
    return busy(req);
  }
  return render(*this, req, session.subscriber, session_id, session.csrf,
                core::strf("You withdrew the permission you gave to {}. It no longer has "
                           "access to your data for this purpose.",
                           withdrawn->consent.partner));
}

}  // namespace tollgate::authz::detail
