// Whose backups a stanza holds (supervisor/backrest/stanza_owner.h), on real pgBackRest output.
#include "supervisor/backrest/stanza_owner.h"

#include <gtest/gtest.h>

#include "tests/unit/backrest/fixtures.h"

namespace pgbr::backrest {
namespace {

InfoModel sample() {
  std::string error;
  auto model = parseInfo(testing::readFixture("info-sample.json"), &error);
  EXPECT_TRUE(model) << error;
  return model.value_or(InfoModel{});
}

TEST(StanzaOwner, TheSameDatabaseIsNoMismatch) {
  const InfoModel info = sample();
  ASSERT_FALSE(info.dbs.empty());
  EXPECT_EQ(stanzaMismatch(info, std::to_string(info.dbs.back().system_id), 150004), std::nullopt);
}

TEST(StanzaOwner, AnotherDatabaseIsNamedWithBothIdentifiersAndTheWayOut) {
  const InfoModel info = sample();
  const auto why = stanzaMismatch(info, "7799999999999999999", 170012);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("stanza " + info.stanza), std::string::npos) << *why;
  EXPECT_NE(why->find("system identifier " + std::to_string(info.dbs.back().system_id) +
                      ", PostgreSQL 15"),
            std::string::npos)
      << *why;
  EXPECT_NE(why->find("system identifier 7799999999999999999, PostgreSQL 17"), std::string::npos)
      << *why;
  EXPECT_NE(why->find("a restore from it would replace this database"), std::string::npos);
  EXPECT_NE(why->find("PGBR_STANZA"), std::string::npos);
  EXPECT_NE(stanzaMismatch(info, "1", 90624)->find("PostgreSQL 9.6"), std::string::npos);
}

TEST(StanzaOwner, OnlyTheCurrentEntryOfTheHistoryCounts) {
  InfoModel info = sample();
  const uint64_t old_id = info.dbs.back().system_id;
  // After pg_upgrade and stanza-upgrade: the old cluster is history, the new one is current.
  info.dbs.push_back(
      {.id = 2, .repo_key = 1, .system_id = 7800000000000000001ULL, .version = "17"});
  EXPECT_EQ(stanzaMismatch(info, "7800000000000000001", 170012), std::nullopt);
  EXPECT_TRUE(stanzaMismatch(info, std::to_string(old_id), 150004));
}

TEST(StanzaOwner, UnknownIsNoMismatch) {
  InfoModel info = sample();
  EXPECT_EQ(stanzaMismatch(info, "", 0), std::nullopt);           // Postgres not read
  EXPECT_EQ(stanzaMismatch(info, "12ab", 150004), std::nullopt);  // not a number
  info.dbs.clear();                                               // no stanza history
  EXPECT_EQ(stanzaMismatch(info, "7799999999999999999", 150004), std::nullopt);
}

}  // namespace
}  // namespace pgbr::backrest
