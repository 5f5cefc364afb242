// How an empty data directory is filled other than by initdb (supervisor/replica/bootstrap.h
// restores it from the repository, for a new primary or a standby). The Supervisor asks it before
// initdb would run and, after Postgres started on what it filled, waits for it before the start-up
// jobs.
#pragma once

#include <atomic>
#include <string>

namespace pgbr {

class DataBootstrap {
 public:
  virtual ~DataBootstrap() = default;
  // True when it fills the data directory instead of initdb: asked once, before Postgres runs.
  virtual bool takesOver() = 0;
  // Fills the data directory; "" when done, else the one line the supervisor stops with.
  virtual std::string fill(const std::atomic<bool>& cancel) = 0;
  // After Postgres started on the filled directory: blocks until it accepts writes (its
  // recovery ended and it promoted); "" then, else why not.
  virtual std::string waitWritable(const std::atomic<bool>& cancel) = 0;
  // True when the start-up jobs wait for waitWritable() although nothing was filled this start:
  // a standby's data directory, whose backups begin once it is promoted.
  virtual bool holdsStartup() { return false; }
  // Lines appended to the supervisor's Postgres settings file at every start (a standby's
  // primary_conninfo); "" for none, else one line ending the start.
  virtual std::string extraConf(std::string* error) {
    (void)error;
    return "";
  }
};

}  // namespace pgbr
