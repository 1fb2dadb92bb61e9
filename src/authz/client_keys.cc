#include "authz/client_keys.h"

#include "core/strf.h"
#include "http/client.h"

namespace tollgate::authz {

using core::strf;

ClientKeys::ClientKeys(std::chrono::seconds ttl, const core::Clock& clock, Fetcher fetcher)
    : ttl_(ttl), clock_(clock), fetcher_(fetcher ? std::move(fetcher) : http_fetcher()) {}

std::expected<std::shared_ptr<const core::Jwks>, std::string> ClientKeys::keys(
    const store::ClientRecord& client, bool refresh) {
  if (!client.jwks_uri.empty()) return from_uri(client, refresh);
  if (client.jwks.empty()) return std::unexpected(std::string("the client has no registered keys"));
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(client.client_id);
    if (it != cache_.end() && it->second.source == client.jwks) return it->second.jwks;
  }
  auto parsed = core::Jwks::from_json(client.jwks);
  if (!parsed) return std::unexpected(strf("the registered JWKS is unusable ({})", core::to_string(parsed.error())));
  auto jwks = std::make_shared<const core::Jwks>(std::move(*parsed));
  std::lock_guard lock(mutex_);
  if (cache_.size() >= kMaxCachedClients) cache_.clear();
  cache_[client.client_id] = Entry{client.jwks, jwks, clock_.unix_seconds(), 0};
  return jwks;
}

std::expected<std::shared_ptr<const core::Jwks>, std::string> ClientKeys::from_uri(
    const store::ClientRecord& client, bool refresh) {
  const std::int64_t now = clock_.unix_seconds();
  std::shared_ptr<const core::Jwks> stale;
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(client.client_id);
    if (it != cache_.end() && it->second.source == client.jwks_uri) {
      Entry& e = it->second;
      stale = e.jwks;
      const bool fresh = e.jwks && now - e.fetched_at < ttl_.count();
      const bool may_fetch = now - e.last_attempt >= kMinRefetchInterval.count();
      if (fresh && !(refresh && may_fetch)) return e.jwks;
      if (!may_fetch) {
        if (e.jwks) return e.jwks;
        return std::unexpected(strf("fetching {} failed recently; next attempt within {} s", client.jwks_uri,
                                    kMinRefetchInterval.count()));
      }
      e.last_attempt = now;
    } else {
      if (cache_.size() >= kMaxCachedClients) cache_.clear();
      cache_[client.client_id] = Entry{client.jwks_uri, nullptr, 0, now};
    }
  }
  auto body = fetcher_(client.jwks_uri);
  std::string why;
  std::shared_ptr<const core::Jwks> fetched;
  if (!body) {
    why = strf("fetching {} failed: {}", client.jwks_uri, body.error());
  } else if (auto parsed = core::Jwks::from_json(*body); !parsed) {
    why = strf("{} is not a usable JWKS ({})", client.jwks_uri, core::to_string(parsed.error()));
  } else {
    fetched = std::make_shared<const core::Jwks>(std::move(*parsed));
  }
  std::lock_guard lock(mutex_);
  Entry& e = cache_[client.client_id];
  if (fetched) {
    e.source = client.jwks_uri;
    e.jwks = fetched;
    e.fetched_at = now;
    return fetched;
  }
  if (stale) return stale;  // stale-if-error
  return std::unexpected(why);
}

ClientKeys::Fetcher http_fetcher() {
  return [](const std::string& url) -> std::expected<std::string, std::string> {
    auto r = http::fetch(url, ClientKeys::kFetchTimeout, ClientKeys::kMaxJwksBytes);
    if (!r) return std::unexpected(r.error());
    if (r->status != 200) return std::unexpected(strf("HTTP status {}", r->status));
    return std::move(r->body);
  };
}

}  // namespace tollgate::authz
