#include "api/answer_cache.h"

namespace pgbr::api {

AnswerCache::Text AnswerCache::get(uint64_t revision, int64_t second,
                                   const std::function<std::string()>& build) {
  const EntryPtr entry = current();
  // An entry of a later revision is as good: it was built after every change up to `revision`.
  if (entry && entry->revision >= revision && entry->second == second) return textOf(entry);
  if (entry && entry->revision >= revision) {
    // Only the clock moved: what the answer says changed by one second of ages at most.
    std::unique_lock building(build_mutex_, std::try_to_lock);
    if (!building.owns_lock()) return textOf(entry);
    return textOf(buildLocked(revision, second, build));
  }
  std::lock_guard building(build_mutex_);
  return textOf(buildLocked(revision, second, build));
}

uint64_t AnswerCache::builds() const {
  std::lock_guard lock(entry_mutex_);
  return builds_;
}

AnswerCache::EntryPtr AnswerCache::current() const {
  std::lock_guard lock(entry_mutex_);
  return entry_;
}

AnswerCache::EntryPtr AnswerCache::buildLocked(uint64_t revision, int64_t second,
                                               const std::function<std::string()>& build) {
  // Another caller may have built it while this one waited.
  if (EntryPtr entry = current(); entry && entry->revision >= revision && entry->second == second) {
    return entry;
  }
  auto entry = std::make_shared<const Entry>(Entry{revision, second, build()});
  std::lock_guard lock(entry_mutex_);
  ++builds_;
  entry_ = entry;
  return entry;
}

}  // namespace pgbr::api
