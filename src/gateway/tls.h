// tls.h — TLS termination for the gateway's partner listener.
//
// make_server_tls() loads a certificate chain and private key (PEM files) into
// a server context that speaks TLS 1.2 and 1.3 only, with OpenSSL's default
// TLS 1.3 suites and, for 1.2, ECDHE with AES-GCM or ChaCha20-Poly1305 only
// (forward secrecy, AEAD). It throws catalog::ConfigError naming the file and
// OpenSSL's reason; the key must match the certificate.
//
// The gateway keeps the context in an atomic shared_ptr: a SIGHUP reload
// builds a new one from the same files (rotated certificates) and swaps it in;
// connections keep the context they were accepted with.
//
// is_loopback_listen(): plain HTTP is allowed only on loopback addresses.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "gateway/config.h"

namespace tollgate::gateway {

std::shared_ptr<boost::asio::ssl::context> make_server_tls(const TlsConfig& config);

// True when `listen` ("host:port") names a loopback address (127.0.0.0/8, ::1, localhost).
bool is_loopback_listen(const std::string& listen);

}  // namespace tollgate::gateway
