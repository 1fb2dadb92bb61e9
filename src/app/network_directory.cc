#include "app/network_directory.h"

#include "network/handset.h"

namespace tollgate::app {
namespace {

class NetworkDirectory final : public authz::SubscriberDirectory {
 public:
  NetworkDirectory(std::shared_ptr<const network::SubscriberStore> subscribers,
                   const core::Clock& clock)
      : subscribers_(std::move(subscribers)), clock_(clock) {}

  std::optional<std::string> msisdn_for_ip(std::string_view ip) const override {
    const network::Subscriber* s = subscribers_->find_by_ip(ip);
    if (!s) return std::nullopt;
    return s->msisdn;
  }
  bool knows(std::string_view msisdn) const override {
    return subscribers_->find_by_msisdn(msisdn) != nullptr;
  }
  std::optional<std::string> resolve_operator_token(std::string_view token) const override {
    auto msisdn =
        network::HandsetInbox::shared().resolve_operator_token(token, clock_.unix_seconds());
    if (!msisdn || !knows(*msisdn)) return std::nullopt;
    return msisdn;
  }
  bool send_to_handset(std::string_view msisdn, const authz::HandsetMessage& m) const override {
    if (!knows(msisdn)) return false;
    network::HandsetInbox::shared().deliver(msisdn, {.at = clock_.unix_seconds(),
                                                     .from = m.from,
                                                     .text = m.text,
                                                     .action_url = m.action_url,
                                                     .token = m.token});
    return true;
  }

 private:
  std::shared_ptr<const network::SubscriberStore> subscribers_;
  const core::Clock& clock_;
};

}  // namespace

std::shared_ptr<const authz::SubscriberDirectory> network_directory(
    std::shared_ptr<const network::SubscriberStore> subscribers, const core::Clock& clock) {
  return std::make_shared<NetworkDirectory>(std::move(subscribers), clock);
}

}  // namespace tollgate::app
