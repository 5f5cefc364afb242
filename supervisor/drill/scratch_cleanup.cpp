// What a killed supervisor left of a scratch cluster: the copy still running, a pgBackRest
// restore still writing, the folders. Processes are found through /proc, and only those whose
// command line names the scratch data directory are signalled, so a pid reused by an unrelated
// process is never touched.
#include <fstream>
#include <sstream>
#include <thread>

#include "supervisor/drill/scratch_cluster.h"
#include "supervisor/postgres/server.h"

namespace pgbr {

namespace fs = std::filesystem;

namespace {

std::string commandLine(int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  std::string line = text.str();
  for (char& c : line)
    if (c == '\0') c = ' ';
  return line;
}

// Alive and not a zombie (a zombie is gone for our purpose: it holds no files).
bool alive(int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return false;
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

std::vector<int64_t> processesMentioning(const std::string& needle) {
  std::vector<int64_t> pids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const int64_t pid = std::stoll(name);
    if (commandLine(pid).find(needle) != std::string::npos) pids.push_back(pid);
  }
  return pids;
}

bool waitGone(int64_t pid, Millis timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (alive(pid)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(Millis(50));
  }
  return true;
}

// `first`, then SIGKILL when it did not end in time.
bool stopProcess(Children& children, int64_t pid, int first, Millis grace) {
  const auto p = static_cast<pid_t>(pid);
  children.signalProcess(p, first);
  if (waitGone(pid, grace)) return true;
  children.signalProcess(p, sig::kKill);
  return waitGone(pid, Seconds(5));
}

}  // namespace

std::vector<std::string> cleanupScratch(const fs::path& root, Children& children,
                                        std::string* error) {
  std::vector<std::string> done;
  const ScratchLayout layout{root};
  const std::string data = layout.data().string();
  auto fail = [error](const std::string& what) {
    if (error != nullptr && error->empty()) *error = what;
  };
  if (const auto pidfile = readPostmasterPid(layout.data())) {
    const int64_t pid = pidfile->pid;
    if (pid > 1 && alive(pid) && commandLine(pid).find(data) != std::string::npos) {
      // Immediate shutdown: the copy is about to be removed.
      if (stopProcess(children, pid, sig::kQuit, Seconds(10)))
        done.push_back("stopped the scratch copy a previous run left at " + data + " (pid " +
                       std::to_string(pid) + ")");
      else
        fail("the scratch copy (pid " + std::to_string(pid) + ") did not stop");
    }
  }
  // A restore (or the copy's archive-get) a killed supervisor left still writing here.
  for (int64_t pid : processesMentioning("--pg1-path=" + data)) {
    if (stopProcess(children, pid, sig::kTerm, Seconds(5)))
      done.push_back("stopped a pgbackrest process still writing into " + data + " (pid " +
                     std::to_string(pid) + ")");
    else
      fail("a pgbackrest process (pid " + std::to_string(pid) + ") writing into " + data +
           " did not stop");
  }
  for (const fs::path& dir :
       {layout.data(), layout.tablespaces(), layout.socketDir(), layout.spool()}) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) continue;
    fs::remove_all(dir, ec);
    if (ec)
      fail("cannot remove " + dir.string() + ": " + ec.message());
    else
      done.push_back("removed " + dir.string());
  }
  return done;
}

}  // namespace pgbr
