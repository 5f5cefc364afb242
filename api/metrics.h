// The Prometheus text exposition format (version 0.0.4) of the service's metrics: HELP and TYPE
// per family, label values escaped, integers printed exactly and doubles in their shortest form
// that reads back to the same value (never "2.29944e+07" for 22994380).
#pragma once

#include <string>

#include "supervisor/common/metric_family.h"

namespace pgbr::api {

std::string renderMetrics(const Metrics& metrics);
std::string formatMetricValue(const MetricValue& value);

}  // namespace pgbr::api
