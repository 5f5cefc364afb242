#include "supervisor/backrest/info.h"

#include <gtest/gtest.h>

#include "supervisor/common/time_format.h"
#include "tests/unit/backrest/fixtures.h"

namespace pgbr::backrest {
namespace {

using nlohmann::json;
using testing::readFixture;

WallTime epoch(int64_t seconds) {
  return WallTime(std::chrono::seconds(seconds));
}

InfoModel parseOk(std::string_view text, std::string_view stanza) {
  std::string error;
  std::optional<InfoModel> model = parseInfo(text, stanza, &error);
  EXPECT_TRUE(model.has_value()) << error;
  return model.value_or(InfoModel{});
}

std::string parseError(std::string_view text, std::string_view stanza = "demo") {
  std::string error;
  std::optional<InfoModel> model;
  EXPECT_NO_THROW(model = parseInfo(text, stanza, &error));
  EXPECT_FALSE(model.has_value());
  return error;
}

// ---------------------------------------------------------------------------------------------
// The shared sample (pgBackRest 2.45, S3 repository, full + diff + incr).

TEST(InfoParse, SampleHasEveryField) {
  InfoModel info = parseOk(readFixture("info-sample.json"), "demo");
  EXPECT_EQ(info.stanza, "demo");
  EXPECT_EQ(info.status.code, info_status::kOk);
  EXPECT_EQ(info.status.message, "ok");
  EXPECT_FALSE(info.backup_lock_held);
  EXPECT_EQ(info.cipher, "none");

  ASSERT_EQ(info.repos.size(), 1u);
  EXPECT_EQ(info.repos[0].key, 1u);
  EXPECT_EQ(info.repos[0].cipher, "none");
  EXPECT_EQ(info.repos[0].status.code, 0);

  ASSERT_EQ(info.dbs.size(), 1u);
  EXPECT_EQ(info.dbs[0].system_id, 7710809086605517375ULL);
  EXPECT_EQ(info.dbs[0].version, "15");

  ASSERT_EQ(info.archives.size(), 1u);
  EXPECT_EQ(info.archives[0].id, "15-1");
  EXPECT_EQ(info.archives[0].db_id, 1u);
  EXPECT_EQ(info.archives[0].min, "000000010000000000000001");
  EXPECT_EQ(info.archives[0].max, "00000001000000000000000F");

  ASSERT_EQ(info.backups.size(), 3u);
  const BackupInfo& full = info.backups[0];
  EXPECT_EQ(full.label, "20261122-015728F");
  EXPECT_EQ(full.type, "full");
  EXPECT_EQ(full.started_at, epoch(1795312648));
  EXPECT_EQ(full.finished_at, epoch(1795312656));
  EXPECT_EQ(full.wal_start, "00000001000000000000000A");
  EXPECT_EQ(full.wal_stop, "00000001000000000000000A");
  EXPECT_EQ(full.lsn_start, "0/A000028");
  EXPECT_EQ(full.lsn_stop, "0/A000100");
  EXPECT_EQ(full.size, 180016859u);
  EXPECT_EQ(full.delta, 180016859u);
  EXPECT_EQ(full.repo_size, 11563574u);
  EXPECT_EQ(full.repo_delta, 11563574u);
  EXPECT_FALSE(full.prior.has_value());
  EXPECT_TRUE(full.reference.empty());
  EXPECT_TRUE(full.annotation.empty());
  EXPECT_FALSE(full.error);
  EXPECT_EQ(full.repo_key, 1u);
  EXPECT_EQ(full.db_id, 1u);
  EXPECT_EQ(full.backrest_version, "2.45");

  const BackupInfo& incr = info.backups[2];
  EXPECT_EQ(incr.type, "incr");
  EXPECT_EQ(incr.prior, "20261122-015728F_20261122-015738D");
  EXPECT_EQ(incr.reference,
            (std::vector<std::string>{"20261122-015728F", "20261122-015728F_20261122-015738D"}));
  EXPECT_EQ(incr.repo_delta, 9098238u);
}

TEST(InfoParse, SingleStanzaOverloadTakesTheOnlyStanza) {
  std::string error;
  std::optional<InfoModel> info = parseInfo(readFixture("info-sample.json"), &error);
  ASSERT_TRUE(info.has_value()) << error;
  EXPECT_EQ(info->stanza, "demo");
}

// ---------------------------------------------------------------------------------------------
// Real output captured from pgBackRest 2.45 against a throwaway cluster.

TEST(InfoParse, RealThreeBackupsKeepAnnotations) {
  InfoModel info = parseOk(readFixture("info-three-backups.json"), "demo");
  ASSERT_EQ(info.backups.size(), 3u);
  EXPECT_EQ(info.backups[0].annotation,
            (std::map<std::string, std::string>{{"note", "first full"}, {"source", "trial"}}));
  EXPECT_TRUE(info.backups[1].annotation.empty());
  EXPECT_EQ(info.backups[1].type, "diff");
  EXPECT_EQ(info.backups[2].annotation, (std::map<std::string, std::string>{{"reason", "hourly"}}));
  EXPECT_EQ(info.dbs.at(0).system_id, 7710823690691811712ULL);
}

TEST(InfoParse, RealRunningBackupShowsTheLock) {
  InfoModel info = parseOk(readFixture("info-backup-running.json"), "demo");
  EXPECT_TRUE(info.backup_lock_held);
  EXPECT_EQ(info.status.code, info_status::kOk);
  EXPECT_EQ(toApiJson(info)["status"]["backup_running"], true);
}

TEST(InfoParse, RealStanzaWithoutBackups) {
  InfoModel info = parseOk(readFixture("info-no-backups.json"), "demo");
  EXPECT_EQ(info.status.code, info_status::kNoValidBackups);
  EXPECT_EQ(info.status.message, "no valid backups");
  ASSERT_EQ(info.archives.size(), 1u);
  EXPECT_FALSE(info.archives[0].min.has_value());
  EXPECT_FALSE(info.archives[0].max.has_value());
  EXPECT_EQ(latest(info), nullptr);
  EXPECT_FALSE(recoverableFrom(info).has_value());

  json api = toApiJson(info);
  EXPECT_EQ(api["status"]["code"], 2);
  EXPECT_TRUE(api["backups"].is_array());
  EXPECT_TRUE(api["backups"].empty());
  EXPECT_TRUE(api["archive"]["min"].is_null());
  EXPECT_TRUE(api["recoverable"]["from"].is_null());
}

TEST(InfoParse, RealMissingStanzaIsAModelNotAnError) {
  // `info` exits 0 here; only status.code says the stanza was never created.
  InfoModel info = parseOk(readFixture("info-missing-stanza.json"), "demo");
  EXPECT_EQ(info.status.code, info_status::kMissingStanzaPath);
  EXPECT_EQ(info.status.message, "missing stanza path");
  EXPECT_TRUE(info.dbs.empty());
  EXPECT_TRUE(toApiJson(info)["system_id"].is_null());
}

TEST(InfoParse, RealCode99CarriesTheRepositoryMessage) {
  InfoModel info = parseOk(readFixture("info-error-99.json"), "demo");
  EXPECT_EQ(info.status.code, info_status::kOther);
  EXPECT_EQ(info.status.message, "other");
  ASSERT_EQ(info.repos.size(), 1u);
  EXPECT_EQ(info.repos[0].status.code, 99);
  EXPECT_EQ(info.repos[0].status.message.rfind("[FileOpenError] unable to load info file", 0), 0u);

  // "other" tells a user nothing; the API serves the repository's own text.
  const std::string message = toApiJson(info)["status"]["message"];
  EXPECT_EQ(message.rfind("repo1: [FileOpenError] unable to load info file", 0), 0u) << message;
  EXPECT_NE(message.find("Permission denied"), std::string::npos);
}

TEST(InfoParse, Code99WithoutRepositoriesKeepsPgbackrestsWord) {
  const std::string text =
      R"([{"name":"demo","status":{"code":99,"message":"other"},"backup":[],"db":[]}])";
  InfoModel info = parseOk(text, "demo");
  EXPECT_EQ(info.status.code, 99);
  EXPECT_EQ(toApiJson(info)["status"]["message"], "other");
}

TEST(InfoParse, RealAfterExpireAndPointInTimeRestore) {
  InfoModel info = parseOk(readFixture("info-after-expire-and-pitr.json"), "demo");
  ASSERT_EQ(info.backups.size(), 2u);
  EXPECT_EQ(info.backups[0].label, "20261122-025442F");
  // The archive now spans timelines 1 and 2; min moved past the expired backups.
  EXPECT_EQ(info.archives.at(0).min, "00000001000000000000000C");
  EXPECT_EQ(info.archives.at(0).max, "000000020000000000000011");
  EXPECT_EQ(recoverableFrom(info), epoch(1795316085));
}

// ---------------------------------------------------------------------------------------------
// 64-bit system ids.

// pgBackRest 2.55 with repo-bundle (the 17 image) reports no repository size of a set.
TEST(InfoParse, BundledBackupsHaveNoRepositorySize) {
  InfoModel info = parseOk(readFixture("info-2.55-bundled.json"), "main");
  ASSERT_EQ(info.backups.size(), 2u);
  EXPECT_EQ(info.dbs.at(0).version, "17");
  EXPECT_FALSE(info.backups[0].repo_size.has_value());
  EXPECT_EQ(info.backups[0].repo_delta, 2792620u);
  EXPECT_EQ(info.backups[1].type, "incr");
  EXPECT_EQ(info.backups[1].repo_delta, 57198u);
  const json api = backupToApiJson(info.backups[1]);
  EXPECT_TRUE(api["repo_size"].is_null());
  EXPECT_EQ(api["repo_delta"], 57198);
}

TEST(InfoParse, SystemIdRoundTripsExactly) {
  // Above 2^53 a double loses the last digits; the model and the API keep all of them.
  for (const char* id : {"7710809086605517375", "9007199254740993", "18446744073709551615"}) {
    const std::string text = std::string(R"([{"name":"demo","status":{"code":0,"message":"ok"},)") +
                             R"("db":[{"id":1,"repo-key":1,"system-id":)" + id +
                             R"(,"version":"15"}]}])";
    InfoModel info = parseOk(text, "demo");
    ASSERT_EQ(info.dbs.size(), 1u);
    EXPECT_EQ(std::to_string(info.dbs[0].system_id), id);
    EXPECT_EQ(toApiJson(info)["system_id"], id);
  }
}

TEST(InfoParse, SystemIdThatIsNotAnExactUnsignedIntegerIsRefused) {
  for (const char* id : {"18446744073709551616", "7.7e18", "-1", "\"7710809086605517375\""}) {
    const std::string text = std::string(R"([{"name":"demo","status":{"code":0,"message":"ok"},)") +
                             R"("db":[{"id":1,"system-id":)" + id + R"(,"version":"15"}]}])";
    EXPECT_EQ(parseError(text),
              "unexpected pgbackrest info output: db[0].system-id: expected an "
              "unsigned integer (stanza 'demo')")
        << id;
  }
}

// ---------------------------------------------------------------------------------------------
// Odd input: never a throw, always a message.

TEST(InfoParse, EmptyArrayHasNoStanza) {
  EXPECT_EQ(parseError("[]"),
            "pgbackrest info reported no stanza 'demo': check the stanza name (PGBR_STANZA) and "
            "the repository settings");
  std::string error;
  EXPECT_FALSE(parseInfo("[]", &error).has_value());
  EXPECT_EQ(error,
            "pgbackrest info reported 0 stanzas where one was expected: run it with --stanza");
}

TEST(InfoParse, PicksTheStanzaByName) {
  const std::string text =
      R"([{"name":"other","status":{"code":2,"message":"no valid backups"}},)"
      R"( 7, {"name":"demo","status":{"code":1,"message":"missing stanza path"}}])";
  EXPECT_EQ(parseOk(text, "demo").status.code, 1);
  EXPECT_EQ(parseOk(text, "other").status.code, 2);
  EXPECT_NE(parseError(text, "third").find("no stanza 'third'"), std::string::npos);
  std::string error;
  EXPECT_FALSE(parseInfo(text, &error).has_value());
  EXPECT_NE(error.find("3 stanzas"), std::string::npos);
}

TEST(InfoParse, GarbageIsAnError) {
  EXPECT_EQ(parseError(""), "pgbackrest info did not print valid json (empty output)");
  EXPECT_EQ(parseError("  \n"), "pgbackrest info did not print valid json (empty output)");
  EXPECT_EQ(parseError("garbage"), "pgbackrest info did not print valid json");
  EXPECT_EQ(parseError("ERROR: [055]: unable to load info file"),
            "pgbackrest info did not print valid json");
  EXPECT_EQ(parseError(R"([{"name":"demo")"), "pgbackrest info did not print valid json");
  EXPECT_EQ(parseError(std::string("[\0]", 3)), "pgbackrest info did not print valid json");
  EXPECT_EQ(parseError(R"({"name":"demo"})"),
            "unexpected pgbackrest info output: expected an array of stanzas");
  EXPECT_EQ(parseError("null"), "unexpected pgbackrest info output: expected an array of stanzas");
}

TEST(InfoParse, WrongShapesNameTheField) {
  struct Case {
    const char* json;
    const char* error;
  };
  const std::string head = R"([{"name":"demo","status":{"code":0,"message":"ok"},)";
  const std::string good_backup =
      R"("label":"20261122-015728F","type":"full","timestamp":{"start":1,"stop":2},)"
      R"("info":{"size":1,"delta":1,"repository":{"size":1,"delta":1}})";
  const std::vector<Case> cases = {
      {R"([{"name":"demo"}])", "status: missing"},
      {R"([{"name":"demo","status":"ok"}])", "status: expected an object"},
      {R"([{"name":"demo","status":{"code":"0","message":"ok"}}])",
       "status.code: expected an integer"},
      {R"([{"name":"demo","status":{"code":0}}])", "status.message: missing"},
      {R"([{"name":"demo","status":{"code":0,"message":"ok","lock":{"backup":{"held":"no"}}}}])",
       "status.lock.backup.held: expected true or false"},
      {R"([{"name":"demo","status":{"code":0,"message":"ok"},"backup":{}}])",
       "backup: expected an array"},
      {R"([{"name":"demo","status":{"code":0,"message":"ok"},"backup":[5]}])",
       "backup[0]: expected an object"},
      {R"([{"name":"demo","status":{"code":0,"message":"ok"},"backup":[{"type":"full"}]}])",
       "backup[0].label: missing"},
      {R"([{"name":"demo","status":{"code":0,"message":"ok"},"repo":[{"key":-1}]}])",
       "repo[0].key: expected an unsigned integer"},
      {R"([{"name":"demo","status":{"code":0,"message":"ok"},"archive":[{"id":"15-1","min":5}]}])",
       "archive[0].min: expected a string or null"},
      {R"([{"name":"demo","status":{"code":0,"message":"ok"},"archive":[{"id":"15-1"}]}])",
       "archive[0].database: missing"},
  };
  for (const Case& c : cases) {
    const std::string error = parseError(c.json);
    EXPECT_NE(error.find(c.error), std::string::npos) << c.json << " -> " << error;
  }

  const std::vector<Case> backup_cases = {
      {R"("info":{"size":"1","delta":1})", "backup[0].info.size: expected an unsigned integer"},
      {R"("timestamp":{"start":1})", "backup[0].timestamp.stop: missing"},
      {R"("timestamp":{"start":1,"stop":99999999999999})",
       "backup[0].timestamp.stop: timestamp out of range"},
      {R"("annotation":{"k":5})", "backup[0].annotation.k: expected a string"},
      {R"("reference":["a",1])", "backup[0].reference[1]: expected a string"},
      {R"("error":"yes")", "backup[0].error: expected true or false"},
      {R"("lsn":{"start":7})", "backup[0].lsn.start: expected a string or null"},
  };
  for (const Case& c : backup_cases) {
    // The later key wins in nlohmann, so appending replaces the good value.
    const std::string text = head + R"("backup":[{)" + good_backup + "," + c.json + "}]}]";
    const std::string error = parseError(text);
    EXPECT_NE(error.find(c.error), std::string::npos) << c.json << " -> " << error;
  }
  // The baseline itself is fine.
  EXPECT_EQ(parseOk(head + R"("backup":[{)" + good_backup + "}]}]", "demo").backups.size(), 1u);
}

// ---------------------------------------------------------------------------------------------
// Lookups and the recoverable window.

TEST(InfoLookup, FindBackupAndLatest) {
  InfoModel info = parseOk(readFixture("info-sample.json"), "demo");
  const BackupInfo* diff = findBackup(info, "20261122-015728F_20261122-015738D");
  ASSERT_NE(diff, nullptr);
  EXPECT_EQ(diff->type, "diff");
  EXPECT_EQ(findBackup(info, "20261122-015728"), nullptr);
  EXPECT_EQ(findBackup(info, ""), nullptr);
  ASSERT_NE(latest(info), nullptr);
  EXPECT_EQ(latest(info)->label, "20261122-015728F_20261122-015743I");
}

TEST(InfoLookup, LatestIsByStopTimeNotListOrder) {
  InfoModel info;
  info.backups.resize(2);
  info.backups[0].label = "newer";
  info.backups[0].finished_at = epoch(200);
  info.backups[1].label = "older";
  info.backups[1].finished_at = epoch(100);
  EXPECT_EQ(latest(info)->label, "newer");
}

BackupInfo backupAt(std::string label, int64_t stop, std::string wal_start, std::string wal_stop) {
  BackupInfo backup;
  backup.label = std::move(label);
  backup.started_at = epoch(stop - 10);
  backup.finished_at = epoch(stop);
  backup.wal_start = std::move(wal_start);
  backup.wal_stop = std::move(wal_stop);
  backup.db_id = 1;
  backup.repo_key = 1;
  return backup;
}

InfoModel windowModel(std::optional<std::string> min, std::optional<std::string> max) {
  InfoModel info;
  info.archives.push_back(ArchiveRange{"15-1", 1, 1, std::move(min), std::move(max)});
  info.backups.push_back(
      backupAt("a", 100, "000000010000000000000003", "000000010000000000000003"));
  info.backups.push_back(
      backupAt("b", 200, "000000010000000000000006", "000000010000000000000007"));
  info.backups.push_back(
      backupAt("c", 300, "00000002000000000000000A", "00000002000000000000000A"));
  return info;
}

TEST(RecoverableWindow, StartsAtTheOldestBackupWhoseWalIsStillArchived) {
  EXPECT_EQ(recoverableFrom(windowModel("000000010000000000000001", "00000002000000000000000F")),
            epoch(100));
  // min equal to a backup's WAL start still covers it.
  EXPECT_EQ(recoverableFrom(windowModel("000000010000000000000003", "00000002000000000000000F")),
            epoch(100));
  // WAL before backup b expired: a can no longer be made consistent.
  EXPECT_EQ(recoverableFrom(windowModel("000000010000000000000004", "00000002000000000000000F")),
            epoch(200));
  // A later timeline sorts after every segment of timeline 1.
  EXPECT_EQ(recoverableFrom(windowModel("000000020000000000000001", "00000002000000000000000F")),
            epoch(300));
  EXPECT_EQ(oldestRecoverableBackup(windowModel("000000020000000000000001", std::nullopt))->label,
            "c");
}

TEST(RecoverableWindow, NeedsTheWalUpToTheBackupStop) {
  // max stops inside backup b's WAL range: b is not consistent from the archive alone.
  InfoModel info = windowModel("000000010000000000000004", "000000010000000000000006");
  EXPECT_FALSE(recoverableFrom(info).has_value());
}

TEST(RecoverableWindow, SkipsBackupsInErrorOrOnAnotherDatabase) {
  InfoModel info = windowModel("000000010000000000000001", "00000002000000000000000F");
  info.backups[0].error = true;
  EXPECT_EQ(recoverableFrom(info), epoch(200));
  info.backups[1].db_id = 2;  // from before a stanza-upgrade: its archive is another one
  EXPECT_EQ(recoverableFrom(info), epoch(300));
  info.backups[2].repo_key = 2;
  EXPECT_FALSE(recoverableFrom(info).has_value());
}

TEST(RecoverableWindow, NothingWithoutArchiveOrWalInfo) {
  EXPECT_FALSE(recoverableFrom(windowModel(std::nullopt, std::nullopt)).has_value());
  InfoModel info = windowModel("000000010000000000000001", std::nullopt);
  for (BackupInfo& backup : info.backups) backup.wal_start.reset();
  EXPECT_FALSE(recoverableFrom(info).has_value());
  EXPECT_FALSE(recoverableFrom(InfoModel{}).has_value());
}

TEST(RecoverableWindow, SampleStartsAtTheFullBackupStop) {
  EXPECT_EQ(recoverableFrom(parseOk(readFixture("info-sample.json"), "demo")), epoch(1795312656));
}

// ---------------------------------------------------------------------------------------------
// The API shape (firm: clients rely on these names).

TEST(InfoApiJson, HasTheFirmShape) {
  json api = toApiJson(parseOk(readFixture("info-sample.json"), "demo"));
  EXPECT_EQ(api["stanza"], "demo");
  EXPECT_EQ(api["status"], (json{{"code", 0}, {"message", "ok"}, {"backup_running", false}}));
  EXPECT_EQ(api["archive"]["min"], "000000010000000000000001");
  EXPECT_EQ(api["archive"]["max"], "00000001000000000000000F");
  EXPECT_EQ(api["recoverable"]["from"], "2026-11-22T01:57:36Z");
  ASSERT_TRUE(api["recoverable"].contains("to"));
  EXPECT_TRUE(api["recoverable"]["to"].is_null());
  EXPECT_EQ(api["system_id"], "7710809086605517375");
  EXPECT_EQ(api["latest"], "20261122-015728F_20261122-015743I");

  ASSERT_EQ(api["backups"].size(), 3u);
  for (const json& backup : api["backups"]) {
    for (const char* key : {"label", "type", "started_at", "finished_at", "size", "repo_size",
                            "wal_start", "wal_stop", "prior", "annotation"}) {
      EXPECT_TRUE(backup.contains(key)) << key;
    }
  }
  const json& full = api["backups"][0];
  EXPECT_EQ(full["label"], "20261122-015728F");
  EXPECT_EQ(full["type"], "full");
  EXPECT_EQ(full["started_at"], "2026-11-22T01:57:28Z");
  EXPECT_EQ(full["finished_at"], "2026-11-22T01:57:36Z");
  EXPECT_EQ(full["duration_s"], 8);
  EXPECT_EQ(full["size"], 180016859);
  EXPECT_EQ(full["repo_size"], 11563574);
  EXPECT_EQ(full["wal_start"], "00000001000000000000000A");
  EXPECT_TRUE(full["prior"].is_null());
  EXPECT_EQ(full["annotation"], json::object());
  EXPECT_EQ(full["lsn_start"], "0/A000028");
  EXPECT_EQ(full["reference"], json::array());

  const json& incr = api["backups"][2];
  EXPECT_EQ(incr["prior"], "20261122-015728F_20261122-015738D");
  EXPECT_EQ(incr["repo_delta"], 9098238);
  EXPECT_EQ(incr["reference"].size(), 2u);
}

TEST(InfoApiJson, OneBackupWithAnnotation) {
  InfoModel info = parseOk(readFixture("info-three-backups.json"), "demo");
  json backup = backupToApiJson(info.backups[0]);
  EXPECT_EQ(backup["annotation"], (json{{"note", "first full"}, {"source", "trial"}}));
  EXPECT_EQ(backup["started_at"], "2026-11-22T02:54:11Z");
  EXPECT_EQ(backup["finished_at"], "2026-11-22T02:54:13Z");
  EXPECT_EQ(backup["pgbackrest_version"], "2.45");
}

}  // namespace
}  // namespace pgbr::backrest
