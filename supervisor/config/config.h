// Turns the command line, the environment and `_FILE` secrets into what the supervisor is asked
// to do (an Invocation) with one validated Settings value. Policy: every mistake stops start-up
// with one lowercase line naming the setting and the fix (a ConfigError; main() prints it and
// exits 2); a flag wins over its environment variable; unknown flags and unknown PGBR_*
// variables are errors, because a typo silently ignored is a setting silently not applied.
// Secrets are never echoed, in errors or in the dump.
//
// The command line is read by command_line.h; --help by help.h; what may be shown of the result
// by redaction.h.
#pragma once

#include <string>
#include <vector>

#include "supervisor/config/command_line.h"
#include "supervisor/config/environment.h"
// Callers that load the configuration also show it (the API's configuration dump).
#include "supervisor/config/redaction.h"
#include "supervisor/config/settings.h"

namespace pgbr {

struct Invocation {
  Command command = Command::kRun;
  // Fully loaded and validated for kRun, kHealthcheck, kRestorePoint, kDatabases, kDumps and
  // kPromote. For kHelp, kVersion and kExec the environment is not read (a broken setting must
  // not stop `docker run IMAGE bash` from opening the shell meant to fix it): defaults plus any
  // flags given.
  Settings settings;
  std::vector<std::string> exec_argv;  // kExec: the command and its arguments
  std::string restore_point;           // kRestorePoint: the name
  std::vector<std::string> words;      // kDatabases, kDumps, kPromote: the words after it
  // Lines worth logging at start-up about accepted but notable choices (auth turned off, a
  // token that is set but unused); never secret.
  std::vector<std::string> notes;
};

// `args` is the command line without the program name (argv + 1 .. argv + argc).
// Throws ConfigError.
Invocation loadInvocation(const std::vector<std::string>& args, const Environment& env,
                          const FileReader& files);

}  // namespace pgbr
