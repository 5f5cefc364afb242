// Dispatcher (dispatcher.h).
#include "supervisor/notify/dispatcher.h"

#include <algorithm>

namespace pgbr {

namespace {

constexpr const char* kResults[] = {"delivered", "retry", "failed"};

}  // namespace

Dispatcher::Dispatcher(Outbox& outbox, std::vector<std::unique_ptr<Channel>> channels,
                       const Clock& clock, DispatcherOptions options)
    : outbox_(outbox), channels_(std::move(channels)), clock_(clock), options_(options) {}

Dispatcher::~Dispatcher() {
  stop();
}

void Dispatcher::enqueue(const Notification& n) {
  for (const auto& channel : channels_) outbox_.add(channel->name(), n);
  if (channels_.empty()) return;
  {
    std::lock_guard lock(mutex_);
    wake_ = true;
  }
  wakeup_.notify_all();
}

void Dispatcher::start() {
  if (worker_.joinable()) return;
  worker_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void Dispatcher::stop() {
  stopping_ = true;
  if (options_.cancel) options_.cancel->store(true);
  if (!worker_.joinable()) return;
  worker_.request_stop();  // wakes the condition variable's stop_token wait
  worker_.join();
}

void Dispatcher::run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    const std::optional<WallTime> next = tick();
    Millis sleep = options_.max_sleep;
    if (next) {
      const auto until = std::chrono::duration_cast<Millis>(*next - clock_.wall());
      sleep = std::clamp(until, Millis(0), Millis(options_.max_sleep));
    }
    std::unique_lock lock(mutex_);
    wakeup_.wait_for(lock, stop, sleep, [this] { return wake_; });
    wake_ = false;
  }
}

std::optional<WallTime> Dispatcher::tick() {
  for (const Delivery& d : outbox_.due()) {
    if (stopping_) break;
    Channel* channel = findChannel(d.channel);
    if (channel == nullptr) {
      // The configuration changed across a restart: the channel this was queued for is gone.
      outbox_.markFailed(d.id, "no channel " + d.channel + " is configured any more", true);
      count(d.channel, "failed");
      continue;
    }
    if (auto wait = takeToken(d.channel)) {
      outbox_.postpone(d.id, clock_.wall() + *wait);
      continue;
    }
    const DeliveryResult result = channel->send(d.notification);
    if (result.ok) {
      outbox_.markDelivered(d.id);
      count(d.channel, "delivered");
      continue;
    }
    const DeliveryState state = outbox_.markFailed(d.id, result.error, result.permanent);
    const bool retry = state == DeliveryState::kPending;
    count(d.channel, retry ? "retry" : "failed");
    if (log_)
      log_("notification " + d.notification.event + " to " + d.channel +
           (retry ? " failed, will retry: " : " failed, not retried: ") + result.error);
  }
  return outbox_.nextDue();
}

std::optional<Millis> Dispatcher::takeToken(const std::string& channel) {
  if (options_.rate_per_minute <= 0) return std::nullopt;
  // Integer units, exact: a token is 60000 units and every millisecond adds rate_per_minute.
  constexpr int64_t kToken = 60'000;
  const int64_t rate = options_.rate_per_minute;
  const int64_t capacity = rate * kToken;
  const MonoTime now = clock_.monotonic();
  std::lock_guard lock(mutex_);
  auto [it, added] = buckets_.try_emplace(channel, Bucket{capacity, now});
  Bucket& bucket = it->second;
  if (!added) {
    const int64_t elapsed =
        std::max<int64_t>(0, std::chrono::duration_cast<Millis>(now - bucket.refilled).count());
    bucket.units = std::min(capacity, bucket.units + elapsed * rate);
    bucket.refilled = now;
  }
  if (bucket.units >= kToken) {
    bucket.units -= kToken;
    return std::nullopt;
  }
  return Millis((kToken - bucket.units + rate - 1) / rate);
}

void Dispatcher::count(const std::string& channel, const char* result) {
  std::lock_guard lock(mutex_);
  ++counters_[{channel, result}];
}

Channel* Dispatcher::findChannel(const std::string& name) const {
  for (const auto& channel : channels_)
    if (channel->name() == name) return channel.get();
  return nullptr;
}

std::vector<ChannelTestResult> Dispatcher::sendTestNow(const std::string& stanza,
                                                       const std::string& host) {
  Notification n;
  n.time = clock_.wall();
  n.id = newNotificationId(n.time);
  n.condition = "test";
  n.event = "test";
  n.severity = Severity::kInfo;
  n.state = AlertState::kTest;
  n.stanza = stanza;
  n.host = host;
  n.message = "this is a test notification from pgbr-supervisor: this channel works";
  std::vector<ChannelTestResult> results(channels_.size());
  {
    // One thread per channel: the answer takes as long as the slowest channel, not their sum.
    std::vector<std::jthread> senders;
    for (size_t i = 0; i < channels_.size(); ++i) {
      results[i].channel = channels_[i]->name();
      results[i].description = channels_[i]->describe();
      senders.emplace_back([&, i] { results[i].result = channels_[i]->send(n); });
    }
  }  // the jthreads join here
  for (const auto& r : results) {
    outbox_.record(r.channel, n, r.result.ok, r.result.error);
    count(r.channel, r.result.ok ? "delivered" : "failed");
  }
  return results;
}

std::vector<Dispatcher::ChannelInfo> Dispatcher::channels() const {
  std::vector<ChannelInfo> out;
  for (const auto& channel : channels_)
    out.push_back({channel->name(), std::string(channel->kind()), channel->describe()});
  return out;
}

std::map<std::pair<std::string, std::string>, int64_t> Dispatcher::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

MetricFamily Dispatcher::metric() const {
  MetricFamily family{"pgbr_notifications_total",
                      "counter",
                      "notification sends by channel and result (delivered, retry, failed)",
                      {}};
  std::lock_guard lock(mutex_);
  for (const auto& channel : channels_) {
    for (const char* result : kResults) {
      auto it = counters_.find({channel->name(), result});
      family.add({{"channel", channel->name()}, {"result", result}},
                 int64_t{it == counters_.end() ? 0 : it->second});
    }
  }
  return family;
}

}  // namespace pgbr
