#include "api/metrics.h"

#include <charconv>
#include <cmath>

namespace pgbr::api {

namespace {

// Label values escape backslash, quote and newline; HELP text escapes backslash and newline.
void appendEscaped(std::string& out, std::string_view text, bool quote) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

}  // namespace

std::string formatMetricValue(const MetricValue& value) {
  if (const auto* i = std::get_if<int64_t>(&value)) return std::to_string(*i);
  const double d = std::get<double>(value);
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return ec == std::errc{} ? std::string(buf, end) : "NaN";
}

std::string renderMetrics(const Metrics& metrics) {
  std::string out;
  out.reserve(4096);
  for (const MetricFamily& family : metrics) {
    out += "# HELP " + family.name + ' ';
    appendEscaped(out, family.help, false);
    out += "\n# TYPE " + family.name + ' ' + family.type + '\n';
    for (const MetricSample& sample : family.samples) {
      out += family.name;
      if (!sample.labels.empty()) {
        out += '{';
        for (size_t i = 0; i < sample.labels.size(); ++i) {
          if (i) out += ',';
          out += sample.labels[i].first + "=\"";
          appendEscaped(out, sample.labels[i].second, true);
          out += '"';
        }
        out += '}';
      }
      out += ' ' + formatMetricValue(sample.value) + '\n';
    }
  }
  return out;
}

}  // namespace pgbr::api
