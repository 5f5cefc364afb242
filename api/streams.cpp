// Log follows as Server-Sent Events: GET /api/v1/jobs/{id}/log?follow=1&after=SEQ and
// GET /api/v1/logs/{name}?follow=1&after=SEQ. Each line is one event
// `id: N` + `data: {"seq":N,"text":"..."}`; a job's stream ends with `event: end` +
// `data: {"state":"succeeded"}` when the job finishes; a process log's stream never ends by itself.
//
// Each round waits at most ApiOptions::stream_poll for new lines, so a stream notices a stopping
// server within one round; when nothing new came it writes an SSE comment, whose failed write is
// how a client that went away is noticed (httplib has no other way to tell). The provider runs
// outside httplib's exception guard, so it catches everything itself.
#include <spdlog/spdlog.h>

#include "api/errors.h"
#include "api/input.h"
#include "api/server_impl.h"

namespace pgbr {

namespace {

using nlohmann::json;

constexpr size_t kLinesPerRound = 1000;
constexpr size_t kFinishedJobTail = 100000;

bool writeText(httplib::DataSink& sink, const std::string& text) {
  return sink.write(text.data(), text.size());
}

bool writeLines(httplib::DataSink& sink, const std::vector<LogLine>& lines, uint64_t& after) {
  for (const LogLine& line : lines) {
    if (line.seq <= after) continue;
    const std::string event = "id: " + std::to_string(line.seq) +
                              "\ndata: " + api::jsonText({{"seq", line.seq}, {"text", line.text}}) +
                              "\n\n";
    if (!writeText(sink, event)) return false;
    after = line.seq;
  }
  return true;
}

// Sends the lines after `after` now that the sink's sequence reached `last`. When the ring holds
// none of them (cleared, or overrun by a fast writer) the stream skips ahead instead of asking
// again at once, which would spin.
bool sendNewLines(const LogSink& log, httplib::DataSink& sink, uint64_t& after, uint64_t last) {
  const std::vector<LogLine> lines = log.since(after, kLinesPerRound);
  if (lines.empty()) {
    after = last;
    return true;
  }
  return writeLines(sink, lines, after);
}

bool writeHeartbeat(httplib::DataSink& sink) {
  return writeText(sink, ": keep-alive\n\n");
}

void prepareStream(httplib::Response& res) {
  res.status = 200;
  res.headers.erase("Cache-Control");
  res.set_header("Cache-Control", "no-store");
  // Reverse proxies (nginx) buffer responses by default, which would hold the events back.
  res.set_header("X-Accel-Buffering", "no");
}

}  // namespace

void ApiServer::Impl::followJobLog(const httplib::Request& req, httplib::Response& res,
                                   const std::string& id, uint64_t after) {
  // Fail before the stream starts for an unknown job: a 404 rather than an empty stream.
  Outcome<std::shared_ptr<LogSink>> live = service_.jobLiveLog(id);
  if (sendIfError(res, live)) return;

  struct State {
    std::string id;
    std::shared_ptr<LogSink> sink;  // null until the job has a live log, or once it finished
    uint64_t after = 0;
  };
  auto state = std::make_shared<State>(State{id, std::get<std::shared_ptr<LogSink>>(live), after});
  const MonoTime started = system_clock_.monotonic();

  // Sends every line after state.after and the end event, then closes the stream.
  auto finish = [this](State& s, httplib::DataSink& sink, JobState final_state) {
    bool ok = true;
    if (s.sink) {
      for (std::vector<LogLine> lines = s.sink->since(s.after, kLinesPerRound);
           ok && !lines.empty(); lines = s.sink->since(s.after, kLinesPerRound)) {
        ok = writeLines(sink, lines, s.after);
      }
    } else if (const Outcome<LogView> view = service_.jobLog(s.id, kFinishedJobTail);
               const LogView* log = std::get_if<LogView>(&view)) {
      ok = writeLines(sink, log->lines, s.after);
    }
    if (!ok) return false;
    const std::string end =
        "event: end\ndata: " + api::jsonText({{"state", std::string(toString(final_state))}}) +
        "\n\n";
    if (!writeText(sink, end)) return false;
    sink.done();
    return true;
  };

  prepareStream(res);
  res.set_chunked_content_provider(
      "text/event-stream",
      [this, state, finish](size_t, httplib::DataSink& sink) -> bool {
        try {
          if (stopping_) return false;
          State& s = *state;
          if (!s.sink) {
            if (auto again = service_.jobLiveLog(s.id);
                std::holds_alternative<std::shared_ptr<LogSink>>(again)) {
              s.sink = std::get<std::shared_ptr<LogSink>>(again);
            }
          }
          if (s.sink) {
            if (const uint64_t last = s.sink->waitForLines(s.after, Millis(0)); last > s.after) {
              return sendNewLines(*s.sink, sink, s.after, last);
            }
          }
          const Outcome<Job> job = service_.job(s.id);
          if (const Error* error = std::get_if<Error>(&job)) {
            // The job vanished from the history: end the stream rather than follow nothing.
            spdlog::warn("api: job {} disappeared while its log was followed: {}", s.id,
                         error->message);
            return finish(s, sink, JobState::kFailed);
          }
          if (isFinished(std::get<Job>(job).state)) {
            return finish(s, sink, std::get<Job>(job).state);
          }
          if (s.sink) {
            if (s.sink->waitForLines(s.after, options_.stream_poll) > s.after) return true;
          } else {
            // Queued without a log yet: waiting for the job paces the loop as well.
            (void)service_.waitJob(s.id, options_.stream_poll);
          }
          return writeHeartbeat(sink);
        } catch (const std::exception& e) {
          spdlog::error("api: following the log of job {} failed: {}", state->id, e.what());
          return false;
        } catch (...) {
          spdlog::error("api: following the log of job {} failed", state->id);
          return false;
        }
      },
      [this, method = req.method, path = req.path, started](bool) {
        spdlog::debug(
            "api: {} {} stream ended after {} ms", method, path,
            std::chrono::duration_cast<Millis>(system_clock_.monotonic() - started).count());
      });
}

void ApiServer::Impl::followLog(const httplib::Request& req, httplib::Response& res, LogSink& log,
                                uint64_t after) {
  auto position = std::make_shared<uint64_t>(after);
  const MonoTime started = system_clock_.monotonic();
  prepareStream(res);
  res.set_chunked_content_provider(
      "text/event-stream",
      [this, &log, position](size_t, httplib::DataSink& sink) -> bool {
        try {
          if (stopping_) return false;
          const uint64_t last = log.waitForLines(*position, options_.stream_poll);
          if (last > *position) return sendNewLines(log, sink, *position, last);
          return writeHeartbeat(sink);
        } catch (const std::exception& e) {
          spdlog::error("api: following log {} failed: {}", log.name(), e.what());
          return false;
        } catch (...) {
          spdlog::error("api: following log {} failed", log.name());
          return false;
        }
      },
      [this, method = req.method, path = req.path, started](bool) {
        spdlog::debug(
            "api: {} {} stream ended after {} ms", method, path,
            std::chrono::duration_cast<Millis>(system_clock_.monotonic() - started).count());
      });
}

}  // namespace pgbr
