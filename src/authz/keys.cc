#include "authz/keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <vector>

#include "authz/config.h"
#include "catalog/catalog.h"
#include "core/base64url.h"
#include "core/json.h"
#include "core/strf.h"
#include "http/log.h"

namespace tollgate::authz {

using core::strf;
namespace fs = std::filesystem;

namespace {

// A kid is a file name: keep it to the base64url alphabet (thumbprints are).
constexpr std::size_t kMaxKidLength = 128;
constexpr mode_t kKeyFileMode = 0600;
constexpr mode_t kKeysDirMode = 0700;
constexpr std::size_t kMaxFileBytes = 64 * 1024;

[[noreturn]] void refuse(const std::string& what) { throw std::runtime_error("signing keys: " + what); }

std::string errno_text() { return std::strerror(errno); }

struct Meta {
  core::Alg alg;
  std::int64_t created_at = 0;
  std::int64_t activate_at = 0;
};

// A key file as loaded, with what identifies the file version it came from.
struct LoadedKey {
  core::Jwk key;       // private
  core::Jwk pub;       // public, alg set
  Meta meta;
  std::int64_t mtime_ns = 0;
  std::uintmax_t size = 0;
  bool has_meta = false;
};

std::int64_t mtime_ns(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

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
  if (::stat(dir.c_str(), &st) != 0) refuse(strf("cannot read '{}': {}", dir.string(), errno_text()));
  if (!S_ISDIR(st.st_mode)) refuse(strf("'{}' is not a directory", dir.string()));
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    refuse(strf("'{}' is writable by group or others; run: chmod 700 {}", dir.string(), dir.string()));
}

// Reads a private file (key or metadata); refuses group/world permissions.
std::string read_private_file(const fs::path& path) {
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
    refuse(strf("private key file '{}' has mode {} (group/world access); it must be 0600: chmod 600 "
                "{} — and replace the key if others may have read it",
                path.string(), mode, path.string()));
  }
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      refuse(strf("cannot read '{}': {}", path.string(), errno_text()));
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > kMaxFileBytes) {
      ::close(fd);
      refuse(strf("'{}' is too large to be a key", path.string()));
    }
  }
  ::close(fd);
  return text;
}

void write_all(int fd, std::string_view data, const fs::path& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) refuse(strf("cannot write '{}': {}", path.string(), errno_text()));
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void sync_dir(const fs::path& dir) {
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

// Write `text` to dir/<name>: a temp file created 0600 with O_EXCL, fsync, link
// (which, unlike rename, never replaces a file), fsync of the folder — a crash
// never leaves a half-written file under its final name.
void write_private_file(const fs::path& dir, const std::string& name, const std::string& text) {
  const fs::path final_path = dir / name;
  const fs::path tmp = dir / ("." + name + ".tmp");
  ::unlink(tmp.c_str());  // a leftover from a crash during a previous write
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, kKeyFileMode);
  if (fd < 0) refuse(strf("cannot create '{}': {}", tmp.string(), errno_text()));
  try {
    if (::fchmod(fd, kKeyFileMode) != 0) refuse(strf("cannot chmod '{}': {}", tmp.string(), errno_text()));
    write_all(fd, text, tmp);
    if (::fsync(fd) != 0) refuse(strf("cannot sync '{}': {}", tmp.string(), errno_text()));
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  if (::link(tmp.c_str(), final_path.c_str()) != 0) {
    const std::string why = errno_text();
    ::unlink(tmp.c_str());
    refuse(strf("cannot create '{}': {}", final_path.string(), why));
  }
  ::unlink(tmp.c_str());
  sync_dir(dir);
}

std::string meta_json(const Meta& m) {
  return boost::json::serialize(boost::json::object{
      {"alg", core::alg_name(m.alg)}, {"created_at", m.created_at}, {"activate_at", m.activate_at}});
}

std::optional<Meta> parse_meta(const std::string& text) {
  auto o = core::parse_strict_object(text);
  if (!o) return std::nullopt;
  const auto alg = core::get_string(*o, "alg");
  const auto created = core::get_int(*o, "created_at");
  const auto activate = core::get_int(*o, "activate_at");
  if (!alg || !created || !activate) return std::nullopt;
  const auto a = core::alg_from_name(*alg);
  if (!a) return std::nullopt;
  return Meta{*a, *created, *activate};
}

// Load dir/<kid>.pem (and <kid>.json); `fallback_alg` is the alg of a key without metadata.
LoadedKey load_key(const fs::path& dir, const std::string& kid, core::Alg fallback_alg) {
  const fs::path pem_path = dir / (kid + ".pem");
  if (kid.empty() || kid.size() > kMaxKidLength || !core::is_base64url_alphabet(kid))
    refuse(strf("key file name '{}' must be <kid>.pem with a kid of letters, digits, '-' and '_'",
                pem_path.filename().string()));
  const std::string pem = read_private_file(pem_path);
  auto key = core::Jwk::from_pem(pem, kid);
  if (!key) refuse(strf("'{}' is not a usable key ({})", pem_path.string(), core::to_string(key.error())));
  if (!key->is_private()) refuse(strf("'{}' holds a public key; a private key is needed", pem_path.string()));
  LoadedKey out{*key, *key, {}, mtime_ns(pem_path), pem.size(), false};
  const fs::path meta_path = dir / (kid + ".json");
  std::error_code ec;
  if (fs::exists(meta_path, ec)) {
    auto meta = parse_meta(read_private_file(meta_path));
    if (!meta) refuse(strf("'{}' is not valid key metadata", meta_path.string()));
    if (!key->fits(meta->alg))
      refuse(strf("'{}' says {} but the key cannot sign {}", meta_path.string(), core::alg_name(meta->alg),
                  core::alg_name(meta->alg)));
    out.meta = *meta;
    out.has_meta = true;
  } else {
    const std::int64_t t = out.mtime_ns / 1'000'000'000;
    // Without metadata: the configured alg when the key can sign it, else the first alg it fits.
    core::Alg alg = fallback_alg;
    if (!key->fits(alg))
      for (core::Alg a : core::kAllAlgs)
        if (key->fits(a)) {
          alg = a;
          break;
        }
    out.meta = Meta{alg, t, t};
  }
  auto pub = core::Jwk::from_pem(key->to_public_pem(), kid);
  if (!pub) refuse(strf("cannot export the public key of {}", kid));
  pub->set_alg(out.meta.alg);
  out.pub = std::move(*pub);
  out.key.set_alg(out.meta.alg);
  return out;
}

// Generate a key for `alg`, write its metadata then the key (the scanner keys
// off the .pem, so it never sees a key without its metadata).
LoadedKey generate_key(const fs::path& dir, core::Alg alg, std::int64_t now, std::int64_t activate_at) {
  auto fresh = core::Jwk::generate(alg, "");
  if (!fresh) refuse(strf("cannot generate a key for {}: {}", core::alg_name(alg), core::to_string(fresh.error())));
  const std::string kid = fresh->thumbprint();
  auto pem = fresh->to_private_pem();
  if (!pem) refuse(strf("cannot export the new key: {}", core::to_string(pem.error())));
  write_private_file(dir, kid + ".json", meta_json(Meta{alg, now, activate_at}));
  write_private_file(dir, kid + ".pem", *pem);
  // Reload from the files we wrote, so that what we sign with is what a restart loads.
  return load_key(dir, kid, alg);
}

std::map<std::string, LoadedKey> load_all(const fs::path& dir, core::Alg alg) {
  std::map<std::string, LoadedKey> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const fs::path& p = entry.path();
    if (p.extension() != ".pem" || p.filename().string().front() == '.') continue;  // temp files, metadata
    const std::string kid = p.stem().string();
    out.emplace(kid, load_key(dir, kid, alg));
  }
  if (ec) refuse(strf("cannot list '{}': {}", dir.string(), ec.message()));
  return out;
}

bool key_order(const LoadedKey& a, const LoadedKey& b) {
  if (a.meta.activate_at != b.meta.activate_at) return a.meta.activate_at < b.meta.activate_at;
  if (a.meta.created_at != b.meta.created_at) return a.meta.created_at < b.meta.created_at;
  return a.key.kid() < b.key.kid();
}

}  // namespace

struct KeyManager::State {
  core::Alg alg;
  core::Jwk signing;
  std::shared_ptr<const core::Jwks> public_jwks;
  std::string jwks_json;
  std::vector<KeyInfo> infos;
};

struct KeyManager::Shared {
  fs::path dir;
  core::Alg alg;
  const core::Clock& clock;
  KeyOptions options;
  bool external = false;  // signing_key_file: nothing to scan or rotate

  std::mutex refresh_mutex;
  std::map<std::string, LoadedKey> loaded;          // GUARDED_BY(refresh_mutex)
  std::map<std::string, std::int64_t> unused_since; // GUARDED_BY(refresh_mutex): other-alg keys seen unused
  std::atomic<std::shared_ptr<const State>> state;

  Shared(fs::path d, core::Alg a, const core::Clock& c, KeyOptions o)
      : dir(std::move(d)), alg(a), clock(c), options(std::move(o)) {}

  std::shared_ptr<const State> load() const { return state.load(std::memory_order_acquire); }
};

namespace {

// The signing key: newest active key for `alg`; nullptr when none.
const LoadedKey* pick_signing(const std::map<std::string, LoadedKey>& keys, core::Alg alg, std::int64_t now) {
  const LoadedKey* best = nullptr;
  for (const auto& [kid, k] : keys)
    if (k.meta.alg == alg && k.meta.activate_at <= now && (!best || key_order(*best, k))) best = &k;
  return best;
}

// Status of every key at `now`. `unused_since` remembers, for keys that no
// later active key superseded (another alg), when this process first saw them unused.
std::vector<KeyInfo> classify(const std::map<std::string, LoadedKey>& keys, const LoadedKey* signing,
                              std::int64_t now, std::int64_t retain, std::map<std::string, std::int64_t>& unused_since) {
  std::vector<KeyInfo> out;
  for (const auto& [kid, k] : keys) {
    KeyInfo info{kid, k.meta.alg, k.meta.created_at, k.meta.activate_at, 0, "", false};
    if (&k == signing) {
      info.status = "signing";
      info.published = true;
    } else if (k.meta.activate_at > now) {
      info.status = "next";
      info.published = true;
    } else {
      // It stopped signing when the first active key ordered after it activated.
      std::optional<std::int64_t> ended;
      for (const auto& [okid, o] : keys)
        if (o.meta.activate_at <= now && key_order(k, o) && (!ended || o.meta.activate_at < *ended))
          ended = o.meta.activate_at;
      if (!ended) {
        auto [it, _] = unused_since.try_emplace(kid, now);
        ended = it->second;
      }
      info.retire_at = *ended + retain;
      info.published = now < info.retire_at;
      info.status = info.published ? "previous" : "retired";
    }
    out.push_back(std::move(info));
  }
  std::ranges::sort(out, [](const KeyInfo& a, const KeyInfo& b) {
    return a.activate_at != b.activate_at ? a.activate_at < b.activate_at : a.kid < b.kid;
  });
  return out;
}

std::shared_ptr<const KeyManager::State> build_state(const std::map<std::string, LoadedKey>& keys,
                                                     const LoadedKey& signing, core::Alg alg,
                                                     std::vector<KeyInfo> infos) {
  std::vector<core::Jwk> public_keys;
  for (const KeyInfo& i : infos)
    if (i.published) public_keys.push_back(keys.at(i.kid).pub);
  auto jwks = std::make_shared<const core::Jwks>(std::move(public_keys));
  std::string json = jwks->to_public_json();
  return std::make_shared<const KeyManager::State>(
      KeyManager::State{alg, signing.key, std::move(jwks), std::move(json), std::move(infos)});
}

}  // namespace

KeyOptions key_options(const AuthzConfig& config, const catalog::Catalog& catalog) {
  KeyOptions o;
  o.rotation = config.key_rotation;
  o.publish_ahead = config.publish_ahead;
  std::chrono::seconds longest{0};
  for (const auto& [name, product] : catalog.products()) longest = std::max(longest, product.token_lifetime);
  // Tokens of other kinds (ID tokens, 3-legged access tokens) are never longer
  // than the longest product lifetime; an hour is the floor the catalog allows.
  o.retain = std::max(longest, std::chrono::seconds{3600}) + config.clock_skew;
  if (config.signing_key_file) o.signing_key_file = fs::path(*config.signing_key_file);
  return o;
}

KeyManager KeyManager::open(const fs::path& data_dir, core::Alg alg, const core::Clock& clock, KeyOptions options) {
  auto shared = std::make_shared<Shared>(data_dir / "keys", alg, clock, options);
  const std::int64_t now = clock.unix_seconds();

  // The folder exists in every mode: other components keep their keys there too.
  ensure_keys_dir(shared->dir);
  if (options.signing_key_file) {
    // An externally managed key: named by its RFC 7638 thumbprint, the only key published.
    const fs::path file = *options.signing_key_file;
    auto key = core::Jwk::from_pem(read_private_file(file), "");
    if (!key) refuse(strf("'{}' is not a usable key ({})", file.string(), core::to_string(key.error())));
    if (!key->is_private()) refuse(strf("'{}' holds a public key; a private key is needed", file.string()));
    if (!key->fits(alg)) refuse(strf("'{}' cannot sign {}", file.string(), core::alg_name(alg)));
    const std::string kid = key->thumbprint();
    auto named = core::Jwk::from_pem(read_private_file(file), kid);
    auto pub = core::Jwk::from_pem(named->to_public_pem(), kid);
    if (!named || !pub) refuse(strf("cannot load '{}'", file.string()));
    named->set_alg(alg);
    pub->set_alg(alg);
    LoadedKey k{*named, *pub, Meta{alg, now, now}, 0, 0, true};
    shared->external = true;
    shared->loaded.emplace(kid, k);
    std::vector<KeyInfo> infos{KeyInfo{kid, alg, now, now, 0, "signing", true}};
    shared->state.store(build_state(shared->loaded, shared->loaded.at(kid), alg, std::move(infos)));
    http::log_json("app", {{"msg", "signing key loaded"}, {"kid", kid}, {"alg", core::alg_name(alg)},
                           {"file", file.string()}});
    return KeyManager(std::move(shared));
  }

  shared->loaded = load_all(shared->dir, alg);
  const LoadedKey* signing = pick_signing(shared->loaded, alg, now);
  if (!signing) {
    LoadedKey k = generate_key(shared->dir, alg, now, now);
    const std::string kid = k.key.kid();
    shared->loaded.insert_or_assign(kid, std::move(k));
    signing = &shared->loaded.at(kid);
    http::log_json("app", {{"msg", "generated a signing key"}, {"kid", kid}, {"alg", core::alg_name(alg)}, {"at", now}});
  }
  auto infos = classify(shared->loaded, signing, now, options.retain.count(), shared->unused_since);
  auto state = build_state(shared->loaded, *signing, alg, std::move(infos));
  http::log_json("app", {{"msg", "signing key loaded"},
                         {"kid", signing->key.kid()},
                         {"alg", core::alg_name(alg)},
                         {"published_keys", state->public_jwks->keys().size()}});
  shared->state.store(std::move(state));
  return KeyManager(std::move(shared));
}

std::vector<KeyEvent> KeyManager::refresh() {
  Shared& s = *shared_;
  std::vector<KeyEvent> events;
  if (s.external) return events;
  std::lock_guard lock(s.refresh_mutex);
  const std::int64_t now = s.clock.unix_seconds();
  const auto before = s.load();
  try {
    // 1. Re-scan: load new or changed files, forget removed ones.
    std::set<std::string> seen;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(s.dir, ec)) {
      const fs::path& p = entry.path();
      if (p.extension() != ".pem" || p.filename().string().front() == '.') continue;
      const std::string kid = p.stem().string();
      seen.insert(kid);
      auto it = s.loaded.find(kid);
      const std::int64_t mt = mtime_ns(p);
      if (it != s.loaded.end() && it->second.mtime_ns == mt) continue;
      try {
        s.loaded.insert_or_assign(kid, load_key(s.dir, kid, s.alg));
      } catch (const std::runtime_error& e) {
        http::log_warn(std::string("ignoring a key file: ") + e.what());
      }
    }
    if (ec) {
      http::log_warn(strf("cannot list '{}': {}", s.dir.string(), ec.message()));
      return events;
    }
    std::erase_if(s.loaded, [&](const auto& kv) { return !seen.contains(kv.first); });

    // 2. Scheduled rotation: a next key, published ahead of its activation.
    const LoadedKey* signing = pick_signing(s.loaded, s.alg, now);
    if (!signing) {  // its file was removed: never stop signing
      LoadedKey k = generate_key(s.dir, s.alg, now, now);
      events.push_back({"key_generated", k.key.kid(), s.alg, now});
      s.loaded.insert_or_assign(k.key.kid(), std::move(k));
      signing = pick_signing(s.loaded, s.alg, now);
    }
    const std::int64_t rotation = s.options.rotation.count();
    if (rotation > 0) {
      const bool have_next = std::ranges::any_of(
          s.loaded, [&](const auto& kv) { return kv.second.meta.alg == s.alg && kv.second.meta.activate_at > now; });
      const std::int64_t due = signing->meta.activate_at + rotation;
      if (!have_next && now >= due - s.options.publish_ahead.count()) {
        const std::int64_t at = std::max(now + s.options.publish_ahead.count(), due);
        LoadedKey k = generate_key(s.dir, s.alg, now, at);
        events.push_back({"key_generated", k.key.kid(), s.alg, at});
        s.loaded.insert_or_assign(k.key.kid(), std::move(k));
        signing = pick_signing(s.loaded, s.alg, now);
      }
    }

    // 3. Classify, retire (delete) what is past its retention, publish.
    auto infos = classify(s.loaded, signing, now, s.options.retain.count(), s.unused_since);
    for (const KeyInfo& i : infos) {
      if (i.status != "retired") continue;
      ::unlink((s.dir / (i.kid + ".pem")).c_str());
      ::unlink((s.dir / (i.kid + ".json")).c_str());
      s.loaded.erase(i.kid);
      s.unused_since.erase(i.kid);
      events.push_back({"key_retired", i.kid, i.alg, now});
    }
    std::erase_if(infos, [](const KeyInfo& i) { return i.status == "retired"; });
    if (signing->key.kid() != before->signing.kid())
      events.push_back({"key_activated", signing->key.kid(), signing->meta.alg, signing->meta.activate_at});
    auto state = build_state(s.loaded, *signing, s.alg, std::move(infos));
    if (state->jwks_json != before->jwks_json || state->signing.kid() != before->signing.kid()) {
      http::log_json("app", {{"msg", "signing keys changed"},
                             {"signing_kid", state->signing.kid()},
                             {"published_keys", state->public_jwks->keys().size()}});
    }
    s.state.store(std::move(state), std::memory_order_release);
  } catch (const std::exception& e) {
    http::log_error(std::string("key refresh failed (keeping the current keys): ") + e.what());
  }
  return events;
}

KeyInfo KeyManager::add_key(const fs::path& data_dir, core::Alg alg, std::int64_t activate_at,
                            const core::Clock& clock) {
  const fs::path dir = data_dir / "keys";
  ensure_keys_dir(dir);
  const std::int64_t now = clock.unix_seconds();
  LoadedKey k = generate_key(dir, alg, now, activate_at);
  return KeyInfo{k.key.kid(), alg, now, activate_at, 0, activate_at <= now ? "signing" : "next", true};
}

std::vector<KeyInfo> KeyManager::scan(const fs::path& data_dir, core::Alg alg, const core::Clock& clock,
                                      KeyOptions options) {
  const fs::path dir = data_dir / "keys";
  std::error_code ec;
  if (!fs::exists(dir, ec)) return {};
  ensure_keys_dir(dir);
  auto keys = load_all(dir, alg);
  const std::int64_t now = clock.unix_seconds();
  std::map<std::string, std::int64_t> unused;
  return classify(keys, pick_signing(keys, alg, now), now, options.retain.count(), unused);
}

core::Alg KeyManager::alg() const { return shared_->alg; }
core::Jwk KeyManager::current() const { return shared_->load()->signing; }
std::string KeyManager::jwks_json() const { return shared_->load()->jwks_json; }
std::shared_ptr<const core::Jwks> KeyManager::jwks() const { return shared_->load()->public_jwks; }
const fs::path& KeyManager::keys_dir() const { return shared_->dir; }
std::vector<KeyInfo> KeyManager::list() const { return shared_->load()->infos; }

}  // namespace tollgate::authz
