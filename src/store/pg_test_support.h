// pg_test_support.h — a private PostgreSQL 15 cluster for tests (not part of
// the library). The first test that asks for one starts it: initdb -A trust in
// a mkdtemp folder (owned by the `postgres` user when we are root: initdb
// refuses root), listening on 127.0.0.1 only on a free port, its Unix socket in
// that folder, fsync off (test data). It is stopped (pg_ctl -m immediate) and
// the folder removed when the test binary exits. Each test gets a fresh schema
// (search_path in the URL), so tests never see each other's tables.
//
// TOLLGATE_TEST_PG_URL=postgresql://... uses an existing server instead (CI
// with a service container); the database it names must allow CREATE SCHEMA.
//
// If no cluster can be started the PostgreSQL tests FAIL (std::runtime_error
// with the reason, e.g. "initdb not found: run scripts/install-deps.sh test"),
// they never pass silently. Thread safety: start and schema creation are
// serialized on a mutex.
#pragma once

#include <netinet/in.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>

#include "store/sqlite.h"

namespace tollgate::store::testing {

class PgTestCluster {
 public:
  static PgTestCluster& instance() {
    static PgTestCluster cluster;
    return cluster;
  }

  // A URL to a new, empty schema of the test database. Throws when PostgreSQL
  // cannot be started or reached.
  std::string fresh_schema_url() {
    std::lock_guard lock(mutex_);
    ensure_started();
    const std::string schema = "t" + std::to_string(::getpid()) + "_" + std::to_string(++schemas_);
    if (auto r = admin_->run([&](Connection& c) { return c.exec("CREATE SCHEMA " + schema); }); !r)
      throw std::runtime_error("PostgreSQL test cluster: CREATE SCHEMA failed: " +
                               r.error().message);
    const char sep = base_url_.find('?') == std::string::npos ? '?' : '&';
    return base_url_ + sep + "options=-c%20search_path%3D" + schema;
  }

  // The URL of the test database itself (no schema), for admin statements.
  std::string base_url() {
    std::lock_guard lock(mutex_);
    ensure_started();
    return base_url_;
  }

  ~PgTestCluster() {
    admin_.reset();
    if (dir_.empty()) return;
    run_as_owner("'" + bin_ + "/pg_ctl' -D '" + (dir_ / "data").string() +
                 "' -m immediate -w stop >/dev/null 2>&1");
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

 private:
  PgTestCluster() = default;

  static std::string find_bin() {
    namespace fs = std::filesystem;
    for (const char* v : {"15", "16", "17", "14"}) {
      const fs::path bin = fs::path("/usr/lib/postgresql") / v / "bin";
      if (fs::exists(bin / "initdb") && fs::exists(bin / "pg_ctl")) return bin.string();
    }
    return {};
  }

  static int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    int port = 0;
    if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
      port = ntohs(a.sin_port);
    if (fd >= 0) ::close(fd);
    return port;
  }

  int run_as_owner(const std::string& cmd) const {
    const std::string full = as_postgres_ ? "runuser -u postgres -- sh -c \"" + cmd + "\"" : cmd;
    return std::system(full.c_str());
  }

  std::string log_tail() const {
    std::ifstream in(dir_ / "log");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    return s.size() > 2000 ? s.substr(s.size() - 2000) : s;
  }

  // One attempt per test binary: later tests fail at once with the same reason.
  void ensure_started() {
    if (!base_url_.empty()) return;
    if (!failure_.empty()) throw std::runtime_error(failure_);
    try {
      start();
    } catch (const std::runtime_error& e) {
      failure_ = e.what();
      base_url_.clear();
      throw;
    }
  }

  void start() {
    if (const char* url = std::getenv("TOLLGATE_TEST_PG_URL"); url && *url) {
      base_url_ = url;
      connect_admin();
      return;
    }
    bin_ = find_bin();
    if (bin_.empty())
      throw std::runtime_error(
          "PostgreSQL test cluster: initdb/pg_ctl not found under /usr/lib/postgresql/*/bin "
          "(run scripts/install-deps.sh test, or set TOLLGATE_TEST_PG_URL)");
    char templ[] = "/tmp/tollgate_pg_XXXXXX";
    if (!::mkdtemp(templ)) throw std::runtime_error("PostgreSQL test cluster: mkdtemp failed");
    dir_ = templ;
    as_postgres_ = ::geteuid() == 0;
    if (as_postgres_) {
      const passwd* pw = ::getpwnam("postgres");
      if (!pw || ::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0)
        throw std::runtime_error(
            "PostgreSQL test cluster: running as root needs the 'postgres' user (the Debian "
            "postgresql package creates it) to own the cluster folder");
    }
    const std::string data = (dir_ / "data").string();
    if (run_as_owner("'" + bin_ + "/initdb' -D '" + data +
                     "' -A trust -U postgres -E UTF8 --locale=C --no-sync >'" +
                     (dir_ / "initdb.log").string() + "' 2>&1") != 0)
      throw std::runtime_error("PostgreSQL test cluster: initdb failed, see " +
                               (dir_ / "initdb.log").string());
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = free_port();
      const std::string opts = "-c listen_addresses=127.0.0.1 -p " + std::to_string(port_) +
                               " -c unix_socket_directories=" + dir_.string() +
                               " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
      if (run_as_owner("'" + bin_ + "/pg_ctl' -D '" + data + "' -l '" + (dir_ / "log").string() +
                       "' -w -t 30 -o '" + opts + "' start >/dev/null 2>&1") == 0)
        break;
      port_ = 0;
    }
    if (port_ == 0)
      throw std::runtime_error("PostgreSQL test cluster: pg_ctl start failed: " + log_tail());
    const std::string server = "postgresql://postgres@127.0.0.1:" + std::to_string(port_);
    auto db = Database::open_url(server + "/postgres");
    if (!db) throw std::runtime_error("PostgreSQL test cluster: " + db.error().message);
    if (auto r = (*db)->run([](Connection& c) { return c.exec("CREATE DATABASE tollgate_test"); });
        !r)
      throw std::runtime_error("PostgreSQL test cluster: " + r.error().message);
    base_url_ = server + "/tollgate_test";
    connect_admin();
  }

  void connect_admin() {
    auto db = Database::open_url(base_url_);
    if (!db) throw std::runtime_error("PostgreSQL test cluster: " + db.error().message);
    admin_ = *db;
  }

  std::mutex mutex_;
  std::filesystem::path dir_;
  std::string bin_;
  bool as_postgres_ = false;
  int port_ = 0;
  std::string base_url_;
  std::shared_ptr<Database> admin_;
  int schemas_ = 0;
  std::string failure_;
};

}  // namespace tollgate::store::testing
