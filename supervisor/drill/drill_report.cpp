#include "supervisor/drill/drill_report.h"

#include <cmath>
#include <set>

#include "supervisor/common/json_time.h"

namespace pgbr {

namespace {

std::string qualified(const std::string& db, const std::string& schema, const std::string& name) {
  return db + ": " + schema + "." + name;
}

const TableRows* findTable(const DatabaseRows& db, uint32_t oid) {
  for (const TableRows& t : db.tables)
    if (t.oid == oid) return &t;
  return nullptr;
}

nlohmann::json optionalJson(const std::optional<int64_t>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}
nlohmann::json optionalJson(const std::optional<double>& v) {
  return v ? nlohmann::json(std::round(*v * 1000) / 1000) : nlohmann::json(nullptr);  // ms
}

template <typename T>
std::optional<T> optionalFrom(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  return j[key].get<T>();
}

// Compares one table found in the copy with its record (null when not recorded).
TableReport compareTable(const TableRows& found, const TableRows* rec, const DatabaseMods* live) {
  TableReport r{found.schema, found.name, std::nullopt, found.rows, TableVerdict::kEqual, {}};
  if (!found.error.empty()) {
    r.verdict = TableVerdict::kUnreadable;
    r.note = found.error;
    return r;
  }
  if (rec == nullptr) {
    r.verdict = TableVerdict::kNotRecorded;
    return r;
  }
  r.recorded = rec->rows;
  if (found.unlogged) {
    r.verdict = TableVerdict::kUnlogged;
    r.note = "unlogged tables are empty after a restore";
    return r;
  }
  if (!rec->rows) {
    r.verdict = TableVerdict::kNotRecorded;
    r.note = rec->error.empty() ? "not counted at backup time" : rec->error;
    return r;
  }
  if (found.unpopulated || r.copy == rec->rows) return r;
  if (!rec->before || !rec->after || !(*rec->before == *rec->after)) {
    r.verdict = TableVerdict::kChangedDuringBackup;
    return r;
  }
  if (live != nullptr) {
    const auto now = live->find(found.oid);
    if (now == live->end() || !(now->second == *rec->after)) {
      r.verdict = TableVerdict::kWrittenAfterBackup;
      return r;
    }
  }
  r.verdict = TableVerdict::kMismatch;
  r.note = "nothing wrote to this table during or since the backup, yet the copy holds " +
           std::to_string(r.copy.value_or(0)) + " rows where " + std::to_string(*rec->rows) +
           " were counted";
  return r;
}

}  // namespace

std::string_view toString(TableVerdict verdict) {
  switch (verdict) {
    case TableVerdict::kEqual:
      return "equal";
    case TableVerdict::kChangedDuringBackup:
      return "changed_during_backup";
    case TableVerdict::kWrittenAfterBackup:
      return "written_after_backup";
    case TableVerdict::kUnlogged:
      return "unlogged";
    case TableVerdict::kNotRecorded:
      return "not_recorded";
    case TableVerdict::kCreatedDuringBackup:
      return "created_during_backup";
    case TableVerdict::kMismatch:
      return "mismatch";
    case TableVerdict::kMissing:
      return "missing";
    case TableVerdict::kUnreadable:
      return "unreadable";
  }
  return "mismatch";
}

bool fails(TableVerdict verdict) {
  return verdict == TableVerdict::kMismatch || verdict == TableVerdict::kMissing ||
         verdict == TableVerdict::kUnreadable;
}

CountComparison compareCounts(const std::optional<RowCountRecord>& recorded,
                              const std::vector<DatabaseRows>& copy, const LiveMods& live) {
  CountComparison out;
  out.recorded = recorded.has_value();
  std::set<std::string> seen;
  for (const DatabaseRows& found : copy) {
    seen.insert(found.name);
    DatabaseReport db{found.name, {}, {}};
    const DatabaseRows* rec = nullptr;
    if (recorded)
      for (const DatabaseRows& r : recorded->databases)
        if (r.name == found.name) rec = &r;
    const auto live_db = live.find(found.name);
    const DatabaseMods* live_mods = live_db == live.end() ? nullptr : &live_db->second;
    if (!found.error.empty()) {
      db.problem = "cannot be read in the copy: " + found.error;
      out.failures.push_back(found.name + ": " + db.problem);
    }
    std::set<uint32_t> in_copy;
    for (const TableRows& t : found.tables) {
      in_copy.insert(t.oid);
      db.tables.push_back(compareTable(t, rec ? findTable(*rec, t.oid) : nullptr, live_mods));
    }
    if (rec != nullptr && found.error.empty()) {
      for (const TableRows& r : rec->tables) {
        if (in_copy.contains(r.oid)) continue;
        TableReport missing{r.schema, r.name, r.rows, std::nullopt, TableVerdict::kMissing, {}};
        if (!r.before) {
          missing.verdict = TableVerdict::kCreatedDuringBackup;
        } else {
          missing.note = "recorded at backup time and present before the backup began";
        }
        db.tables.push_back(std::move(missing));
      }
    }
    for (const TableReport& t : db.tables) {
      ++out.tables;
      if (t.verdict == TableVerdict::kEqual) ++out.equal;
      if (fails(t.verdict))
        out.failures.push_back(qualified(db.name, t.schema, t.name) + " is " +
                               std::string(toString(t.verdict)) +
                               (t.note.empty() ? "" : " (" + t.note + ")"));
    }
    out.databases.push_back(std::move(db));
  }
  if (recorded) {
    for (const DatabaseRows& r : recorded->databases) {
      if (seen.contains(r.name) || !r.error.empty()) continue;
      DatabaseReport db{r.name, {}, "recorded at backup time but absent from the copy"};
      out.failures.push_back(r.name + ": " + db.problem);
      out.databases.push_back(std::move(db));
    }
  }
  return out;
}

std::string_view toString(DrillResult result) {
  switch (result) {
    case DrillResult::kRunning:
      return "running";
    case DrillResult::kPassed:
      return "passed";
    case DrillResult::kFailed:
      return "failed";
    case DrillResult::kSkipped:
      return "skipped";
    case DrillResult::kCancelled:
      return "cancelled";
  }
  return "failed";
}

std::optional<double> DrillReport::rtoSeconds() const {
  if (!restore_s || !ready_s) return std::nullopt;
  return *restore_s + *ready_s;
}

void decide(DrillReport& report) {
  if (report.result == DrillResult::kSkipped || report.result == DrillResult::kCancelled) return;
  report.result = DrillResult::kFailed;
  if (!report.reason.empty()) return;
  if (!report.amcheck.ran) {
    report.reason = "pg_amcheck did not run";
  } else if (report.amcheck.exit_code != 0) {
    const std::string first =
        report.amcheck.findings.empty() ? std::string() : ": " + report.amcheck.findings.front();
    report.reason = report.amcheck.exit_code == 2
                        ? "pg_amcheck found corruption in the copy" + first
                        : "pg_amcheck could not check the copy (exit code " +
                              std::to_string(report.amcheck.exit_code) + ")" + first;
  } else if (!report.counts.failures.empty()) {
    report.reason = std::to_string(report.counts.failures.size()) + " check" +
                    (report.counts.failures.size() == 1 ? "" : "s") +
                    " of the tables failed: " + report.counts.failures.front();
  } else {
    report.result = DrillResult::kPassed;
  }
}

nlohmann::json summaryJson(const DrillReport& r) {
  int failed = 0;
  for (const DatabaseReport& db : r.counts.databases)
    for (const TableReport& t : db.tables) failed += fails(t.verdict) ? 1 : 0;
  return {{"id", r.id},
          {"trigger", r.trigger},
          {"set", r.set.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.set)},
          {"result", toString(r.result)},
          {"reason", r.reason},
          {"started_at", formatRfc3339(r.started_at)},
          {"finished_at", timeOrNull(r.finished_at)},
          {"restore_s", optionalJson(r.restore_s)},
          {"ready_s", optionalJson(r.ready_s)},
          {"rto_s", optionalJson(r.rtoSeconds())},
          {"amcheck",
           {{"ran", r.amcheck.ran},
            {"ok", r.amcheck.ran && r.amcheck.exit_code == 0},
            {"exit_code", r.amcheck.ran ? nlohmann::json(r.amcheck.exit_code) : nullptr}}},
          {"tables",
           {{"total", r.counts.tables},
            {"equal", r.counts.equal},
            {"failed", failed},
            {"counts_recorded", r.counts.recorded}}}};
}

nlohmann::json toJson(const DrillReport& r) {
  nlohmann::json j = summaryJson(r);
  j["amcheck"]["findings"] = r.amcheck.findings;
  j["copy_log"] = r.copy_log;
  nlohmann::json dbs = nlohmann::json::array();
  for (const DatabaseReport& db : r.counts.databases) {
    nlohmann::json tables = nlohmann::json::array();
    for (const TableReport& t : db.tables)
      tables.push_back({{"schema", t.schema},
                        {"name", t.name},
                        {"recorded", optionalJson(t.recorded)},
                        {"copy", optionalJson(t.copy)},
                        {"status", toString(t.verdict)},
                        {"note", t.note}});
    dbs.push_back(
        {{"name", db.name},
         {"problem", db.problem.empty() ? nlohmann::json(nullptr) : nlohmann::json(db.problem)},
         {"tables", std::move(tables)}});
  }
  j["report"] = {{"databases", std::move(dbs)}, {"failures", r.counts.failures}};
  return j;
}

std::optional<DrillReport> drillReportFromJson(const nlohmann::json& j) {
  try {
    DrillReport r;
    r.id = j.at("id").get<std::string>();
    r.trigger = j.value("trigger", std::string());
    if (j.contains("set") && j["set"].is_string()) r.set = j["set"].get<std::string>();
    const std::string result = j.at("result").get<std::string>();
    for (auto candidate : {DrillResult::kRunning, DrillResult::kPassed, DrillResult::kFailed,
                           DrillResult::kSkipped, DrillResult::kCancelled})
      if (toString(candidate) == result) r.result = candidate;
    r.reason = j.value("reason", std::string());
    if (auto t = parseRfc3339(j.value("started_at", std::string()))) r.started_at = *t;
    if (j.contains("finished_at") && j["finished_at"].is_string())
      r.finished_at = parseRfc3339(j["finished_at"].get<std::string>());
    r.restore_s = optionalFrom<double>(j, "restore_s");
    r.ready_s = optionalFrom<double>(j, "ready_s");
    r.copy_log = j.value("copy_log", std::vector<std::string>{});
    const nlohmann::json& am = j.at("amcheck");
    r.amcheck.ran = am.value("ran", false);
    if (am.contains("exit_code") && am["exit_code"].is_number_integer())
      r.amcheck.exit_code = am["exit_code"].get<int>();
    r.amcheck.findings = am.value("findings", std::vector<std::string>{});
    const nlohmann::json& tables = j.at("tables");
    r.counts.recorded = tables.value("counts_recorded", false);
    r.counts.tables = tables.value("total", 0);
    r.counts.equal = tables.value("equal", 0);
    if (j.contains("report")) {
      r.counts.failures = j["report"].value("failures", std::vector<std::string>{});
      for (const auto& jd : j["report"].at("databases")) {
        DatabaseReport db;
        db.name = jd.at("name").get<std::string>();
        if (jd.contains("problem") && jd["problem"].is_string()) db.problem = jd["problem"];
        for (const auto& jt : jd.at("tables")) {
          TableReport t;
          t.schema = jt.at("schema").get<std::string>();
          t.name = jt.at("name").get<std::string>();
          t.recorded = optionalFrom<int64_t>(jt, "recorded");
          t.copy = optionalFrom<int64_t>(jt, "copy");
          const std::string status = jt.value("status", std::string());
          for (int v = 0; v <= static_cast<int>(TableVerdict::kUnreadable); ++v)
            if (toString(static_cast<TableVerdict>(v)) == status)
              t.verdict = static_cast<TableVerdict>(v);
          t.note = jt.value("note", std::string());
          db.tables.push_back(std::move(t));
        }
        r.counts.databases.push_back(std::move(db));
      }
    }
    return r;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

}  // namespace pgbr
