// The supervisor's own log: spdlog to stderr, as text (default) or JSON lines, and a copy of every
// line into a LogSink so the API and the dashboard can show it. Times are UTC. Never pass a
// secret to a log call: nothing here can redact it afterwards.
#pragma once

#include <memory>
#include <string>

#include "supervisor/common/log_sink.h"
#include "supervisor/config/settings.h"

namespace pgbr {

// Installs the default logger. `sink` may be null (before the state folder exists).
void setupLogging(LogFormat format, const std::string& level, std::shared_ptr<LogSink> sink);
// How a child's output line is echoed to the supervisor's stdout (raw in text mode, wrapped with
// its source in JSON mode), so container logs show Postgres like the stock image does.
void echoChildLine(LogFormat format, std::string_view source, std::string_view line);

}  // namespace pgbr
