// Signals, collected in the loop and never handled in an async handler (as tini and dumb-init do).
// blockSignals() must run first in main(), before any thread exists, so every thread inherits the
// mask and the signals queue up for the loop's signalfd. SIGPIPE is ignored: a client that hangs
// up must not kill PID 1. Children get an empty mask and default dispositions (see process_ops.h).
#pragma once

#include <vector>

#include "supervisor/common/clock.h"
#include "supervisor/os/fd.h"

namespace pgbr {

void blockSignals();
// Outside a container the supervisor is not PID 1, so orphans of its children (pgBackRest's
// async archive-push daemon, double-forking init scripts) would go to the machine's init. As a
// child subreaper they come to us and are reaped like every other child. Returns false if the
// kernel refused (then orphans are reaped by the real PID 1).
bool becomeSubreaper();

class SignalSource {
 public:
  SignalSource();  // opens a signalfd for the blocked set and an eventfd to wake the loop
  // Waits until a signal arrives, wake() is called, or the timeout passes. Returns the signals
  // collected (SIGCHLD included), possibly none.
  std::vector<int> wait(Millis timeout);
  // Thread-safe: makes a pending or the next wait() return at once.
  void wake();

 private:
  UniqueFd signal_fd_;
  UniqueFd wake_fd_;
};

const char* signalName(int sig);

}  // namespace pgbr
