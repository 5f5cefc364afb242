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
  // The answer for (revision, second): the stored one when it was built for both, else `build()`
  // (called with the cache locked, so a burst of requests builds it once).
  std::shared_ptr<const std::string> get(uint64_t revision, int64_t second,
                                         const std::function<std::string()>& build) {
    std::lock_guard lock(mutex_);
    if (!text_ || revision != revision_ || second != second_) {
      text_ = std::make_shared<const std::string>(build());
      revision_ = revision;
      second_ = second;
    }
    return text_;
  }

 private:
  std::mutex mutex_;
  std::shared_ptr<const std::string> text_;
  uint64_t revision_ = 0;
  int64_t second_ = 0;
};

}  // namespace pgbr::api
