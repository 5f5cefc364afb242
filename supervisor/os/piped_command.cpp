// runPiped (piped_command.h).
#include "supervisor/os/piped_command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <deque>
#include <optional>
#include <thread>

namespace pgbr {

namespace {

constexpr size_t kChunk = 64 * 1024;

bool writeAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;  // EPIPE: the child closed its stdin or ended
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

PipedResult runPiped(Children& children, SpawnSpec spec, LogSink* sink, const RunOptions& options,
                     const PipedIo& io) {
  PipedResult result;
  spec.pipe_stdout = static_cast<bool>(io.on_stdout);
  spec.pipe_stdin = static_cast<bool>(io.feed_stdin);
  SpawnResult spawned = children.spawn(spec);
  if (!spawned.ok()) {
    result.run.spawn_error = spawned.error;
    return result;
  }
  result.run.started = true;
  const pid_t pid = spawned.pid;

  // The feeder: its failure (or the child's early end, seen as a failed write) stops the child.
  std::atomic<bool> feeder_failed{false};
  std::thread feeder;
  if (io.feed_stdin) {
    feeder = std::thread([&, fd = std::move(spawned.stdin_pipe)]() mutable {
      // A write to a child that is gone raises SIGPIPE at this thread. Blocked here, it only
      // leaves the write failing with EPIPE, whether or not the process ignores the signal; a
      // SIGPIPE left pending is taken before the thread ends.
      sigset_t pipe_only;
      sigemptyset(&pipe_only);
      sigaddset(&pipe_only, SIGPIPE);
      pthread_sigmask(SIG_BLOCK, &pipe_only, nullptr);
      std::string error =
          io.feed_stdin([&](std::string_view chunk) { return writeAll(fd.get(), chunk); });
      fd.reset();  // EOF for the child
      const timespec no_wait{0, 0};
      while (sigtimedwait(&pipe_only, nullptr, &no_wait) > 0) {
      }
      if (!error.empty()) {
        result.stdin_error = std::move(error);
        feeder_failed = true;
      }
    });
  }

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

  UniqueFd out = std::move(spawned.stdout_pipe);
  UniqueFd err = std::move(spawned.output);
  std::optional<ExitStatus> status;
  std::optional<Steady::time_point> term_sent, exit_seen;
  std::string buffer(kChunk, '\0');
  for (;;) {
    if (!status) status = children.waitExit(pid, Millis(0));
    if (status && !exit_seen) exit_seen = Steady::now();
    // stdout is data: read to its end whatever it takes (a slow upload of the last part must not
    // cut the dump short). stderr only carries messages: drained for one second at most after
    // the exit, as a daemon the child left may hold it open.
    if (status && !out.valid() && (!err.valid() || Steady::now() - *exit_seen > Millis(1000)))
      break;

    const bool cancelled = options.cancel && options.cancel->load();
    const bool timed_out = options.timeout.count() > 0 && Steady::now() - started > options.timeout;
    const bool failed = feeder_failed.load() || !result.stdout_error.empty();
    if ((cancelled || timed_out || failed) && !status) {
      if (!term_sent) {
        result.run.cancelled = cancelled;
        result.run.timed_out = timed_out && !cancelled;
        children.signalGroup(pid, SIGTERM);
        term_sent = Steady::now();
      } else if (Steady::now() - *term_sent > options.kill_grace) {
        children.signalGroup(pid, SIGKILL);
        term_sent = Steady::now() + Millis(3600 * 1000);  // SIGKILL once
      }
    }

    pollfd fds[2];
    nfds_t n = 0;
    int out_index = -1, err_index = -1;
    if (out.valid()) {
      out_index = static_cast<int>(n);
      fds[n++] = {out.get(), POLLIN, 0};
    }
    if (err.valid()) {
      err_index = static_cast<int>(n);
      fds[n++] = {err.get(), POLLIN, 0};
    }
    if (n == 0) {
      if (!status) status = children.waitExit(pid, Millis(100));
      continue;
    }
    if (::poll(fds, n, 100) <= 0) continue;
    if (out_index >= 0 && fds[out_index].revents != 0) {
      const ssize_t got = ::read(out.get(), buffer.data(), buffer.size());
      if (got > 0) {
        // After a consumer's failure the rest is read and dropped so the child is not stuck on
        // a full pipe while it is being stopped.
        if (result.stdout_error.empty() &&
            !io.on_stdout(std::string_view(buffer.data(), static_cast<size_t>(got))))
          result.stdout_error = "the output could not be stored";
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        out.reset();
      }
    }
    if (err_index >= 0 && fds[err_index].revents != 0) {
      char chunk[8192];
      const ssize_t got = ::read(err.get(), chunk, sizeof chunk);
      if (got > 0) {
        partial.append(chunk, static_cast<size_t>(got));
        size_t pos;
        while ((pos = partial.find('\n')) != std::string::npos) {
          emit(partial.substr(0, pos));
          partial.erase(0, pos + 1);
        }
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        err.reset();
      }
    }
  }
  if (!partial.empty()) emit(partial);
  out.reset();  // a feeder still writing gets EPIPE once the child is gone
  if (feeder.joinable()) feeder.join();
  result.run.status = *status;
  result.run.last_lines.assign(last.begin(), last.end());
  return result;
}

}  // namespace pgbr
