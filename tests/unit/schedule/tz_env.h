// Test helpers: RFC 3339 literals and a TZ switch that puts the process's zone back afterwards.
#pragma once

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "supervisor/common/time_format.h"

namespace pgbr::testing {

inline WallTime at(const char* rfc3339) {
  std::optional<WallTime> t = parseRfc3339(rfc3339);
  EXPECT_TRUE(t.has_value()) << rfc3339;
  return t.value_or(WallTime{});
}

inline std::string show(const std::optional<WallTime>& t) {
  return t ? formatRfc3339(*t) : "never";
}

inline bool haveZone(const std::string& name) {
  return std::filesystem::exists("/usr/share/zoneinfo/" + name);
}

// Sets TZ for the lifetime of the object, then restores the previous value (or its absence).
class ScopedTz {
 public:
  explicit ScopedTz(const std::string& tz) {
    if (const char* old = std::getenv("TZ")) old_ = old;
    setenv("TZ", tz.c_str(), 1);
    tzset();
  }
  ~ScopedTz() {
    if (old_)
      setenv("TZ", old_->c_str(), 1);
    else
      unsetenv("TZ");
    tzset();
  }
  ScopedTz(const ScopedTz&) = delete;
  ScopedTz& operator=(const ScopedTz&) = delete;

 private:
  std::optional<std::string> old_;
};

}  // namespace pgbr::testing
