// subscriber_directory.h — what the authorization server asks of the operator's
// network to identify subscribers and reach their handsets. The app wires it to
// the (simulated) network role; tests use a fake. No network code here: authz
// does not link the network library.
//
//   msisdn_for_ip      network-based authentication ("nba"): the MSISDN the
//                      mobile network assigned this source IP to, if any.
//   knows              whether an MSISDN is a subscriber of this operator.
//   resolve_operator_token  a TS.43 operator token → MSISDN (nullopt: unknown,
//                      expired or not one of ours).
//   send_to_handset    deliver a message (an SMS with a one-time code, or a
//                      CIBA approval prompt) to the subscriber's handset; false
//                      when it cannot be delivered.
//
// Thread safety: implementations are called from any request thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tollgate::authz {

struct HandsetMessage {
  std::string from;  // sender shown on the handset, e.g. "Tollgate"
  std::string text;  // plain words
  // A prompt with Approve / Deny: the handset posts `token` and decision=allow|deny to
  // `action_url`.
  std::string action_url;
  std::string token;
};

class SubscriberDirectory {
 public:
  virtual ~SubscriberDirectory() = default;
  virtual std::optional<std::string> msisdn_for_ip(std::string_view ip) const = 0;
  virtual bool knows(std::string_view msisdn) const = 0;
  virtual std::optional<std::string> resolve_operator_token(std::string_view token) const = 0;
  virtual bool send_to_handset(std::string_view msisdn, const HandsetMessage& message) const = 0;
};

}  // namespace tollgate::authz
