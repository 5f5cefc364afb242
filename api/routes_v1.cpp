// The JSON API under /api/v1 (see the HTTP API contract): status, backups, jobs and their logs,
// restore, processes, logs, schedule, configuration. Every answer comes from the service; this
// file validates input, maps errors and shapes the JSON.
#include "api/errors.h"
#include "api/input.h"
#include "api/server_impl.h"

namespace pgbr {

namespace {

using nlohmann::json;

constexpr uint64_t kDefaultJobs = 50;
constexpr uint64_t kMaxJobs = 1000;
constexpr uint64_t kDefaultJobLogTail = 1000;
constexpr uint64_t kDefaultLogTail = 200;

json linesJson(const std::vector<LogLine>& lines) {
  json out = json::array();
  for (const LogLine& line : lines) out.push_back({{"seq", line.seq}, {"text", line.text}});
  return out;
}

// The service answers some lists as the bare array and others already wrapped; the contract's
// shape is always {"<key>": [...]}.
json wrapped(const char* key, json value) {
  if (value.is_object() && value.contains(key)) return value;
  return json{{key, std::move(value)}};
}

void sendJob(httplib::Response& res, int status, const Job& job) {
  if (status == 202) res.set_header("Location", "/api/v1/jobs/" + job.id);
  sendJson(res, status, {{"job", toJson(job)}});
}

}  // namespace

void ApiServer::Impl::registerV1() {
  add("GET", "/api/v1/status", false, [this](const httplib::Request&, httplib::Response& res) {
    sendCachedJson(res, status_answer_, [this] { return service_.status(); });
  });

  add("GET", "/api/v1/backups", false, [this](const httplib::Request&, httplib::Response& res) {
    sendCachedJson(res, backups_answer_, [this] { return service_.backups(); });
  });

  add("POST", "/api/v1/backups", false,
      [this](const httplib::Request& req, httplib::Response& res) {
        const Outcome<BackupRequest> request = api::parseBackupRequest(req.body);
        if (sendIfError(res, request)) return;
        const Outcome<Job> job = service_.startBackup(std::get<BackupRequest>(request));
        if (sendIfError(res, job)) return;
        sendJob(res, 202, std::get<Job>(job));
      });

  // "latest" is a label like any other to the service.
  add("GET", "/api/v1/backups/{label}", false,
      [this](const httplib::Request& req, httplib::Response& res) {
        const Outcome<json> backup = service_.backup(req.matches[1].str());
        if (sendIfError(res, backup)) return;
        sendJson(res, 200, std::get<json>(backup));
      });

  add("GET", "/api/v1/jobs", false, [this](const httplib::Request& req, httplib::Response& res) {
    const Outcome<uint64_t> limit =
        api::parseCount("limit", queryParam(req, "limit"), kDefaultJobs, kMaxJobs);
    if (sendIfError(res, limit)) return;
    json jobs = json::array();
    for (const Job& job : service_.jobs(std::get<uint64_t>(limit))) jobs.push_back(toJson(job));
    sendJson(res, 200, {{"jobs", std::move(jobs)}});
  });

  add("GET", "/api/v1/jobs/{id}", false,
      [this](const httplib::Request& req, httplib::Response& res) {
        const Outcome<Job> job = service_.job(req.matches[1].str());
        if (sendIfError(res, job)) return;
        sendJson(res, 200, toJson(std::get<Job>(job)));
      });

  add("POST", "/api/v1/jobs/{id}/cancel", false,
      [this](const httplib::Request& req, httplib::Response& res) {
        const Outcome<Job> job = service_.cancelJob(req.matches[1].str());
        if (sendIfError(res, job)) return;
        sendJob(res, 202, std::get<Job>(job));
      });

  add("GET", "/api/v1/jobs/{id}/log", false,
      [this](const httplib::Request& req, httplib::Response& res) {
        const std::string id = req.matches[1].str();
        const Outcome<bool> follow = api::parseFlag("follow", queryParam(req, "follow"));
        if (sendIfError(res, follow)) return;
        if (std::get<bool>(follow)) {
          const Outcome<uint64_t> after = followStart(req);
          if (sendIfError(res, after)) return;
          followJobLog(req, res, id, std::get<uint64_t>(after));
          return;
        }
        const Outcome<uint64_t> tail =
            api::parseCount("tail", queryParam(req, "tail"), kDefaultJobLogTail, kMaxLogTail);
        if (sendIfError(res, tail)) return;
        const Outcome<LogView> view = service_.jobLog(id, std::get<uint64_t>(tail));
        if (sendIfError(res, view)) return;
        const LogView& log = std::get<LogView>(view);
        sendJson(res, 200,
                 {{"id", id},
                  {"lines", linesJson(log.lines)},
                  {"last_seq", log.last_seq},
                  {"finished", log.finished}});
      });

  add("POST", "/api/v1/restore", false,
      [this](const httplib::Request& req, httplib::Response& res) {
        const Outcome<RestoreRequest> request = api::parseRestoreRequest(req.body);
        if (sendIfError(res, request)) return;
        const Outcome<Job> job = service_.startRestore(std::get<RestoreRequest>(request));
        if (sendIfError(res, job)) return;
        sendJob(res, 202, std::get<Job>(job));
      });

  add("GET", "/api/v1/processes", false, [this](const httplib::Request&, httplib::Response& res) {
    sendJson(res, 200, wrapped("processes", service_.processes()));
  });

  for (const char* action : {"start", "stop", "restart"}) {
    add("POST", std::string("/api/v1/processes/{name}/") + action, false,
        [this, action](const httplib::Request& req, httplib::Response& res) {
          const Outcome<json> process = service_.processAction(req.matches[1].str(), action);
          if (sendIfError(res, process)) return;
          sendJson(res, 202, wrapped("process", std::get<json>(process)));
        });
  }

  add("GET", "/api/v1/logs", false, [this](const httplib::Request&, httplib::Response& res) {
    sendJson(res, 200, wrapped("logs", service_.logs()));
  });

  add("GET", "/api/v1/logs/{name}", false,
      [this](const httplib::Request& req, httplib::Response& res) {
        const std::string name = req.matches[1].str();
        LogSink* sink = findLog(name, res);
        if (sink == nullptr) return;
        const Outcome<bool> follow = api::parseFlag("follow", queryParam(req, "follow"));
        if (sendIfError(res, follow)) return;
        if (std::get<bool>(follow)) {
          const Outcome<uint64_t> after = followStart(req);
          if (sendIfError(res, after)) return;
          followLog(req, res, *sink, std::get<uint64_t>(after));
          return;
        }
        const Outcome<uint64_t> tail =
            api::parseCount("tail", queryParam(req, "tail"), kDefaultLogTail, kMaxLogTail);
        if (sendIfError(res, tail)) return;
        // last_seq first: a line appended meanwhile is then left for a follow from last_seq
        // instead of being counted as seen without being sent.
        const uint64_t last_seq = sink->lastSeq();
        std::vector<LogLine> lines = sink->tail(std::get<uint64_t>(tail));
        std::erase_if(lines, [last_seq](const LogLine& line) { return line.seq > last_seq; });
        sendJson(res, 200, {{"name", name}, {"lines", linesJson(lines)}, {"last_seq", last_seq}});
      });

  add("DELETE", "/api/v1/logs/{name}", false,
      [this](const httplib::Request& req, httplib::Response& res) {
        const std::string name = req.matches[1].str();
        LogSink* sink = findLog(name, res);
        if (sink == nullptr) return;
        sink->clear();
        sendJson(res, 200, {{"cleared", true}, {"name", name}});
      });

  add("GET", "/api/v1/schedule", false, [this](const httplib::Request&, httplib::Response& res) {
    sendJson(res, 200, wrapped("schedule", service_.schedule()));
  });

  add("GET", "/api/v1/config", false, [this](const httplib::Request&, httplib::Response& res) {
    sendJson(res, 200, service_.config());
  });
}

LogSink* ApiServer::Impl::findLog(const std::string& name, httplib::Response& res) {
  LogSink* sink = service_.log(name);
  if (sink == nullptr)
    api::sendError(res,
                   api::notFound("no log named \"" + name + "\"; GET /api/v1/logs lists them"));
  return sink;
}

}  // namespace pgbr
