#include "gateway/jwks_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "gateway/test_util.h"

namespace tollgate::gateway {
namespace {

using namespace testing;
using namespace std::chrono_literals;

// A scratch directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("tollgate-gw-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string write(const std::string& name, const std::string& content) {
    const auto p = path_ / name;
    std::ofstream(p) << content;
    return p.string();
  }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

class JwksCacheTest : public ::testing::Test {
 protected:
  core::ManualClock clock_{kNow};
  std::shared_ptr<FakeFetcher> fetcher_ = std::make_shared<FakeFetcher>();

  std::shared_ptr<JwksCache> make(IssuerConfig issuer) {
    return JwksCache::create({issuer}, fetcher_, clock_);
  }
  static bool has(const JwksCache& c, std::string_view kid) {
    return c.keys(0)->find(kid) != nullptr;
  }
};

// Keys from PEM files and a JWKS file are there from the start, with no fetch.
TEST_F(JwksCacheTest, StaticKeysLoadedAtCreate) {
  TempDir dir;
  IssuerConfig i;
  i.issuer = "https://as.bench.local";
  i.pem_keys = {{"rsa-1", dir.write("rsa_pub.pem", keys().rsa.to_public_pem()), core::Alg::kRS256},
                {"ec-1", dir.write("ec_pub.pem", keys().ec.to_public_pem()), std::nullopt}};
  i.jwks_file = dir.write("jwks.json", core::Jwks({public_of(keys().ec_rotated)}).to_public_json());
  auto c = make(i);
  EXPECT_EQ(c->keys(0)->keys().size(), 3u);
  EXPECT_TRUE(has(*c, "rsa-1"));
  EXPECT_EQ(c->keys(0)->find("rsa-1")->alg(), core::Alg::kRS256);
  EXPECT_TRUE(has(*c, "ec-2"));
  c->poll();
  EXPECT_EQ(fetcher_->count(), 0);
  EXPECT_FALSE(c->request_refresh(0));  // nothing remote to refresh
}

// Unreadable files, non-keys, private keys and alg/key misfits are start-up errors naming the
// issuer.
TEST_F(JwksCacheTest, BadStaticKeysRefused) {
  TempDir dir;
  auto error = [&](IssuerConfig i) -> std::string {
    try {
      make(i);
    } catch (const catalog::ConfigError& e) {
      return e.what();
    }
    return "no error";
  };
  IssuerConfig i;
  i.issuer = "https://as";
  i.pem_keys = {{"k", "/nonexistent/key.pem", std::nullopt}};
  EXPECT_EQ(error(i), "issuer 'https://as', pem key 'k': cannot read '/nonexistent/key.pem'");
  i.pem_keys = {{"k", dir.write("junk.pem", "not a key"), std::nullopt}};
  EXPECT_NE(error(i).find("is not a usable public key"), std::string::npos);
  i.pem_keys = {{"k", dir.write("priv.pem", *keys().ec.to_private_pem()), std::nullopt}};
  EXPECT_NE(error(i).find("holds a private key"), std::string::npos);
  i.pem_keys = {{"k", dir.write("ec.pem", keys().ec.to_public_pem()), core::Alg::kRS256}};
  EXPECT_NE(error(i).find("cannot verify RS256"), std::string::npos);
  i.pem_keys.clear();
  i.jwks_file = dir.write("bad.json", "{\"nokeys\":1}");
  EXPECT_NE(error(i).find("is not a JWKS"), std::string::npos);
}

// The first poll fetches; later polls wait for jwks_refresh on the injected clock.
TEST_F(JwksCacheTest, PeriodicRefreshFollowsClock) {
  fetcher_->set(public_jwks(), false);
  auto c = make(test_issuer());
  EXPECT_TRUE(c->keys(0)->keys().empty());
  c->poll();
  EXPECT_EQ(fetcher_->count(), 1);
  EXPECT_EQ(fetcher_->last_uri, "http://127.0.0.1:1/jwks.json");
  EXPECT_TRUE(has(*c, "ec-1"));
  clock_.advance(299s);
  c->poll();
  EXPECT_EQ(fetcher_->count(), 1);
  clock_.advance(1s);
  c->poll();
  EXPECT_EQ(fetcher_->count(), 2);
  EXPECT_EQ(c->stats(0).fetch_ok, 2u);
  EXPECT_EQ(c->stats(0).last_success_unix, kNow + 300);
}

// An unknown kid triggers one refetch per 30 s per issuer, however many requests ask.
TEST_F(JwksCacheTest, UnknownKidRefreshIsRateLimited) {
  fetcher_->set(public_jwks(), false);
  auto c = make(test_issuer());
  c->poll();
  fetcher_->set(core::Jwks({public_of(keys().ec), public_of(keys().ec_rotated)}), false);
  EXPECT_TRUE(c->request_refresh(0));
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(c->request_refresh(0));
  c->poll();
  EXPECT_EQ(fetcher_->count(), 2);
  EXPECT_TRUE(has(*c, "ec-2"));
  clock_.advance(29s);
  EXPECT_FALSE(c->request_refresh(0));
  c->poll();
  EXPECT_EQ(fetcher_->count(), 2);
  clock_.advance(1s);
  EXPECT_TRUE(c->request_refresh(0));
  c->poll();
  EXPECT_EQ(fetcher_->count(), 3);
  EXPECT_EQ(c->stats(0).refresh_requested, 2u);
  EXPECT_EQ(c->stats(0).refresh_rate_limited, 101u);
}

// A failed fetch keeps the previous keys and retries after kRetryAfterFailure.
TEST_F(JwksCacheTest, StaleKeysKeptOnFailure) {
  fetcher_->set(public_jwks(), false);
  auto c = make(test_issuer());
  c->poll();
  fetcher_->set({}, true);
  clock_.advance(300s);
  c->poll();
  EXPECT_EQ(fetcher_->count(), 2);
  EXPECT_TRUE(has(*c, "ec-1"));
  EXPECT_TRUE(has(*c, "rsa-1"));
  EXPECT_EQ(c->stats(0).fetch_failed, 1u);
  clock_.advance(4s);
  c->poll();
  EXPECT_EQ(fetcher_->count(), 2);
  clock_.advance(1s);
  c->poll();
  EXPECT_EQ(fetcher_->count(), 3);
  EXPECT_TRUE(has(*c, "ec-1"));
  // Back up: the next retry gets fresh keys (and drops rotated-out ones).
  fetcher_->set(core::Jwks({public_of(keys().ec_rotated)}), false);
  clock_.advance(5s);
  c->poll();
  EXPECT_TRUE(has(*c, "ec-2"));
  EXPECT_FALSE(has(*c, "ec-1"));
}

// Stale-if-error is bounded: past jwks_max_stale without a successful fetch the fetched keys are
// dropped (a key removal: token caches clear), static keys stay.
TEST_F(JwksCacheTest, StaleGraceIsBounded) {
  fetcher_->set(public_jwks(), false);
  auto issuer = test_issuer();
  issuer.jwks_max_stale = std::chrono::seconds(600);
  auto c = make(issuer);
  c->poll();
  ASSERT_TRUE(has(*c, "ec-1"));
  fetcher_->set({}, true);
  clock_.advance(600s);
  c->poll();
  EXPECT_TRUE(has(*c, "ec-1"));  // exactly at the bound: still kept
  EXPECT_EQ(c->key_removals(), 0u);
  clock_.advance(5s);
  c->poll();
  EXPECT_FALSE(has(*c, "ec-1"));
  EXPECT_EQ(c->key_removals(), 1u);
  fetcher_->set(public_jwks(), false);  // the issuer is back: keys return at the next retry
  clock_.advance(5s);
  c->poll();
  EXPECT_TRUE(has(*c, "ec-1"));
}

// Discovery finds the jwks_uri through the fetcher before fetching the keys.
TEST_F(JwksCacheTest, DiscoveryResolvesJwksUri) {
  fetcher_->set(public_jwks(), false);
  IssuerConfig i;
  i.issuer = "http://127.0.0.1:9000";
  i.discovery = true;
  auto c = make(i);
  c->poll();
  EXPECT_EQ(fetcher_->discoveries, 1);
  EXPECT_EQ(fetcher_->last_uri, "http://127.0.0.1:9000/jwks.json");
  EXPECT_TRUE(has(*c, "ec-1"));
}

// With the background thread running, request_refresh() wakes it at once.
TEST_F(JwksCacheTest, BackgroundThreadServesRefreshRequests) {
  fetcher_->set(public_jwks(), false);
  auto c = make(test_issuer());
  c->start();  // one synchronous poll
  EXPECT_EQ(fetcher_->count(), 1);
  EXPECT_TRUE(c->request_refresh(0));
  for (int i = 0; i < 200 && fetcher_->count() < 2; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(fetcher_->count(), 2);
  c->stop();
  c->stop();  // idempotent
}

}  // namespace
}  // namespace tollgate::gateway
