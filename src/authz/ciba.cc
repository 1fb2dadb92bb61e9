// ciba.cc — CIBA poll mode (OpenID CIBA Core, CAMARA ICM): the backchannel
// authentication endpoint, the subscriber's answer from the handset, and the
// urn:openid:params:grant-type:ciba grant. See three_legged.h.
//
// login_hint (CAMARA "Format of login_hint", the only hint accepted):
//   tel:+E164              the partner asserts the number (amr ["tel"])
//   ipport:IP[:port]       the IP a handset uses on our network (amr ["nba"])
//   ipport:[IPv6][:port]
//   operatortoken:<token>  a TS.43 operator token (amr ["nba"]: SIM-based)
// A hint that names nobody we know → 400 unknown_user_id. Scopes of a product
// with `authentication: network` (catalog.h, Number Verification) refuse tel:
// (400 invalid_request): only ipport: and operatortoken: are network-based.
//
// When the purpose's legal basis is consent and no stored consent covers the
// request, the subscriber is asked on the handset (a message with Approve /
// Deny posting a one-time token to /oauth2/ciba/decide; "sms" is then added to
// amr); otherwise the request is approved at once and the first poll gets the tokens.
#include <boost/asio/ip/address.hpp>

#include "authz/pages.h"
#include "authz/request_object.h"
#include "authz/three_legged_impl.h"
#include "core/crypto.h"
#include "core/strf.h"
#include "http/log.h"

namespace tollgate::authz::detail {
namespace {

constexpr std::size_t kMaxBindingMessage = 128;

// A binding_message the handset can show as it is: 1..kMaxBindingMessage printable ASCII.
bool valid_binding_message(std::string_view m) {
  if (m.empty() || m.size() > kMaxBindingMessage) return false;
  for (const char c : m)
    if (c < 0x20 || c > 0x7E) return false;
  return true;
}

struct Hint {
  std::optional<std::string> msisdn;
  std::vector<std::string> amr;
  bool malformed = false;
};

// "80.90.34.2:16790", "80.90.34.2", "[2001:db8::1]:8080", "[2001:db8::1]" → the address text.
std::optional<std::string> ipport_address(std::string_view v) {
  std::string_view addr = v;
  if (!v.empty() && v.front() == '[') {
    const auto close = v.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    addr = v.substr(1, close - 1);
    const std::string_view rest = v.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || rest.size() < 2)) return std::nullopt;
  } else if (const auto colon = v.find(':'); colon != std::string_view::npos) {
    addr = v.substr(0, colon);
  }
  boost::system::error_code ec;
  const auto a = boost::asio::ip::make_address(std::string(addr), ec);
  if (ec) return std::nullopt;
  return a.to_string();
}

Hint resolve_hint(const SubscriberDirectory& dir, std::string_view hint) {
  Hint h;
  if (hint.starts_with("tel:")) {
    const std::string_view n = hint.substr(4);
    if (!is_e164(n)) return {.malformed = true};
    if (dir.knows(n)) h.msisdn = std::string(n);
    h.amr = {"tel"};
  } else if (hint.starts_with("ipport:")) {
    auto ip = ipport_address(hint.substr(7));
    if (!ip) return {.malformed = true};
    h.msisdn = dir.msisdn_for_ip(*ip);
    h.amr = {"nba"};
  } else if (hint.starts_with("operatortoken:")) {
    if (hint.size() == 14) return {.malformed = true};
    h.msisdn = dir.resolve_operator_token(hint.substr(14));
    h.amr = {"nba"};
  } else {
    h.malformed = true;
  }
  return h;
}

}  // namespace

http::Response ThreeLeggedImpl::backchannel_authorize(const http::Request& req,
                                                      const http::ConnectionInfo& info) {
  OAuthError bad;
  auto form = form_body(req, bad);
  if (!form) return oauth_error(req, bad);
  if (!hooks_.authenticate)
    return oauth_error(req, {401, "invalid_client", "client authentication failed"});
  auto client = hooks_.authenticate(req, *form, config_.issuer + "/oauth2/bc-authorize", info);
  if (!client) return std::move(client.error());
  auto refuse = [&](unsigned status, std::string_view error, std::string description,
                    std::string_view reason) {
    audit("bc_authorize_refused",
          {{"client_id", client->client_id}, {"error", error}, {"reason", reason}}, true);
    return oauth_error(req, {status, std::string(error), std::move(description)});
  };
  if (!client->allows_grant(grants::kCiba))
    return refuse(400, "unauthorized_client", "this client may not use CIBA",
                  "grant_not_registered");
  if (has(*form, "request_uri"))
    return refuse(400, "request_uri_not_supported", "request_uri is not supported", "request_uri");
  // CIBA Core §7.1.1 signed authentication request: every authentication request
  // parameter is inside the object; outside it only `request` and client authentication.
  http::Form object_params;
  const http::Form* params = &*form;
  if (has(*form, "request")) {
    for (const auto& [name, value] : *form)
      if (name != "request" && name != "client_id" && name != "client_secret" &&
          name != "client_assertion" && name != "client_assertion_type")
        return refuse(400, "invalid_request",
                      name.substr(0, 64) + " must be inside the signed request object",
                      "request_param_outside_object");
    const std::string audiences[] = {config_.issuer + "/oauth2/bc-authorize", config_.issuer};
    auto object = verify_request_object(form_value(*form, "request"),
                                        {.client = *client,
                                         .audiences = audiences,
                                         .clock_skew = config_.clock_skew,
                                         .require_nbf = true},
                                        hooks_, clock_);
    if (!object) {
      if (object.error().kind == RequestObjectError::Kind::kUnavailable)
        return refuse(503, "temporarily_unavailable", object.error().description,
                      object.error().reason);
      return refuse(400, "invalid_request_object", object.error().description,
                    object.error().reason);
    }
    object_params = std::move(*object);
    params = &object_params;
  }
  if (has(*params, "login_hint_token") || has(*params, "id_token_hint"))
    return refuse(400, "invalid_request", "only login_hint is accepted", "other_hint");
  const std::string hint = form_value(*params, "login_hint");
  if (hint.empty())
    return refuse(400, "invalid_request", "login_hint is required", "login_hint_missing");
  // CIBA Core §7.1: shown on the subscriber's handset next to the prompt, so it must be
  // short plain text; anything else is invalid_binding_message (§13).
  const std::string binding = form_value(*params, "binding_message");
  if (has(*params, "binding_message") && !valid_binding_message(binding))
    return refuse(400, "invalid_binding_message",
                  core::strf("binding_message must be 1 to {} printable ASCII characters",
                             kMaxBindingMessage),
                  "binding_message_invalid");
  if (!has(*params, "scope"))
    return refuse(400, "invalid_scope", "scope is required", "scope_missing");
  auto scope = decide_three_legged(*catalog_, *client, form_value(*params, "scope"));
  if (!scope)
    return refuse(400, "invalid_scope", scope.error().description,
                  to_string(scope.error().problem));
  // Scopes of a product with `authentication: network` (catalog.h): a tel: hint is the
  // partner's assertion, not network-based authentication (checked before the lookup,
  // so the answer does not depend on whether the number is ours).
  if (scope->network_only && hint.starts_with("tel:"))
    return refuse(400, "invalid_request",
                  "these scopes need network-based authentication: use an ipport: or "
                  "operatortoken: login_hint, not tel:",
                  "tel_hint_needs_network_authentication");
  Hint who = resolve_hint(*directory_, hint);
  if (who.malformed)
    return refuse(400, "invalid_request",
                  "login_hint must be tel:+E164, ipport:IP[:port] or operatortoken:...",
                  "login_hint_malformed");
  if (!who.msisdn)
    return refuse(400, "unknown_user_id", "the login_hint names no subscriber of ours",
                  "unknown_user");

  const std::string auth_req_id = core::random_token(32);
  store::CibaRequestRecord rec;
  rec.auth_req_hash = core::sha256_hex(auth_req_id);
  rec.grant = {.client_id = client->client_id,
               .partner = client->partner,
               .scope = scope->granted_scope(scope->offline_access),
               .purpose = scope->purpose->name,
               .subscriber = *who.msisdn,
               .amr = who.amr,
               .auth_time = now(),
               .nonce = {}};
  rec.created_at = now();
  rec.expires_at = rec.created_at + kCibaLifetime.count();
  rec.interval = kCibaInterval.count();
  rec.status = store::CibaStatus::kApproved;
  std::string approval;
  if (scope->purpose->legal_basis == catalog::LegalBasis::kConsent) {
    auto existing = covering_consent(client->partner, *who.msisdn, *scope);
    if (!existing) return oauth_error(req, existing.error());
    if (*existing) {
      rec.grant.consent_id = (*existing)->consent_id;
    } else {
      // Ask on the handset; the one-time token goes only there.
      approval = core::random_token(32);
      rec.approval_hash = core::sha256_hex(approval);
      rec.status = store::CibaStatus::kPending;
      rec.grant.amr.push_back("sms");
    }
  }
  if (auto r = stores_.ciba->create(rec); !r)
    return oauth_error(req, {503, "temporarily_unavailable", "retry later"});
  if (!approval.empty()) {
    std::string what;
    for (const auto& s : scope->api.granted.items())
      what += (what.empty() ? "" : "; ") + pages::scope_in_words(s);
    const std::string why = scope->purpose->description.empty()
                                ? pages::purpose_in_words(scope->purpose->name)
                                : scope->purpose->description;
    HandsetMessage m{
        .from = "Tollgate",
        .text = core::strf(
            "{} asks for permission to {}, {}.{} Do you allow it?", client->partner, what, why,
            binding.empty() ? std::string() : " The app shows: \u201c" + binding + "\u201d."),
        .action_url = config_.issuer + "/oauth2/ciba/decide",
        .token = approval};
    if (!directory_->send_to_handset(*who.msisdn, m)) {
      audit("bc_authorize_refused",
            {{"client_id", client->client_id}, {"reason", "handset_unreachable"}}, true);
      return oauth_error(req, {403, "access_denied", "the subscriber cannot be asked for consent"});
    }
  }
  audit("bc_authorize", {{"client_id", client->client_id},
                         {"sub", tokens_.pairwise_sub(client->partner, *who.msisdn)},
                         {"purpose", scope->purpose->name},
                         {"prompt", !approval.empty()}});
  return oauth_json(req, 200,
                    {{"auth_req_id", auth_req_id},
                     {"expires_in", kCibaLifetime.count()},
                     {"interval", kCibaInterval.count()}});
}

http::Response ThreeLeggedImpl::ciba_decide(const http::Request& req) {
  OAuthError bad;
  auto form = form_body(req, bad);
  if (!form)
    return pages::message(req, 400, "Something went wrong", "This answer could not be read.");
  const std::string token = form_value(*form, "token");
  const std::string decision = form_value(*form, "decision");
  if (token.empty() || (decision != "allow" && decision != "deny"))
    return pages::message(req, 400, "Something went wrong", "This answer could not be read.");
  const std::string hash = core::sha256_hex(token);
  auto found = stores_.ciba->find_by_approval(hash);
  if (!found)
    return pages::message(req, 503, "Please try again", "The service is busy. Please try again.");
  if (!*found || (*found)->status != store::CibaStatus::kPending || (*found)->expires_at <= now())
    return pages::message(req, 400, "This request has ended",
                          "It was already answered, or it expired.");
  const store::CibaRequestRecord& pending = **found;
  std::string consent_id;
  if (decision == "allow") {
    auto client = clients_->find(pending.grant.client_id);
    if (!client || !*client || (*client)->disabled)
      return pages::message(req, 400, "This request has ended",
                            "The application is no longer available.");
    auto scope = decide_three_legged(*catalog_, **client, pending.grant.scope);
    if (!scope)
      return pages::message(req, 400, "This request has ended",
                            "The application's access changed.");
    auto consent = record_consent(**client, pending.grant.subscriber, *scope);
    if (!consent)
      return pages::message(req, 503, "Please try again", "The service is busy. Please try again.");
    consent_id = consent->consent_id;
  }
  auto decided = stores_.ciba->decide(hash, decision == "allow", consent_id, now());
  if (!decided)
    return pages::message(req, 503, "Please try again", "The service is busy. Please try again.");
  if (decided->outcome != store::DecideOutcome::kDecided)
    return pages::message(req, 400, "This request has ended",
                          "It was already answered, or it expired.");
  if (decision != "allow")
    audit("consent_denied",
          {{"client_id", pending.grant.client_id},
           {"sub", tokens_.pairwise_sub(pending.grant.partner, pending.grant.subscriber)},
           {"purpose", pending.grant.purpose}});
  return decision == "allow"
             ? pages::message(req, 200, "Allowed",
                              pending.grant.partner + " may now continue. You can close this page.")
             : pages::message(
                   req, 200, "Denied",
                   pending.grant.partner + " was told you said no. You can close this page.");
}

http::Response ThreeLeggedImpl::token_ciba(const http::Request& req, const http::Form& form,
                                           const store::ClientRecord& client) {
  auto refuse = [&](std::string_view error, std::string description, std::string_view reason,
                    std::optional<std::int64_t> interval = std::nullopt) {
    audit("token_refused",
          {{"client_id", client.client_id},
           {"grant", grants::kCiba},
           {"error", error},
           {"reason", reason}},
          error != "authorization_pending");
    boost::json::object body{{"error", error}, {"error_description", std::move(description)}};
    if (interval) body["interval"] = *interval;
    return oauth_json(req, 400, body);
  };
  const std::string id = form_value(form, "auth_req_id");
  if (id.empty())
    return refuse("invalid_request", "auth_req_id is required", "auth_req_id_missing");
  auto polled = stores_.ciba->poll(core::sha256_hex(id), client.client_id, now());
  if (!polled) return oauth_error(req, {503, "temporarily_unavailable", "retry later"});
  switch (polled->outcome) {
    case store::PollOutcome::kUnknown:
      return refuse("invalid_grant", "auth_req_id is invalid or was issued to another client",
                    "auth_req_unknown");
    case store::PollOutcome::kExpired:
      return refuse("expired_token", "auth_req_id has expired; make a new request",
                    "auth_req_expired");
    case store::PollOutcome::kSlowDown:
      return refuse("slow_down", "polling too fast; wait the interval", "slow_down",
                    polled->record->interval);
    case store::PollOutcome::kPending:
      return refuse("authorization_pending", "the subscriber has not answered yet", "pending");
    case store::PollOutcome::kDenied:
      return refuse("access_denied", "the subscriber denied the request", "denied");
    case store::PollOutcome::kConsumed:
      return refuse("invalid_grant", "auth_req_id was already used", "auth_req_consumed");
    case store::PollOutcome::kApproved:
      break;
  }
  const store::GrantContext& grant = polled->record->grant;
  auto scope = decide_three_legged(*catalog_, client, grant.scope);
  if (!scope)
    return refuse("invalid_grant", "the client may no longer be granted this scope",
                  "scope_no_longer_allowed");
  auto in_force = consent_in_force(grant);
  if (!in_force) return oauth_error(req, in_force.error());
  if (!*in_force) return refuse("invalid_grant", "the consent was withdrawn", "consent_withdrawn");
  auto issued = issue(client, *scope, grant, grants::kCiba, grants::kCiba, std::nullopt);
  if (!issued) return oauth_error(req, issued.error());
  return oauth_json(req, 200, issued->body);
}

}  // namespace tollgate::authz::detail
