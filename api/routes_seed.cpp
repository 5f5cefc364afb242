// The seed-compatible routes: GET /pgBackRest/info, /backup/full|diff|incr, /restore/delta,
// /create and /db_status, at the same paths as the Flask server this image replaces, so scripts
// that call them keep working (with the token where auth is on: they show and change the
// repository, so they are protected like the JSON API).
//
// The commands run as ordinary jobs (one repository-changing job at a time, history, logs); the
// request waits for its job to finish and answers with the outcome. A browser (Accept prefers
// text/html) gets the seed's page with the job's log. Everyone else (curl, scripts) gets JSON
// for a person at a terminal: the job and the last lines of its log, a few KB indented and ending
// with a newline, because a backup's whole log holds one line per copied file (148 KB for a small
// database); `?output=full` or the job's log route (named in the answer) gives all of it.
// /pgBackRest/info answers from the service's cached repository view and never runs pgBackRest.
// /pgBackRest/restore/delta restores the latest backup in place, confirmed by the request
// itself: the seed had no confirmation and its URL is the explicit action.
#include <spdlog/spdlog.h>

#include "api/errors.h"
#include "api/html.h"
#include "api/input.h"
#include "api/server_impl.h"

namespace pgbr {

namespace {

using nlohmann::json;

// The log lines the seed's HTML page carries at most (the newest), as before the summary.
constexpr size_t kSeedPageLines = 5000;
// The JSON summary: the newest lines, each cut to a length that keeps the answer a few KB.
constexpr size_t kSummaryLines = 15;
constexpr size_t kSummaryLineBytes = 300;

bool wantsHtml(const httplib::Request& req) {
  return api::prefersHtml(req.get_header_value("Accept"));
}

void sendHtml(httplib::Response& res, int status, const std::string& page) {
  res.status = status;
  res.set_content(page, "text/html; charset=utf-8");
}

// Indented and ending with a newline: curl prints it as it is, and the prompt starts on a line
// of its own.
void sendReadableJson(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(2, ' ', false, json::error_handler_t::replace) + "\n",
                  "application/json");
}

void sendSeedError(const httplib::Request& req, httplib::Response& res, const Error& error) {
  if (!wantsHtml(req)) {
    sendReadableJson(res, errorHttpStatus(error.code), api::errorJson(error));
    return;
  }
  std::vector<std::string> lines = {error.message};
  if (!error.job_id.empty()) lines.push_back("running job: " + error.job_id);
  sendHtml(res, errorHttpStatus(error.code), api::seedPage("Failure", lines));
}

// `line` cut to at most `max` bytes, never inside a UTF-8 sequence, marked when cut.
std::string shortened(const std::string& line, size_t max) {
  if (line.size() <= max) return line;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(line[end]) & 0xC0) == 0x80) --end;
  return line.substr(0, end) + " [...]";
}

enum class SeedOutput { kSummary, kFull };

// ?output=summary (the default) or ?output=full.
Outcome<SeedOutput> parseSeedOutput(std::optional<std::string_view> text) {
  if (!text || *text == "summary") return SeedOutput::kSummary;
  if (*text == "full") return SeedOutput::kFull;
  return api::badRequest(
      "query parameter output must be summary (the default: the job and the "
      "last lines of its log) or full (the whole log)");
}

}  // namespace

void ApiServer::Impl::registerSeed() {
  // Starts a job, waits for it and answers with its outcome.
  auto run_job = [this](const httplib::Request& req, httplib::Response& res, SeedOutput output,
                        const Outcome<Job>& started) {
    if (const Error* error = std::get_if<Error>(&started)) {
      sendSeedError(req, res, *error);
      return;
    }
    Job job = std::get<Job>(started);
    const MonoTime deadline = system_clock_.monotonic() + options_.seed_wait;
    // Wait in slices so a stopping server is not held up by a long backup.
    while (!isFinished(job.state) && !stopping_ && system_clock_.monotonic() < deadline) {
      const auto left = std::chrono::duration_cast<Millis>(deadline - system_clock_.monotonic());
      const Outcome<Job> waited =
          service_.waitJob(job.id, std::max(Millis(1), std::min(options_.stream_poll, left)));
      if (const Error* error = std::get_if<Error>(&waited)) {
        sendSeedError(req, res, *error);
        return;
      }
      job = std::get<Job>(waited);
    }

    const bool html = wantsHtml(req);
    const bool full = output == SeedOutput::kFull;
    const size_t wanted = full ? kMaxLogTail : html ? kSeedPageLines : kSummaryLines;
    std::vector<std::string> lines;
    uint64_t omitted = 0;  // earlier lines the answer leaves out
    if (const Outcome<LogView> view = service_.jobLog(job.id, wanted);
        const LogView* log = std::get_if<LogView>(&view)) {
      for (const LogLine& line : log->lines) {
        lines.push_back(html || full ? line.text : shortened(line.text, kSummaryLineBytes));
      }
      omitted = log->lines.empty() ? log->last_seq : log->lines.front().seq - 1;
    }

    int status = 200;
    std::string heading = "Success";
    if (job.state == JobState::kFailed || job.state == JobState::kCancelled) {
      status = errorHttpStatus(ErrorCode::kCommandFailed);
      heading = "Failure";
    } else if (!isFinished(job.state)) {
      // Still running (the server is stopping, or the wait ran out): the job goes on.
      status = 202;
      heading = "Running";
      res.set_header("Location", "/api/v1/jobs/" + job.id);
    }

    if (html) {
      if (!job.message.empty()) lines.push_back(job.message);
      sendHtml(res, status, api::seedPage(heading, lines));
      return;
    }
    json body = {
        {"job", toJson(job)},
        {"log", lines},
        {"log_omitted", omitted},
        {"log_url", "/api/v1/jobs/" + job.id + "/log?tail=" + std::to_string(kMaxLogTail)}};
    if (heading == "Failure") {
      // The error shape too, so a client that only knows errors still reads why.
      std::string message = job.message;
      if (message.empty()) message = "job " + job.id + " " + std::string(toString(job.state));
      body["error"] = api::errorJson(Error{ErrorCode::kCommandFailed, message, {}})["error"];
    }
    sendReadableJson(res, status, body);
  };

  // The output parameter is checked before anything starts: a bad request never runs a job.
  auto output_of = [](const httplib::Request& req,
                      httplib::Response& res) -> std::optional<SeedOutput> {
    const Outcome<SeedOutput> output = parseSeedOutput(queryParam(req, "output"));
    if (const Error* error = std::get_if<Error>(&output)) {
      sendSeedError(req, res, *error);
      return std::nullopt;
    }
    return std::get<SeedOutput>(output);
  };

  for (const char* type : {"full", "diff", "incr"}) {
    add("GET", std::string("/pgBackRest/backup/") + type, false,
        [this, type, run_job, output_of](const httplib::Request& req, httplib::Response& res) {
          const std::optional<SeedOutput> output = output_of(req, res);
          if (!output) return;
          BackupRequest request;
          request.type = type;
          request.trigger = JobTrigger::kApi;
          run_job(req, res, *output, service_.startBackup(request));
        });
  }

  add("GET", "/pgBackRest/restore/delta", false,
      [this, run_job, output_of](const httplib::Request& req, httplib::Response& res) {
        const std::optional<SeedOutput> output = output_of(req, res);
        if (!output) return;
        RestoreRequest request;
        request.type = "delta";
        request.target_action = "promote";
        request.confirm = service_.stanza();
        run_job(req, res, *output, service_.startRestore(request));
      });

  add("GET", "/pgBackRest/create", false,
      [this, run_job, output_of](const httplib::Request& req, httplib::Response& res) {
        const std::optional<SeedOutput> output = output_of(req, res);
        if (!output) return;
        run_job(req, res, *output, service_.startStanzaCreate(JobTrigger::kApi));
      });

  add("GET", "/pgBackRest/info", false,
      [this](const httplib::Request& req, httplib::Response& res) {
        if (wantsHtml(req)) {
          sendHtml(res, 200, api::seedPage("Success", api::infoSummary(service_.backups())));
        } else {
          sendCachedJson(res, backups_answer_, [this] { return service_.backups(); });
        }
      });

  add("GET", "/pgBackRest/db_status", false,
      [this](const httplib::Request& req, httplib::Response& res) {
        const json status = service_.status();
        const json postgres =
            status.is_object() && status.contains("postgres") ? status["postgres"] : json::object();
        const bool ready = postgres.is_object() && postgres.contains("ready") &&
                           postgres["ready"].is_boolean() && postgres["ready"].get<bool>();
        // 503 when Postgres does not accept connections, so `curl -f` notices.
        const int code = ready ? 200 : 503;
        if (wantsHtml(req)) {
          sendHtml(res, code,
                   api::seedPage(ready ? "Success" : "Failure", api::postgresSummary(postgres)));
        } else {
          sendJson(res, code, postgres);
        }
      });
}

}  // namespace pgbr
