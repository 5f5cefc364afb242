#include "supervisor/os/children.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>
#include <cerrno>
#include <chrono>
#include <deque>

#include <spdlog/spdlog.h>

namespace pgbr {

SpawnResult Children::spawn(const SpawnSpec& spec, ExitCallback on_exit) {
  std::lock_guard lock(mutex_);
  SpawnResult result = ops_.spawn(spec);
  if (result.ok()) entries_[result.pid] = Entry{std::move(on_exit), std::nullopt};
  return result;
}

void Children::reapAndDispatch() {
  std::vector<ExitEvent> events;
  std::vector<std::pair<ExitCallback, ExitEvent>> callbacks;
  {
    std::lock_guard lock(mutex_);
    events = ops_.reap();
    for (const auto& ev : events) {
      auto it = entries_.find(ev.pid);
      if (it == entries_.end()) {
        ++orphans_;
        spdlog::debug("reaped orphan pid {} ({})", ev.pid, ev.status.describe());
        continue;
      }
      if (it->second.on_exit) {
        callbacks.emplace_back(std::move(it->second.on_exit), ev);
        entries_.erase(it);
      } else {
        it->second.status = ev.status;  // a waiter collects it
      }
    }
  }
  cv_.notify_all();
  // Callbacks run without the lock: they may spawn again (a restart) from inside.
  for (auto& [cb, ev] : callbacks) cb(ev);
}

std::optional<ExitStatus> Children::waitExit(pid_t pid, Millis timeout) {
  std::unique_lock lock(mutex_);
  auto it = entries_.find(pid);
  if (it == entries_.end()) return std::nullopt;
  bool done = cv_.wait_for(lock, timeout, [&] {
    auto e = entries_.find(pid);
    return e != entries_.end() && e->second.status.has_value();
  });
  if (!done) return std::nullopt;
  auto e = entries_.find(pid);
  ExitStatus status = *e->second.status;
  entries_.erase(e);
  return status;
}

size_t Children::running() const {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (const auto& [pid, e] : entries_)
    if (!e.status) ++n;
  return n;
}

RunResult runCommand(Children& children, const SpawnSpec& spec, LogSink* sink,
                     const RunOptions& options) {
  RunResult result;
  SpawnResult spawned = children.spawn(spec);
  if (!spawned.ok()) {
    result.spawn_error = spawned.error;
    return result;
  }
  result.started = true;
  const pid_t pid = spawned.pid;
  using Steady = std::chrono::steady_clock;
  const auto started = Steady::now();
  std::deque<std::string> last;
  std::string partial;
  auto emit = [&](std::string line) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (sink) sink->appendLine(line);
    if (options.on_line) options.on_line(line);
    last.push_back(std::move(line));
    if (last.size() > options.keep_lines) last.pop_front();
  };

  std::optional<ExitStatus> status;
  std::optional<Steady::time_point> term_sent;
  std::optional<Steady::time_point> exit_seen;
  bool eof = !spawned.output.valid();
  for (;;) {
    if (!status) status = children.waitExit(pid, Millis(0));
    if (status && !exit_seen) exit_seen = Steady::now();
    // Done when the pipe is closed and the child is reaped. A daemon the child left behind may
    // hold the pipe open forever, so once the child itself has ended, drain for one second only.
    if (status && (eof || Steady::now() - *exit_seen > Millis(1000))) break;

    bool stop_now = (options.cancel && options.cancel->load()) ||
                    (options.timeout.count() > 0 && Steady::now() - started > options.timeout);
    if (stop_now && !status) {
      if (!term_sent) {
        if (options.cancel && options.cancel->load())
          result.cancelled = true;
        else
          result.timed_out = true;
        children.signalGroup(pid, SIGTERM);
        term_sent = Steady::now();
      } else if (Steady::now() - *term_sent > options.kill_grace) {
        children.signalGroup(pid, SIGKILL);
        term_sent = Steady::now() + Millis(3600 * 1000);  // SIGKILL once
      }
    }

    if (!eof) {
      pollfd pfd{spawned.output.get(), POLLIN, 0};
      int n = ::poll(&pfd, 1, 100);
      if (n > 0) {
        char buf[8192];
        ssize_t got = ::read(spawned.output.get(), buf, sizeof buf);
        if (got > 0) {
          partial.append(buf, static_cast<size_t>(got));
          size_t pos;
          while ((pos = partial.find('\n')) != std::string::npos) {
            emit(partial.substr(0, pos));
            partial.erase(0, pos + 1);
          }
        } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
          eof = true;
        }
      }
    } else if (!status) {
      status = children.waitExit(pid, Millis(100));
    }
  }
  if (!partial.empty()) emit(partial);
  result.status = *status;
  result.last_lines.assign(last.begin(), last.end());
  return result;
}

}  // namespace pgbr
