// Time sources. Monotonic time measures intervals (backoff, timeouts, uptime); wall time is for
// display and for schedules. Everything that needs time takes a Clock&, so tests drive it with a
// FakeClock and never sleep.
#pragma once

#include <chrono>

namespace pgbr {

using MonoTime = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;
using Millis = std::chrono::milliseconds;
using Seconds = std::chrono::seconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual MonoTime monotonic() const = 0;
  virtual WallTime wall() const = 0;
};

class SystemClock final : public Clock {
 public:
  MonoTime monotonic() const override { return std::chrono::steady_clock::now(); }
  WallTime wall() const override { return std::chrono::system_clock::now(); }
};

}  // namespace pgbr
