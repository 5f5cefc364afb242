// Metrics as values: what the supervisor and its capabilities measure, by Prometheus family.
// The API renders them in the text exposition format (api/metrics.h). A value is an exact
// integer (counts, bytes, whole seconds) or a double (durations with a fraction); integers are
// never passed through a double, so byte counts beyond 2^53 stay exact.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace pgbr {

using MetricValue = std::variant<int64_t, double>;
using MetricLabels = std::vector<std::pair<std::string, std::string>>;

struct MetricSample {
  MetricLabels labels;
  MetricValue value;
};

struct MetricFamily {
  std::string name;
  std::string type;  // "gauge" | "counter"
  std::string help;
  std::vector<MetricSample> samples;

  MetricFamily& add(MetricLabels labels, MetricValue value) {
    samples.push_back({std::move(labels), value});
    return *this;
  }
};

using Metrics = std::vector<MetricFamily>;

}  // namespace pgbr
