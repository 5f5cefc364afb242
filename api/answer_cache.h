// One serialised answer of a read route, reused while the service's revision and the wall
// clock's second are those it was built at (see Service::revision). The dashboard polls the
// status every few seconds from every open tab and monitors poll the seed's /pgBackRest/info;
// building and serialising the JSON each time is most of what such a request costs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace pgbr::api {

class AnswerCache {
 public:
  using Text = std::shared_ptr<const std::string>;

  // The answer for (revision, second). When only the second moved, one caller rebuilds it and
  // the callers arriving meanwhile get the previous second's answer instead of queueing behind
  // the build (under load every worker would otherwise pile up on it at each second). When the
  // revision moved, the caller waits for an answer built at that revision or later: a client
  // that just changed something never reads the state from before its change.
  Text get(uint64_t revision, int64_t second, const std::function<std::string()>& build);

  // How many times get() called `build`, for tests.
  uint64_t builds() const;

 private:
  struct Entry {
    uint64_t revision;
    int64_t second;
    std::string text;
  };
  using EntryPtr = std::shared_ptr<const Entry>;

  EntryPtr current() const;
  // With build_mutex_ held: the current entry when it serves (revision, second), else a new one.
  EntryPtr buildLocked(uint64_t revision, int64_t second,
                       const std::function<std::string()>& build);
  static Text textOf(const EntryPtr& entry) { return Text(entry, &entry->text); }

  mutable std::mutex entry_mutex_;  // held only to copy or replace entry_
  EntryPtr entry_;
  std::mutex build_mutex_;  // held by the one caller building
  uint64_t builds_ = 0;     // under entry_mutex_
};

}  // namespace pgbr::api
