// The supervisor's command line read into what it is asked to do, before any setting is
// applied. It mirrors the stock image's `CMD ["postgres"]`:
//   pgbr-supervisor [flags] [postgres [postgres-args...]]   (no command means postgres)
//   pgbr-supervisor [flags] healthcheck
//   pgbr-supervisor [flags] restore-point NAME             (asks the running supervisor)
//   pgbr-supervisor [flags] databases                      (asks the running supervisor)
//   pgbr-supervisor [flags] dumps list|run|download|restore [ARGS...]   (likewise)
//   pgbr-supervisor [flags] COMMAND [ARGS...]               (exec'd as is, like `exec "$@"`)
// As in the stock entrypoint, a first argument starting with a single '-' (`-c key=value`)
// begins the postgres arguments.
//
// Policy: a flag not in the setting table is an error with a "did you mean" hint, and so is
// --api-token (a secret on a command line shows in ps). Only a flag's name is ever echoed: its
// value may be a secret. Throws ConfigError.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace pgbr {

inline constexpr std::string_view kProgram = "pgbr-supervisor";

enum class Command {
  kRun,
  kHealthcheck,
  kRestorePoint,
  kDatabases,
  kDumps,
  kPromote,
  kHelp,
  kVersion,
  kExec
};

struct CommandLine {
  Command command = Command::kRun;
  std::map<std::string, std::string> flags;  // flag ("--stanza") -> value; the last one given wins
  // postgres arguments, the exec'd command, restore-point's NAME, or the dumps command's words
  std::vector<std::string> rest;
};

// `args` is the command line without the program name.
CommandLine parseCommandLine(const std::vector<std::string>& args);

// "did you mean X? " for the name in `known` closest to `name` (case ignored), when it is close
// enough to be a typo; else "". For unknown flags and unknown PGBR_* variables alike.
std::string nearestHint(std::string_view name, const std::vector<std::string_view>& known);

}  // namespace pgbr
