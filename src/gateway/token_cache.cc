#include "gateway/token_cache.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <cstring>

#include "core/ossl_util.h"

namespace tollgate::gateway {
namespace {

void bump(std::atomic<std::uint64_t>& c) {
  // Single writer: a relaxed load + store is enough and avoids a locked add.
  c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

bool valid_at(const VerifiedToken& t, core::TimePoint now) {
  return t.valid_from <= now && now < t.valid_until;
}

}  // namespace

std::size_t TokenCache::KeyHash::operator()(const Key& k) const {
  // The digest is already uniformly distributed: its first word is the hash.
  std::size_t h = 0;
  std::memcpy(&h, k.digest.data(), sizeof h);
  return h ^ (reinterpret_cast<std::uintptr_t>(k.product) >> 4);
}

TokenCache::TokenCache(std::size_t max_entries) : max_entries_(max_entries) {
  map_.reserve(max_entries_);
}

TokenCache::Key TokenCache::make_key(std::string_view token, const catalog::Product* product) {
  Key k{};
  unsigned int len = 0;
  if (EVP_Digest(token.data(), token.size(), k.digest.data(), &len, core::detail::sha256_md(),
                 nullptr) != 1 ||
      len != k.digest.size())
    std::abort();  // SHA-256 from the default provider cannot fail on memory input
  k.product = product;
  return k;
}

void TokenCache::sync(std::uint64_t epoch) {
  if (epoch == epoch_) return;
  epoch_ = epoch;
  if (!map_.empty()) {
    clear();
    bump(clears_);
  }
}

const TokenCache::Entry* TokenCache::find(std::string_view token, const catalog::Product* product,
                                          core::TimePoint now) {
  if (max_entries_ == 0) return nullptr;
  const Key key = make_key(token, product);
  const auto it = map_.find(key);
  if (it == map_.end()) {
    bump(misses_);
    return nullptr;
  }
  if (!valid_at(it->second->entry.token, now)) {
    erase(it->second);
    bump(misses_);
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  bump(hits_);
  return &it->second->entry;
}

const TokenCache::Entry* TokenCache::insert(std::string_view token, const catalog::Product* product,
                                            Entry&& entry, core::TimePoint now) {
  if (max_entries_ == 0 || !valid_at(entry.token, now)) return nullptr;
  const Key key = make_key(token, product);
  if (const auto it = map_.find(key); it != map_.end()) erase(it->second);
  make_room(now);
  lru_.push_front(Node{key, std::move(entry)});
  map_.emplace(key, lru_.begin());
  size_.store(map_.size(), std::memory_order_relaxed);
  return &lru_.front().entry;
}

void TokenCache::make_room(core::TimePoint now) {
  if (map_.size() < max_entries_) return;
  // Expired entries go first (one pass, only when full), then the least recently used.
  for (auto it = lru_.begin(); it != lru_.end();) {
    auto next = std::next(it);
    if (!valid_at(it->entry.token, now)) erase(it);
    it = next;
  }
  while (map_.size() >= max_entries_ && !lru_.empty()) {
    erase(std::prev(lru_.end()));
    bump(evictions_);
  }
}

void TokenCache::erase(Lru::iterator it) {
  map_.erase(it->key);
  lru_.erase(it);
  size_.store(map_.size(), std::memory_order_relaxed);
}

void TokenCache::clear() {
  map_.clear();
  lru_.clear();
  size_.store(0, std::memory_order_relaxed);
}

TokenCacheStats TokenCache::stats() const {
  TokenCacheStats s;
  s.hits = hits_.load(std::memory_order_relaxed);
  s.misses = misses_.load(std::memory_order_relaxed);
  s.evictions = evictions_.load(std::memory_order_relaxed);
  s.clears = clears_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace tollgate::gateway
