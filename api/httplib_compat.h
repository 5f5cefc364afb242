// What differs between the cpp-httplib versions the images are built with (Debian 12 ships 0.11,
// Debian 13 ships 0.18), in one place, read from httplib's own declarations rather than from
// version numbers: code elsewhere is the same for both.
#pragma once

#include <functional>
#include <type_traits>
#include <utility>

#include <httplib.h>

namespace pgbr::api::httplib_compat {

// TaskQueue::enqueue returns void in 0.11 and, since 0.15, bool: false tells httplib that the
// task was not taken, and it closes that connection.
using EnqueueResult =
    decltype(std::declval<httplib::TaskQueue&>().enqueue(std::declval<std::function<void()>>()));

// `taken` as the override of enqueue returns it.
// (A template so that the branch of the other version is discarded, not compiled.)
template <typename Result = EnqueueResult>
constexpr Result enqueueResult([[maybe_unused]] bool taken) {
  if constexpr (std::is_void_v<Result>) {
    return;
  } else {
    return taken;
  }
}

}  // namespace pgbr::api::httplib_compat
