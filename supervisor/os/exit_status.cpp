#include "supervisor/os/exit_status.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

namespace pgbr {

ExitStatus ExitStatus::exitedWith(int code) {
  return ExitStatus((code & 0xff) << 8);
}
ExitStatus ExitStatus::killedBy(int sig) {
  return ExitStatus(sig & 0x7f);
}

bool ExitStatus::exited() const {
  return WIFEXITED(raw_);
}
int ExitStatus::code() const {
  return WEXITSTATUS(raw_);
}
bool ExitStatus::signaled() const {
  return WIFSIGNALED(raw_);
}
int ExitStatus::signal() const {
  return WTERMSIG(raw_);
}
int ExitStatus::shellCode() const {
  if (exited()) return code();
  if (signaled()) return 128 + signal();
  return 255;
}

std::string ExitStatus::describe() const {
  if (exited()) return "exited with code " + std::to_string(code());
  if (signaled()) {
    const char* abbrev = sigabbrev_np(signal());
    return "killed by signal " + std::to_string(signal()) +
           (abbrev ? std::string(" (SIG") + abbrev + ")" : std::string());
  }
  return "ended with status " + std::to_string(raw_);
}

}  // namespace pgbr
