#include "authz/admin_token.h"

#include <strings.h>

#include "core/crypto.h"
#include "http/secret_file.h"

namespace tollgate::authz {

AdminCredential AdminCredential::from_token(std::string_view token) {
  AdminCredential c;
  c.digest_ = core::sha256(token);
  return c;
}

AdminCredential AdminCredential::load(const std::optional<std::string>& file,
                                      const std::filesystem::path& data_dir) {
  std::filesystem::path path = file ? std::filesystem::path(*file) : data_dir / kFileName;
  AdminCredential c = from_token(http::load_or_create_secret(path, !file));
  c.source_ = std::move(path);
  return c;
}

bool AdminCredential::check(std::string_view header) const {
  if (digest_.empty() || header.size() < 7 || ::strncasecmp(header.data(), "bearer ", 7) != 0)
    return false;
  return core::constant_time_equal(core::sha256(header.substr(7)), digest_);
}

}  // namespace tollgate::authz
