// config.h — the process configuration file (`--config`): which data folder,
// which catalog, and one section per role. Each role parses its own section
// (AuthzConfig::from_yaml, GatewayConfig::from_yaml, NetworkConfig::from_yaml);
// this file only owns the top level. Unknown keys and bad values are refused at
// start with the file, line and reason (ConfigError). Every setting has a safe
// default, so `tollgate run` needs no file at all.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "catalog/catalog.h"

namespace tollgate::app {

struct ProcessConfig {
  std::string source = "(defaults)";  // the file it came from, for messages
  std::filesystem::path data_dir = "./data";
  std::optional<std::string> catalog_file;  // none: the catalog compiled in from examples/
  // `store: {url: postgresql://...}`: the stores on PostgreSQL (shared by several
  // authorization servers); none: SQLite, <data_dir>/tollgate.db. Overridden by
  // --store-url or TOLLGATE_STORE_URL (keeps a password out of the file).
  std::optional<std::string> store_url;
  YAML::Node authz;    // role sections; a null node means "all defaults"
  YAML::Node gateway;
  YAML::Node network;

  // Loads `path` (or defaults when empty). Throws catalog::ConfigError.
  static ProcessConfig load(const std::optional<std::string>& path);
};

// Runs `parse` and prefixes any ConfigError with the config file's name.
template <typename F>
auto with_source(const ProcessConfig& cfg, F&& parse) -> decltype(parse()) {
  try {
    return parse();
  } catch (const catalog::ConfigError& e) {
    throw catalog::ConfigError(cfg.source + ": " + e.what());
  }
}

std::shared_ptr<const catalog::Catalog> load_catalog(const ProcessConfig& cfg);

}  // namespace tollgate::app
