#include "app/config.h"

#include "app/default_catalog.h"
#include "catalog/yaml_util.h"
#include "store/postgres.h"

namespace tollgate::app {

ProcessConfig ProcessConfig::load(const std::optional<std::string>& path) {
  ProcessConfig cfg;
  if (!path) return cfg;
  cfg.source = *path;
  const YAML::Node root = catalog::load_file(*path);
  if (root.IsNull()) return cfg;  // an empty file means all defaults
  with_source(cfg, [&] {
    catalog::check_keys(root, {"data_dir", "catalog", "store", "authz", "gateway", "network"},
                        "the config file");
    if (const YAML::Node store = root["store"]) {
      if (!store.IsMap()) throw catalog::ConfigError("store: must be a map (url)");
      catalog::check_keys(store, {"url"}, "store");
      cfg.store_url = catalog::get_optional_string(store, "url");
      if (cfg.store_url && !store::is_postgres_url(*cfg.store_url))
        throw catalog::ConfigError(
            "store.url: must start with postgresql:// or postgres:// (SQLite is the default)");
    }
    if (auto d = catalog::get_optional_string(root, "data_dir")) cfg.data_dir = *d;
    cfg.catalog_file = catalog::get_optional_string(root, "catalog");
    // Assigning a missing key's (invalid) node throws in yaml-cpp: copy only present sections.
    if (const YAML::Node n = root["authz"]) cfg.authz = n;
    if (const YAML::Node n = root["gateway"]) cfg.gateway = n;
    if (const YAML::Node n = root["network"]) cfg.network = n;
    return 0;
  });
  return cfg;
}

std::shared_ptr<const catalog::Catalog> load_catalog(const ProcessConfig& cfg) {
  if (cfg.catalog_file) return catalog::Catalog::load_file(*cfg.catalog_file);
  try {
    return catalog::Catalog::from_yaml(catalog::load_string(std::string(kDefaultCatalogYaml)));
  } catch (const catalog::ConfigError& e) {
    throw catalog::ConfigError(std::string("built-in catalog: ") + e.what());
  }
}

}  // namespace tollgate::app
