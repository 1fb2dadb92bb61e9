#include "authz/keys.h"

#include <sys/stat.h>

#include <fstream>

#include "authz/test_support.h"
#include "core/jws.h"

namespace tollgate::authz {
namespace {

using testing::TempDir;
namespace fs = std::filesystem;

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

std::vector<fs::path> pem_files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() != ".json") out.push_back(e.path());
  return out;
}

std::string open_error(const fs::path& data, core::Alg alg = core::Alg::kES256) {
  try {
    KeyManager::open(data, alg, core::SystemClock::instance());
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "no error";
}

std::string open_error_with(const fs::path& data, core::Alg alg, const KeyOptions& o) {
  try {
    KeyManager::open(data, alg, core::SystemClock::instance(), o);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "no error";
}

// The first start generates one key, named by its RFC 7638 thumbprint, in a 0700 folder with mode
// 0600.
TEST(KeyManager, GeneratesPrivateKeyFileOnFirstStart) {
  TempDir tmp;
  core::ManualClock clock;
  const KeyManager km = KeyManager::open(tmp.path() / "data", core::Alg::kES256, clock);
  const fs::path dir = tmp.path() / "data" / "keys";
  EXPECT_EQ(km.keys_dir(), dir);
  EXPECT_EQ(mode_of(dir), 0700u);
  const auto files = pem_files(dir);
  ASSERT_EQ(files.size(), 1u);  // no temp file left behind
  EXPECT_EQ(mode_of(files[0]), 0600u);
  const core::Jwk key = km.current();
  EXPECT_TRUE(key.is_private());
  EXPECT_EQ(files[0].filename().string(), key.kid() + ".pem");
  EXPECT_EQ(key.kid(), key.thumbprint());
  EXPECT_EQ(km.alg(), core::Alg::kES256);
}

// Reopening the same data folder reuses the key: same kid, no new file.
TEST(KeyManager, ReopenReusesKey) {
  TempDir tmp;
  core::ManualClock clock;
  const std::string kid = KeyManager::open(tmp.path(), core::Alg::kES256, clock).current().kid();
  const KeyManager again = KeyManager::open(tmp.path(), core::Alg::kES256, clock);
  EXPECT_EQ(again.current().kid(), kid);
  EXPECT_EQ(pem_files(tmp.path() / "keys").size(), 1u);
}

// The JWKS publishes the public key only, with kid, use and alg, and it verifies what current()
// signs.
TEST(KeyManager, JwksIsPublicAndVerifiesSignatures) {
  TempDir tmp;
  core::ManualClock clock;
  const KeyManager km = KeyManager::open(tmp.path(), core::Alg::kES256, clock);
  const auto doc = boost::json::parse(km.jwks_json()).as_object();
  const auto& keys = doc.at("keys").as_array();
  ASSERT_EQ(keys.size(), 1u);
  const auto& k = keys[0].as_object();
  EXPECT_EQ(k.at("kid").as_string(), km.current().kid());
  EXPECT_EQ(k.at("kty").as_string(), "EC");
  EXPECT_EQ(k.at("alg").as_string(), "ES256");
  EXPECT_FALSE(k.contains("d"));
  EXPECT_FALSE(km.jwks()->keys()[0].is_private());

  auto token = core::sign_compact(km.current(), core::Alg::kES256, R"({"x":1})", "at+jwt");
  ASSERT_TRUE(token);
  auto parsed = core::parse_compact(*token, {core::Alg::kES256});
  ASSERT_TRUE(parsed);
  auto served = core::Jwks::from_json(km.jwks_json());
  ASSERT_TRUE(served);
  const core::Jwk* pub = served->find(km.current().kid());
  ASSERT_NE(pub, nullptr);
  EXPECT_EQ(core::verify_signature(*parsed, *pub), core::JoseStatus::kOk);
}

// A private key file readable by group or others is refused, with the fix in the message.
TEST(KeyManager, RefusesGroupOrWorldReadableKeyFile) {
  TempDir tmp;
  core::ManualClock clock;
  const std::string kid = KeyManager::open(tmp.path(), core::Alg::kES256, clock).current().kid();
  const fs::path file = tmp.path() / "keys" / (kid + ".pem");
  for (unsigned mode : {0644u, 0640u, 0604u, 0660u}) {
    ASSERT_EQ(::chmod(file.c_str(), mode), 0);
    const std::string e = open_error(tmp.path());
    EXPECT_NE(e.find("chmod 600"), std::string::npos) << mode << ": " << e;
  }
  ASSERT_EQ(::chmod(file.c_str(), 0400), 0);  // stricter than 0600 is fine
  EXPECT_EQ(KeyManager::open(tmp.path(), core::Alg::kES256, clock).current().kid(), kid);
}

// A keys folder that others can write to is refused (a planted key would be trusted).
TEST(KeyManager, RefusesWritableKeysFolder) {
  TempDir tmp;
  core::ManualClock clock;
  KeyManager::open(tmp.path(), core::Alg::kES256, clock);
  ASSERT_EQ(::chmod((tmp.path() / "keys").c_str(), 0777), 0);
  EXPECT_NE(open_error(tmp.path()).find("chmod 700"), std::string::npos);
}

// A .pem file that is not a private key, or is badly named, stops the start with its name.
TEST(KeyManager, RefusesBadKeyFiles) {
  {
    TempDir tmp;
    fs::create_directories(tmp.path() / "keys");
    fs::permissions(tmp.path() / "keys", fs::perms::owner_all, fs::perm_options::replace);
    { std::ofstream(tmp.path() / "keys" / "junk.pem") << "not a key"; }
    ::chmod((tmp.path() / "keys" / "junk.pem").c_str(), 0600);
    EXPECT_NE(open_error(tmp.path()).find("junk.pem"), std::string::npos);
  }
  {
    TempDir tmp;
    core::ManualClock clock;
    const KeyManager km = KeyManager::open(tmp.path(), core::Alg::kES256, clock);
    const fs::path from = tmp.path() / "keys" / (km.current().kid() + ".pem");
    fs::rename(from, tmp.path() / "keys" / "bad name.pem");
    EXPECT_NE(open_error(tmp.path()).find("must be <kid>.pem"), std::string::npos);
  }
  {
    TempDir tmp;
    core::ManualClock clock;
    const KeyManager km = KeyManager::open(tmp.path(), core::Alg::kES256, clock);
    const fs::path file = tmp.path() / "keys" / (km.current().kid() + ".pem");
    const std::string pub = km.current().to_public_pem();
    { std::ofstream(file, std::ios::trunc) << pub; }
    EXPECT_NE(open_error(tmp.path()).find("public key"), std::string::npos);
  }
}

// Changing the algorithm generates a key for it and keeps publishing the old key.
TEST(KeyManager, NewAlgorithmAddsKeyAndKeepsOldOnePublished) {
  TempDir tmp;
  core::ManualClock clock;
  const std::string es_kid = KeyManager::open(tmp.path(), core::Alg::kES256, clock).current().kid();
  const KeyManager ed = KeyManager::open(tmp.path(), core::Alg::kEdDSA, clock);
  EXPECT_NE(ed.current().kid(), es_kid);
  EXPECT_EQ(ed.alg(), core::Alg::kEdDSA);
  EXPECT_TRUE(ed.current().fits(core::Alg::kEdDSA));
  EXPECT_NE(ed.jwks()->find(es_kid), nullptr);
  EXPECT_NE(ed.jwks()->find(ed.current().kid()), nullptr);
  EXPECT_EQ(pem_files(tmp.path() / "keys").size(), 2u);
  // And back: the ES256 key is reused, not regenerated.
  EXPECT_EQ(KeyManager::open(tmp.path(), core::Alg::kES256, clock).current().kid(), es_kid);
}

// Copies share one immutable state: a copy signs with the same key and serves the same JWKS.
TEST(KeyManager, CopiesShareState) {
  TempDir tmp;
  core::ManualClock clock;
  const KeyManager a = KeyManager::open(tmp.path(), core::Alg::kES256, clock);
  const KeyManager b = a;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_EQ(a.current().kid(), b.current().kid());
  EXPECT_EQ(a.jwks_json(), b.jwks_json());
  EXPECT_EQ(a.jwks().get(), b.jwks().get());
}

// Scheduled rotation: the next key is published ahead, signs at its time, and the old key stays
// published for `retain`, then is retired (deleted) — with an event for each step.
TEST(KeyManager, ScheduledRotationPublishesAheadAndRetiresLater) {
  TempDir tmp;
  core::ManualClock clock(1'800'000'000);
  KeyOptions o;
  o.rotation = std::chrono::seconds{1000};
  o.publish_ahead = std::chrono::seconds{100};
  o.retain = std::chrono::seconds{500};
  KeyManager km = KeyManager::open(tmp.path(), core::Alg::kES256, clock, o);
  const std::string first = km.current().kid();
  EXPECT_TRUE(km.refresh().empty());
  clock.advance(std::chrono::seconds{899});
  EXPECT_TRUE(km.refresh().empty());  // not yet due
  clock.advance(std::chrono::seconds{1});
  auto ev = km.refresh();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].event, "key_generated");
  EXPECT_EQ(ev[0].at, 1'800'001'000);
  const std::string next = ev[0].kid;
  EXPECT_EQ(km.current().kid(), first);  // still signing with the old key...
  EXPECT_NE(km.jwks()->find(next), nullptr);  // ...while the next one is already published
  clock.advance(std::chrono::seconds{100});
  ev = km.refresh();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].event, "key_activated");
  EXPECT_EQ(km.current().kid(), next);
  EXPECT_NE(km.jwks()->find(first), nullptr);  // previous key kept for its tokens
  clock.advance(std::chrono::seconds{499});
  km.refresh();
  EXPECT_NE(km.jwks()->find(first), nullptr);
  clock.advance(std::chrono::seconds{1});
  ev = km.refresh();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].event, "key_retired");
  EXPECT_EQ(ev[0].kid, first);
  EXPECT_EQ(km.jwks()->find(first), nullptr);
  EXPECT_FALSE(fs::exists(tmp.path() / "keys" / (first + ".pem")));
  // A restart sees the same keys.
  EXPECT_EQ(KeyManager::open(tmp.path(), core::Alg::kES256, clock, o).current().kid(), next);
}

// A key written by another process (`tollgate key rotate`) is picked up by refresh and signs at once;
// copies of the manager (the token service's) see it too.
TEST(KeyManager, KeyAddedByAnotherProcessIsPickedUp) {
  TempDir tmp;
  core::ManualClock clock(1'800'000'000);
  KeyManager km = KeyManager::open(tmp.path(), core::Alg::kES256, clock);
  const KeyManager copy = km;
  const std::string old = km.current().kid();
  clock.advance(std::chrono::seconds{5});
  const KeyInfo added = KeyManager::add_key(tmp.path(), core::Alg::kES256, clock.unix_seconds(), clock);
  EXPECT_EQ(added.status, "signing");
  auto ev = km.refresh();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].event, "key_activated");
  EXPECT_EQ(copy.current().kid(), added.kid);
  EXPECT_EQ(copy.jwks()->keys().size(), 2u);
  const auto list = KeyManager::scan(tmp.path(), core::Alg::kES256, clock);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].kid, old);
  EXPECT_EQ(list[0].status, "previous");
  EXPECT_EQ(list[1].status, "signing");
  EXPECT_EQ(mode_of(tmp.path() / "keys" / (added.kid + ".json")), 0600u);
}

// A key planted later with bad permissions is ignored by refresh (logged), never a crash or a switch.
TEST(KeyManager, RefreshIgnoresBadFiles) {
  TempDir tmp;
  core::ManualClock clock(1'800'000'000);
  KeyManager km = KeyManager::open(tmp.path(), core::Alg::kES256, clock);
  const std::string kid = km.current().kid();
  const fs::path planted = tmp.path() / "keys" / "planted.pem";
  { std::ofstream(planted) << core::Jwk::generate(core::Alg::kES256, "x")->to_private_pem().value(); }
  ::chmod(planted.c_str(), 0644);
  km.refresh();
  EXPECT_EQ(km.current().kid(), kid);
  EXPECT_EQ(km.jwks()->find("planted"), nullptr);
}

// signing_key_file: that PEM signs (kid = its thumbprint) and is the only key published.
TEST(KeyManager, ExternalSigningKeyFile) {
  TempDir tmp;
  core::ManualClock clock(1'800'000'000);
  const auto key = core::Jwk::generate(core::Alg::kRS256, "").value();
  const fs::path file = tmp.path() / "rsa_priv.pem";
  { std::ofstream(file) << key.to_private_pem().value(); }
  ::chmod(file.c_str(), 0600);
  KeyOptions o;
  o.signing_key_file = file;
  KeyManager km = KeyManager::open(tmp.path() / "data", core::Alg::kRS256, clock, o);
  EXPECT_EQ(km.current().kid(), key.thumbprint());
  EXPECT_EQ(km.jwks()->keys().size(), 1u);
  EXPECT_TRUE(km.refresh().empty());
  EXPECT_TRUE(pem_files(tmp.path() / "data" / "keys").empty());  // nothing generated
  ::chmod(file.c_str(), 0644);
  EXPECT_NE(open_error_with(tmp.path() / "data", core::Alg::kRS256, o).find("chmod 600"), std::string::npos);
  ::chmod(file.c_str(), 0600);
  EXPECT_NE(open_error_with(tmp.path() / "data", core::Alg::kES256, o).find("cannot sign ES256"), std::string::npos);
}

}  // namespace
}  // namespace tollgate::authz
