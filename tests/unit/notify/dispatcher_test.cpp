// The dispatcher driven by tick() and a FakeClock: delivery, retry, rate limit, counters, the
// test send; and once with its worker thread.
#include "supervisor/notify/dispatcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "tests/support/fake_clock.h"
#include "tests/unit/notify/fakes.h"
#include "tests/unit/temp_dir.h"

namespace pgbr {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

struct DispatcherTest : ::testing::Test {
  testing::TempDir dir;
  testing::FakeClock clock;
  std::shared_ptr<testing::FakeHttpTransport> http = std::make_shared<testing::FakeHttpTransport>();
  std::shared_ptr<testing::FakeMailTransport> mail = std::make_shared<testing::FakeMailTransport>();
  Outbox outbox{dir.path() / "notify", clock};

  void SetUp() override { ASSERT_EQ(outbox.open(), ""); }

  std::vector<std::unique_ptr<Channel>> channels() {
    std::vector<std::unique_ptr<Channel>> out;
    out.push_back(makeWebhookChannel(
        {"webhook-1", "https://hooks.example.com/T/secret", WebhookFormat::kJson, "key"}, http));
    out.push_back(makeMailChannel({"email", "a@example.com", {"b@example.com"}, ""}, mail));
    return out;
  }
  Notification note(const std::string& id) {
    Notification n = testing::sampleNotification(clock.wall());
    n.id = id;
    return n;
  }
  int64_t counter(const Dispatcher& d, const std::string& channel, const std::string& result) {
    auto counters = d.counters();
    auto it = counters.find({channel, result});
    return it == counters.end() ? 0 : it->second;
  }
};

TEST_F(DispatcherTest, EnqueueOnlyQueuesTickSends) {
  Dispatcher dispatcher(outbox, channels(), clock);
  dispatcher.enqueue(note("n1"));
  EXPECT_TRUE(http->requests().empty());
  EXPECT_TRUE(mail->sent().empty());
  EXPECT_EQ(outbox.pendingCount(), 2u);
  EXPECT_FALSE(dispatcher.tick());
  EXPECT_EQ(http->requests().size(), 1u);
  EXPECT_EQ(mail->sent().size(), 1u);
  EXPECT_EQ(outbox.pendingCount(), 0u);
  EXPECT_EQ(counter(dispatcher, "webhook-1", "delivered"), 1);
  EXPECT_EQ(counter(dispatcher, "email", "delivered"), 1);
}

TEST_F(DispatcherTest, RetriesWithBackoffAndCounts) {
  Dispatcher dispatcher(outbox, channels(), clock);
  std::vector<std::string> log;
  dispatcher.onFailure([&](const std::string& line) { log.push_back(line); });
  http->answer(503);
  http->answer(502);
  dispatcher.enqueue(note("n1"));
  EXPECT_EQ(dispatcher.tick(), clock.wall() + 5s);
  EXPECT_EQ(counter(dispatcher, "webhook-1", "retry"), 1);
  clock.advance(4s);
  dispatcher.tick();
  EXPECT_EQ(http->requests().size(), 1u);  // not due yet
  clock.advance(1s);
  EXPECT_EQ(dispatcher.tick(), clock.wall() + 10s);
  EXPECT_EQ(http->requests().size(), 2u);
  clock.advance(10s);
  EXPECT_FALSE(dispatcher.tick());
  EXPECT_EQ(http->requests().size(), 3u);
  EXPECT_EQ(counter(dispatcher, "webhook-1", "retry"), 2);
  EXPECT_EQ(counter(dispatcher, "webhook-1", "delivered"), 1);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0],
            "notification job-failed to webhook-1 failed, will retry: "
            "https://hooks.example.com/… answered HTTP 503");
  // The same notification id on every retry, so a receiver can drop duplicates.
  EXPECT_EQ(http->requests()[0].header("X-Pgbr-Delivery"), "n1");
  EXPECT_EQ(http->requests()[2].header("X-Pgbr-Delivery"), "n1");
}

TEST_F(DispatcherTest, PermanentFailureIsNotRetried) {
  Dispatcher dispatcher(outbox, channels(), clock);
  http->answer(410, "gone");
  dispatcher.enqueue(note("n1"));
  EXPECT_FALSE(dispatcher.tick());
  clock.advance(1h);
  dispatcher.tick();
  EXPECT_EQ(http->requests().size(), 1u);
  EXPECT_EQ(counter(dispatcher, "webhook-1", "failed"), 1);
}

TEST_F(DispatcherTest, RateLimitDelaysButNeverDrops) {
  Dispatcher dispatcher(outbox, channels(), clock, DispatcherOptions{.rate_per_minute = 3});
  for (int i = 0; i < 5; ++i) dispatcher.enqueue(note("n" + std::to_string(i)));
  auto next = dispatcher.tick();
  EXPECT_EQ(http->requests().size(), 3u);  // the burst
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, clock.wall() + 20s);  // one token every 20 s
  clock.advance(19s);
  dispatcher.tick();
  EXPECT_EQ(http->requests().size(), 3u);
  clock.advance(1s);
  dispatcher.tick();
  EXPECT_EQ(http->requests().size(), 4u);
  clock.advance(20s);
  EXPECT_FALSE(dispatcher.tick());
  EXPECT_EQ(http->requests().size(), 5u);
  EXPECT_EQ(counter(dispatcher, "webhook-1", "delivered"), 5);
  EXPECT_EQ(counter(dispatcher, "email", "delivered"), 5);
  EXPECT_EQ(http->requests()[4].header("X-Pgbr-Delivery"), "n4");
}

TEST_F(DispatcherTest, DeliveryForAChannelNoLongerConfiguredFails) {
  outbox.add("webhook-9", note("n1"));
  Dispatcher dispatcher(outbox, channels(), clock);
  EXPECT_FALSE(dispatcher.tick());
  auto list = outbox.list(1);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].state, DeliveryState::kFailed);
  EXPECT_EQ(list[0].last_error, "no channel webhook-9 is configured any more");
}

TEST_F(DispatcherTest, MetricHasEveryChannelAndResult) {
  Dispatcher dispatcher(outbox, channels(), clock);
  dispatcher.enqueue(note("n1"));
  dispatcher.tick();
  const MetricFamily family = dispatcher.metric();
  EXPECT_EQ(family.name, "pgbr_notifications_total");
  EXPECT_EQ(family.type, "counter");
  ASSERT_EQ(family.samples.size(), 6u);
  EXPECT_EQ(family.samples[0].labels,
            (MetricLabels{{"channel", "webhook-1"}, {"result", "delivered"}}));
  EXPECT_EQ(std::get<int64_t>(family.samples[0].value), 1);
  EXPECT_EQ(std::get<int64_t>(family.samples[1].value), 0);
}

TEST_F(DispatcherTest, SendTestNowReportsEachChannel) {
  Dispatcher dispatcher(outbox, channels(), clock);
  http->answer(404, "no such hook");
  const auto results = dispatcher.sendTestNow("main", "db1");
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].channel, "webhook-1");
  EXPECT_EQ(results[0].description, "json webhook https://hooks.example.com/…");
  EXPECT_FALSE(results[0].result.ok);
  EXPECT_THAT(results[0].result.error, HasSubstr("HTTP 404"));
  EXPECT_EQ(results[1].channel, "email");
  EXPECT_TRUE(results[1].result.ok);
  ASSERT_EQ(mail->sent().size(), 1u);
  EXPECT_THAT(mail->sent()[0].message, HasSubstr("Subject: [pgbr main] TEST: "));
  const auto body = nlohmann::json::parse(http->requests()[0].body);
  EXPECT_EQ(body["state"], "test");
  EXPECT_EQ(outbox.pendingCount(), 0u);  // tests are not retried
  EXPECT_EQ(outbox.list(10).size(), 2u);
  EXPECT_EQ(counter(dispatcher, "webhook-1", "failed"), 1);
}

TEST_F(DispatcherTest, NoChannelsNothingQueued) {
  Dispatcher dispatcher(outbox, {}, clock);
  dispatcher.enqueue(note("n1"));
  EXPECT_EQ(outbox.pendingCount(), 0u);
  EXPECT_TRUE(dispatcher.sendTestNow("main", "db1").empty());
}

TEST(DispatcherThread, WorkerDeliversWhatIsEnqueuedAndStops) {
  testing::TempDir dir;
  SystemClock clock;
  Outbox outbox(dir.path(), clock);
  ASSERT_EQ(outbox.open(), "");
  auto http = std::make_shared<testing::FakeHttpTransport>();
  std::vector<std::unique_ptr<Channel>> channels;
  channels.push_back(makeWebhookChannel({"webhook-1", "https://h.example.com/x"}, http));
  auto cancel = std::make_shared<std::atomic<bool>>(false);
  Dispatcher dispatcher(outbox, std::move(channels), clock,
                        DispatcherOptions{.max_sleep = 30s, .cancel = cancel});
  dispatcher.start();
  Notification n = testing::sampleNotification(clock.wall());
  dispatcher.enqueue(n);
  // Woken by enqueue, not by the 30 s timer: a deadline well under it.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (http->requests().empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(http->requests().size(), 1u);
  const auto stop_started = std::chrono::steady_clock::now();
  dispatcher.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_started, 5s);
  EXPECT_TRUE(cancel->load());  // a send in progress over libcurl would be aborted
  dispatcher.stop();            // twice is fine
}

}  // namespace
}  // namespace pgbr
