// ossl_util.h — internal to src/core: RAII owners for OpenSSL objects and the
// per-key prepared verification state shared by jwk.cc and jws.cc.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/jwa.h"

namespace tollgate::core::detail {

template <auto Fn>
struct OsslFree {
  template <class T>
  void operator()(T* p) const {
    Fn(p);
  }
};

using UniquePkey = std::unique_ptr<EVP_PKEY, OsslFree<EVP_PKEY_free>>;
using UniquePkeyCtx = std::unique_ptr<EVP_PKEY_CTX, OsslFree<EVP_PKEY_CTX_free>>;
using UniqueMdCtx = std::unique_ptr<EVP_MD_CTX, OsslFree<EVP_MD_CTX_free>>;
using UniqueBn = std::unique_ptr<BIGNUM, OsslFree<BN_free>>;
using UniqueBio = std::unique_ptr<BIO, OsslFree<BIO_free>>;
using UniqueParamBld = std::unique_ptr<OSSL_PARAM_BLD, OsslFree<OSSL_PARAM_BLD_free>>;
using UniqueParams = std::unique_ptr<OSSL_PARAM, OsslFree<OSSL_PARAM_free>>;

// SHA-256, fetched once for the process (explicit fetch avoids a lookup per use).
const EVP_MD* sha256_md();

// Per-key verification state prepared once at import (jws.cc): operation-initialised
// EVP_PKEY_CTX templates that each verification duplicates instead of fetching
// algorithms and re-exporting the key on every call. Owned by the shared holder
// of the Jwk's EVP_PKEY (jwk.cc) and reachable from the EVP_PKEY through ex_data
// (a non-owning pointer, cleared before the state is freed).
struct PreparedVerify;
struct PreparedVerifyDeleter {
  void operator()(PreparedVerify* p) const;
};
using PreparedVerifyPtr = std::unique_ptr<PreparedVerify, PreparedVerifyDeleter>;
// nullptr when nothing can be prepared for this key (verification then builds a fresh context).
PreparedVerifyPtr make_prepared_verify(EVP_PKEY* pkey);
// The ex_data index under which a key's PreparedVerify is stored.
int prepared_verify_index();

}  // namespace tollgate::core::detail
