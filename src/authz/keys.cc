#include "authz/keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "core/base64url.h"
#include "core/strf.h"
#include "http/log.h"

namespace tollgate::authz {

using core::strf;
namespace fs = std::filesystem;

struct KeyManager::State {
  core::Alg alg;
  core::Jwk signing;
  std::shared_ptr<const core::Jwks> public_jwks;
  std::string jwks_json;
  fs::path keys_dir;
};

namespace {

// A kid is a file name: keep it to the base64url alphabet (thumbprints are).
constexpr std::size_t kMaxKidLength = 128;
constexpr mode_t kKeyFileMode = 0600;
constexpr mode_t kKeysDirMode = 0700;

[[noreturn]] void refuse(const std::string& what) {
  throw std::runtime_error("signing keys: " + what);
}

std::string errno_text() { return std::strerror(errno); }

struct LoadedKey {
  core::Jwk key;
  fs::file_time_type mtime;
  std::string name;
};

void ensure_keys_dir(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    if (!fs::exists(dir.parent_path(), ec)) {  // a fresh data folder: owner only, it holds secrets
      fs::create_directories(dir.parent_path(), ec);
      if (ec) refuse(strf("cannot create '{}': {}", dir.parent_path().string(), ec.message()));
      fs::permissions(dir.parent_path(), fs::perms::owner_all, fs::perm_options::replace, ec);
    }
    if (::mkdir(dir.c_str(), kKeysDirMode) != 0 && errno != EEXIST)
      refuse(strf("cannot create '{}': {}", dir.string(), errno_text()));
    ::chmod(dir.c_str(), kKeysDirMode);  // the umask may have removed bits; make it exact
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0)
    refuse(strf("cannot read '{}': {}", dir.string(), errno_text()));
  if (!S_ISDIR(st.st_mode)) refuse(strf("'{}' is not a directory", dir.string()));
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    refuse(
        strf("'{}' is writable by group or others; run: chmod 700 {}", dir.string(), dir.string()));
}

std::string read_key_file(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) refuse(strf("cannot open '{}': {}", path.string(), errno_text()));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    refuse(strf("'{}' is not a regular file", path.string()));
  }
  // Security invariant: a private key readable (or writable) by anyone but the
  // owner is treated as compromised; we refuse to sign with it.
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    refuse(
        strf("private key file '{}' has mode {} (group/world access); it must be 0600: chmod 600 "
             "{} — and replace the key if others may have read it",
             path.string(), mode, path.string()));
  }
  std::string pem;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      refuse(strf("cannot read '{}': {}", path.string(), errno_text()));
    }
    if (n == 0) break;
    pem.append(buf, static_cast<std::size_t>(n));
    if (pem.size() > 64 * 1024) {
      ::close(fd);
      refuse(strf("'{}' is too large to be a key", path.string()));
    }
  }
  ::close(fd);
  return pem;
}

std::vector<LoadedKey> load_keys(const fs::path& dir) {
  std::vector<LoadedKey> keys;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const fs::path& p = entry.path();
    if (p.extension() != ".pem") continue;  // temp files and anything else are ignored
    const std::string kid = p.stem().string();
    if (kid.empty() || kid.size() > kMaxKidLength || !core::is_base64url_alphabet(kid))
      refuse(strf("key file name '{}' must be <kid>.pem with a kid of letters, digits, '-' and '_'",
                  p.filename().string()));
    const std::string pem = read_key_file(p);
    auto key = core::Jwk::from_pem(pem, kid);
    if (!key)
      refuse(strf("'{}' is not a usable key ({})", p.string(), core::to_string(key.error())));
    if (!key->is_private())
      refuse(strf("'{}' holds a public key; a private key is needed", p.string()));
    keys.push_back(LoadedKey{std::move(*key), fs::last_write_time(p, ec), p.filename().string()});
  }
  if (ec) refuse(strf("cannot list '{}': {}", dir.string(), ec.message()));
  return keys;
}

void write_all(int fd, std::string_view data, const fs::path& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) refuse(strf("cannot write '{}': {}", path.string(), errno_text()));
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Write `pem` to dir/<kid>.pem: a temp file created 0600 with O_EXCL, fsync,
// rename, fsync of the folder — a crash never leaves a half-written key.
void write_key_file(const fs::path& dir, const std::string& kid, const std::string& pem) {
  const fs::path final_path = dir / (kid + ".pem");
  const fs::path tmp = dir / ("." + kid + ".pem.tmp");
  ::unlink(tmp.c_str());  // a leftover from a crash during a previous write
  const int fd =
      ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, kKeyFileMode);
  if (fd < 0) refuse(strf("cannot create '{}': {}", tmp.string(), errno_text()));
  try {
    if (::fchmod(fd, kKeyFileMode) != 0)
      refuse(strf("cannot chmod '{}': {}", tmp.string(), errno_text()));
    write_all(fd, pem, tmp);
    if (::fsync(fd) != 0) refuse(strf("cannot sync '{}': {}", tmp.string(), errno_text()));
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  if (::link(tmp.c_str(), final_path.c_str()) != 0) {  // link, unlike rename, never replaces a file
    const std::string why = errno_text();
    ::unlink(tmp.c_str());
    refuse(strf("cannot create '{}': {}", final_path.string(), why));
  }
  ::unlink(tmp.c_str());
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

LoadedKey generate_key(const fs::path& dir, core::Alg alg) {
  auto fresh = core::Jwk::generate(alg, "");
  if (!fresh)
    refuse(strf("cannot generate a key for {}: {}", core::alg_name(alg),
                core::to_string(fresh.error())));
  const std::string kid = fresh->thumbprint();
  auto pem = fresh->to_private_pem();
  if (!pem) refuse(strf("cannot export the new key: {}", core::to_string(pem.error())));
  write_key_file(dir, kid, *pem);
  // Reload from the file we wrote, so that what we sign with is what a restart loads.
  auto key = core::Jwk::from_pem(read_key_file(dir / (kid + ".pem")), kid);
  if (!key) refuse(strf("cannot reload the new key: {}", core::to_string(key.error())));
  std::error_code ec;
  return LoadedKey{std::move(*key), fs::last_write_time(dir / (kid + ".pem"), ec), kid + ".pem"};
}

}  // namespace

KeyManager KeyManager::open(const fs::path& data_dir, core::Alg alg, const core::Clock& clock) {
  const fs::path dir = data_dir / "keys";
  ensure_keys_dir(dir);
  std::vector<LoadedKey> keys = load_keys(dir);

  auto newest = [](const LoadedKey& a, const LoadedKey& b) {
    return a.mtime != b.mtime ? a.mtime < b.mtime : a.name < b.name;
  };
  const LoadedKey* signing = nullptr;
  for (const auto& k : keys)
    if (k.key.fits(alg) && (!signing || newest(*signing, k))) signing = &k;
  if (!signing) {
    keys.push_back(generate_key(dir, alg));
    signing = &keys.back();
    http::log_json("app", {{"msg", "generated a signing key"},
                           {"kid", signing->key.kid()},
                           {"alg", core::alg_name(alg)},
                           {"at", clock.unix_seconds()}});
  }

  core::Jwk signing_key = signing->key;
  signing_key.set_alg(alg);
  std::vector<core::Jwk> public_keys;
  for (const auto& k : keys) {
    auto pub = core::Jwk::from_pem(k.key.to_public_pem(), k.key.kid());
    if (!pub) refuse(strf("cannot export the public key of {}", k.name));
    if (&k == signing) pub->set_alg(alg);
    public_keys.push_back(std::move(*pub));
  }
  auto jwks = std::make_shared<const core::Jwks>(std::move(public_keys));
  std::string json = jwks->to_public_json();
  http::log_json("app", {{"msg", "signing key loaded"},
                         {"kid", signing_key.kid()},
                         {"alg", core::alg_name(alg)},
                         {"published_keys", jwks->keys().size()}});
  return KeyManager(std::make_shared<const State>(
      State{alg, std::move(signing_key), std::move(jwks), std::move(json), dir}));
}

core::Alg KeyManager::alg() const { return state_->alg; }
core::Jwk KeyManager::current() const { return state_->signing; }
std::string KeyManager::jwks_json() const { return state_->jwks_json; }
std::shared_ptr<const core::Jwks> KeyManager::jwks() const { return state_->public_jwks; }
const fs::path& KeyManager::keys_dir() const { return state_->keys_dir; }
std::vector<KeyEvent> KeyManager::refresh() { return {}; }

}  // namespace tollgate::authz
