// token_cache.h — the verified-token cache: a token that passed every
// signature and claim check for a product is remembered, so that its next
// request skips the parse and the signature check.
//
// Contract
//  * Keyed by (SHA-256 of the token, product). The digest is collision
//    resistant, so no other byte string can hit an entry; the product is part
//    of the key because audience, algorithms, skew and maximum age are per
//    product: a token verified for one product proves nothing for another.
//  * Security invariant — an entry never outlives what would have made the
//    token invalid: find() returns an entry only while
//        valid_from <= now < valid_until
//    where the verifier computed both bounds from exp, nbf, iat, the maximum
//    token age and the clock skew of the policy it checked (verifier.h), so
//    the answer equals a fresh verification at `now` — including after the
//    clock steps backwards (nbf, iat in the future).
//  * Cleared as a whole when the invalidation epoch changes (sync()): a key
//    removed from an issuer's JWKS, a new revocation set, a block list or a
//    policy reload all bump the epoch. Revocation and block checks still run
//    on every request after the cache (pipeline.h); clearing is the second
//    line, so that no verified identity survives an event that could matter.
//  * Bounded by size: at most max_entries; inserting into a full cache drops
//    expired entries first, then the least recently used one.
//  * Only successes are cached: a refused token is verified again each time.
//
// Thread-safety: one cache per gateway thread (per io_context), which is what
// makes a hit cost one hash and one table probe with no lock: every member
// except stats() and size() must be called from the owning thread only.
// stats() and size() may be read from any thread (relaxed atomics, for
// metrics). Pointers returned by find()/insert() stay valid until the next
// non-const call on the same cache.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <list>
#include <string_view>
#include <unordered_map>

#include "catalog/catalog.h"
#include "core/clock.h"
#include "gateway/proxy.h"
#include "gateway/verifier.h"

namespace tollgate::gateway {

// Per thread. 4096 distinct live tokens per core covers a busy partner fleet
// (each client reuses one token for its lifetime); an entry is about 1 KiB,
// so the cache costs at most ~4 MiB per core.
inline constexpr std::size_t kDefaultTokenCacheEntries = 4096;

struct TokenCacheStats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;     // not present, or present but outside its validity window
  std::uint64_t evictions = 0;  // dropped to make room
  std::uint64_t clears = 0;     // whole-cache invalidations (epoch changes)
};

class TokenCache {
 public:
  struct Entry {
    VerifiedToken token;
    Identity identity;  // header-safe, computed once at insert
  };

  explicit TokenCache(std::size_t max_entries = kDefaultTokenCacheEntries);
  TokenCache(const TokenCache&) = delete;
  TokenCache& operator=(const TokenCache&) = delete;

  // Drops every entry when `epoch` differs from the last epoch seen.
  void sync(std::uint64_t epoch);

  // The entry for `token` verified for `product`, if it is still valid at `now`.
  // An entry found outside its window is erased.
  const Entry* find(std::string_view token, const catalog::Product* product, core::TimePoint now);

  // Remember a verified token. Nothing is stored (and nullptr returned) when the
  // entry is not valid at `now` or the cache has room for none.
  // `entry` is moved from only when it is stored.
  const Entry* insert(std::string_view token, const catalog::Product* product, Entry&& entry,
                      core::TimePoint now);

  void clear();
  std::size_t size() const { return size_.load(std::memory_order_relaxed); }
  std::size_t capacity() const { return max_entries_; }
  TokenCacheStats stats() const;

 private:
  struct Key {
    std::array<unsigned char, 32> digest;
    const catalog::Product* product;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const;
  };
  struct Node;
  using Lru = std::list<Node>;
  struct Node {
    Key key;
    Entry entry;
  };

  static Key make_key(std::string_view token, const catalog::Product* product);
  void erase(Lru::iterator it);
  void make_room(core::TimePoint now);

  std::size_t max_entries_;
  std::uint64_t epoch_ = 0;
  Lru lru_;  // most recently used first
  std::unordered_map<Key, Lru::iterator, KeyHash> map_;
  // Written by the owning thread only; read by metrics from any thread.
  std::atomic<std::size_t> size_{0};
  std::atomic<std::uint64_t> hits_{0}, misses_{0}, evictions_{0}, clears_{0};
};

}  // namespace tollgate::gateway
