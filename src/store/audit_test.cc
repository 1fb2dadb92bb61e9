#include "store/audit.h"

#include <gtest/gtest.h>

#include <thread>

#include "core/crypto.h"
#include "store/test_support.h"

namespace tollgate::store {
namespace {

class AuditStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = tmp_.open();
    store_ = AuditStore::open(db_).value();
  }
  static AuditInput input(std::string event, std::string client,
                          std::int64_t ts = 1'800'000'000'000) {
    return AuditInput{ts, std::move(event),
                      boost::json::object{{"client_id", client}, {"z", 1}, {"a", "x"}}};
  }
  void append_n(int n) {
    std::vector<AuditInput> in;
    for (int i = 0; i < n; ++i)
      in.push_back(input("client_auth", "c" + std::to_string(i), 1'800'000'000'000 + i));
    ASSERT_TRUE(store_->append(in));
  }
  // Tamper as an attacker with SQL access would: drop the guard, then write.
  void tamper(std::string_view sql) {
    ASSERT_TRUE(db_->run([&](Connection& c) {
      const std::string drop =
          tmp_.postgres()
              ? "DROP TRIGGER IF EXISTS audit_no_update ON audit; DROP TRIGGER IF EXISTS "
                "audit_no_delete ON audit; "
              : "DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete; ";
      return c.exec(drop + std::string(sql));
    }));
  }
  testing::TempDb tmp_{GetParam()};
  std::shared_ptr<Database> db_;
  std::shared_ptr<AuditStore> store_;
};

// Canonical JSON sorts members at every depth and has no whitespace.
TEST(CanonicalJson, SortsMembersAtEveryDepth) {
  auto v = boost::json::parse(R"({"b":1,"a":{"d":[3,{"y":1,"x":"\u00e9"}],"c":null}})");
  EXPECT_EQ(canonical_json(v), R"({"a":{"c":null,"d":[3,{"x":"é","y":1}]},"b":1})");
}

// A batch gets consecutive seqs; each record links to the previous one's hash.
TEST_P(AuditStoreTest, BatchIsChained) {
  std::vector<AuditInput> in{input("client_auth", "a"), input("token_issued", "b")};
  auto seqs = store_->append(in).value();
  EXPECT_EQ(seqs, (std::vector<std::int64_t>{1, 2}));
  std::vector<AuditRecord> rows;
  ASSERT_TRUE(store_->scan(0, 0, [&](const AuditRecord& r) {
    rows.push_back(r);
    return true;
  }));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].text,
            std::string(R"({"a":"x","client_id":"a","event":"client_auth","prev":")") +
                std::string(kAuditGenesis) + R"(","seq":1,"ts":1800000000000,"z":1})");
  EXPECT_EQ(rows[0].hash, core::sha256_hex(rows[0].text));
  EXPECT_NE(rows[1].text.find(R"("prev":")" + rows[0].hash + "\""), std::string::npos);
  auto report = store_->verify().value();
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.records, 2);
  EXPECT_EQ(report.head_hash, rows[1].hash);
}

// A batch larger than one INSERT's rows (chunks of 16, the last one short) is one chain.
TEST_P(AuditStoreTest, LargeBatchIsChainedAcrossChunks) {
  append_n(3);
  append_n(37);
  auto report = store_->verify().value();
  EXPECT_TRUE(report.ok) << report.reason;
  EXPECT_EQ(report.records, 40);
}

// Two connections (the server and a CLI command) appending in turn still form one chain.
TEST_P(AuditStoreTest, TwoWritersFormOneChain) {
  auto other = AuditStore::open(tmp_.open()).value();
  std::vector<std::thread> ts;
  for (int t = 0; t < 2; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        std::vector<AuditInput> in{input("e", "c")};
        EXPECT_TRUE((t == 0 ? store_ : other)->append(in));
      }
    });
  for (auto& th : ts) th.join();
  auto report = store_->verify().value();
  EXPECT_TRUE(report.ok) << report.reason;
  EXPECT_EQ(report.records, 40);
}

// UPDATE and DELETE are refused by the table itself.
TEST_P(AuditStoreTest, TableIsAppendOnly) {
  append_n(2);
  auto upd =
      db_->run([](Connection& c) { return c.exec("UPDATE audit SET event = 'x' WHERE seq = 1"); });
  ASSERT_FALSE(upd);
  EXPECT_NE(upd.error().message.find("append-only"), std::string::npos);
  auto del = db_->run([](Connection& c) { return c.exec("DELETE FROM audit WHERE seq = 2"); });
  ASSERT_FALSE(del);
}

// Editing a record's content is caught at that record.
TEST_P(AuditStoreTest, EditedContentNamesTheRecord) {
  append_n(5);
  tamper(
      "UPDATE audit SET record = replace(record, '\"client_id\":\"c2\"', '\"client_id\":\"zz\"') "
      "WHERE seq = 3");
  auto report = store_->verify().value();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_broken, 3);
  EXPECT_EQ(report.reason, "its content does not match its stored hash");
  EXPECT_EQ(report.records, 2);
}

// Editing a record and recomputing its hash column is caught at the next record's link.
TEST_P(AuditStoreTest, RehashedEditBreaksTheNextLink) {
  append_n(5);
  std::string text;
  ASSERT_TRUE(store_->scan(1, 0, [&](const AuditRecord& r) {
    text = r.text;
    return false;
  }));
  const std::string forged =
      text.substr(0, text.find("\"c1\"")) + "\"c9\"" + text.substr(text.find("\"c1\"") + 4);
  tamper("UPDATE audit SET record = '" + forged + "', hash = '" + core::sha256_hex(forged) +
         "' WHERE seq = 2");
  auto report = store_->verify().value();
  EXPECT_EQ(report.first_broken, 3);
  EXPECT_EQ(report.reason, "its prev does not match the hash of record 2");
}

// A deleted record in the middle is named as missing.
TEST_P(AuditStoreTest, DeletedRecordIsMissing) {
  append_n(4);
  tamper("DELETE FROM audit WHERE seq = 2");
  auto report = store_->verify().value();
  EXPECT_EQ(report.first_broken, 2);
  EXPECT_EQ(report.reason, "record 2 is missing (the next stored record is 3)");
}

// A record rewritten with whitespace (same meaning, different bytes) is not canonical.
TEST_P(AuditStoreTest, NonCanonicalRecordIsRefused) {
  append_n(1);
  tamper("UPDATE audit SET record = replace(record, ',', ', ') WHERE seq = 1");
  auto report = store_->verify().value();
  EXPECT_EQ(report.first_broken, 1);
  EXPECT_EQ(report.reason, "the record is not in canonical form");
}

// scan honours after_seq and the since timestamp.
TEST_P(AuditStoreTest, ScanFilters) {
  append_n(5);
  std::vector<std::int64_t> seqs;
  ASSERT_TRUE(store_->scan(0, 1'800'000'000'003, [&](const AuditRecord& r) {
    seqs.push_back(r.seq);
    return true;
  }));
  EXPECT_EQ(seqs, (std::vector<std::int64_t>{4, 5}));
}

// An empty table verifies with the genesis head.
TEST_P(AuditStoreTest, EmptyTableVerifies) {
  auto report = store_->verify().value();
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.records, 0);
  EXPECT_EQ(report.head_hash, kAuditGenesis);
}

TOLLGATE_STORE_BACKENDS(AuditStoreTest);

}  // namespace
}  // namespace tollgate::store
