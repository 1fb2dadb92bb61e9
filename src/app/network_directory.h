// network_directory.h — the authorization server's view of the operator
// network (authz::SubscriberDirectory) over the simulated network role's
// subscriber register and handsets (network::SubscriberStore,
// network::HandsetInbox::shared()). Used when authz runs in the same process
// as, or with the same subscribers file as, the network role; messages reach
// the handsets only in the same process (the simulated radio is in-memory).
#pragma once

#include <memory>

#include "authz/subscriber_directory.h"
#include "core/clock.h"
#include "network/subscribers.h"

namespace tollgate::app {

std::shared_ptr<const authz::SubscriberDirectory> network_directory(
    std::shared_ptr<const network::SubscriberStore> subscribers, const core::Clock& clock);

}  // namespace tollgate::app
