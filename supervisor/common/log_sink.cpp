#include "supervisor/common/log_sink.h"

#include <system_error>

namespace pgbr {

LogSink::LogSink(std::string name, std::filesystem::path path, LogSinkOptions options)
    : name_(std::move(name)), path_(std::move(path)), options_(options) {
  if (!path_.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(path_.parent_path(), ec);
    file_.open(path_, std::ios::app | std::ios::binary);
    file_bytes_ = std::filesystem::exists(path_, ec) ? std::filesystem::file_size(path_, ec) : 0;
  }
}

void LogSink::write(std::string_view bytes) {
  std::lock_guard lock(mutex_);
  size_t start = 0;
  while (start < bytes.size()) {
    size_t nl = bytes.find('\n', start);
    if (nl == std::string_view::npos) {
      partial_.append(bytes.substr(start));
      // A child that never prints a newline must not grow memory without bound.
      if (partial_.size() > 64 * 1024) {
        appendLocked(partial_);
        partial_.clear();
      }
      break;
    }
    partial_.append(bytes.substr(start, nl - start));
    appendLocked(partial_);
    partial_.clear();
    start = nl + 1;
  }
  if (file_.is_open()) file_.flush();
  cv_.notify_all();
}

void LogSink::appendLine(std::string_view line) {
  std::lock_guard lock(mutex_);
  appendLocked(line);
  if (file_.is_open()) file_.flush();
  cv_.notify_all();
}

void LogSink::flush() {
  std::lock_guard lock(mutex_);
  if (!partial_.empty()) {
    appendLocked(partial_);
    partial_.clear();
  }
  if (file_.is_open()) file_.flush();
  cv_.notify_all();
}

void LogSink::appendLocked(std::string_view line) {
  std::string text(line);
  if (!text.empty() && text.back() == '\r') text.pop_back();
  if (file_.is_open()) {
    if (file_bytes_ + text.size() + 1 > options_.max_bytes && file_bytes_ > 0) rotateLocked();
    file_ << text << '\n';
    file_bytes_ += text.size() + 1;
  }
  if (line_hook_) line_hook_(text);
  ring_.push_back(LogLine{++seq_, std::move(text)});
  while (ring_.size() > options_.ring_lines) ring_.pop_front();
}

void LogSink::rotateLocked() {
  file_.close();
  std::error_code ec;
  auto numbered = [this](int i) { return path_.string() + "." + std::to_string(i); };
  std::filesystem::remove(numbered(options_.keep), ec);
  for (int i = options_.keep - 1; i >= 1; --i)
    std::filesystem::rename(numbered(i), numbered(i + 1), ec);
  if (options_.keep > 0) std::filesystem::rename(path_, numbered(1), ec);
  file_.open(path_, std::ios::trunc | std::ios::binary);
  file_bytes_ = 0;
}

void LogSink::setLineHook(std::function<void(std::string_view)> hook) {
  std::lock_guard lock(mutex_);
  line_hook_ = std::move(hook);
}

std::vector<LogLine> LogSink::tail(size_t n) const {
  std::lock_guard lock(mutex_);
  size_t from = ring_.size() > n ? ring_.size() - n : 0;
  return {ring_.begin() + static_cast<std::ptrdiff_t>(from), ring_.end()};
}

std::vector<LogLine> LogSink::since(uint64_t after, size_t limit) const {
  std::lock_guard lock(mutex_);
  std::vector<LogLine> out;
  for (const auto& line : ring_) {
    if (line.seq > after) {
      out.push_back(line);
      if (out.size() >= limit) break;
    }
  }
  return out;
}

uint64_t LogSink::waitForLines(uint64_t after, Millis timeout) const {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, timeout, [&] { return seq_ > after || ended_; });
  return seq_;
}

void LogSink::end() {
  {
    std::lock_guard lock(mutex_);
    ended_ = true;
  }
  cv_.notify_all();
}

uint64_t LogSink::lastSeq() const {
  std::lock_guard lock(mutex_);
  return seq_;
}

void LogSink::clear() {
  std::lock_guard lock(mutex_);
  ring_.clear();
  partial_.clear();
  if (!path_.empty()) {
    file_.close();
    std::error_code ec;
    for (int i = 1; i <= options_.keep; ++i)
      std::filesystem::remove(path_.string() + "." + std::to_string(i), ec);
    file_.open(path_, std::ios::trunc | std::ios::binary);
    file_bytes_ = 0;
  }
  cv_.notify_all();
}

}  // namespace pgbr
