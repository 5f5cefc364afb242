// The dispatcher: takes notifications, queues one delivery per channel in the outbox, and sends
// them from a worker thread, so no job, loop pass or API request ever waits on a webhook or a mail
// server.
//
// Policy:
// - enqueue() only writes the outbox and wakes the worker: it never touches the network.
// - The worker sends every due delivery, one at a time, then sleeps until the next one is due or
//   enqueue() wakes it. Failures are retried with the outbox's backoff (outbox.h).
// - Rate limit per channel: a token bucket of `rate_per_minute` tokens refilled evenly over a
//   minute (so a burst of that many goes out at once). A delivery over the limit waits for a
//   token; it is never dropped.
// - Counters per channel and result ("delivered", "retry", "failed") feed
//   pgbr_notifications_total{channel,result}.
// - sendTestNow() sends a test notification to every channel in parallel (one thread each) and
//   returns when all have answered: the caller waits at most the slowest transport's timeout
//   (setup.h: 20 s for a webhook, 30 s for mail). Each result is recorded in the outbox's
//   listing; tests are not queued and not retried.
// - stop() (and the destructor) ends the worker after the send in progress, if any; with
//   `cancel` shared with the libcurl transports (setup.h), that send is aborted within about a
//   second and stays pending for the next start.
// - tick() is one pass of the worker, so tests drive the dispatcher with a FakeClock and no thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "supervisor/common/clock.h"
#include "supervisor/common/metric_family.h"
#include "supervisor/notify/channel.h"
#include "supervisor/notify/outbox.h"

namespace pgbr {

// Where notifications are handed over; the dispatcher in production, a recorder in tests.
class NotificationSink {
 public:
  virtual ~NotificationSink() = default;
  virtual void enqueue(const Notification& n) = 0;
};

struct DispatcherOptions {
  int rate_per_minute = 20;
  // The longest the worker sleeps without being woken (a wall clock stepped forward is noticed).
  std::chrono::seconds max_sleep = std::chrono::seconds(30);
  // Set by stop(); the transports abort a send in progress when it is (channel.h).
  std::shared_ptr<std::atomic<bool>> cancel = nullptr;
};

struct ChannelTestResult {
  std::string channel;
  std::string description;  // Channel::describe(): no secret
  DeliveryResult result;
};

class Dispatcher final : public NotificationSink {
 public:
  Dispatcher(Outbox& outbox, std::vector<std::unique_ptr<Channel>> channels, const Clock& clock,
             DispatcherOptions options = {});
  ~Dispatcher() override;
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Queues `n` for every channel and wakes the worker. Without channels it does nothing.
  void enqueue(const Notification& n) override;

  void start();  // starts the worker thread
  void stop();   // ends it; safe to call twice

  // One pass: sends each due delivery whose channel has a token. Returns when the worker should
  // look again (the next due delivery or token), nullopt when nothing is pending.
  std::optional<WallTime> tick();

  std::vector<ChannelTestResult> sendTestNow(const std::string& stanza, const std::string& host);

  struct ChannelInfo {
    std::string name;
    std::string kind;
    std::string description;
  };
  std::vector<ChannelInfo> channels() const;
  bool hasChannels() const { return !channels_.empty(); }

  // Count of sends per channel and result ("delivered", "retry", "failed").
  std::map<std::pair<std::string, std::string>, int64_t> counters() const;
  // pgbr_notifications_total{channel,result}, with a zero sample for every channel and result.
  MetricFamily metric() const;

  // Called with one line for every failed attempt and every give-up (the supervisor logs it).
  void onFailure(std::function<void(const std::string&)> log) { log_ = std::move(log); }

 private:
  struct Bucket {
    int64_t units = 0;  // see takeToken()
    MonoTime refilled{};
  };
  Channel* findChannel(const std::string& name) const;
  // Takes a token for `channel` if one is there; else returns how long until one is.
  std::optional<Millis> takeToken(const std::string& channel);
  void count(const std::string& channel, const char* result);
  void run(std::stop_token stop);

  Outbox& outbox_;
  std::vector<std::unique_ptr<Channel>> channels_;
  const Clock& clock_;
  DispatcherOptions options_;
  std::function<void(const std::string&)> log_;

  mutable std::mutex mutex_;  // guards buckets_, counters_, wake_
  std::map<std::string, Bucket> buckets_;
  std::map<std::pair<std::string, std::string>, int64_t> counters_;
  bool wake_ = false;
  std::atomic<bool> stopping_{false};  // tick() sends nothing more once set
  std::condition_variable_any wakeup_;
  std::jthread worker_;  // last: stopped and joined before the members it uses go
};

}  // namespace pgbr
