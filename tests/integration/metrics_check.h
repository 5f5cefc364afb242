// /metrics checked against real tools: Prometheus' own parser and linter (`promtool check
// metrics`, from Debian's prometheus package) and pgBackRest's own figures (`pgbackrest info
// --output=json`), so a rounded byte count, a bad escape or a missing HELP/TYPE fails a test.
//
// promtool may remark only on the names kept from pgbackrest_exporter (dashboards built for it
// keep working); those remarks are listed here and in the README's metrics section, and any other
// remark, or one of these gone, fails.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace pgbr::it {

// promtool's remarks ("<metric> <text>", one a line) allowed on the exposition, each on a name
// kept from pgbackrest_exporter, and each listed in the README's "Metrics" section with the reason
// the name is kept. promtool 2.42 makes none today, so any remark fails.
inline const std::set<std::string>& remarksOnKeptNames() {
  static const std::set<std::string> remarks{};
  return remarks;
}

struct MetricLine {
  std::string name;
  std::map<std::string, std::string> labels;
  std::string value;  // as written
};

// A label's value, or "" when the sample has no such label.
inline std::string labelOf(const MetricLine& m, const std::string& key) {
  const auto it = m.labels.find(key);
  return it == m.labels.end() ? std::string() : it->second;
}

struct Exposition {
  std::map<std::string, std::string> types;  // family -> "gauge" | "counter" | ...
  std::set<std::string> helped;              // families with a HELP line
  std::vector<MetricLine> samples;
  std::string error;  // the first line this reader could not take, empty when all were read
};

// Reads the text format as the supervisor writes it (no timestamps): enough to compare values;
// promtool judges the syntax.
inline Exposition readExposition(const std::string& text) {
  Exposition e;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    if (line.starts_with("# TYPE ") || line.starts_with("# HELP ")) {
      const size_t cut = line.find(' ', 7);
      const std::string family = line.substr(7, cut == std::string::npos ? cut : cut - 7);
      if (line[2] == 'T' && cut != std::string::npos) e.types[family] = line.substr(cut + 1);
      if (line[2] == 'H') e.helped.insert(family);
      continue;
    }
    if (line[0] == '#') continue;
    MetricLine m;
    size_t i = line.find_first_of("{ ");
    m.name = line.substr(0, i);
    if (i != std::string::npos && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const size_t eq = line.find("=\"", i);
        if (eq == std::string::npos) break;
        const std::string key = line.substr(i, eq - i);
        std::string value;
        for (i = eq + 2; i < line.size() && line[i] != '"'; ++i) {
          if (line[i] == '\\' && i + 1 < line.size()) {
            ++i;
            value += line[i] == 'n' ? '\n' : line[i];
          } else {
            value += line[i];
          }
        }
        m.labels[key] = value;
        ++i;  // the closing quote
        if (i < line.size() && line[i] == ',') ++i;
      }
      ++i;  // the closing brace
    }
    if (i >= line.size() || line[i] != ' ') {
      if (e.error.empty()) e.error = line;
      continue;
    }
    m.value = line.substr(i + 1);
    e.samples.push_back(std::move(m));
  }
  return e;
}

struct PromtoolVerdict {
  int code = -1;  // 0 clean, 3 lint remarks only, 1 a parse error; 127 no promtool
  std::string output;
  std::set<std::string> remarks;
};

inline PromtoolVerdict promtoolCheckMetrics(const std::string& exposition) {
  PromtoolVerdict v;
  const CommandOutput r = run({"promtool", "check", "metrics"}, {}, "", exposition);
  v.code = r.code;
  v.output = r.output;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) v.remarks.insert(line);
  return v;
}

// promtool finds no error in `exposition`, and remarks exactly on the kept names; the README lists
// each of those remarks.
inline void expectPromtoolAccepts(const std::string& exposition) {
  const PromtoolVerdict v = promtoolCheckMetrics(exposition);
  ASSERT_NE(v.code, 127) << "promtool is missing: scripts/install-deps.sh --test installs it";
  EXPECT_TRUE(v.code == 0 || v.code == 3) << "promtool exit " << v.code << ":\n"
                                          << v.output << "\n"
                                          << exposition;
  EXPECT_EQ(v.output.find("error"), std::string::npos) << v.output;
  EXPECT_EQ(v.remarks, remarksOnKeptNames()) << "promtool said:\n" << v.output;
  EXPECT_EQ(v.code == 3, !remarksOnKeptNames().empty()) << v.output;
  const std::string readme = readFile(sourceDir() / "README.md");
  for (const std::string& remark : remarksOnKeptNames())
    EXPECT_NE(readme.find(remark), std::string::npos) << "the README does not list: " << remark;
}

// Every family has HELP, TYPE and at least one sample, and every sample belongs to a family.
inline void expectEveryFamilyHasSamples(const Exposition& e) {
  EXPECT_TRUE(e.error.empty()) << "unreadable line: " << e.error;
  std::map<std::string, int> count;
  for (const MetricLine& m : e.samples) {
    EXPECT_TRUE(e.types.contains(m.name)) << m.name << " has no TYPE line";
    ++count[m.name];
  }
  for (const auto& [family, type] : e.types) {
    EXPECT_GT(count[family], 0) << family << " has no sample";
    EXPECT_TRUE(e.helped.contains(family)) << family << " has no HELP line";
  }
}

// Each backup's size figures equal `pgbackrest info --output=json` of stanza `stanza` to the
// byte, per backup label; every family in bytes must be one of those compared here.
inline void expectBackupSizesMatchInfo(const Exposition& e, const Json& info,
                                       const std::string& stanza = "main") {
  const Json* found = nullptr;
  if (info.is_array())
    for (const Json& s : info)
      if (s.is_object() && s.value("name", "") == stanza) found = &s;
  ASSERT_NE(found, nullptr) << "no stanza " << stanza << " in " << info.dump();
  const Json& backups = (*found)["backup"];
  ASSERT_TRUE(backups.is_array() && !backups.empty()) << found->dump();

  // family -> where pgbackrest info has the figure
  const std::map<std::string, Json::json_pointer> sizes{
      {"pgbackrest_backup_size_bytes", Json::json_pointer("/info/size")},
      {"pgbackrest_backup_delta_bytes", Json::json_pointer("/info/delta")},
      {"pgbackrest_backup_repo_size_bytes", Json::json_pointer("/info/repository/size")},
      {"pgbackrest_backup_repo_delta_bytes", Json::json_pointer("/info/repository/delta")}};
  for (const auto& [family, type] : e.types) {
    if (family.ends_with("_bytes")) {
      EXPECT_TRUE(sizes.contains(family)) << family << " is not compared with pgbackrest info";
    }
  }

  for (const auto& [family, pointer] : sizes) {
    std::map<std::string, std::string> expected, shown;
    for (const Json& b : backups) {
      const std::string label = b.value("label", "");
      expected[label] = std::to_string(b.at(pointer).get<uint64_t>());
    }
    for (const MetricLine& m : e.samples) {
      if (m.name != family) continue;
      const std::string label = labelOf(m, "backup_name");
      EXPECT_FALSE(shown.contains(label)) << family << " shows " << label << " twice";
      shown[label] = m.value;
      for (const Json& b : backups) {
        if (b.value("label", "") != label) continue;
        EXPECT_EQ(labelOf(m, "backup_type"), b.value("type", "")) << family << " " << label;
        EXPECT_EQ(labelOf(m, "repo_key"), std::to_string(b["database"].value("repo-key", 0)))
            << family << " " << label;
        EXPECT_EQ(labelOf(m, "stanza"), stanza) << family << " " << label;
      }
    }
    EXPECT_EQ(shown, expected) << family;
  }

  // pgBackRest keeps whole seconds, so the duration is exact too.
  std::map<std::string, double> durations, expected_durations;
  for (const Json& b : backups)
    expected_durations[b.value("label", "")] =
        b["timestamp"].value("stop", 0.0) - b["timestamp"].value("start", 0.0);
  for (const MetricLine& m : e.samples) {
    if (m.name == "pgbackrest_backup_duration_seconds")
      durations[labelOf(m, "backup_name")] = std::stod(m.value);
  }
  EXPECT_EQ(durations, expected_durations);
}

}  // namespace pgbr::it
