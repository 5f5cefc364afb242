#include "api/html.h"

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <optional>

#include "supervisor/common/json_text.h"

namespace pgbr::api {

namespace {

using nlohmann::json;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

struct MediaRange {
  std::string type;  // "text/html", "text/*", "*/*"
  double q = 1.0;
};

std::vector<MediaRange> parseAccept(std::string_view header) {
  std::vector<MediaRange> ranges;
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    MediaRange range;
    const size_t semicolon = item.find(';');
    range.type = lower(trim(item.substr(0, semicolon)));
    if (range.type.empty()) continue;
    std::string_view params = semicolon == std::string_view::npos ? "" : item.substr(semicolon + 1);
    while (!params.empty()) {
      const size_t next = params.find(';');
      std::string_view param = trim(params.substr(0, next));
      params = next == std::string_view::npos ? std::string_view{} : params.substr(next + 1);
      if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
        double q = 0;
        if (std::sscanf(std::string(param.substr(2)).c_str(), "%lf", &q) == 1 && q >= 0 && q <= 1) {
          range.q = q;
        }
      }
    }
    ranges.push_back(std::move(range));
  }
  return ranges;
}

// RFC 7231 section 5.3.2: the most specific matching range decides a type's quality.
double quality(const std::vector<MediaRange>& ranges, std::string_view type) {
  const std::string family = std::string(type.substr(0, type.find('/'))) + "/*";
  int best_specificity = -1;
  double q = 0;
  for (const MediaRange& range : ranges) {
    int specificity = -1;
    if (range.type == type) {
      specificity = 2;
    } else if (range.type == family) {
      specificity = 1;
    } else if (range.type == "*/*") {
      specificity = 0;
    }
    if (specificity > best_specificity) {
      best_specificity = specificity;
      q = range.q;
    }
  }
  return q;
}

std::string text(const json& object, std::string_view key, std::string_view fallback = "-") {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::string(fallback);
  if (it->is_string()) return it->get<std::string>();
  return it->dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<uint64_t> number(const json& object, std::string_view key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer() || it->get<int64_t>() < 0) return std::nullopt;
  return it->get<uint64_t>();
}

std::string sizeOrDash(const json& object, std::string_view key) {
  const std::optional<uint64_t> bytes = number(object, key);
  return bytes ? formatSize(*bytes) : "-";
}

}  // namespace

std::string htmlEscape(std::string_view input) {
  std::string out;
  out.reserve(input.size());
  for (char c : input) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

bool prefersHtml(std::string_view accept_header) {
  const std::vector<MediaRange> ranges = parseAccept(accept_header);
  if (ranges.empty()) return false;
  return quality(ranges, "text/html") > quality(ranges, "application/json");
}

std::string seedPage(std::string_view heading, const std::vector<std::string>& lines) {
  std::string page =
      "<html>\n<head><meta charset=\"utf-8\"><title>pgbr-supervisor</title></head>\n<body>\n";
  page += "<h1> " + htmlEscape(heading) + " </h1> <br/>\n";
  for (const std::string& line : lines) {
    // Browsers collapse leading spaces; keep the indentation of pgBackRest's text readable.
    size_t indent = 0;
    while (indent < line.size() && line[indent] == ' ') ++indent;
    for (size_t i = 0; i < indent; ++i) page += "&nbsp;";
    page += htmlEscape(std::string_view(line).substr(indent));
    page += "<br/>\n";
  }
  page += "</body>\n</html>\n";
  return page;
}

std::vector<std::string> infoSummary(const json& backups) {
  std::vector<std::string> lines;
  if (!backups.is_object()) return {"no repository information yet"};
  lines.push_back("stanza: " + text(backups, "stanza"));

  const json status = backups.value("status", json::object());
  const int code = status.is_object() && status.contains("code") && status["code"].is_number()
                       ? status["code"].get<int>()
                       : -1;
  std::string status_line = code == 0 ? "ok" : "error (" + text(status, "message", "unknown") + ")";
  if (status.is_object() && status.value("backup_running", false)) {
    status_line += " (backup/expire running)";
  }
  lines.push_back("    status: " + status_line);
  if (backups.contains("cipher")) lines.push_back("    cipher: " + text(backups, "cipher"));

  const json archive = backups.value("archive", json::object());
  if (archive.is_object()) {
    lines.push_back("");
    lines.push_back("    db (current)");
    lines.push_back("        wal archive min/max: " + text(archive, "min") + "/" +
                    text(archive, "max"));
  }

  const json list = backups.value("backups", json::array());
  for (const json& backup : list) {
    if (!backup.is_object()) continue;
    lines.push_back("");
    lines.push_back("        " + text(backup, "type") + " backup: " + text(backup, "label"));
    lines.push_back("            timestamp start/stop: " + text(backup, "started_at") + " / " +
                    text(backup, "finished_at"));
    lines.push_back("            wal start/stop: " + text(backup, "wal_start") + " / " +
                    text(backup, "wal_stop"));
    lines.push_back("            database size: " + sizeOrDash(backup, "size") +
                    ", database backup size: " + sizeOrDash(backup, "delta"));
    std::string repo = backup.contains("repo") ? "repo" + text(backup, "repo") : "repo";
    lines.push_back("            " + repo +
                    ": backup set size: " + sizeOrDash(backup, "repo_size") +
                    ", backup size: " + sizeOrDash(backup, "repo_delta"));
    if (backup.contains("prior") && !backup["prior"].is_null()) {
      lines.push_back("            backup reference: " + text(backup, "prior"));
    }
    if (backup.contains("annotation") && backup["annotation"].is_object()) {
      for (const auto& [key, value] : backup["annotation"].items()) {
        lines.push_back("            annotation: " + key + "=" +
                        (value.is_string() ? value.get<std::string>() : dumpJson(value)));
      }
    }
  }
  if (list.empty()) lines.push_back("        no backups yet");
  return lines;
}

std::vector<std::string> postgresSummary(const json& postgres) {
  std::vector<std::string> lines;
  if (!postgres.is_object()) return {"no postgres status yet"};
  for (const auto& [key, value] : postgres.items()) {
    lines.push_back(key + ": " +
                    (value.is_string()
                         ? value.get<std::string>()
                         : value.dump(-1, ' ', false, json::error_handler_t::replace)));
  }
  return lines;
}

std::string formatSize(uint64_t bytes) {
  constexpr const char* kUnits[] = {"B", "KB", "MB", "GB", "TB", "PB"};
  if (bytes < 1024) return std::to_string(bytes) + "B";
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f%s", value, kUnits[unit]);
  std::string out = buffer;
  // "3.0GB" reads as "3GB" in pgBackRest's output.
  if (const size_t dot = out.find(".0");
      dot != std::string::npos && !std::isdigit(static_cast<unsigned char>(out[dot + 2]))) {
    out.erase(dot, 2);
  }
  return out;
}

}  // namespace pgbr::api
