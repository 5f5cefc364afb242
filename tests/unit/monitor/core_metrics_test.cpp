// The core's metrics from a made-up repository and readings: names, labels, and values exact.
#include "supervisor/service/core_metrics.h"

#include <gtest/gtest.h>

namespace pgbr {
namespace {

const WallTime kNow{std::chrono::seconds(1'795'000'000)};

const MetricFamily* family(const Metrics& m, const std::string& name) {
  for (const auto& f : m)
    if (f.name == name) return &f;
  return nullptr;
}

CoreMetricsInput sampleInput() {
  CoreMetricsInput in;
  in.stanza = "main";
  in.now = kNow;
  backrest::InfoModel info;
  info.status.code = 0;
  backrest::BackupInfo b;
  b.label = "20261205-080000F";
  b.type = "full";
  b.started_at = kNow - Seconds(100);
  b.finished_at = kNow - Millis(92'250);
  b.size = 22'994'380;
  b.delta = 22'994'380;
  b.repo_size = 2'899'877;
  b.repo_delta = 9'007'199'254'740'993ULL;  // 2^53 + 1: not representable as a double
  b.repo_key = 1;
  info.backups.push_back(b);
  in.info = info;
  in.postgres.name = "postgres";
  in.postgres.state = ProcessState::kRunning;
  in.postgres.restarts = 2;
  in.postgres.uptime = Millis(61'500);
  in.archive.healthy = true;
  in.archive.queue.ready_count = 4;
  in.archive.pg.archiver.archived_count = 1'234'567'890;
  in.jobs.finished[{"backup", "succeeded"}] = 3;
  in.jobs.last_duration_s["backup"] = 7.75;
  in.info_runs = 12;
  return in;
}

TEST(CoreMetrics, SizesAreExactIntegers) {
  const Metrics m = collectCoreMetrics(sampleInput());
  const MetricFamily* size = family(m, "pgbackrest_backup_size_bytes");
  ASSERT_TRUE(size);
  ASSERT_EQ(size->samples.size(), 1u);
  EXPECT_EQ(std::get<int64_t>(size->samples[0].value), 22'994'380);
  const MetricFamily* repo_delta = family(m, "pgbackrest_backup_repo_delta_bytes");
  ASSERT_TRUE(repo_delta);
  EXPECT_EQ(std::get<int64_t>(repo_delta->samples[0].value), 9'007'199'254'740'993LL);
  EXPECT_EQ(size->samples[0].labels, (MetricLabels{{"backup_name", "20261205-080000F"},
                                                   {"backup_type", "full"},
                                                   {"repo_key", "1"},
                                                   {"stanza", "main"}}));
  EXPECT_EQ(std::get<int64_t>(family(m, "pgbr_archive_archived_total")->samples[0].value),
            1'234'567'890);
}

TEST(CoreMetrics, DurationsKeepTheirFraction) {
  const Metrics m = collectCoreMetrics(sampleInput());
  EXPECT_DOUBLE_EQ(
      std::get<double>(family(m, "pgbackrest_backup_duration_seconds")->samples[0].value), 7.75);
  EXPECT_DOUBLE_EQ(std::get<double>(family(m, "pgbr_process_uptime_seconds")->samples[0].value),
                   61.5);
  const MetricFamily* since = family(m, "pgbackrest_backup_since_last_completion_seconds");
  ASSERT_TRUE(since);
  ASSERT_EQ(since->samples.size(), 3u);  // a full counts for diff and incr too
  for (const auto& s : since->samples) EXPECT_DOUBLE_EQ(std::get<double>(s.value), 92.25);
}

TEST(CoreMetrics, WithoutARepositoryOnlyTheStanzaStatusSaysSo) {
  CoreMetricsInput in = sampleInput();
  in.info.reset();
  const Metrics m = collectCoreMetrics(in);
  EXPECT_EQ(std::get<int64_t>(family(m, "pgbackrest_stanza_status")->samples[0].value), -1);
  EXPECT_FALSE(family(m, "pgbackrest_backup_info"));
  EXPECT_TRUE(family(m, "pgbr_process_up"));
}

TEST(CoreMetrics, EveryCounterEndsInTotal) {
  for (const auto& f : collectCoreMetrics(sampleInput())) {
    if (f.type == "counter") {
      EXPECT_TRUE(f.name.ends_with("_total")) << f.name;
    }
    EXPECT_TRUE(f.type == "counter" || f.type == "gauge") << f.name;
    EXPECT_FALSE(f.help.empty()) << f.name;
  }
}

}  // namespace
}  // namespace pgbr
