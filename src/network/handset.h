// handset.h — the simulated subscribers' handsets: an SMS inbox per MSISDN
// (one-time codes, CIBA approval prompts from the authorization server) and
// the TS.43 operator tokens a device app would obtain from the operator's
// entitlement server (GSMA TS.43 AcquireOperatorToken, simulated).
//
// HTTP (served by the network role, see service.cc):
//   GET  /handset/{msisdn}/inbox                 the inbox as an HTML page, newest
//                                                first; a prompt shows Approve / Deny
//                                                buttons posting to the authorization server
//   GET  /handset/{msisdn}/inbox?format=json     the same as JSON {"messages":[...]}
//   POST /handset/{msisdn}/operator-token        {"operator_token", "expires_in"}
// Unknown MSISDN → 404. This is a simulation of the radio side: on a real
// network only the handset itself could read its SMS; here anyone who reaches
// the network role's loopback port can, which is the point of a test fixture.
//
// The inbox is process-wide (HandsetInbox::shared()): the authorization server
// running in the same process delivers into it (app/network_directory.h).
// Thread safety: every member of HandsetInbox may be called from any thread.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "http/server.h"
#include "network/subscribers.h"

namespace tollgate::network {

struct InboxMessage {
  std::int64_t at = 0;  // unix seconds
  std::string from;
  std::string text;
  std::string action_url;  // a prompt: Approve / Deny post {token, decision} here
  std::string token;
};

class HandsetInbox {
 public:
  // A handset keeps this many messages (oldest dropped).
  static constexpr std::size_t kMaxMessages = 20;
  // Operator tokens are short-lived and single-subscriber (TS.43 temporary tokens).
  static constexpr std::int64_t kOperatorTokenLifetime = 600;
  static constexpr std::size_t kMaxOperatorTokens = 10'000;

  static HandsetInbox& shared();

  void deliver(std::string_view msisdn, InboxMessage message);
  std::vector<InboxMessage> messages(std::string_view msisdn) const;  // newest first
  std::string issue_operator_token(std::string_view msisdn, std::int64_t now);
  std::optional<std::string> resolve_operator_token(std::string_view token, std::int64_t now) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::deque<InboxMessage>, std::less<>> inbox_;  // GUARDED_BY(mutex_)
  struct OperatorToken {
    std::string msisdn;
    std::int64_t expires_at;
  };
  std::map<std::string, OperatorToken, std::less<>> tokens_;  // GUARDED_BY(mutex_)
};

// nullopt when the request is not for /handset/...
std::optional<http::Response> handle_handset(const http::Request& request,
                                             const SubscriberStore& subscribers,
                                             HandsetInbox& inbox, const core::Clock& clock);

}  // namespace tollgate::network
