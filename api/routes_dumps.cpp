// The logical dumps' routes (supervisor/dumps/): GET /api/v1/databases; POST/GET /api/v1/dumps;
// GET and DELETE /api/v1/dumps/{id}; the download of a database's dump and of the globals
// (streamed with a Content-Length, the plain bytes pg_restore and psql read); POST
// /api/v1/dumps/{id}/restore. The dumps are a capability: these routes find it through
// Service::capability and answer 404 when the binary was built without it.
#include "api/errors.h"
#include "api/input.h"
#include "api/server_impl.h"
#include "supervisor/dumps/dump_capability.h"

namespace pgbr {

namespace {

using nlohmann::json;

bool blank(std::string_view body) {
  return body.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

Outcome<json> parseObject(std::string_view body, const std::vector<std::string>& fields,
                          const std::string& example) {
  if (blank(body)) return json::object();
  json value = json::parse(body.begin(), body.end(), nullptr, false);
  if (value.is_discarded() || !value.is_object())
    return api::badRequest("the request body must be a JSON object like " + example);
  for (const auto& [key, unused] : value.items())
    if (std::find(fields.begin(), fields.end(), key) == fields.end()) {
      std::string known;
      for (const std::string& f : fields) known += (known.empty() ? "" : ", ") + f;
      return api::badRequest("unknown field \"" + key + "\"; the fields are " + known);
    }
  return value;
}

Outcome<std::string> stringField(const json& value, const std::string& name) {
  if (!value.contains(name) || value[name].is_null()) return std::string();
  if (!value[name].is_string()) return api::badRequest("field \"" + name + "\" must be a string");
  return value[name].get<std::string>();
}

// {"databases"?: ["app", ...], "annotation"?: "before the deploy"}
Outcome<DumpRunRequest> parseDumpRequest(std::string_view body) {
  Outcome<json> parsed = parseObject(body, {"databases", "annotation"},
                                     "{\"databases\": [\"app\"], \"annotation\": \"v2 deploy\"}");
  if (const auto* e = std::get_if<Error>(&parsed)) return *e;
  const json& value = std::get<json>(parsed);
  DumpRunRequest request;
  if (value.contains("databases") && !value["databases"].is_null()) {
    if (!value["databases"].is_array())
      return api::badRequest("field \"databases\" must be an array of database names");
    for (const json& name : value["databases"]) {
      if (!name.is_string() || name.get<std::string>().empty())
        return api::badRequest("field \"databases\" must hold database names (strings)");
      request.databases.push_back(name.get<std::string>());
    }
    if (request.databases.empty())
      return api::badRequest("field \"databases\" is empty; leave it out to dump every database");
  }
  Outcome<std::string> annotation = stringField(value, "annotation");
  if (const auto* e = std::get_if<Error>(&annotation)) return *e;
  request.annotation = std::get<std::string>(annotation);
  for (unsigned char c : request.annotation)
    if (c < 0x20) return api::badRequest("field \"annotation\" must be one line of text");
  return request;
}

// {"database": "app", "into"?: "app_copy", "confirm"?: "app", "globals"?: false}
Outcome<DumpRestoreAsk> parseRestoreRequest(std::string_view body, const std::string& id) {
  Outcome<json> parsed =
      parseObject(body, {"database", "into", "confirm", "globals"},
                  "{\"database\": \"app\"} or {\"database\": \"app\", \"into\": \"app\", "
                  "\"confirm\": \"app\"}");
  if (const auto* e = std::get_if<Error>(&parsed)) return *e;
  const json& value = std::get<json>(parsed);
  DumpRestoreAsk ask;
  ask.id = id;
  for (auto [name, field] : {std::pair{"database", &ask.database}, std::pair{"into", &ask.into},
                             std::pair{"confirm", &ask.confirm}}) {
    Outcome<std::string> text = stringField(value, name);
    if (const auto* e = std::get_if<Error>(&text)) return *e;
    *field = std::get<std::string>(text);
  }
  if (ask.database.empty())
    return api::badRequest("field \"database\" is required: the database to restore from the dump");
  if (value.contains("globals") && !value["globals"].is_null()) {
    if (!value["globals"].is_boolean())
      return api::badRequest("field \"globals\" must be true or false");
    ask.globals = value["globals"].get<bool>();
  }
  return ask;
}

void sendDownload(httplib::Response& res, const DumpDownload& download,
                  const std::string& content_type) {
  res.set_header("Content-Disposition", "attachment; filename=\"" + download.filename + "\"");
  auto read = download.read;
  const uint64_t size = download.size;
  res.set_content_provider(
      size, content_type, [read, size](size_t offset, size_t, httplib::DataSink& sink) {
        if (offset >= size) return true;
        // The whole object in one go: the store pushes chunks, each written to the socket
        // before the next is read, so memory holds one chunk at a time.
        uint64_t sent = 0;
        const std::string error = read([&](std::string_view chunk) {
          if (sent + chunk.size() > size) return false;
          sent += chunk.size();
          return sink.write(chunk.data(), chunk.size());
        });
        return error.empty() && sent == size;  // false: httplib drops the connection
      });
}

}  // namespace

void ApiServer::Impl::registerDumps() {
  auto dumps = [this](httplib::Response& res) -> DumpService* {
    auto* service = dynamic_cast<DumpService*>(service_.capability(kDumpCapability));
    if (service == nullptr)
      api::sendError(res, api::notFound("logical dumps are not available in this build"));
    return service;
  };

  add("GET", "/api/v1/databases", false, [dumps](const httplib::Request&, httplib::Response& res) {
    DumpService* service = dumps(res);
    if (service == nullptr) return;
    const Outcome<json> answer = service->databases();
    if (sendIfError(res, answer)) return;
    sendJson(res, 200, std::get<json>(answer));
  });

  add("POST", "/api/v1/dumps", false, [dumps](const httplib::Request& req, httplib::Response& res) {
    DumpService* service = dumps(res);
    if (service == nullptr) return;
    const Outcome<DumpRunRequest> request = parseDumpRequest(req.body);
    if (sendIfError(res, request)) return;
    const Outcome<Job> job = service->startDump(std::get<DumpRunRequest>(request));
    if (sendIfError(res, job)) return;
    res.set_header("Location", "/api/v1/jobs/" + std::get<Job>(job).id);
    sendJson(res, 202, {{"job", toJson(std::get<Job>(job))}});
  });

  add("GET", "/api/v1/dumps", false, [dumps](const httplib::Request&, httplib::Response& res) {
    DumpService* service = dumps(res);
    if (service == nullptr) return;
    const Outcome<json> answer = service->dumps();
    if (sendIfError(res, answer)) return;
    sendJson(res, 200, std::get<json>(answer));
  });

  add("GET", "/api/v1/dumps/{id}", false,
      [dumps](const httplib::Request& req, httplib::Response& res) {
        DumpService* service = dumps(res);
        if (service == nullptr) return;
        const Outcome<json> answer = service->dump(req.matches[1].str());
        if (sendIfError(res, answer)) return;
        sendJson(res, 200, std::get<json>(answer));
      });

  add("DELETE", "/api/v1/dumps/{id}", false,
      [dumps](const httplib::Request& req, httplib::Response& res) {
        DumpService* service = dumps(res);
        if (service == nullptr) return;
        Outcome<json> body =
            parseObject(req.body, {"confirm"}, "{\"confirm\": \"<the dump's id>\"}");
        if (sendIfError(res, body)) return;
        Outcome<std::string> confirm = stringField(std::get<json>(body), "confirm");
        if (sendIfError(res, confirm)) return;
        std::string text = std::get<std::string>(confirm);
        if (text.empty()) text = std::string(queryParam(req, "confirm").value_or(""));
        const Outcome<json> answer = service->removeDump(req.matches[1].str(), text);
        if (sendIfError(res, answer)) return;
        sendJson(res, 200, std::get<json>(answer));
      });

  add("GET", "/api/v1/dumps/{id}/databases/{database}", false,
      [dumps](const httplib::Request& req, httplib::Response& res) {
        DumpService* service = dumps(res);
        if (service == nullptr) return;
        const Outcome<DumpDownload> download =
            service->download(req.matches[1].str(), req.matches[2].str());
        if (sendIfError(res, download)) return;
        sendDownload(res, std::get<DumpDownload>(download), "application/octet-stream");
      });

  add("GET", "/api/v1/dumps/{id}/globals", false,
      [dumps](const httplib::Request& req, httplib::Response& res) {
        DumpService* service = dumps(res);
        if (service == nullptr) return;
        const Outcome<DumpDownload> download = service->downloadGlobals(req.matches[1].str());
        if (sendIfError(res, download)) return;
        sendDownload(res, std::get<DumpDownload>(download), "application/sql");
      });

  add("POST", "/api/v1/dumps/{id}/restore", false,
      [dumps](const httplib::Request& req, httplib::Response& res) {
        DumpService* service = dumps(res);
        if (service == nullptr) return;
        const Outcome<DumpRestoreAsk> ask = parseRestoreRequest(req.body, req.matches[1].str());
        if (sendIfError(res, ask)) return;
        const Outcome<Job> job = service->startRestore(std::get<DumpRestoreAsk>(ask));
        if (sendIfError(res, job)) return;
        res.set_header("Location", "/api/v1/jobs/" + std::get<Job>(job).id);
        sendJson(res, 202, {{"job", toJson(std::get<Job>(job))}});
      });
}

}  // namespace pgbr
