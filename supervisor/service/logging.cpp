#include "supervisor/service/logging.h"

#include <cstdio>
#include <mutex>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "supervisor/common/time_format.h"

namespace pgbr {
namespace {

std::mutex& stdoutMutex() {
  static std::mutex m;  // serialises whole lines from the loop, jobs and pumps
  return m;
}

std::string levelName(spdlog::level::level_enum level) {
  auto sv = spdlog::level::to_string_view(level);
  return std::string(sv.data(), sv.size());
}

// One line per record; the JSON variant escapes the message properly (a pattern cannot).
class LineSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  LineSink(LogFormat format, std::shared_ptr<LogSink> copy)
      : format_(format), copy_(std::move(copy)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::string text(msg.payload.data(), msg.payload.size());
    std::string time = formatRfc3339Millis(msg.time);
    std::string line;
    if (format_ == LogFormat::kJson) {
      nlohmann::json j{
          {"time", time}, {"level", levelName(msg.level)}, {"source", "supervisor"}, {"msg", text}};
      line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else {
      line = time + " [" + levelName(msg.level) + "] " + text;
    }
    {
      std::lock_guard lock(stdoutMutex());
      std::fwrite(line.data(), 1, line.size(), stderr);
      std::fputc('\n', stderr);
    }
    if (copy_) copy_->appendLine(time + " [" + levelName(msg.level) + "] " + text);
  }
  void flush_() override { std::fflush(stderr); }

 private:
  LogFormat format_;
  std::shared_ptr<LogSink> copy_;
};

}  // namespace

void setupLogging(LogFormat format, const std::string& level, std::shared_ptr<LogSink> sink) {
  auto logger = std::make_shared<spdlog::logger>("pgbr", std::make_shared<LineSink>(format, sink));
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

void echoChildLine(LogFormat format, std::string_view source, std::string_view line) {
  std::string out;
  if (format == LogFormat::kJson) {
    nlohmann::json j{{"source", source}, {"msg", line}};
    out = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    out = std::string(line);
  }
  std::lock_guard lock(stdoutMutex());
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

}  // namespace pgbr
