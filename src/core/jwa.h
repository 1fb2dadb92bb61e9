// jwa.h — the JWS algorithms Tollgate implements (RFC 7518, RFC 8037).
//
// HMAC algorithms are deliberately absent: a shared-secret token could be
// minted by any verifier, and "HS256 signed with the RSA public key" is the
// classic confusion attack. `none` is absent too.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace tollgate::core {

enum class Alg { kRS256, kPS256, kES256, kEdDSA };

inline constexpr Alg kAllAlgs[] = {Alg::kRS256, Alg::kPS256, Alg::kES256, Alg::kEdDSA};

std::string_view alg_name(Alg alg);  // "RS256", ...
// Exact, case-sensitive match of a JOSE "alg" value; nullopt for anything else.
std::optional<Alg> alg_from_name(std::string_view name);

// A set of allowed algorithms, cheap to copy.
class AlgSet {
 public:
  AlgSet() = default;
  AlgSet(std::initializer_list<Alg> algs) {
    for (Alg a : algs) add(a);
  }
  void add(Alg a) { bits_ |= 1u << static_cast<unsigned>(a); }
  bool contains(Alg a) const { return (bits_ >> static_cast<unsigned>(a)) & 1u; }
  bool empty() const { return bits_ == 0; }

 private:
  unsigned bits_ = 0;
};

}  // namespace tollgate::core
