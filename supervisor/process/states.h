// The states of a supervised process, as supervisord names them. No dependencies on purpose:
// the API, the dashboard and the tests all speak these names.
//
//   STOPPED  --start-->  STARTING  --ready-->  RUNNING
//   STARTING --exit--->  BACKOFF   --delay-->  STARTING      (quick exit: counts toward FATAL)
//   RUNNING  --exit--->  EXITED    --auto--->  STARTING or BACKOFF
//   BACKOFF  --too many quick exits-->  FATAL  --start-->  STARTING
//   STARTING|RUNNING  --stop-->  STOPPING  --exit-->  STOPPED
//   BACKOFF  --stop-->  STOPPED
#pragma once

#include <optional>
#include <string_view>

namespace pgbr {

enum class ProcessState { kStopped, kStarting, kRunning, kBackoff, kStopping, kExited, kFatal };

std::string_view toString(ProcessState state);  // "STOPPED", "STARTING", ...
std::optional<ProcessState> parseProcessState(std::string_view name);
// True for states in which the process has a live pid.
bool hasProcess(ProcessState state);

}  // namespace pgbr
