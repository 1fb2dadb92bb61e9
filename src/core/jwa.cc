// jwa.cc — JWS algorithm names (see jwa.h).
#include "core/jwa.h"

namespace tollgate::core {

std::string_view alg_name(Alg alg) {
  switch (alg) {
    case Alg::kRS256: return "RS256";
    case Alg::kPS256: return "PS256";
    case Alg::kES256: return "ES256";
    case Alg::kEdDSA: return "EdDSA";
  }
  return "";
}

std::optional<Alg> alg_from_name(std::string_view name) {
  for (Alg a : kAllAlgs) {
    if (alg_name(a) == name) return a;
  }
  return std::nullopt;
}

}  // namespace tollgate::core
