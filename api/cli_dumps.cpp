// The dumps' command line (cli_dumps.h).
#include "api/cli_dumps.h"

#include <chrono>
#include <fstream>
#include <iostream>
#include <optional>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "api/cli_client.h"

namespace pgbr::api {

namespace {

using nlohmann::json;

constexpr std::string_view kUsage =
    "usage: pgbr-supervisor dumps list | run [DB...] | download ID DB [FILE] | restore ID DB "
    "[INTO]";

std::string encode(const std::string& text) {
  std::string out;
  const char* hex = "0123456789ABCDEF";
  for (unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string mib(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / 1048576.0);
  return text;
}

int list(CliClient& api, std::ostream& out) {
  std::optional<json> answer = api.call("GET", "/api/v1/dumps", 200);
  if (!answer) return 1;
  out << "dumps in " << answer->value("store", "?") << "\n";
  for (const json& run : answer->value("dumps", json::array())) {
    out << run.value("id", "") << "  " << run.value("started_at", "") << "  "
        << mib(run.value("size", uint64_t{0})) << "  " << run.value("trigger", "");
    if (!run.value("annotation", "").empty()) out << "  \"" << run.value("annotation", "") << "\"";
    out << "\n";
    for (const json& db : run.value("databases", json::array()))
      out << "    " << db.value("name", "") << "  " << mib(db.value("size", uint64_t{0})) << "  "
          << db.value("tables", 0) << " tables\n";
  }
  return 0;
}

int run(CliClient& api, const std::vector<std::string>& databases, std::ostream& out) {
  json body = json::object();
  if (!databases.empty()) body["databases"] = databases;
  std::optional<json> answer = api.call("POST", "/api/v1/dumps", 202, &body);
  if (!answer) return 1;
  const std::string id = (*answer)["job"].value("id", "");
  out << "dump started (job " << id << ")\n" << std::flush;
  return api.waitJob(id, out) ? 0 : 1;
}

int restore(CliClient& api, const std::vector<std::string>& words, std::ostream& out) {
  json body = {{"database", words[2]}};
  if (words.size() > 3) {
    body["into"] = words[3];
    // Naming the database twice on the command line is the deliberate act the API's confirm
    // field asks for.
    if (words[3] == words[2]) body["confirm"] = words[2];
  }
  std::optional<json> answer =
      api.call("POST", "/api/v1/dumps/" + encode(words[1]) + "/restore", 202, &body);
  if (!answer) return 1;
  const json& job = (*answer)["job"];
  out << "restoring " << words[2] << " into " << job["params"].value("into", "?") << " (job "
      << job.value("id", "") << ")\n"
      << std::flush;
  return api.waitJob(job.value("id", ""), out) ? 0 : 1;
}

int download(CliClient& api, const std::vector<std::string>& words, std::ostream& out,
             std::ostream& err) {
  std::string file = words.size() > 3 ? words[3] : "";
  if (file.empty()) {
    for (char c : words[2]) file += (c == '/' || c == '\0') ? '_' : c;
    file += "-" + words[1] + ".dump";
  }
  const std::string path = "/api/v1/dumps/" + encode(words[1]) + "/databases/" + encode(words[2]);
  if (file == "-") return api.download(path, std::cout) ? 0 : 1;
  const std::string partial = file + ".part";
  bool ok = false;
  {
    std::ofstream stream(partial, std::ios::binary | std::ios::trunc);
    if (!stream) {
      err << kPrefix << "cannot write " << partial << "\n";
      return 1;
    }
    ok = api.download(path, stream);
    stream.close();
    ok = ok && static_cast<bool>(stream);
  }
  if (!ok || std::rename(partial.c_str(), file.c_str()) != 0) {
    std::remove(partial.c_str());
    if (ok) err << kPrefix << "cannot write " << file << "\n";
    return 1;
  }
  out << "saved " << file << "\n";
  return 0;
}

}  // namespace

int databasesCommand(const Settings& settings, const std::vector<std::string>& words,
                     std::ostream& out, std::ostream& err) {
  if (!words.empty()) {
    err << kPrefix << "databases takes no arguments, got \"" << words.front() << "\"\n";
    return 2;
  }
  CliClient api(settings, err);
  if (!api.ok()) return 1;
  std::optional<json> answer = api.call("GET", "/api/v1/databases", 200);
  if (!answer) return 1;
  for (const json& db : answer->value("databases", json::array()))
    out << db.value("name", "") << "  " << mib(db.value("size", uint64_t{0})) << "  "
        << db.value("encoding", "") << "\n";
  return 0;
}

int dumpsCommand(const Settings& settings, const std::vector<std::string>& words, std::ostream& out,
                 std::ostream& err) {
  const std::string verb = words.empty() ? "" : words.front();
  const bool shape_ok = (verb == "list" && words.size() == 1) || verb == "run" ||
                        (verb == "download" && (words.size() == 3 || words.size() == 4)) ||
                        (verb == "restore" && (words.size() == 3 || words.size() == 4));
  if (!shape_ok) {
    err << kPrefix << (verb.empty() ? "dumps needs a command" : "bad dumps command line") << "; "
        << kUsage << "\n";
    return 2;
  }
  CliClient api(settings, err);
  if (!api.ok()) return 1;
  if (verb == "list") return list(api, out);
  if (verb == "run") return run(api, {words.begin() + 1, words.end()}, out);
  if (verb == "download") return download(api, words, out, err);
  return restore(api, words, out);
}

}  // namespace pgbr::api
