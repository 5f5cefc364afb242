// Reading pgBackRest's console output: the progress of a backup or restore, the label of the
// backup just made, and the error that ended a command, so a job can report them; and the cause
// of a failed archive-push, which pgBackRest writes into the Postgres log.
//
// Formats are those of pgBackRest 2.45 (checked against real runs, see the fixtures of the unit
// tests). Console lines look like
//   2026-11-22 02:54:13.236 P02 DETAIL: backup file /pgdata/base/5/16404 (10.7MB, 11.08%) checksum
//   ... 2026-11-22 02:54:13.930 P00   INFO: new backup label = 20261122-025411F
// while errors go to stderr without the timestamp and process, followed by indented lines:
//   ERROR: [051]: PostgreSQL version 15, system-id 77... do not match stanza version 15, ...
//          HINT: is this the correct stanza?
// Unknown lines are ignored, never an error: the output is for people, its wording may change.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgbr::backrest {

// One error pgBackRest reported: "ERROR: [NNN]: message" (or ASSERT) and the indented lines
// that continue it (HINT: ..., or the per-repository causes of a wrapped error).
struct BackrestError {
  int code = 0;
  std::string message;
  std::vector<std::string> details;

  // "[051] message HINT: ..." on one line, at most ~1000 bytes, for a job's message.
  std::string oneLine() const;
};

// The completion percentage (0 to 100) of a per-file line of backup ("backup file",
// "match file from prior backup", "checksum resumed file") or restore ("restore file",
// "restore zeroed file"), printed at log level detail. nullopt for any other line.
std::optional<double> parseProgressPercent(std::string_view line);
// The label from "new backup label = LABEL".
std::optional<std::string> parseNewBackupLabel(std::string_view line);
// Code and first line of an ERROR or ASSERT line, with or without timestamp and process.
std::optional<BackrestError> parseErrorLine(std::string_view line);

// Reads a command's output line by line (stdout and stderr together) and keeps what the job
// reports: the latest percentage, the new backup's label and the first error with its details.
class OutputScanner {
 public:
  // One line, without its '\n'.
  void feed(std::string_view line);

  std::optional<double> percent() const { return percent_; }
  const std::optional<std::string>& backupLabel() const { return label_; }
  // The first error: the one that ended the command; later lines only report the abort.
  const std::optional<BackrestError>& error() const { return error_; }
  // "command end: aborted with exception [NNN]" seen without an ERROR line (stderr lost).
  std::optional<int> abortCode() const { return abort_code_; }

 private:
  std::optional<double> percent_;
  std::optional<std::string> label_;
  std::optional<BackrestError> error_;
  std::optional<int> abort_code_;
  bool in_error_block_ = false;
};

// Why archive-push failed, as far as the message tells.
enum class ArchivePushProblem {
  kPermission,      // the repository or spool path is not writable by the postgres user
  kNoSpace,         // a disk is full
  kCredentials,     // the object store refused the key (AccessError)
  kUnreachable,     // the repository host could not be reached
  kTimeout,         // asynchronous archiving did not finish within archive-timeout
  kStanzaMismatch,  // the repository's stanza belongs to another cluster
  kStanzaMissing,   // no stanza in the repository yet (stanza-create not run)
  kOther,
};

struct ArchivePushFailure {
  ArchivePushProblem problem = ArchivePushProblem::kOther;
  std::optional<BackrestError> error;  // pgBackRest's own message, when the log holds it
  int exit_code = -1;                  // from "archive command failed with exit code N"
  std::string wal;                     // the segment whose archiving failed
};

// The last archive-push failure in a stretch of Postgres log (any log_line_prefix), or nullopt
// when the text holds none.
std::optional<ArchivePushFailure> findArchivePushFailure(std::string_view postgres_log);
ArchivePushProblem classifyArchivePushError(const BackrestError& error);
// "permission", "no_space", ... for JSON and metrics.
std::string_view archivePushProblemName(ArchivePushProblem problem);
// One lowercase sentence on what to do about it.
std::string_view archivePushAdvice(ArchivePushProblem problem);

}  // namespace pgbr::backrest
