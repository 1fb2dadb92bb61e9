// keys.h — the authorization server's signing keys, kept in <data_dir>/keys/.
//
// Contract
// - `open` (start-up only; throws std::runtime_error with a clear message):
//   creates <data_dir>/keys with mode 0700 when missing; refuses a keys folder
//   that is group- or world-writable (someone could plant a key); loads every
//   "<kid>.pem" file (PKCS#8 private key, kid = the file name); refuses any key
//   file with a group or world permission bit (must be 0600 or stricter), or
//   that is not a usable private key. When no key fits `alg`, it generates one,
//   named by its RFC 7638 thumbprint, and writes it atomically with mode 0600.
// - The signing key is the most recently modified key file that fits `alg`
//   (ties broken by name). Every loaded key is published in the JWKS, so tokens
//   signed by a previous key (or algorithm) still verify; rotation and
//   retirement come with a later issue.
// - Thread safety: immutable after `open`; every accessor may be called from any
//   thread. Copies share the same immutable state (cheap to copy and move).
//   Rotation will swap that state atomically; callers therefore get the signing
//   key and the JWKS by value, never by reference into the state.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/jwa.h"
#include "core/jwk.h"

namespace tollgate::authz {

// Something that happened to the keys, for the audit trail.
struct KeyEvent {
  std::string event;  // "key_generated", "key_activated", "key_retired"
  std::string kid;
  core::Alg alg;
  std::int64_t at = 0;  // when it signs (key_generated) or happened
};

class KeyManager {
 public:
  static KeyManager open(const std::filesystem::path& data_dir, core::Alg alg,
                         const core::Clock& clock);

  core::Alg alg() const;
  // The private key to sign with; its kid goes into every token header.
  core::Jwk current() const;
  // {"keys":[...]} with public members only: the body of GET /jwks.json.
  std::string jwks_json() const;
  // The same public keys as a verifier would import them.
  std::shared_ptr<const core::Jwks> jwks() const;
  const std::filesystem::path& keys_dir() const;
  // Re-scan the keys folder and apply the rotation schedule; returns what changed.
  std::vector<KeyEvent> refresh();

 private:
  struct State;
  explicit KeyManager(std::shared_ptr<const State> state) : state_(std::move(state)) {}
  std::shared_ptr<const State> state_;
};

}  // namespace tollgate::authz
