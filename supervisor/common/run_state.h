// The supervisor's run state that its parts share: where start-up is, whether a restore or the
// shutdown is under way, and the revision that tells the API's answer caches something changed.
// Plain atomics: each flag is written by one owner (the loop, the init thread, the restore job)
// and read by everyone, and no reader needs two of them to agree with each other.
#pragma once

#include <atomic>
#include <cstdint>

namespace pgbr {

struct RunState {
  std::atomic<bool> init_done{false};        // the data directory is ready; Postgres may start
  std::atomic<bool> startup_done{false};     // the start-up jobs (stanza-create, check) ran
  std::atomic<bool> restore_running{false};  // a restore owns Postgres: nobody else starts it
  std::atomic<bool> shutting_down{false};
  // See Service::revision: moved after every change to what status or backups answer.
  std::atomic<uint64_t> revision{0};

  void changed() { ++revision; }
};

}  // namespace pgbr
