// The outbox: states, backoff, giving up, the finished list, and reloading after a restart.
#include "supervisor/notify/outbox.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

#include "tests/support/fake_clock.h"
#include "tests/unit/notify/fakes.h"
#include "tests/unit/temp_dir.h"

namespace pgbr {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::StartsWith;

struct OutboxTest : ::testing::Test {
  testing::TempDir dir;
  testing::FakeClock clock;
  std::filesystem::path folder() const { return dir.path() / "notify"; }
  Notification note(const std::string& id) {
    Notification n = testing::sampleNotification(clock.wall());
    n.id = id;
    return n;
  }
};

TEST_F(OutboxTest, BackoffDoublesFromFiveSecondsUpToTenMinutes) {
  Outbox outbox(folder(), clock);
  EXPECT_EQ(outbox.backoff(1), 5s);
  EXPECT_EQ(outbox.backoff(2), 10s);
  EXPECT_EQ(outbox.backoff(3), 20s);
  EXPECT_EQ(outbox.backoff(7), 320s);
  EXPECT_EQ(outbox.backoff(8), 600s);
  EXPECT_EQ(outbox.backoff(500), 600s);
}

TEST_F(OutboxTest, AddedDeliveryIsDueAtOnceAndDeliveredOnce) {
  Outbox outbox(folder(), clock);
  ASSERT_EQ(outbox.open(), "");
  const std::string id = outbox.add("webhook-1", note("n1"));
  EXPECT_EQ(id, "n1.webhook-1");
  auto due = outbox.due();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].state, DeliveryState::kPending);
  EXPECT_EQ(outbox.nextDue(), clock.wall());
  outbox.markDelivered(id);
  EXPECT_TRUE(outbox.due().empty());
  EXPECT_FALSE(outbox.nextDue());
  auto list = outbox.list(10);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].state, DeliveryState::kDelivered);
  EXPECT_EQ(list[0].attempts, 1);
  EXPECT_EQ(list[0].finished, clock.wall());
  EXPECT_EQ(outbox.writeError(), "");
}

TEST_F(OutboxTest, RetryableFailureWaitsThenGivesUpAfterRetryFor) {
  Outbox outbox(folder(), clock, OutboxOptions{.retry_for = 1h});
  ASSERT_EQ(outbox.open(), "");
  const std::string id = outbox.add("email", note("n1"));
  EXPECT_EQ(outbox.markFailed(id, "smtp down", false), DeliveryState::kPending);
  EXPECT_TRUE(outbox.due().empty());
  EXPECT_EQ(outbox.nextDue(), clock.wall() + 5s);
  clock.advance(4s);
  EXPECT_TRUE(outbox.due().empty());
  clock.advance(1s);
  ASSERT_EQ(outbox.due().size(), 1u);
  EXPECT_EQ(outbox.markFailed(id, "smtp down", false), DeliveryState::kPending);
  EXPECT_EQ(outbox.nextDue(), clock.wall() + 10s);
  int attempts = 2;
  while (outbox.markFailed(id, "smtp still down", false) == DeliveryState::kPending) {
    ++attempts;
    clock.advance(10min);
    ASSERT_LT(attempts, 100);
  }
  // Attempts at 0 s, 5 s, 5 s, then every 10 minutes: the ninth, at 3605 s, is past the hour.
  EXPECT_EQ(attempts, 8);
  auto list = outbox.list(10);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].state, DeliveryState::kFailed);
  EXPECT_EQ(list[0].attempts, 9);
  EXPECT_EQ(list[0].last_error, "gave up after 9 attempts in 1 h: smtp still down");
  EXPECT_EQ(outbox.pendingCount(), 0u);
}

TEST_F(OutboxTest, PermanentFailureGivesUpAtOnce) {
  Outbox outbox(folder(), clock);
  ASSERT_EQ(outbox.open(), "");
  const std::string id = outbox.add("webhook-1", note("n1"));
  EXPECT_EQ(outbox.markFailed(id, "answered HTTP 404", true), DeliveryState::kFailed);
  auto list = outbox.list(10);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].state, DeliveryState::kFailed);
  EXPECT_EQ(list[0].last_error, "answered HTTP 404");
}

TEST_F(OutboxTest, PendingDeliveriesSurviveARestart) {
  {
    Outbox outbox(folder(), clock);
    ASSERT_EQ(outbox.open(), "");
    outbox.add("webhook-1", note("n1"));
    const std::string second = outbox.add("email", note("n1"));
    outbox.markFailed(second, "smtp down", false);
    outbox.markDelivered(outbox.add("webhook-1", note("n0")));
  }
  EXPECT_EQ(
      std::filesystem::status(folder() / "outbox.json").permissions() & std::filesystem::perms::all,
      std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  clock.advance(1s);
  Outbox reopened(folder(), clock);
  ASSERT_EQ(reopened.open(), "");
  EXPECT_EQ(reopened.pendingCount(), 2u);
  auto due = reopened.due();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, "n1.webhook-1");
  EXPECT_EQ(due[0].notification.message, "the backup failed: pgbackrest exited with code 41");
  EXPECT_EQ(due[0].notification.details["exit_code"], 41);
  clock.advance(4s);
  due = reopened.due();
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[1].attempts, 1);
  EXPECT_EQ(due[1].last_error, "smtp down");
  auto list = reopened.list(10);
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[2].id, "n0.webhook-1");
  EXPECT_EQ(list[2].state, DeliveryState::kDelivered);
}

TEST_F(OutboxTest, KeepsOnlyTheLastFinished) {
  Outbox outbox(folder(), clock, OutboxOptions{.keep_finished = 3});
  ASSERT_EQ(outbox.open(), "");
  for (int i = 0; i < 5; ++i) {
    outbox.markDelivered(outbox.add("webhook-1", note("n" + std::to_string(i))));
    clock.advance(1s);
  }
  auto list = outbox.list(10);
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].id, "n4.webhook-1");
  EXPECT_EQ(list[2].id, "n2.webhook-1");
  EXPECT_EQ(outbox.list(2).size(), 2u);
  Outbox reopened(folder(), clock, OutboxOptions{.keep_finished = 3});
  ASSERT_EQ(reopened.open(), "");
  EXPECT_EQ(reopened.list(10).size(), 3u);
  EXPECT_EQ(reopened.list(10)[0].id, "n4.webhook-1");
}

TEST_F(OutboxTest, TooManyPendingDropsTheOldest) {
  Outbox outbox(folder(), clock, OutboxOptions{.max_pending = 2});
  ASSERT_EQ(outbox.open(), "");
  outbox.add("webhook-1", note("n1"));
  outbox.add("webhook-1", note("n2"));
  outbox.add("webhook-1", note("n3"));
  EXPECT_EQ(outbox.pendingCount(), 2u);
  auto list = outbox.list(10);
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[2].id, "n1.webhook-1");
  EXPECT_EQ(list[2].state, DeliveryState::kFailed);
  EXPECT_THAT(list[2].last_error, StartsWith("dropped: too many pending deliveries"));
}

TEST_F(OutboxTest, UnreadableFileIsMovedAside) {
  dir.write("notify/outbox.json", "{not json");
  Outbox outbox(folder(), clock);
  EXPECT_THAT(outbox.open(), HasSubstr("was unreadable and was moved aside to outbox.json.bad"));
  EXPECT_TRUE(std::filesystem::exists(folder() / "outbox.json.bad"));
  EXPECT_EQ(outbox.pendingCount(), 0u);
  outbox.add("webhook-1", note("n1"));
  Outbox reopened(folder(), clock);
  EXPECT_EQ(reopened.open(), "");
  EXPECT_EQ(reopened.pendingCount(), 1u);
}

TEST_F(OutboxTest, RecordedTestIsFinishedAtOnce) {
  Outbox outbox(folder(), clock);
  ASSERT_EQ(outbox.open(), "");
  outbox.record("email", note("t1"), false, "cannot reach smtps://mail.example.com/…");
  EXPECT_EQ(outbox.pendingCount(), 0u);
  auto list = outbox.list(10);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].state, DeliveryState::kFailed);
  EXPECT_EQ(list[0].last_error, "cannot reach smtps://mail.example.com/…");
}

TEST_F(OutboxTest, DeliveryJsonRoundTrip) {
  Delivery d;
  d.id = "n1.email";
  d.channel = "email";
  d.notification = note("n1");
  d.state = DeliveryState::kFailed;
  d.attempts = 3;
  d.created = clock.wall();
  d.next_attempt = clock.wall() + 20s;
  d.finished = clock.wall() + 30s;
  d.last_error = "x";
  auto back = deliveryFromJson(nlohmann::json::parse(toJson(d).dump()));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->id, d.id);
  EXPECT_EQ(back->state, d.state);
  EXPECT_EQ(back->attempts, 3);
  EXPECT_EQ(back->next_attempt, d.next_attempt);
  EXPECT_EQ(back->finished, d.finished);
  auto broken = toJson(d);
  broken["state"] = "lost";
  EXPECT_FALSE(deliveryFromJson(broken));
}

}  // namespace
}  // namespace pgbr
