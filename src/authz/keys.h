// keys.h — the authorization server's signing keys, kept in <data_dir>/keys/,
// and their rotation.
//
// Files: "<kid>.pem" (PKCS#8 private key, mode 0600) and, for keys generated
// by this code, "<kid>.json" (mode 0600): {"alg","created_at","activate_at"}.
// A key without metadata (older releases, or placed by hand) counts as created
// and active at its file's mtime, for the configured algorithm.
//
// Which key signs, and which are published (RFC 7517 JWKS at /jwks.json):
//   - signing: the key for the configured alg with the latest activate_at <= now;
//   - next: a key whose activate_at is still ahead — published, not yet signing,
//     so every verifier's JWKS cache holds it before the first token it signs;
//   - previous: a key that stopped signing when a later key activated (or, for
//     another alg, when this process first saw it unused) — published for
//     `retain` more (the longest token lifetime plus clock skew), then retired:
//     dropped from the JWKS and its files deleted by `refresh`.
// Scheduled rotation (`rotation` > 0): when no next key exists and the signing
// key's activation is older than rotation - publish_ahead, `refresh` generates
// one that activates at max(now + publish_ahead, signing activation + rotation).
// `add_key` (the `tollgate key rotate` command, another process) writes a key
// that activates at once; a running server notices it on its next `refresh`
// (Governance calls it every 2 s).
// With `signing_key_file`, that one key signs and is the only one published;
// nothing is generated, rotated or deleted.
//
// Contract
// - `open` is start-up only and throws std::runtime_error with a clear message:
//   creates the folder (0700) when missing; refuses a group/world-writable
//   folder, key files with any group/world permission bit, non-private keys,
//   bad file names. When no key fits `alg`, it generates one (activate now).
// - `refresh` never throws: a bad file found later is logged and ignored.
// - Thread safety: every member may be called from any thread. Copies share
//   one state, swapped atomically by `refresh`; accessors return values, never
//   references into the state.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/jwa.h"
#include "core/jwk.h"

namespace tollgate::catalog {
class Catalog;
}

namespace tollgate::authz {

struct AuthzConfig;

struct KeyOptions {
  std::chrono::seconds rotation{0};       // 0: no scheduled rotation
  std::chrono::seconds publish_ahead{0};  // how long a next key is published before it signs
  std::chrono::seconds retain{3600 + 30}; // published after it stopped signing
  std::optional<std::filesystem::path> signing_key_file;
};

// From the authz configuration; retain = the catalog's longest token lifetime + clock skew.
KeyOptions key_options(const AuthzConfig& config, const catalog::Catalog& catalog);

// Something that happened to the keys, for the audit trail.
struct KeyEvent {
  std::string event;  // "key_generated", "key_activated", "key_retired"
  std::string kid;
  core::Alg alg;
  std::int64_t at = 0;  // when it signs (key_generated) or happened
};

struct KeyInfo {
  std::string kid;
  core::Alg alg;
  std::int64_t created_at = 0;
  std::int64_t activate_at = 0;
  std::int64_t retire_at = 0;  // 0: not scheduled (signing or next)
  std::string status;          // "signing", "next", "previous", "retired"
  bool published = false;
};

class KeyManager {
 public:
  static KeyManager open(const std::filesystem::path& data_dir, core::Alg alg, const core::Clock& clock,
                         KeyOptions options = {});

  core::Alg alg() const;
  // The private key to sign with; its kid goes into every token header.
  core::Jwk current() const;
  // {"keys":[...]} with public members only: the body of GET /jwks.json.
  std::string jwks_json() const;
  // The same public keys as a verifier would import them.
  std::shared_ptr<const core::Jwks> jwks() const;
  const std::filesystem::path& keys_dir() const;
  std::vector<KeyInfo> list() const;

  // Re-scan the keys folder and apply the rotation schedule; returns what changed.
  std::vector<KeyEvent> refresh();

  // `tollgate key rotate`: write a new key for `alg` into <data_dir>/keys that
  // signs from `activate_at`. Throws std::runtime_error.
  static KeyInfo add_key(const std::filesystem::path& data_dir, core::Alg alg, std::int64_t activate_at,
                         const core::Clock& clock);
  // `tollgate key list`: the folder as a server with these settings sees it, generating nothing.
  static std::vector<KeyInfo> scan(const std::filesystem::path& data_dir, core::Alg alg, const core::Clock& clock,
                                   KeyOptions options = {});

  struct State;  // opaque: one immutable snapshot of the keys (keys.cc)

 private:
  struct Shared;
  explicit KeyManager(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
  std::shared_ptr<Shared> shared_;
};

}  // namespace tollgate::authz
