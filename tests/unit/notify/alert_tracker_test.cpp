// The alert tracker: one firing notification per condition, one resolved, escalation, and the
// state kept across a restart.
#include "supervisor/notify/alert_tracker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/fake_clock.h"
#include "tests/unit/notify/fakes.h"
#include "tests/unit/temp_dir.h"

namespace pgbr {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

struct AlertTrackerTest : ::testing::Test {
  testing::TempDir dir;
  testing::FakeClock clock;
  testing::RecordingSink sink;
  std::unique_ptr<AlertTracker> tracker() {
    auto t = std::make_unique<AlertTracker>(dir.path() / "notify", sink, clock, "main", "db1");
    EXPECT_EQ(t->open(), "");
    return t;
  }
};

TEST_F(AlertTrackerTest, RaiseOnceUntilCleared) {
  auto t = tracker();
  EXPECT_TRUE(t->raise("archive-stuck", Severity::kCritical, "wal archiving is stuck",
                       {{"oldest_segment_age_seconds", 900}}));
  clock.advance(1min);
  EXPECT_FALSE(t->raise("archive-stuck", Severity::kCritical, "wal archiving is still stuck"));
  EXPECT_FALSE(t->raise("archive-stuck", Severity::kWarning, "wal archiving is stuck"));
  ASSERT_EQ(sink.received.size(), 1u);
  const Notification firing = sink.received[0];  // a copy: later raises grow the vector
  EXPECT_EQ(firing.condition, "archive-stuck");
  EXPECT_EQ(firing.event, "archive-stuck");
  EXPECT_EQ(firing.state, AlertState::kFiring);
  EXPECT_EQ(firing.severity, Severity::kCritical);
  EXPECT_EQ(firing.stanza, "main");
  EXPECT_EQ(firing.host, "db1");
  EXPECT_EQ(firing.details["oldest_segment_age_seconds"], 900);
  EXPECT_TRUE(t->isFiring("archive-stuck"));

  EXPECT_TRUE(t->clear("archive-stuck", "wal archiving works again"));
  EXPECT_FALSE(t->clear("archive-stuck", "wal archiving works again"));
  ASSERT_EQ(sink.received.size(), 2u);
  const Notification resolved = sink.received[1];
  EXPECT_EQ(resolved.state, AlertState::kResolved);
  EXPECT_EQ(resolved.severity, Severity::kCritical);
  EXPECT_EQ(resolved.message, "wal archiving works again");
  EXPECT_NE(resolved.id, firing.id);
  EXPECT_EQ(resolved.details["firing_since"], "2026-11-18T11:06:40Z");
  EXPECT_FALSE(t->isFiring("archive-stuck"));
  EXPECT_TRUE(t->active().empty());

  EXPECT_TRUE(t->raise("archive-stuck", Severity::kCritical, "stuck again"));
  EXPECT_EQ(sink.received.size(), 3u);
}

TEST_F(AlertTrackerTest, ClearOfAQuietConditionSendsNothing) {
  auto t = tracker();
  EXPECT_FALSE(t->clear("job-failed:backup", "the backup succeeded"));
  EXPECT_TRUE(sink.received.empty());
}

TEST_F(AlertTrackerTest, RisingSeverityIsAnnouncedOnceMore) {
  auto t = tracker();
  EXPECT_TRUE(t->raise("wal-backlog", Severity::kWarning, "pg_wal fills in 6 hours"));
  EXPECT_FALSE(t->raise("wal-backlog", Severity::kWarning, "pg_wal fills in 5 hours"));
  EXPECT_TRUE(t->raise("wal-backlog", Severity::kCritical, "pg_wal fills in 20 minutes"));
  EXPECT_FALSE(t->raise("wal-backlog", Severity::kCritical, "pg_wal fills in 15 minutes"));
  EXPECT_FALSE(t->raise("wal-backlog", Severity::kWarning, "pg_wal fills in 3 hours"));
  ASSERT_EQ(sink.received.size(), 2u);
  EXPECT_EQ(sink.received[1].severity, Severity::kCritical);
  auto active = t->active();
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].severity, Severity::kCritical);
  EXPECT_EQ(active[0].message, "pg_wal fills in 3 hours");  // the latest, for the dashboard
}

TEST_F(AlertTrackerTest, StateSurvivesARestart) {
  {
    auto t = tracker();
    t->raise("job-failed:backup", Severity::kCritical, "the backup failed");
    t->raise("archive-stuck", Severity::kWarning, "wal archiving is stuck");
    t->clear("archive-stuck", "wal archiving works again");
    t->raise("repo-status", Severity::kCritical, "the repository is not ok");
  }
  ASSERT_EQ(sink.received.size(), 4u);
  auto t = tracker();
  auto active = t->active();
  ASSERT_EQ(active.size(), 2u);
  EXPECT_EQ(active[0].condition, "job-failed:backup");
  EXPECT_EQ(active[0].notification_id, sink.received[0].id);
  EXPECT_EQ(active[1].condition, "repo-status");
  // Still firing after the restart: not announced again.
  EXPECT_FALSE(t->raise("job-failed:backup", Severity::kCritical, "the backup failed"));
  EXPECT_EQ(sink.received.size(), 4u);
  // Gone while we were down: resolved as soon as the check says so.
  EXPECT_TRUE(t->clear("repo-status", "the repository is ok again"));
  ASSERT_EQ(sink.received.size(), 5u);
  EXPECT_EQ(sink.received[4].state, AlertState::kResolved);
  auto again = tracker();
  EXPECT_EQ(again->active().size(), 1u);
}

TEST_F(AlertTrackerTest, MetricListsFiringConditions) {
  auto t = tracker();
  t->raise("archive-stuck", Severity::kCritical, "stuck");
  t->raise("job-failed:dump", Severity::kWarning, "the dump failed");
  const MetricFamily family = t->metric();
  EXPECT_EQ(family.name, "pgbr_alert_active");
  EXPECT_EQ(family.type, "gauge");
  ASSERT_EQ(family.samples.size(), 2u);
  EXPECT_EQ(family.samples[1].labels, (MetricLabels{{"condition", "job-failed:dump"}}));
  EXPECT_EQ(std::get<int64_t>(family.samples[1].value), 1);
}

TEST_F(AlertTrackerTest, AnnounceIsNotTracked) {
  auto t = tracker();
  t->announce("job-succeeded:backup", Severity::kInfo, "the backup succeeded");
  t->announce("job-succeeded:backup", Severity::kInfo, "the backup succeeded");
  EXPECT_EQ(sink.received.size(), 2u);
  EXPECT_EQ(sink.received[0].event, "job-succeeded");
  EXPECT_TRUE(t->active().empty());
}

TEST_F(AlertTrackerTest, UnreadableStateIsMovedAside) {
  dir.write("notify/alerts.json", "[1,2");
  AlertTracker t(dir.path() / "notify", sink, clock, "main", "db1");
  EXPECT_THAT(t.open(), HasSubstr("moved aside to alerts.json.bad"));
  EXPECT_TRUE(t.active().empty());
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "notify" / "alerts.json.bad"));
}

TEST_F(AlertTrackerTest, ThroughTheDispatcherAlertsSurviveARestartUndelivered) {
  auto http = std::make_shared<testing::FakeHttpTransport>();
  auto makeChannels = [&] {
    std::vector<std::unique_ptr<Channel>> out;
    out.push_back(makeWebhookChannel({"webhook-1", "https://h.example.com/x"}, http));
    return out;
  };
  {
    Outbox outbox(dir.path() / "notify", clock);
    ASSERT_EQ(outbox.open(), "");
    Dispatcher dispatcher(outbox, makeChannels(), clock);
    AlertTracker t(dir.path() / "notify", dispatcher, clock, "main", "db1");
    ASSERT_EQ(t.open(), "");
    t.raise("job-failed:backup", Severity::kCritical, "the backup failed");
    // The container stops before the worker ran.
  }
  Outbox outbox(dir.path() / "notify", clock);
  ASSERT_EQ(outbox.open(), "");
  Dispatcher dispatcher(outbox, makeChannels(), clock);
  AlertTracker t(dir.path() / "notify", dispatcher, clock, "main", "db1");
  ASSERT_EQ(t.open(), "");
  EXPECT_FALSE(t.raise("job-failed:backup", Severity::kCritical, "the backup failed"));
  dispatcher.tick();
  ASSERT_EQ(http->requests().size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(http->requests()[0].body)["condition"], "job-failed:backup");
}

}  // namespace
}  // namespace pgbr
