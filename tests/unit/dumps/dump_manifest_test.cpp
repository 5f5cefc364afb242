// The manifest of a dump run: its JSON both ways, run ids and the keys of database files.
#include "supervisor/dumps/dump_manifest.h"

#include <gtest/gtest.h>

#include "supervisor/common/time_format.h"

namespace pgbr {
namespace {

DumpManifest sample() {
  DumpManifest m;
  m.id = "20261206-023000-123";
  m.stanza = "main";
  m.started_at = *parseRfc3339("2026-12-06T02:30:00Z");
  m.finished_at = *parseRfc3339("2026-12-06T02:31:05Z");
  m.trigger = "schedule";
  m.annotation = "nightly";
  m.server_version = "15.18";
  m.pg_dump_version = "pg_dump (PostgreSQL) 15.18";
  m.store = "local /repo/dumps/main";
  m.globals = DumpFile{"20261206-023000-123/globals.sql", 120, "ab"};
  DumpDatabase db;
  db.name = "Sales \"EU\" été";
  db.file = {databaseKey(m.id, 0, db.name), 4096, "cd"};
  db.seconds = 1.5;
  db.encoding = "UTF8";
  db.collate = db.ctype = "C.UTF-8";
  db.tables = {{"public", "orders", 3000}, {"sales", "Items Ü", 7}};
  m.databases.push_back(db);
  return m;
}

TEST(DumpManifest, RoundTripsThroughJson) {
  const DumpManifest m = sample();
  std::string error;
  const auto back = manifestFromJson(toJson(m), &error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->id, m.id);
  EXPECT_EQ(back->finished_at, m.finished_at);
  EXPECT_EQ(back->annotation, "nightly");
  ASSERT_TRUE(back->globals);
  EXPECT_EQ(back->globals->size, 120u);
  ASSERT_EQ(back->databases.size(), 1u);
  EXPECT_EQ(back->databases[0].name, "Sales \"EU\" été");
  EXPECT_EQ(back->databases[0].tables[1].name, "Items Ü");
  EXPECT_EQ(back->databases[0].tables[1].rows, 7);
  EXPECT_EQ(back->totalSize(), 120u + 4096u);
  EXPECT_NE(back->database("Sales \"EU\" été"), nullptr);
  EXPECT_EQ(back->database("sales"), nullptr);
  const nlohmann::json summary = summaryJson(m);
  EXPECT_EQ(summary["seconds"], 65.0);
  EXPECT_EQ(summary["databases"][0]["tables"], 2);
  EXPECT_FALSE(summary["databases"][0].contains("file"));
}

TEST(DumpManifest, RefusesWhatItCannotUse) {
  std::string error;
  nlohmann::json j = toJson(sample());
  j["format"] = 2;
  EXPECT_FALSE(manifestFromJson(j, &error));
  EXPECT_NE(error.find("newer"), std::string::npos);
  j = toJson(sample());
  j.erase("started_at");
  EXPECT_FALSE(manifestFromJson(j, &error));
  j = toJson(sample());
  j["databases"][0]["tables"][0]["rows"] = "many";
  EXPECT_FALSE(manifestFromJson(j, &error));
  EXPECT_NE(error.find("damaged"), std::string::npos);
}

TEST(DumpManifest, RunIdsAreSortableAndCheckedStrictly) {
  const WallTime t = *parseRfc3339("2026-01-02T03:04:05Z") + std::chrono::milliseconds(7);
  EXPECT_EQ(dumpRunId(t), "20260102-030405-007");
  EXPECT_TRUE(validDumpRunId("20260102-030405-007"));
  for (const char* bad : {"", "..", "20260102-030405", "20260102-030405-0071",
                          "2026010x-030405-007", "20260102_030405-007", "../../etc/passwd"})
    EXPECT_FALSE(validDumpRunId(bad)) << bad;
  EXPECT_LT(dumpRunId(t), dumpRunId(t + std::chrono::milliseconds(1)));
}

TEST(DumpManifest, DatabaseKeysHoldOnlyKeyCharacters) {
  EXPECT_EQ(databaseKey("20260102-030405-007", 3, "app"), "20260102-030405-007/003-app.dump");
  EXPECT_EQ(databaseKey("20260102-030405-007", 0, "a b/'é"),
            "20260102-030405-007/000-a_b____.dump");
  EXPECT_EQ(databaseKey("20260102-030405-007", 1, "..").substr(20), "001-...dump");
  const std::string long_key = databaseKey("20260102-030405-007", 0, std::string(80, 'x'));
  EXPECT_EQ(long_key.size(), std::string("20260102-030405-007/000-").size() + 48 + 5);
}

}  // namespace
}  // namespace pgbr
