#include "http/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/crypto.h"
#include "core/strf.h"

namespace tollgate::http {

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
  // Visible ASCII only: the secret travels in HTTP headers (Bearer, x-tollgate-gateway-key).
  const bool visible = std::ranges::all_of(token, [](char c) { return c > 0x20 && c < 0x7f; });
  if (token.size() < kMinSecretLength || !visible)
    refuse(strf("'{}' must hold one token of at least {} visible ASCII characters", path.string(),
                kMinSecretLength));
  return token;
}

}  // namespace tollgate::http
