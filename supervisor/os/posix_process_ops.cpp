#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <tuple>

#include "supervisor/os/process_ops.h"

extern char** environ;

namespace pgbr {

namespace sig {
const int kHup = SIGHUP, kInt = SIGINT, kQuit = SIGQUIT, kKill = SIGKILL, kTerm = SIGTERM,
          kUsr1 = SIGUSR1, kChld = SIGCHLD;
}

namespace {

// posix_spawn's attribute and file-action objects need explicit destruction on every path.
struct SpawnAttr {
  posix_spawnattr_t attr{};
  SpawnAttr() { posix_spawnattr_init(&attr); }
  ~SpawnAttr() { posix_spawnattr_destroy(&attr); }
  SpawnAttr(const SpawnAttr&) = delete;
  SpawnAttr& operator=(const SpawnAttr&) = delete;
};
struct FileActions {
  posix_spawn_file_actions_t actions{};
  FileActions() { posix_spawn_file_actions_init(&actions); }
  ~FileActions() { posix_spawn_file_actions_destroy(&actions); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
};

std::vector<char*> cStrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

SpawnResult PosixProcessOps::spawn(const SpawnSpec& spec) {
  SpawnResult result;
  if (spec.argv.empty()) {
    result.error = "empty command";
    return result;
  }
  UniqueFd readEnd, writeEnd;
  if (spec.capture_output) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      result.error = std::string("pipe: ") + std::strerror(errno);
      return result;
    }
    readEnd.reset(fds[0]);
    writeEnd.reset(fds[1]);
  }

  UniqueFd stdinRead, stdinWrite, stdoutRead, stdoutWrite;
  for (auto [wanted, r, w] : {std::tuple{spec.pipe_stdin, &stdinRead, &stdinWrite},
                              std::tuple{spec.pipe_stdout, &stdoutRead, &stdoutWrite}}) {
    if (!wanted) continue;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      result.error = std::string("pipe: ") + std::strerror(errno);
      return result;
    }
    r->reset(fds[0]);
    w->reset(fds[1]);
  }

  SpawnAttr attr;
  sigset_t empty, all;
  sigemptyset(&empty);
  sigfillset(&all);
  // The child leads its own process group so a signal for a job reaches its helpers, and a
  // terminal's ^C (in a bare run) reaches only the supervisor, which decides what to do.
  posix_spawnattr_setflags(&attr.attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr.attr, 0);
  posix_spawnattr_setsigmask(&attr.attr, &empty);
  posix_spawnattr_setsigdefault(&attr.attr, &all);

  FileActions fa;
  const char* in = spec.stdin_path.empty() ? "/dev/null" : spec.stdin_path.c_str();
  if (spec.pipe_stdin)
    posix_spawn_file_actions_adddup2(&fa.actions, stdinRead.get(), 0);
  else
    posix_spawn_file_actions_addopen(&fa.actions, 0, in, O_RDONLY, 0);
  if (spec.capture_output) {
    posix_spawn_file_actions_adddup2(&fa.actions, writeEnd.get(), 1);
    posix_spawn_file_actions_adddup2(&fa.actions, writeEnd.get(), 2);
  }
  if (spec.pipe_stdout) posix_spawn_file_actions_adddup2(&fa.actions, stdoutWrite.get(), 1);
  if (!spec.stdout_path.empty())
    posix_spawn_file_actions_addopen(&fa.actions, 1, spec.stdout_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
  // Nothing else leaks into children: not the API's listening socket, not other jobs' pipes.
  posix_spawn_file_actions_addclosefrom_np(&fa.actions, 3);
  if (!spec.cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa.actions, spec.cwd.c_str());

  auto argv = cStrings(spec.argv);
  auto env = cStrings(spec.env);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, argv[0], &fa.actions, &attr.attr, argv.data(), env.data());
  if (rc != 0) {
    result.error = spec.argv[0] + ": " + std::strerror(rc);
    return result;
  }
  result.pid = pid;
  result.output = std::move(readEnd);
  result.stdin_pipe = std::move(stdinWrite);
  result.stdout_pipe = std::move(stdoutRead);
  return result;
}

bool PosixProcessOps::signalProcess(pid_t pid, int sig) {
  return pid > 0 && ::kill(pid, sig) == 0;
}

bool PosixProcessOps::signalGroup(pid_t pgid, int sig) {
  return pgid > 0 && ::kill(-pgid, sig) == 0;
}

std::vector<ExitEvent> PosixProcessOps::reap() {
  std::vector<ExitEvent> events;
  for (;;) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;  // 0: children remain but none ended; -1/ECHILD: no children at all
    events.push_back(ExitEvent{pid, ExitStatus::fromWaitStatus(status)});
  }
  return events;
}

std::vector<std::string> currentEnvironment() {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) env.emplace_back(*e);
  return env;
}

void setEnv(std::vector<std::string>& env, const std::string& name, const std::string& value) {
  removeEnv(env, name);
  env.push_back(name + "=" + value);
}

void removeEnv(std::vector<std::string>& env, const std::string& name) {
  std::erase_if(env, [&](const std::string& e) {
    return e.size() > name.size() && e.compare(0, name.size(), name) == 0 && e[name.size()] == '=';
  });
}

}  // namespace pgbr
