// authorize_sessions.h — the server side of one browser trip through
// /oauth2/authorize: the validated request, who the subscriber turned out to
// be, and the one-time code sent to the handset when network authentication
// was not possible. Lives minutes; ends when a code is issued or refused.
//
// Contract
// - The session id (in the page's hidden field) and the browser binding (in an
//   HttpOnly SameSite=Strict cookie) are stored as SHA-256 hex; the CSRF token
//   in clear (it is compared, not secret from its own page).
// - `finish` deletes atomically and reports whether the session still existed,
//   so that two racing form posts cannot both issue a code.
// - `request_json` is opaque to the store (the authorize endpoint's own record).
// - Thread safety: any thread (the Database serializes).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite.h"

namespace tollgate::store {

struct AuthorizeSession {
  std::string session_hash;
  std::string binding_hash;
  std::string csrf;
  std::string request_json;
  std::string subscriber;        // +E.164 once identified; empty before
  std::vector<std::string> amr;  // how it was identified
  std::int64_t auth_time = 0;
  std::string otp_subscriber;  // the number an OTP was sent to (not yet proven)
  std::string otp_hash;        // sha256 hex of the one-time code; empty when none
  std::int64_t otp_expires_at = 0;
  std::int64_t otp_attempts = 0;
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
};

class AuthorizeSessionStore {
 public:
  virtual ~AuthorizeSessionStore() = default;
  virtual StoreResult<void> create(const AuthorizeSession& session) = 0;
  virtual StoreResult<std::optional<AuthorizeSession>> find(std::string_view session_hash) = 0;
  // Overwrite the mutable members (subscriber, amr, auth_time, otp_*). kNotFound when gone.
  virtual StoreResult<void> update(const AuthorizeSession& session) = 0;
  virtual StoreResult<bool> finish(std::string_view session_hash) = 0;
  virtual StoreResult<std::int64_t> purge_expired(std::int64_t before) = 0;
};

class SqliteAuthorizeSessionStore final : public AuthorizeSessionStore {
 public:
  static StoreResult<std::shared_ptr<SqliteAuthorizeSessionStore>> open(
      std::shared_ptr<Database> db);
  StoreResult<void> create(const AuthorizeSession& session) override;
  StoreResult<std::optional<AuthorizeSession>> find(std::string_view session_hash) override;
  StoreResult<void> update(const AuthorizeSession& session) override;
  StoreResult<bool> finish(std::string_view session_hash) override;
  StoreResult<std::int64_t> purge_expired(std::int64_t before) override;

 private:
  explicit SqliteAuthorizeSessionStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}
  std::shared_ptr<Database> db_;
};

}  // namespace tollgate::store
