// Job history on disk: survives a reload, marks interrupted jobs, stays bounded (removing the
// logs of dropped jobs), keeps the newest history when saves race, and sets a damaged file aside
// instead of failing.
#include "supervisor/jobs/job_store.h"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>
#include <vector>

#include "supervisor/common/time_format.h"
#include "tests/support/fake_clock.h"
#include "tests/unit/temp_dir.h"

namespace pgbr {
namespace {

Job makeJob(const std::string& id, JobState state, WallTime t) {
  Job j;
  j.id = id;
  j.kind = JobKind::kBackup;
  j.state = state;
  j.trigger = JobTrigger::kSchedule;
  j.created_at = t;
  if (state != JobState::kQueued) j.started_at = t;
  j.params = {{"type", "incr"}};
  j.backup_label = state == JobState::kSucceeded ? "20261122-101500F_20261122-111500I" : "";
  return j;
}

TEST(JobStore, HistorySurvivesReloadWithEveryField) {
  testing::TempDir dir;
  testing::FakeClock clock;
  {
    JobStore store(dir.path(), 10);
    store.load(clock.wall());
    Job j = makeJob("a", JobState::kSucceeded, clock.wall());
    j.finished_at = clock.wall() + Seconds(5);
    j.exit_code = 0;
    j.progress = 100;
    j.message = "backup complete";
    store.put(j);
  }
  JobStore again(dir.path(), 10);
  EXPECT_TRUE(again.load(clock.wall()).empty());
  auto j = again.get("a");
  ASSERT_TRUE(j.has_value());
  EXPECT_EQ(j->state, JobState::kSucceeded);
  EXPECT_EQ(j->trigger, JobTrigger::kSchedule);
  EXPECT_EQ(j->exit_code, 0);
  EXPECT_EQ(j->progress, 100.0);
  EXPECT_EQ(j->message, "backup complete");
  EXPECT_EQ(j->backup_label, "20261122-101500F_20261122-111500I");
  EXPECT_EQ(j->params["type"], "incr");
  EXPECT_EQ(formatRfc3339(*j->finished_at), formatRfc3339(clock.wall() + Seconds(5)));
}

// pgBackRest reading an info file with the wrong cipher-pass prints the garbage it decrypted: the
// message is kept, each invalid UTF-8 byte as U+FFFD, instead of the write throwing.
TEST(JobStore, AMessageThatIsNotUtf8IsStoredReadably) {
  testing::TempDir dir;
  testing::FakeClock clock;
  {
    JobStore store(dir.path(), 10);
    store.load(clock.wall());
    Job j = makeJob("a", JobState::kFailed, clock.wall());
    j.message = std::string("FormatError: key/value found outside of section: 3\x12\x8f\xfb;A");
    store.put(j);
  }
  JobStore again(dir.path(), 10);
  EXPECT_TRUE(again.load(clock.wall()).empty());
  auto j = again.get("a");
  ASSERT_TRUE(j.has_value());
  EXPECT_EQ(j->message,
            "FormatError: key/value found outside of section: 3\x12\xef\xbf\xbd\xef\xbf\xbd;A");
}

TEST(JobStore, EveryTriggerSurvivesAReload) {
  testing::TempDir dir;
  testing::FakeClock clock;
  const std::vector<JobTrigger> triggers{JobTrigger::kApi, JobTrigger::kSchedule,
                                         JobTrigger::kStartup, JobTrigger::kRestore};
  {
    JobStore store(dir.path(), 10);
    store.load(clock.wall());
    for (size_t i = 0; i < triggers.size(); ++i) {
      Job j = makeJob("t" + std::to_string(i), JobState::kSucceeded, clock.wall());
      j.trigger = triggers[i];
      store.put(j);
    }
  }
  JobStore again(dir.path(), 10);
  again.load(clock.wall());
  for (size_t i = 0; i < triggers.size(); ++i) {
    auto j = again.get("t" + std::to_string(i));
    ASSERT_TRUE(j.has_value());
    EXPECT_EQ(j->trigger, triggers[i]) << toString(triggers[i]);
    EXPECT_EQ(parseJobTrigger(toString(triggers[i])), triggers[i]);
  }
  EXPECT_EQ(toString(JobTrigger::kRestore), "restore");
}

TEST(JobStore, JobsRunningAtLoadAreMarkedInterrupted) {
  testing::TempDir dir;
  testing::FakeClock clock;
  {
    JobStore store(dir.path(), 10);
    store.load(clock.wall());
    store.put(makeJob("running", JobState::kRunning, clock.wall()));
    store.put(makeJob("queued", JobState::kQueued, clock.wall()));
  }
  JobStore again(dir.path(), 10);
  again.load(clock.wall() + Seconds(60));
  auto running = again.get("running");
  ASSERT_TRUE(running.has_value());
  EXPECT_EQ(running->state, JobState::kFailed);
  EXPECT_NE(running->message.find("interrupted"), std::string::npos);
  EXPECT_TRUE(running->finished_at.has_value());
  EXPECT_EQ(again.get("queued")->state, JobState::kFailed);
}

TEST(JobStore, HistoryIsBoundedAndDropsOldLogs) {
  testing::TempDir dir;
  testing::FakeClock clock;
  JobStore store(dir.path(), 3);
  store.load(clock.wall());
  for (int i = 0; i < 5; ++i) {
    std::string id = "job" + std::to_string(i);
    std::ofstream(store.logPath(id)) << "log of " << id << "\n";
    store.put(makeJob(id, JobState::kSucceeded, clock.wall()));
  }
  auto listed = store.list(100);
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[0].id, "job4");
  EXPECT_EQ(listed[2].id, "job2");
  EXPECT_FALSE(store.get("job0").has_value());
  EXPECT_FALSE(std::filesystem::exists(store.logPath("job0")));
  EXPECT_TRUE(std::filesystem::exists(store.logPath("job4")));
}

TEST(JobStore, RacingSavesLeaveTheNewestHistoryOnDisk) {
  testing::TempDir dir;
  testing::FakeClock clock;
  constexpr int kThreads = 4;
  constexpr int kJobsEach = 25;
  {
    JobStore store(dir.path(), 1000);
    store.load(clock.wall());
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kJobsEach; ++i) {
          store.put(makeJob(std::to_string(t) + "-" + std::to_string(i), JobState::kSucceeded,
                            clock.wall()));
        }
      });
    }
    for (auto& thread : threads) thread.join();
    // A record without a save is not on disk yet; the next save writes it.
    store.record(makeJob("last", JobState::kQueued, clock.wall()));
    store.save();
  }
  JobStore again(dir.path(), 1000);
  again.load(clock.wall());
  EXPECT_EQ(again.list(1000).size(), static_cast<size_t>(kThreads * kJobsEach + 1));
  EXPECT_TRUE(again.get("3-24").has_value());
  ASSERT_TRUE(again.get("last").has_value());
  // Queued at the save, so the reload marks it interrupted.
  EXPECT_EQ(again.get("last")->state, JobState::kFailed);
}

TEST(JobStore, DamagedHistoryIsSetAsideNotFatal) {
  testing::TempDir dir;
  testing::FakeClock clock;
  std::filesystem::create_directories(dir.path());
  std::ofstream(dir.path() / "history.json") << "{not json";
  JobStore store(dir.path(), 10);
  auto warnings = store.load(clock.wall());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "history.json.damaged"));
  EXPECT_TRUE(store.list(10).empty());
}

TEST(JobStore, DamagedEntriesAreSkipped) {
  testing::TempDir dir;
  testing::FakeClock clock;
  nlohmann::json doc = nlohmann::json::array();
  doc.push_back(toJson(makeJob("good", JobState::kSucceeded, clock.wall())));
  doc.push_back({{"id", "bad"}, {"kind", "teleport"}});
  doc.push_back(42);
  std::ofstream(dir.path() / "history.json") << doc.dump();
  JobStore store(dir.path(), 10);
  store.load(clock.wall());
  EXPECT_EQ(store.list(10).size(), 1u);
  EXPECT_TRUE(store.get("good").has_value());
}

TEST(JobJson, ShapeMatchesTheApiContract) {
  testing::FakeClock clock;
  Job j = makeJob("x", JobState::kRunning, clock.wall());
  nlohmann::json json = toJson(j);
  for (const char* key : {"id", "kind", "state", "trigger", "created_at", "started_at",
                          "finished_at", "exit_code", "progress", "message", "backup_label"})
    EXPECT_TRUE(json.contains(key)) << key;
  EXPECT_EQ(json["kind"], "backup");
  EXPECT_EQ(json["state"], "running");
  EXPECT_EQ(json["trigger"], "schedule");
  EXPECT_TRUE(json["finished_at"].is_null());
  EXPECT_TRUE(json["progress"].is_null());
  EXPECT_TRUE(json["backup_label"].is_null());
  auto back = jobFromJson(json);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->id, "x");
  EXPECT_FALSE(jobFromJson(nlohmann::json{{"id", "y"}}).has_value());
}

}  // namespace
}  // namespace pgbr
