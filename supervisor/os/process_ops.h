// The one object through which the supervisor starts, signals and reaps children (supervisord's
// "options" object). PosixProcessOps is the real one; unit tests substitute a fake, so the state
// machine and the job queue run without processes or sleeping.
//
// Policy for every child: argv vector only (never a shell), its own process group, an empty
// signal mask and default dispositions (the supervisor blocks signals for itself), stdin from
// /dev/null, stdout+stderr into one pipe the caller reads, and no other inherited descriptor.
#pragma once

#include <sys/types.h>
#include <string>
#include <vector>

#include "supervisor/os/exit_status.h"
#include "supervisor/os/fd.h"

namespace pgbr {

// Signal numbers for code above os/, which does not include <signal.h>.
namespace sig {
extern const int kHup, kInt, kQuit, kKill, kTerm, kUsr1, kChld;
}

struct SpawnSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH when it has no '/'
  std::vector<std::string> env;   // "NAME=value"; the child's whole environment
  std::string cwd;                // empty: inherit
  bool capture_output = true;     // false: inherit the supervisor's stdout/stderr
  std::string stdin_path;         // empty: /dev/null
  std::string stdout_path;        // non-empty: stdout goes to this file (created 0600, truncated);
                                  // stderr still goes to the captured pipe
  bool pipe_stdin = false;        // stdin from a pipe whose write end the caller gets (stdin_pipe)
  bool pipe_stdout = false;       // stdout into a pipe of its own (stdout_pipe); stderr still goes
                                  // to the captured pipe
};

struct SpawnResult {
  pid_t pid = -1;        // -1 when the spawn failed
  UniqueFd output;       // read end of the stdout+stderr pipe (when captured)
  UniqueFd stdin_pipe;   // write end of the child's stdin (pipe_stdin)
  UniqueFd stdout_pipe;  // read end of the child's stdout (pipe_stdout)
  std::string error;     // why the spawn failed, e.g. "pgbackrest: No such file or directory"
  bool ok() const { return pid > 0; }
};

class ProcessOps {
 public:
  virtual ~ProcessOps() = default;
  virtual SpawnResult spawn(const SpawnSpec& spec) = 0;
  // Signals one process. Returns false when it no longer exists.
  virtual bool signalProcess(pid_t pid, int sig) = 0;
  // Signals a child's whole process group (the child leads its own group).
  virtual bool signalGroup(pid_t pgid, int sig) = 0;
  // Collects every child that has ended, including orphans re-parented to us. Never blocks.
  virtual std::vector<ExitEvent> reap() = 0;
};

class PosixProcessOps final : public ProcessOps {
 public:
  SpawnResult spawn(const SpawnSpec& spec) override;
  bool signalProcess(pid_t pid, int sig) override;
  bool signalGroup(pid_t pgid, int sig) override;
  std::vector<ExitEvent> reap() override;
};

// The current environment as "NAME=value" strings, with overrides applied (value "" keeps the
// name with an empty value; use removeEnv to drop one).
std::vector<std::string> currentEnvironment();
void setEnv(std::vector<std::string>& env, const std::string& name, const std::string& value);
void removeEnv(std::vector<std::string>& env, const std::string& name);

}  // namespace pgbr
