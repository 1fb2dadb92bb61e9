// cli.h — the `tollgate` command line: `run` (every role in one process),
// `authz`, `gateway`, `network` (one role each), `client create|list`,
// `version`. Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error.
#pragma once

namespace tollgate::app {

int main(int argc, char** argv);

}  // namespace tollgate::app
