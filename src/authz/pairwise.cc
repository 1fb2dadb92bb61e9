#include "authz/pairwise.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

#include "authz/sealed_subject.h"
#include "core/base64url.h"

namespace tollgate::authz {

PairwiseSubjects::PairwiseSubjects(std::string secret) : secret_(std::move(secret)) {
  if (secret_.size() < 32) throw std::invalid_argument("pairwise secret shorter than 32 bytes");
}

std::expected<PairwiseSubjects, std::string> PairwiseSubjects::load(
    const std::filesystem::path& file) {
  // The same 32-byte key file format and permission rules as the sealing key.
  struct Reader {
    static std::expected<std::string, std::string> read(const std::filesystem::path& f) {
      auto sealer = SubjectSealer::load(f, /*create=*/true);
      if (!sealer) return std::unexpected(sealer.error());
      std::ifstream in(f);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
      auto raw = core::base64url_decode(text);
      if (!raw) return std::unexpected(f.string() + ": unreadable");
      return *raw;
    }
  };
  auto secret = Reader::read(file);
  if (!secret) return std::unexpected(secret.error());
  return PairwiseSubjects(std::move(*secret));
}

std::string PairwiseSubjects::subject(std::string_view partner, std::string_view msisdn) const {
  std::string input = "tollgate-ppid-v1";
  input += '\0';
  input += partner;
  input += '\0';
  input += msisdn;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  return core::base64url_encode(std::string_view(reinterpret_cast<const char*>(mac), len));
}

}  // namespace tollgate::authz
