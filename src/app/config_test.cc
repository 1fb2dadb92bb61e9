#include "app/config.h"
#include "app/store_open.h"
#include "authz/config.h"
#include "gateway/config.h"
#include "network/service.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace tollgate::app {
namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("tollgate_config_test_" + name);
  std::ofstream(path) << text;
  return path.string();
}

std::string error_of(const std::string& text) {
  try {
    ProcessConfig::load(write_temp("err.yaml", text));
  } catch (const catalog::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

// No file at all gives the documented defaults and the built-in catalog.
TEST(ProcessConfig, DefaultsWithoutAFile) {
  const auto cfg = ProcessConfig::load(std::nullopt);
  EXPECT_EQ(cfg.data_dir, "./data");
  EXPECT_FALSE(cfg.catalog_file.has_value());
  EXPECT_NE(load_catalog(cfg)->product("sim-swap"), nullptr);
}

// A file may name only some sections; the others stay at their defaults (regression: yaml-cpp threw "invalid node").
TEST(ProcessConfig, PartialFileKeepsOtherSectionsDefault) {
  const auto cfg = ProcessConfig::load(write_temp("partial.yaml", "gateway:\n  listen: 127.0.0.1:0\n"));
  EXPECT_TRUE(cfg.gateway.IsMap());
  EXPECT_FALSE(cfg.authz.IsMap());
  EXPECT_FALSE(cfg.network.IsMap());
}

// Unknown top-level keys are refused with the file name and the line.
TEST(ProcessConfig, UnknownKeyRefusedWithFileAndLine) {
  const auto e = error_of("data_dir: /tmp/x\ngatway: {}\n");
  EXPECT_NE(e.find("unknown key 'gatway'"), std::string::npos) << e;
  EXPECT_NE(e.find("line 2"), std::string::npos) << e;
  EXPECT_NE(e.find("err.yaml"), std::string::npos) << e;
}

// Broken YAML is refused with the position, never half-applied.
TEST(ProcessConfig, BrokenYamlRefused) {
  const auto e = error_of("authz: [1, 2\n");
  EXPECT_NE(e.find("err.yaml"), std::string::npos) << e;
  EXPECT_NE(e.find("line"), std::string::npos) << e;
}

// A missing file is a clear error.
TEST(ProcessConfig, MissingFileRefused) {
  EXPECT_THROW(ProcessConfig::load(std::string("/nonexistent/tollgate.yaml")), catalog::ConfigError);
}

}  // namespace
}  // namespace tollgate::app

namespace tollgate::app {
namespace {

// The example configuration shipped in examples/ is valid for every role.
TEST(ProcessConfig, ShippedExampleIsValid) {
  const char* dir = std::getenv("TOLLGATE_SOURCE_DIR");
  ASSERT_NE(dir, nullptr);
  const auto cfg = ProcessConfig::load(std::string(dir) + "/examples/tollgate.yaml");
  EXPECT_EQ(cfg.data_dir, "./data");
  EXPECT_NO_THROW(authz::AuthzConfig::from_yaml(cfg.authz));
  EXPECT_NO_THROW(gateway::GatewayConfig::from_yaml(cfg.gateway));
  EXPECT_NO_THROW(network::NetworkConfig::from_yaml(cfg.network));
}

// store.url selects PostgreSQL; anything but a postgresql:// URL is refused at
// load (SQLite is the default, not a URL); --store-url beats the file.
TEST(ProcessConfig, StoreUrl) {
  EXPECT_FALSE(ProcessConfig::load(std::nullopt).store_url.has_value());
  const auto cfg = ProcessConfig::load(
      write_temp("store.yaml", "store:\n  url: postgresql://tg@127.0.0.1:5432/tollgate\n"));
  EXPECT_EQ(cfg.store_url, "postgresql://tg@127.0.0.1:5432/tollgate");
  EXPECT_NE(error_of("store:\n  url: /var/lib/tollgate.db\n").find("postgresql://"),
            std::string::npos);
  EXPECT_NE(error_of("store:\n  uri: postgresql://x/y\n").find("unknown key 'uri'"),
            std::string::npos);
  ProcessConfig flagged = cfg;
  use_store_url(flagged, std::string("postgres://tg:pw@other/db"));
  EXPECT_EQ(flagged.store_url, "postgres://tg:pw@other/db");
  EXPECT_EQ(describe_store("/data"), "postgres://tg:***@other/db");
  ProcessConfig bad;
  EXPECT_THROW(use_store_url(bad, std::string("mysql://a:pw@b/c")), catalog::ConfigError);
  ProcessConfig none;
  use_store_url(none, std::nullopt);  // back to SQLite for the other tests
  EXPECT_EQ(describe_store("/data"), "/data/tollgate.db");
}

}  // namespace
}  // namespace tollgate::app
