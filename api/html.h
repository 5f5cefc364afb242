// The HTML the seed-compatible routes (/pgBackRest/...) answer to browsers, in the seed's shape:
// `<h1> Success </h1>` or `<h1> Failure </h1>`, then one line per `<br/>`. Every piece of text is
// escaped here: log lines and labels come from pgBackRest and Postgres, not from us.
// Which flavour a client gets follows its Accept header (prefersHtml); JSON otherwise.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace pgbr::api {

std::string htmlEscape(std::string_view text);

// True when the Accept header ranks text/html above application/json ("text/html,...;q=0.9" from
// a browser). Equal ranks, "*/*" (curl's default) and no header mean JSON.
bool prefersHtml(std::string_view accept_header);

// <html>...<h1> Success </h1> <br/> line<br/> ...</html> with heading "Success", "Failure" or
// "Running"; leading spaces of a line are kept.
std::string seedPage(std::string_view heading, const std::vector<std::string>& lines);

// `pgbackrest info`-like text from GET /api/v1/backups' document: stanza, status, archive range,
// then each backup (label, type, timestamps, WAL range, sizes), oldest first.
std::vector<std::string> infoSummary(const nlohmann::json& backups);

// "key: value" lines of the status' Postgres object, in a stable order.
std::vector<std::string> postgresSummary(const nlohmann::json& postgres);

// Bytes the way pgBackRest prints them: 512B, 1.5KB, 22.1MB, 3GB.
std::string formatSize(uint64_t bytes);

}  // namespace pgbr::api
