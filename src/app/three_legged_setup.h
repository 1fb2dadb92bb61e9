// three_legged_setup.h — building the 3-legged grants (authz/three_legged.h)
// for a process: their stores on the data folder's database, the pairwise and
// subject-sealing keys in <data_dir>/keys, the subscriber directory over the
// network role's subscribers, and the hooks into the token governance
// (client authentication, audit, revocation, client keys, replay cache).
// Start-up only; throws std::runtime_error.
#pragma once

#include <filesystem>
#include <memory>

#include "authz/config.h"
#include "authz/governance.h"
#include "authz/keys.h"
#include "authz/purge.h"
#include "authz/three_legged.h"
#include "catalog/catalog.h"
#include "core/clock.h"
#include "network/subscribers.h"
#include "store/clients.h"

namespace tollgate::app {

std::shared_ptr<authz::ThreeLegged> make_three_legged(
    const authz::AuthzConfig& config, const std::filesystem::path& data_dir,
    std::shared_ptr<const catalog::Catalog> catalog, std::shared_ptr<store::ClientStore> clients,
    const authz::KeyManager& keys, const core::Clock& clock,
    std::shared_ptr<authz::Governance> governance,
    std::shared_ptr<const network::SubscriberStore> subscribers);

// The authorization server's periodic sweeper (authz/purge.h) over the data
// folder's database (or the configured PostgreSQL), started: expired codes,
// authorize sessions, CIBA requests, replay pairs and expired token revocations.
std::unique_ptr<authz::Sweeper> start_sweeper(const std::filesystem::path& data_dir,
                                              const core::Clock& clock);

// Install the subject sealing key for this process's gateway (gateway/subject.h):
// created by the authorization server when `create`, else read (a missing key
// is logged: 3-legged tokens are then refused by the gateway).
void install_gateway_subject_key(const std::filesystem::path& data_dir, bool create);

}  // namespace tollgate::app
