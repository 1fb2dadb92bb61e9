#include "authz/admin_token.h"

#include <fcntl.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/crypto.h"
#include "core/strf.h"

namespace tollgate::authz {

using core::strf;
namespace {

[[noreturn]] void refuse(const std::string& what) {
  throw std::runtime_error("secret file: " + what);
}

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string read_private_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) refuse(strf("cannot open '{}': {}", path.string(), std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    refuse(strf("'{}' is not a regular file", path.string()));
  }
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    ::close(fd);
    refuse(strf("'{}' is readable or writable by others; run: chmod 600 {}", path.string(),
                path.string()));
  }
  std::string text;
  char buf[512];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > 4096) {
      ::close(fd);
      refuse(strf("'{}' is too large to hold a token", path.string()));
    }
  }
  ::close(fd);
  return trim(std::move(text));
}

void write_new_token(const std::filesystem::path& path, const std::string& token) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) refuse(strf("cannot create '{}': {}", path.string(), std::strerror(errno)));
  const std::string line = token + "\n";
  const bool ok = ::fchmod(fd, 0600) == 0 &&
                  ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    refuse(strf("cannot write '{}'", path.string()));
  }
}

}  // namespace

AdminCredential AdminCredential::from_token(std::string_view token) {
  AdminCredential c;
  c.digest_ = core::sha256(token);
  return c;
}

std::string load_or_create_secret(const std::filesystem::path& path, bool create) {
  std::error_code ec;
  if (create && !std::filesystem::exists(path, ec)) {
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
    try {
      write_new_token(path, core::random_token(32));
    } catch (const std::runtime_error&) {
      if (!std::filesystem::exists(path, ec))
        throw;  // another process created it first: read theirs
    }
  }
  const std::string token = read_private_file(path);
  if (token.size() < AdminCredential::kMinTokenLength ||
      token.find_first_of(" \t\r\n") != std::string::npos)
    refuse(strf("'{}' must hold one token of at least {} characters", path.string(),
                AdminCredential::kMinTokenLength));
  return token;
}

AdminCredential AdminCredential::load(const std::optional<std::string>& file,
                                      const std::filesystem::path& data_dir) {
  std::filesystem::path path = file ? std::filesystem::path(*file) : data_dir / kFileName;
  AdminCredential c = from_token(load_or_create_secret(path, !file));
  c.source_ = std::move(path);
  return c;
}

bool AdminCredential::check(std::string_view header) const {
  if (digest_.empty() || header.size() < 7 || ::strncasecmp(header.data(), "bearer ", 7) != 0)
    return false;
  return core::constant_time_equal(core::sha256(header.substr(7)), digest_);
}

}  // namespace tollgate::authz
