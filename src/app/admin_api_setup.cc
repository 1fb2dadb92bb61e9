#include "app/admin_api_setup.h"

#include <stdexcept>

#include "app/store_open.h"
#include "store/audit.h"
#include "store/consents.h"
#include "store/refresh_tokens.h"

namespace tollgate::app {
namespace {

template <class T>
std::shared_ptr<T> opened(store::StoreResult<std::shared_ptr<T>> r, std::string_view what) {
  if (!r)
    throw std::runtime_error("cannot open the " + std::string(what) +
                             " store: " + r.error().message);
  return std::move(*r);
}

}  // namespace

std::shared_ptr<authz::AdminApi> make_admin_api(const authz::AuthzConfig& config,
                                                const std::filesystem::path& data_dir,
                                                std::shared_ptr<const catalog::Catalog> catalog,
                                                std::shared_ptr<store::ClientStore> clients,
                                                authz::Governance& governance,
                                                const core::Clock& clock) {
  auto db = open_database(data_dir);
  return std::make_shared<authz::AdminApi>(authz::AdminApiDeps{
      .config = config,
      .data_dir = data_dir,
      .credential = governance.admin(),
      .catalog = std::move(catalog),
      .clients = std::move(clients),
      .consents = opened(store::SqliteConsentStore::open(db), "consent"),
      .refresh_tokens = opened(store::SqliteRefreshTokenStore::open(db), "refresh token"),
      .audit_store = opened(store::AuditStore::open(db), "audit"),
      .revocations = &governance.revocations(),
      .audit = &governance.audit(),
      .clock = &clock});
}

}  // namespace tollgate::app
