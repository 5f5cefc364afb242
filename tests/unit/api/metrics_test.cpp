// The Prometheus text format of metric families: exact integers, shortest doubles, escaping.
#include "api/metrics.h"

#include <gtest/gtest.h>

namespace pgbr::api {
namespace {

TEST(MetricsText, IntegersAreExact) {
  EXPECT_EQ(formatMetricValue(int64_t{22'994'380}), "22994380");
  EXPECT_EQ(formatMetricValue(int64_t{9'007'199'254'740'993}), "9007199254740993");
  EXPECT_EQ(formatMetricValue(int64_t{-1}), "-1");
}

TEST(MetricsText, DoublesAreShortestExact) {
  EXPECT_EQ(formatMetricValue(7.75), "7.75");
  EXPECT_EQ(formatMetricValue(1795000000.123), "1795000000.123");
  EXPECT_EQ(formatMetricValue(0.1), "0.1");
  EXPECT_EQ(formatMetricValue(22994380.0), "22994380");
}

TEST(MetricsText, FamiliesWithHelpTypeAndEscapedLabels) {
  Metrics m;
  m.push_back({"pgbr_example_total", "counter", "Help with \\ and\nnewline", {}});
  m.back().add({{"name", "a\"b\\c\nd"}, {"kind", "x"}}, int64_t{5});
  m.back().add({}, 2.5);
  m.push_back({"pgbr_empty", "gauge", "No samples yet", {}});
  EXPECT_EQ(renderMetrics(m),
            "# HELP pgbr_example_total Help with \\\\ and\\nnewline\n"
            "# TYPE pgbr_example_total counter\n"
            "pgbr_example_total{name=\"a\\\"b\\\\c\\nd\",kind=\"x\"} 5\n"
            "pgbr_example_total 2.5\n"
            "# HELP pgbr_empty No samples yet\n"
            "# TYPE pgbr_empty gauge\n");
}

}  // namespace
}  // namespace pgbr::api
