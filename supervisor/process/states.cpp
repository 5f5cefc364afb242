#include "supervisor/process/states.h"

namespace pgbr {

std::string_view toString(ProcessState state) {
  switch (state) {
    case ProcessState::kStopped:
      return "STOPPED";
    case ProcessState::kStarting:
      return "STARTING";
    case ProcessState::kRunning:
      return "RUNNING";
    case ProcessState::kBackoff:
      return "BACKOFF";
    case ProcessState::kStopping:
      return "STOPPING";
    case ProcessState::kExited:
      return "EXITED";
    case ProcessState::kFatal:
      return "FATAL";
  }
  return "UNKNOWN";
}

std::optional<ProcessState> parseProcessState(std::string_view name) {
  for (auto s : {ProcessState::kStopped, ProcessState::kStarting, ProcessState::kRunning,
                 ProcessState::kBackoff, ProcessState::kStopping, ProcessState::kExited,
                 ProcessState::kFatal})
    if (toString(s) == name) return s;
  return std::nullopt;
}

bool hasProcess(ProcessState state) {
  return state == ProcessState::kStarting || state == ProcessState::kRunning ||
         state == ProcessState::kStopping;
}

}  // namespace pgbr
