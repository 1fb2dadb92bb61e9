// pages.h — the operator-hosted HTML pages of the authorization code flow, of
// the CIBA handset prompt answer and of the subscriber's consent self-care: server-rendered, no
// script, every dynamic value HTML-escaped.
//
// Every page is sent with headers that keep it from being framed or cached
// (CAMARA ICM: consent must be captured "in a way a malicious app cannot load
// and accept in the background"): Content-Security-Policy default-src 'none',
// style-src 'unsafe-inline' (one inline style block, no script at all),
// frame-ancestors 'none'; X-Frame-Options: DENY; Cache-Control: no-store;
// Referrer-Policy: no-referrer; X-Content-Type-Options: nosniff.
// (No form-action directive: browsers apply it to the redirect that follows the
// form post, which goes to the client's registered redirect URI.)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http/server.h"

namespace tollgate::authz::pages {

// Plain words for a CAMARA scope ("check whether your SIM card was changed
// recently"); the scope name itself when we have no words for it.
std::string scope_in_words(std::string_view scope);
// "dpv:FraudPreventionAndDetection" → "fraud prevention and detection" (when the
// catalog gives no description).
std::string purpose_in_words(std::string_view purpose);

struct ConsentView {
  std::string partner;                   // who asks
  std::string purpose_words;             // why, in plain words
  std::string purpose;                   // dpv:... (shown small)
  std::vector<std::string> scope_words;  // what, one line each
  std::string subscriber_masked;         // "+34 ••• ••• 001"
  std::string action;                    // form action path
  std::string session;                   // hidden fields
  std::string csrf;
};

struct FormView {
  std::string action;
  std::string session;
  std::string csrf;
  std::string partner;
  std::string error;         // shown above the form when not empty
  std::string phone_masked;  // OTP page: where the code went
};

// The subscriber's self-care page (GET /consents): every active consent with a
// Withdraw button (one form each, carrying the session, the CSRF token and the id).
struct ConsentItem {
  std::string consent_id;
  std::string partner;
  std::string purpose_words;
  std::string purpose;
  std::vector<std::string> scope_words;
  std::string given;    // "2026-12-04"
  std::string expires;  // "2027-12-04"
};
struct ConsentsView {
  std::string subscriber_masked;
  std::vector<ConsentItem> items;
  std::string notice;  // shown above the list when not empty ("Withdrawn: ...")
  std::string action;  // withdraw form action path
  std::string session;
  std::string csrf;
};
http::Response consents(const http::Request& req, const ConsentsView& view);
// "2026-12-04" (UTC) for a unix time.
std::string date_of(std::int64_t unix_seconds);

http::Response consent(const http::Request& req, const ConsentView& view);
http::Response phone_number(const http::Request& req, const FormView& view);
http::Response one_time_code(const http::Request& req, const FormView& view);
// A page that only tells something (errors that must not redirect, CIBA answers).
http::Response message(const http::Request& req, unsigned status, std::string_view title,
                       std::string_view text);

// "+34600000001" → "+34 ••• ••• 001" (never the whole number on a page that may be
// shoulder-surfed).
std::string mask_msisdn(std::string_view msisdn);

// Add the no-framing / no-caching headers to any response (used for redirects too).
void protect(http::Response& res);

}  // namespace tollgate::authz::pages
