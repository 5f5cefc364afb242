// The dump runs in the store: listing complete runs (those with a manifest), reading a manifest,
// removing a run, finding the leftovers of runs that never completed, and the retention rule.
//
// Policy: a run is removed manifest first, so a run half-removed by a crash is no longer listed
// and its remaining files are leftovers, removed like those of a run cut short. Leftovers are
// only removed while no dump runs (the caller runs one job at a time).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "supervisor/dumps/dump_manifest.h"
#include "supervisor/storage/object_store.h"

namespace pgbr {

struct DumpRetention {
  int keep_runs = 7;  // PGBR_DUMP_RETENTION; 0: no limit by count
  int keep_days = 0;  // PGBR_DUMP_RETENTION_DAYS; 0: no limit by age
};

// The ids of runs to remove after a successful run, given every complete run newest first: those
// beyond the newest keep_runs, and those that finished more than keep_days before `now`. The
// newest run is always kept.
std::vector<std::string> expiredRuns(const std::vector<DumpManifest>& newest_first,
                                     const DumpRetention& retention, WallTime now);

// A run whose manifest exists but cannot be read: a wrong passphrase (repo cipher-pass) or damage.
// It is listed as such, never counted for retention and never removed by it.
struct UnreadableRun {
  std::string id;
  std::string error;
};

class DumpCatalog {
 public:
  explicit DumpCatalog(ObjectStore& store) : store_(store) {}

  // Every complete run, newest first; those whose manifest cannot be read in `unreadable`.
  std::string list(std::vector<DumpManifest>* out, std::vector<UnreadableRun>* unreadable);
  std::optional<DumpManifest> manifest(const std::string& id, std::string* error);
  std::string writeManifest(const DumpManifest& manifest);
  // Removes every object of run `id`, manifest first.
  std::string remove(const std::string& id);
  // Ids that have files but no manifest.
  std::string leftovers(std::vector<std::string>* ids);

 private:
  ObjectStore& store_;
};

}  // namespace pgbr
