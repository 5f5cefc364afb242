#include "supervisor/drill/drill_store.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "supervisor/common/file_write.h"
#include "supervisor/common/json_text.h"

namespace pgbr {

namespace fs = std::filesystem;

namespace {

// A drill that was running when the supervisor died: it did not finish. (The running drill of
// this process is answered by the capability from memory, never from its file.)
void markInterrupted(DrillReport& report) {
  if (report.result != DrillResult::kRunning) return;
  report.result = DrillResult::kFailed;
  report.reason = "interrupted: the supervisor stopped during the drill";
}

constexpr auto kPrivate = fs::perms::owner_read | fs::perms::owner_write;

std::optional<nlohmann::json> readJson(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json doc = nlohmann::json::parse(text.str(), nullptr, false);
  if (doc.is_discarded()) return std::nullopt;
  return doc;
}

DrillReport summaryOf(DrillReport report) {
  report.counts.databases.clear();
  report.counts.failures.clear();
  report.copy_log.clear();
  report.amcheck.findings.clear();
  return report;
}

}  // namespace

bool safeFileStem(const std::string& name) {
  return !name.empty() && name.size() <= 100 && name.front() != '.' &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' ||
                  c == '.';
         });
}

DrillStore::DrillStore(fs::path dir, size_t keep_reports)
    : dir_(std::move(dir)), keep_reports_(std::max<size_t>(keep_reports, 1)) {}

std::vector<std::string> DrillStore::load() {
  std::vector<std::string> warnings;
  std::vector<DrillReport> loaded;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_ / "reports", ec)) {
    if (entry.path().extension() != ".json") continue;
    std::optional<DrillReport> report;
    if (auto doc = readJson(entry.path())) report = drillReportFromJson(*doc);
    if (!report) {
      warnings.push_back("cannot read the drill report " + entry.path().string() + "; ignored");
      continue;
    }
    markInterrupted(*report);
    loaded.push_back(summaryOf(std::move(*report)));
  }
  std::sort(loaded.begin(), loaded.end(), [](const DrillReport& a, const DrillReport& b) {
    return a.started_at != b.started_at ? a.started_at < b.started_at : a.id < b.id;
  });
  std::lock_guard lock(mutex_);
  summaries_ = std::move(loaded);
  return warnings;
}

std::string DrillStore::saveReport(const DrillReport& report) {
  if (!safeFileStem(report.id)) return "drill id " + report.id + " is not a file name";
  std::error_code ec;
  fs::create_directories(dir_ / "reports", ec);
  std::string error = writeFileAtomically(dir_ / "reports" / (report.id + ".json"),
                                          dumpJson(toJson(report), 1), kPrivate);
  std::lock_guard lock(mutex_);
  std::erase_if(summaries_, [&](const DrillReport& r) { return r.id == report.id; });
  summaries_.push_back(summaryOf(report));
  while (summaries_.size() > keep_reports_) {
    fs::remove(dir_ / "reports" / (summaries_.front().id + ".json"), ec);
    summaries_.erase(summaries_.begin());
  }
  return error;
}

std::vector<DrillReport> DrillStore::summaries(size_t limit) const {
  std::lock_guard lock(mutex_);
  std::vector<DrillReport> out(summaries_.rbegin(), summaries_.rend());
  if (out.size() > limit) out.resize(limit);
  return out;
}

std::optional<DrillReport> DrillStore::report(const std::string& id) const {
  if (!safeFileStem(id)) return std::nullopt;
  auto doc = readJson(dir_ / "reports" / (id + ".json"));
  if (!doc) return std::nullopt;
  std::optional<DrillReport> report = drillReportFromJson(*doc);
  if (report) markInterrupted(*report);
  return report;
}

std::optional<DrillReport> DrillStore::lastFinished() const {
  std::lock_guard lock(mutex_);
  for (auto it = summaries_.rbegin(); it != summaries_.rend(); ++it)
    if (it->result != DrillResult::kCancelled && it->result != DrillResult::kRunning) return *it;
  return std::nullopt;
}

std::optional<WallTime> DrillStore::lastSuccess() const {
  std::lock_guard lock(mutex_);
  for (auto it = summaries_.rbegin(); it != summaries_.rend(); ++it)
    if (it->result == DrillResult::kPassed) return it->finished_at;
  return std::nullopt;
}

std::string DrillStore::saveCounts(const RowCountRecord& record) {
  if (!safeFileStem(record.label)) return "backup label " + record.label + " is not a file name";
  std::error_code ec;
  fs::create_directories(dir_ / "row-counts", ec);
  return writeFileAtomically(dir_ / "row-counts" / (record.label + ".json"),
                             dumpJson(toJson(record)), kPrivate);
}

std::optional<RowCountRecord> DrillStore::counts(const std::string& label) const {
  if (!safeFileStem(label)) return std::nullopt;
  auto doc = readJson(dir_ / "row-counts" / (label + ".json"));
  if (!doc) return std::nullopt;
  return rowCountRecordFromJson(*doc);
}

void DrillStore::keepCountsOf(const std::set<std::string>& labels) {
  std::error_code ec;
  std::vector<fs::path> stale;
  for (const auto& entry : fs::directory_iterator(dir_ / "row-counts", ec))
    if (!labels.contains(entry.path().stem().string())) stale.push_back(entry.path());
  for (const fs::path& path : stale) fs::remove(path, ec);
}

nlohmann::json DrillStore::loadSchedule() const {
  return readJson(dir_ / "schedule.json").value_or(nlohmann::json::object());
}

void DrillStore::saveSchedule(const nlohmann::json& state) const {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  writeFileAtomically(dir_ / "schedule.json", dumpJson(state, 1), kPrivate);
}

}  // namespace pgbr
