#include "gateway/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "core/strf.h"
#include "http/server.h"

namespace tollgate::gateway {
namespace {

std::string openssl_error() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

// TLS 1.2 suites: ECDHE key exchange with AEAD ciphers only.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

}  // namespace

std::shared_ptr<boost::asio::ssl::context> make_server_tls(const TlsConfig& config) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1)
    throw catalog::ConfigError("gateway tls: cannot require TLS 1.2: " + openssl_error());
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                  SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1)
    throw catalog::ConfigError("gateway tls: cipher list refused: " + openssl_error());
  if (SSL_CTX_use_certificate_chain_file(native, config.cert_file.c_str()) != 1)
    throw catalog::ConfigError(core::strf("gateway tls: cert_file '{}' is not a usable PEM certificate chain ({})",
                                          config.cert_file, openssl_error()));
  if (SSL_CTX_use_PrivateKey_file(native, config.key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    throw catalog::ConfigError(core::strf("gateway tls: key_file '{}' is not a usable PEM private key ({})",
                                          config.key_file, openssl_error()));
  if (SSL_CTX_check_private_key(native) != 1)
    throw catalog::ConfigError(core::strf("gateway tls: the key in '{}' does not match the certificate in '{}'",
                                          config.key_file, config.cert_file));
  return ctx;
}

bool is_loopback_listen(const std::string& listen) {
  try {
    return http::parse_endpoint(listen).address().is_loopback();
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace tollgate::gateway
