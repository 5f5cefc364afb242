// A Clock that only moves when the test says so: unit tests never sleep.
#pragma once

#include "supervisor/common/clock.h"

namespace pgbr::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(WallTime wall = WallTime(std::chrono::seconds(1'795'000'000))) : wall_(wall) {}
  MonoTime monotonic() const override { return mono_; }
  WallTime wall() const override { return wall_; }
  void advance(Millis d) {
    mono_ += d;
    wall_ += d;
  }
  void setWall(WallTime t) { wall_ = t; }

 private:
  MonoTime mono_{std::chrono::seconds(1000)};
  WallTime wall_;
};

}  // namespace pgbr::testing
