#include "gateway/revocations.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fstream>
#include <sstream>

#include "core/json.h"
#include "core/strf.h"
#include "gateway/config.h"
#include "http/log.h"

namespace tollgate::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// A feed page of 1000 entries is ~100 KiB; anything far beyond is not a feed.
constexpr std::size_t kMaxFeedBytes = 4 * 1024 * 1024;

class HttpFeedSource final : public FeedSource {
 public:
  explicit HttpFeedSource(std::chrono::milliseconds timeout) : timeout_(timeout) {}

  std::expected<FeedResponse, std::string> get(const std::string& url,
                                               const std::string& bearer) override {
    // url: http://host[:port]/path?query (validated by the config loader).
    constexpr std::string_view kScheme = "http://";
    if (!url.starts_with(kScheme)) return std::unexpected(std::string("not an http:// URL"));
    const auto path_at = url.find('/', kScheme.size());
    const std::string authority = url.substr(kScheme.size(), path_at - kScheme.size());
    const std::string target = path_at == std::string::npos ? "/" : url.substr(path_at);
    const auto origin = parse_http_origin(std::string(kScheme) + authority);
    if (!origin) return std::unexpected(std::string("bad authority"));

    asio::io_context ioc;
    tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    beast::flat_buffer buffer;
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, target, 11};
    req.set(bhttp::field::host, authority);
    req.set(bhttp::field::authorization, "Bearer " + bearer);
    req.set(bhttp::field::accept, "application/json");
    req.keep_alive(false);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(kMaxFeedBytes);
    std::string error;
    bool done = false;

    auto fail = [&](std::string_view what, const boost::system::error_code& ec) {
      if (error.empty()) error = std::string(what) + ": " + ec.message();
      stream.close();
    };
    resolver.async_resolve(
        origin->host, std::to_string(origin->port),
        [&](const boost::system::error_code& ec, tcp::resolver::results_type r) {
          if (ec) return fail("resolve", ec);
          stream.async_connect(r, [&](const boost::system::error_code& cec, const tcp::endpoint&) {
            if (cec) return fail("connect", cec);
            bhttp::async_write(stream, req, [&](const boost::system::error_code& wec, std::size_t) {
              if (wec) return fail("write", wec);
              bhttp::async_read(stream, buffer, parser,
                                [&](const boost::system::error_code& rec, std::size_t) {
                                  if (rec) return fail("read", rec);
                                  done = true;
                                });
            });
          });
        });
    ioc.run_for(timeout_);
    if (!done) return std::unexpected(error.empty() ? std::string("timeout") : error);
    FeedResponse out;
    out.status = parser.get().result_int();
    out.body = std::move(parser.get().body());
    return out;
  }

 private:
  std::chrono::milliseconds timeout_;
};

bool non_empty_string(const boost::json::value* v) {
  return v != nullptr && v->is_string() && !v->get_string().empty();
}

}  // namespace

std::shared_ptr<FeedSource> make_http_feed_source(std::chrono::milliseconds timeout) {
  return std::make_shared<HttpFeedSource>(timeout);
}

std::expected<FeedPage, std::string> parse_feed_page(std::string_view body) {
  auto doc = core::parse_strict_object(body);
  if (!doc) return std::unexpected(std::string("not a JSON object"));
  const auto next = core::get_int(*doc, "next");
  if (!next || *next < 0)
    return std::unexpected(std::string("'next' is not a non-negative integer"));
  const boost::json::value* revoked = doc->if_contains("revoked");
  if (revoked == nullptr || !revoked->is_array())
    return std::unexpected(std::string("'revoked' is not an array"));
  FeedPage page;
  page.next = *next;
  for (const auto& item : revoked->get_array()) {
    if (!item.is_object()) return std::unexpected(std::string("an entry is not an object"));
    const auto& o = item.get_object();
    const auto* jti = o.if_contains("jti");
    const auto* client = o.if_contains("client_id");
    const auto* consent = o.if_contains("consent_id");
    const int kinds = (jti != nullptr) + (client != nullptr) + (consent != nullptr);
    if (kinds != 1)
      return std::unexpected(
          std::string("an entry must name exactly one of jti, client_id, consent_id"));
    if (jti != nullptr) {
      const auto exp = core::get_int(o, "exp");
      if (!non_empty_string(jti) || !exp)
        return std::unexpected(
            std::string("a token entry needs a non-empty jti and an integer exp"));
      page.tokens.push_back({std::string(jti->get_string()), *exp});
    } else if (client != nullptr) {
      if (!non_empty_string(client)) return std::unexpected(std::string("an empty client_id"));
      page.clients.emplace_back(client->get_string());
    } else {
      if (!non_empty_string(consent)) return std::unexpected(std::string("an empty consent_id"));
      page.consents.emplace_back(consent->get_string());
    }
  }
  return page;
}

std::string_view to_string(RevocationVerdict v) {
  switch (v) {
    case RevocationVerdict::kClear:
      return "ok";
    case RevocationVerdict::kTokenRevoked:
      return "token_revoked";
    case RevocationVerdict::kClientRevoked:
      return "client_revoked";
    case RevocationVerdict::kConsentRevoked:
      return "consent_revoked";
    case RevocationVerdict::kStale:
      return "revocation_state_stale";
  }
  return "revocation_state_stale";
}

Revocations::Revocations(RevocationFeedConfig config, const core::Clock& clock,
                         std::shared_ptr<FeedSource> source)
    : config_(std::move(config)), clock_(clock), source_(std::move(source)) {
  set_.store(std::make_shared<const Set>());
}

Revocations::~Revocations() { stop(); }

std::shared_ptr<Revocations> Revocations::create(RevocationFeedConfig config,
                                                 const core::Clock& clock,
                                                 std::shared_ptr<FeedSource> source) {
  return std::shared_ptr<Revocations>(new Revocations(std::move(config), clock, std::move(source)));
}

bool Revocations::fresh() const {
  const std::int64_t last = last_success_us_.load(std::memory_order_acquire);
  if (last == 0) return false;
  const std::int64_t now = clock_.now().time_since_epoch().count();
  return now - last <=
         std::chrono::duration_cast<std::chrono::microseconds>(config_.max_staleness).count();
}

RevocationVerdict Revocations::check(std::string_view jti, std::string_view client_id,
                                     std::string_view consent_id) const {
  // Revoked entries are reported even when stale: what we know is still true.
  const auto set = set_.load(std::memory_order_acquire);
  if (!client_id.empty() && set->clients.contains(client_id))
    return RevocationVerdict::kClientRevoked;
  if (!jti.empty() && set->tokens.contains(jti)) return RevocationVerdict::kTokenRevoked;
  if (!consent_id.empty() && set->consents.contains(consent_id))
    return RevocationVerdict::kConsentRevoked;
  return fresh() ? RevocationVerdict::kClear : RevocationVerdict::kStale;
}

RevocationStats Revocations::stats() const {
  RevocationStats s;
  s.polls_ok = polls_ok_.load();
  s.polls_failed = polls_failed_.load();
  s.cursor = cursor_.load();
  s.last_success_unix = last_success_us_.load() / 1'000'000;
  const auto set = set_.load();
  s.tokens = set->tokens.size();
  s.clients = set->clients.size();
  s.consents = set->consents.size();
  s.configured = config_.url.has_value();
  return s;
}

void Revocations::apply(const FeedPage& page) {
  const std::int64_t now_s = clock_.unix_seconds();
  auto current = set_.load(std::memory_order_acquire);
  auto next = std::make_shared<Set>(*current);
  // Token entries are dropped once their token is refused as expired anyway:
  // exp plus the largest clock skew an issuer may be configured with (a token
  // is accepted up to exp + clock_skew).
  const std::int64_t horizon = now_s - kKeepPastExp.count();
  for (auto it = next->tokens.begin(); it != next->tokens.end();)
    it = it->second < horizon ? next->tokens.erase(it) : std::next(it);
  std::size_t added = 0;
  for (const auto& t : page.tokens)
    if (t.exp >= horizon && next->tokens.emplace(t.jti, t.exp).second) ++added;
  for (const auto& c : page.clients) added += next->clients.insert(c).second;
  for (const auto& c : page.consents) added += next->consents.insert(c).second;
  set_.store(std::move(next), std::memory_order_release);
  if (added > 0) epoch_.fetch_add(1, std::memory_order_acq_rel);
}

std::expected<std::string, std::string> Revocations::admin_token() {
  if (!config_.admin_token_file) return std::unexpected(std::string("no admin_token_file"));
  std::ifstream in(*config_.admin_token_file, std::ios::binary);
  if (!in) return std::unexpected("cannot read " + *config_.admin_token_file);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string t = ss.str();
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  while (!t.empty() && (t.front() == ' ' || t.front() == '\n')) t.erase(t.begin());
  if (t.empty()) return std::unexpected(*config_.admin_token_file + " is empty");
  return t;
}

bool Revocations::poll() {
  std::lock_guard lock(poll_mutex_);
  if (!config_.url) return false;
  auto fail = [&](const std::string& why) {
    polls_failed_.fetch_add(1, std::memory_order_relaxed);
    http::log_json("app",
                   {{"msg", "revocation feed poll failed; keeping the set"},
                    {"reason", "revocation_feed_failed"},
                    {"error", why},
                    {"fresh", fresh()}},
                   http::LogLevel::kWarn);
    return false;
  };
  auto token = admin_token();
  if (!token) return fail(token.error());
  for (std::size_t pages = 0; pages < kMaxPagesPerPoll; ++pages) {
    const std::int64_t since = cursor_.load();
    const std::string url = *config_.url +
                            (config_.url->find('?') == std::string::npos ? "?" : "&") +
                            "since=" + std::to_string(since);
    auto res = source_->get(url, *token);
    if (!res) return fail(res.error());
    if (res->status != 200) return fail(core::strf("HTTP {}", res->status));
    auto page = parse_feed_page(res->body);
    if (!page) return fail("bad page: " + page.error());
    if (page->next < since) return fail("the feed's cursor went backwards");
    apply(*page);
    cursor_.store(page->next);
    // A page that moved the cursor and carried entries may have a successor.
    if (page->entries() == 0 || page->next == since) break;
  }
  last_success_us_.store(clock_.now().time_since_epoch().count(), std::memory_order_release);
  polls_ok_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void Revocations::start() {
  if (!config_.url) return;
  poll();
  std::lock_guard lock(thread_mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void Revocations::stop() {
  {
    std::lock_guard lock(thread_mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void Revocations::run() {
  std::unique_lock lock(thread_mutex_);
  while (!stopping_) {
    cv_.wait_for(lock, config_.interval, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    poll();
    lock.lock();
  }
}

}  // namespace tollgate::gateway
