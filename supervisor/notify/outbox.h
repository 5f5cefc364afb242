// The delivery queue on disk: one delivery per (notification, channel), kept in
// `<folder>/outbox.json` and rewritten atomically (temp file, fsync, rename, fsync of the folder)
// after every change, so a failure alert raised just before the container restarts is still
// delivered after it.
//
// Policy:
// - A delivery is pending until its channel accepts it (delivered) or the outbox gives up on it
//   (failed): at once for a permanent error, else once `retry_for` has passed since it was
//   queued. Between attempts it waits 5 s, 10 s, 20 s, ... doubling up to `backoff_max`.
// - Times here are wall times because they must survive a restart (the monotonic clock starts
//   again at boot); a wall clock stepped back only delays a retry.
// - The last `keep_finished` finished deliveries are kept for the "recent deliveries" listing;
//   older ones are dropped. At most `max_pending` deliveries wait: past that the oldest pending
//   one is given up (failed, "dropped: too many pending deliveries"), so an endless outage cannot
//   grow the file without bound.
// - An unreadable outbox file is moved aside to outbox.json.bad and the outbox starts empty:
//   open() says so, and the supervisor still starts.
// - Thread-safe: the worker, the loop and the API share one Outbox.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/common/clock.h"
#include "supervisor/notify/notification.h"

namespace pgbr {

enum class DeliveryState { kPending, kDelivered, kFailed };
std::string_view deliveryStateName(DeliveryState state);  // "pending", "delivered", "failed"

struct Delivery {
  std::string id;  // "<notification id>.<channel>"
  std::string channel;
  Notification notification;
  DeliveryState state = DeliveryState::kPending;
  int attempts = 0;
  WallTime created{};
  WallTime next_attempt{};
  std::optional<WallTime> finished = std::nullopt;
  std::string last_error = {};
};

nlohmann::json toJson(const Delivery& delivery);
std::optional<Delivery> deliveryFromJson(const nlohmann::json& json);

struct OutboxOptions {
  std::chrono::seconds retry_for = std::chrono::hours(24);
  std::chrono::seconds backoff_first = std::chrono::seconds(5);
  std::chrono::seconds backoff_max = std::chrono::minutes(10);
  size_t keep_finished = 200;
  size_t max_pending = 1000;
};

class Outbox {
 public:
  Outbox(std::filesystem::path folder, const Clock& clock, OutboxOptions options = {});
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Creates the folder (0700) and loads what a previous run left. Returns "" or a one-line
  // warning (the file was unreadable and was moved aside; the outbox is usable either way).
  std::string open();

  // Queues `n` for `channel`, due now. Returns the delivery id. Should the file not be written,
  // the delivery is still queued in memory and sent (writeError() says why).
  std::string add(const std::string& channel, const Notification& n);
  // Records a finished delivery that never waited (a test sent at once).
  void record(const std::string& channel, const Notification& n, bool ok, const std::string& error);

  // Pending deliveries due at or before the clock's wall time, oldest first.
  std::vector<Delivery> due() const;
  // The earliest next_attempt of any pending delivery; nullopt when none is pending.
  std::optional<WallTime> nextDue() const;

  // Moves a pending delivery's next attempt to `when` without counting an attempt (its channel is
  // over its rate limit). Not written to disk: after a restart it is simply due at once.
  void postpone(const std::string& id, WallTime when);
  void markDelivered(const std::string& id);
  // After a failed attempt: gives up when `permanent` or when retry_for has passed, else schedules
  // the next attempt. Returns the delivery's new state.
  DeliveryState markFailed(const std::string& id, const std::string& error, bool permanent);

  // Pending deliveries, then finished ones, newest first; at most `limit`.
  std::vector<Delivery> list(size_t limit) const;
  size_t pendingCount() const;
  // The error of the last failed write of the file, "" once a write succeeds again.
  std::string writeError() const;

  // The wait before attempt number `attempts + 1`, after `attempts` failures (>= 1).
  std::chrono::seconds backoff(int attempts) const;

  std::filesystem::path file() const { return folder_ / "outbox.json"; }

 private:
  Delivery* findPending(const std::string& id);
  void finish(Delivery delivery);
  void save();  // call with mutex_ held; sets write_error_

  std::filesystem::path folder_;
  const Clock& clock_;
  OutboxOptions options_;
  mutable std::mutex mutex_;
  std::vector<Delivery> pending_;   // in order of creation
  std::vector<Delivery> finished_;  // in order of finishing, oldest first
  std::string write_error_;
};

}  // namespace pgbr
