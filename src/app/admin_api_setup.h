// admin_api_setup.h — building the admin REST API (authz/admin_api.h) for a
// process: its stores on the data folder's database, the server's governance
// (revocations, audit trail, admin credential). Start-up only; throws
// std::runtime_error.
#pragma once

#include <filesystem>
#include <memory>

#include "authz/admin_api.h"
#include "authz/governance.h"

namespace tollgate::app {

std::shared_ptr<authz::AdminApi> make_admin_api(const authz::AuthzConfig& config,
                                                const std::filesystem::path& data_dir,
                                                std::shared_ptr<const catalog::Catalog> catalog,
                                                std::shared_ptr<store::ClientStore> clients,
                                                authz::Governance& governance,
                                                const core::Clock& clock);

}  // namespace tollgate::app
