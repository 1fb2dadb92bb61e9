// selfcare.cc — the subscriber's consent self-care page (CAMARA ICM: consent
// can be withdrawn at any time): GET /consents lists the active consents of the
// subscriber, POST /consents/withdraw withdraws one (consent_withdrawal.h).
//
// Identification, as /oauth2/authorize does it (the helpers in
// three_legged_impl.h): network-based (the source IP is a handset on the
// mobile network, amr "nba"; re-checked on every withdrawal post), else the
// one-time-code fallback: POST /consents/login (the number) sends a code by SMS
// to the handset, POST /consents/otp proves it (amr "otp"); the same limits as
// the authorization pages (kOtpLifetime, kMaxOtpAttempts, kMaxOtpSends), and an
// unknown number gets the same page but no code.
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

http::Response busy(const http::Request& req) {
  return pages::message(req, 503, "Please try again",
                        "The service is busy. Please try again in a moment.");
}

http::Response not_recognised(const http::Request& req) {
  return pages::message(req, 403, "We could not recognise your line",
                        "Open this page again, on your phone over its mobile data connection, "
                        "or confirm your number with a code by SMS.");
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

namespace {

// A form post of a self-care session, checked: the session exists, is a
// self-care one, has not expired, and the CSRF token and browser binding match.
struct CarePost {
  store::AuthorizeSession session;
  std::string session_id;
  http::Form form;
};

std::optional<CarePost> care_post(ThreeLeggedImpl& s, const http::Request& req,
                                  std::optional<http::Response>& error) {
  auto refuse = [&](unsigned status, std::string_view reason, std::string_view text) {
    s.audit("selfcare_refused", {{"reason", reason}}, true);
    error = pages::message(req, status, "This page cannot continue", text);
    return std::nullopt;
  };
  OAuthError bad;
  auto form = form_body(req, bad);
  if (!form) return refuse(400, bad.reason, "The form could not be read. Open the page again.");
  CarePost c;
  c.session_id = form_value(*form, "session");
  const std::string csrf = form_value(*form, "csrf");
  if (c.session_id.empty()) return refuse(400, "session_missing", "Open the page again.");
  auto found = s.stores_.sessions->find(core::sha256_hex(c.session_id));
  if (!found) {
    error = busy(req);
    return std::nullopt;
  }
  if (!*found || (*found)->expires_at <= s.clock_.unix_seconds() ||
      (*found)->request_json != kCareMarker)
    return refuse(400, "session_unknown_or_expired", "This page has expired. Open it again.");
  c.session = std::move(**found);
  const std::string binding =
      cookie(req, std::string(kCareCookiePrefix) + c.session_id.substr(0, 16));
  if (csrf.empty() || !core::constant_time_equal(csrf, c.session.csrf) || binding.empty() ||
      !core::constant_time_equal(core::sha256_hex(binding), c.session.binding_hash))
    return refuse(403, "csrf_or_binding_mismatch",
                  "This form was not sent from the page we showed you. Open the page again.");
  c.form = std::move(*form);
  return c;
}

pages::FormView care_form(const CarePost& c, std::string action) {
  return {.action = std::move(action),
          .session = c.session_id,
          .csrf = c.session.csrf,
          .partner = "you",  // "...so that you can continue"
          .error = {},
          .phone_masked = pages::mask_msisdn(c.session.otp_subscriber)};
}

}  // namespace

http::Response ThreeLeggedImpl::consents_page(const http::Request& req,
                                              const http::ConnectionInfo& info) {
  // Network-based first; else the one-time-code fallback (a session without a subscriber yet).
  auto msisdn = directory_->msisdn_for_ip(remote_ip(info));
  const std::string session_id = core::random_token(32);
  const std::string binding = core::random_token(32);
  store::AuthorizeSession session;
  session.session_hash = core::sha256_hex(session_id);
  session.binding_hash = core::sha256_hex(binding);
  session.csrf = core::random_token(16);
  session.request_json = std::string(kCareMarker);
  if (msisdn) {
    session.subscriber = *msisdn;
    session.amr = {"nba"};
    session.auth_time = now();
  }
  session.created_at = now();
  session.expires_at = session.created_at + kAuthorizeSessionLifetime.count();
  if (auto r = stores_.sessions->create(session); !r) {
    http::log_error("authorize session store unavailable: " + r.error().message);
    return busy(req);
  }
  http::Response res = msisdn ? render(*this, req, *msisdn, session_id, session.csrf, {})
                              : pages::phone_number(req, {.action = "/consents/login",
                                                          .session = session_id,
                                                          .csrf = session.csrf,
                                                          .partner = "you"});
  res.set(bhttp::field::set_cookie,
          core::strf("{}{}={}; Path=/consents; Max-Age={}; HttpOnly; SameSite=Strict{}",
                     kCareCookiePrefix, session_id.substr(0, 16), binding,
                     kAuthorizeSessionLifetime.count(),
                     config_.issuer.starts_with("https://") ? "; Secure" : ""));
  return res;
}

http::Response ThreeLeggedImpl::consents_login(const http::Request& req) {
  std::optional<http::Response> error;
  auto c = care_post(*this, req, error);
  if (!c) return std::move(*error);
  pages::FormView view = care_form(*c, "/consents/login");
  const std::string phone = form_value(c->form, "phone_number");
  if (!is_e164(phone)) {
    view.error = "Enter the number in international format, starting with + and the country code.";
    return pages::phone_number(req, view);
  }
  // Unknown numbers get the same page but no code (no subscriber enumeration).
  const auto known = start_one_time_code(*directory_, c->session, phone, now(), [](auto otp) {
    return core::strf(
        "{} is your Tollgate code to see the permissions you gave. It expires in 5 minutes. "
        "Never share it.",
        otp);
  });
  if (!known) {
    stores_.sessions->finish(c->session.session_hash);
    audit("selfcare_refused", {{"reason", "otp_attempts"}}, true);
    return pages::message(req, 429, "Too many attempts", "Open the page again later.");
  }
  audit("otp_sent", {{"page", "selfcare"}, {"known", *known}});
  if (!stores_.sessions->update(c->session)) return busy(req);
  view = care_form(*c, "/consents/otp");
  return pages::one_time_code(req, view);
}

http::Response ThreeLeggedImpl::consents_otp(const http::Request& req) {
  std::optional<http::Response> error;
  auto c = care_post(*this, req, error);
  if (!c) return std::move(*error);
  pages::FormView view = care_form(*c, "/consents/otp");
  if (c->session.otp_subscriber.empty()) {
    view.action = "/consents/login";
    return pages::phone_number(req, view);
  }
  // An unknown number (no code was sent) fails like a wrong code: the pages never tell
  // which numbers are subscribers.
  const OtpCheck check = check_one_time_code(c->session, form_value(c->form, "otp"), now());
  if (check != OtpCheck::kRight) {
    audit("otp_failed", {{"page", "selfcare"}, {"expired", check == OtpCheck::kExpired}}, true);
    if (check != OtpCheck::kWrong) {
      stores_.sessions->finish(c->session.session_hash);
      return pages::message(req, 403, "We could not confirm your number",
                            "Open the page again to get a new code.");
    }
    if (!stores_.sessions->update(c->session)) return busy(req);
    view.error = "That code is not right. Check the SMS and try again.";
    return pages::one_time_code(req, view);
  }
  c->session.subscriber = c->session.otp_subscriber;
  c->session.amr = {"otp"};
  c->session.auth_time = now();
  if (!stores_.sessions->update(c->session)) return busy(req);
  return render(*this, req, c->session.subscriber, c->session_id, c->session.csrf, {});
}

http::Response ThreeLeggedImpl::consents_withdraw(const http::Request& req,
                                                  const http::ConnectionInfo& info) {
  std::optional<http::Response> error;
  auto c = care_post(*this, req, error);
  if (!c) return std::move(*error);
  const store::AuthorizeSession& session = c->session;
  if (session.subscriber.empty()) return not_recognised(req);
  // Network-identified: the line must still be the one connected (re-checked on every post).
  // One-time-code: the code proved the number for this session.
  if (session.amr == std::vector<std::string>{"nba"}) {
    auto msisdn = directory_->msisdn_for_ip(remote_ip(info));
    if (!msisdn || *msisdn != session.subscriber) {
      audit("selfcare_refused", {{"reason", "network_authentication_changed"}}, true);
      return not_recognised(req);
    }
  }
  const std::string consent_id = form_value(c->form, "consent_id");
  auto consent = stores_.consents->find(consent_id);
  if (!consent) return busy(req);
  if (consent_id.empty() || !*consent || (*consent)->subscriber != session.subscriber) {
    audit("selfcare_refused", {{"reason", "consent_unknown"}}, true);
    return pages::message(req, 404, "This page cannot continue",
                          "We found no such permission for your line.");
  }
  if (!hooks_.withdraw_consent) {
    http::log_error("consent withdrawal is not wired (ClientHooks::withdraw_consent)");
    return busy(req);
  }
  auto withdrawn = hooks_.withdraw_consent(consent_id, "subscriber");
  if (!withdrawn) {
    http::log_error("consent withdrawal failed: " + withdrawn.error().message);
    return busy(req);
  }
  return render(*this, req, session.subscriber, c->session_id, session.csrf,
                core::strf("You withdrew the permission you gave to {}. It no longer has "
                           "access to your data for this purpose.",
                           withdrawn->consent.partner));
}

}  // namespace tollgate::authz::detail
