// How a child ended, decoded from waitpid's status word, without exposing <sys/wait.h> above os/.
#pragma once

#include <sys/types.h>
#include <string>

namespace pgbr {

class ExitStatus {
 public:
  ExitStatus() = default;
  static ExitStatus fromWaitStatus(int raw) { return ExitStatus(raw); }
  static ExitStatus exitedWith(int code);
  static ExitStatus killedBy(int signal);

  bool exited() const;    // returned from main / called exit
  int code() const;       // exit code, valid when exited()
  bool signaled() const;  // killed by a signal
  int signal() const;     // valid when signaled()
  // What a shell would report: the exit code, or 128 + signal.
  int shellCode() const;
  bool success() const { return exited() && code() == 0; }
  std::string describe() const;  // "exited with code 1", "killed by signal 9 (SIGKILL)"

 private:
  explicit ExitStatus(int raw) : raw_(raw) {}
  int raw_ = 0;
};

struct ExitEvent {
  pid_t pid = 0;
  ExitStatus status;
};

}  // namespace pgbr
