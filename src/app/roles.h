// roles.h — starting the roles of one process and stopping them on a signal.
// `tollgate run` starts network, then authz, then the gateway (which fetches
// the authorization server's JWKS at start), and stops them in reverse order.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/config.h"

namespace tollgate::app {

struct RunOptions {
  bool authz = true;
  bool gateway = true;
  bool network = true;
  bool print_banner = true;  // the "try it" text on stdout
};

// Blocks until SIGINT/SIGTERM. Returns the process exit code.
int run_roles(const ProcessConfig& cfg, const RunOptions& options);

}  // namespace tollgate::app
