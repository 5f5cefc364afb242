// Where a child's output goes: a log file rotated by size (name.log, name.log.1, ...) and an
// in-memory ring of recent lines with sequence numbers, so the API can serve a tail and follow
// new lines without reading the file. Thread-safe: the reader thread appends, API threads read.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "supervisor/common/clock.h"

namespace pgbr {

struct LogLine {
  uint64_t seq = 0;  // 1-based, strictly increasing for the sink's lifetime (survives clear())
  std::string text;
};

struct LogSinkOptions {
  uint64_t max_bytes = 10 * 1024 * 1024;  // rotate when the file would grow past this
  int keep = 3;                           // rotated files kept besides the current one
  size_t ring_lines = 2000;               // lines kept in memory
};

class LogSink {
 public:
  // An empty path keeps lines in memory only.
  LogSink(std::string name, std::filesystem::path path, LogSinkOptions options = {});
  LogSink(const LogSink&) = delete;
  LogSink& operator=(const LogSink&) = delete;

  const std::string& name() const { return name_; }
  const std::filesystem::path& path() const { return path_; }

  // Splits on '\n'; a trailing partial line is kept until the next write or flush().
  void write(std::string_view bytes);
  void appendLine(std::string_view line);
  void flush();

  std::vector<LogLine> tail(size_t n) const;
  // Lines with seq > after (at most `limit`); the ring may have dropped older ones.
  std::vector<LogLine> since(uint64_t after, size_t limit = 1000) const;
  // Blocks until a line with seq > after exists, the log ended or the timeout passes; returns the
  // last seq.
  uint64_t waitForLines(uint64_t after, Millis timeout) const;
  // No more lines are expected (the job writing them has finished): waiters return at once, so a
  // follower sees the end now rather than at its next poll. Lines written later still count.
  void end();
  uint64_t lastSeq() const;
  // Empties the ring and truncates the current file (rotated files are removed too).
  void clear();
  // Called with every complete line, under the sink's lock (keep it short): the supervisor echoes
  // Postgres' lines to its own stdout so `docker logs` shows them as with the stock image.
  void setLineHook(std::function<void(std::string_view)> hook);

 private:
  void appendLocked(std::string_view line);
  void rotateLocked();

  std::string name_;
  std::filesystem::path path_;
  LogSinkOptions options_;
  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  std::deque<LogLine> ring_;
  std::string partial_;
  uint64_t seq_ = 0;
  bool ended_ = false;
  uint64_t file_bytes_ = 0;
  std::ofstream file_;
  std::function<void(std::string_view)> line_hook_;
};

}  // namespace pgbr
