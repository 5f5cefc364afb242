// Turns the command line, the environment and `_FILE` secrets into what the supervisor is asked
// to do (an Invocation) with one validated Settings value. Policy: every mistake stops start-up
// with one lowercase line naming the setting and the fix (a ConfigError; main() prints it and
// exits 2); a flag wins over its environment variable; unknown flags and unknown PGBR_*
// variables are errors, because a typo silently ignored is a setting silently not applied.
// Secrets are never echoed, in errors or in the dump.
//
// The command line mirrors the stock image's `CMD ["postgres"]`:
//   pgbr-supervisor [flags] [postgres [postgres-args...]]   (no command means postgres)
//   pgbr-supervisor [flags] healthcheck
//   pgbr-supervisor [flags] COMMAND [ARGS...]               (exec'd as is, like `exec "$@"`)
// As in the stock entrypoint, a first argument starting with a single '-' (`-c key=value`)
// begins the postgres arguments.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "supervisor/config/environment.h"
#include "supervisor/config/settings.h"

namespace pgbr {

enum class Command { kRun, kHealthcheck, kHelp, kVersion, kExec };

struct Invocation {
  Command command = Command::kRun;
  // Fully loaded and validated for kRun and kHealthcheck. For kHelp, kVersion and kExec the
  // environment is not read (a broken setting must not stop `docker run IMAGE bash` from
  // opening the shell meant to fix it): defaults plus any flags given.
  Settings settings;
  std::vector<std::string> exec_argv;  // kExec: the command and its arguments
  // Lines worth logging at start-up about accepted but notable choices (auth turned off, a
  // token that is set but unused); never secret.
  std::vector<std::string> notes;
};

// `args` is the command line without the program name (argv + 1 .. argv + argc).
// Throws ConfigError.
Invocation loadInvocation(const std::vector<std::string>& args, const Environment& env,
                          const FileReader& files);

// --help: every flag with its variable, default and meaning, the commands and the POSTGRES_* and
// PGBACKREST_* families, generated from the setting table.
std::string helpText();
// --version: "pgbr-supervisor 0.1.0".
std::string versionText();

// True for a variable name that holds a secret: it contains KEY, SECRET, PASS, TOKEN or CIPHER
// (any case), which covers POSTGRES_PASSWORD, PGBR_API_TOKEN and pgBackRest's S3 keys and
// cipher pass.
bool isSecretName(std::string_view name);

inline constexpr std::string_view kRedacted = "(redacted)";

// A copy that may be shown: every non-empty secret (password, token, secret PGBACKREST_*
// variables, secret-looking postgres arguments) replaced by "(redacted)".
Settings redacted(const Settings& settings);

// The effective configuration for the API, built from redacted(settings):
// {"settings": {"PGBR_STANZA": {"value", "default", "source", "flag", "secret"}, ...},
//  "postgres": {"args", "port", "socket_dir"},
//  "pgbackrest": {"config", "config_rendered", "env": {"PGBACKREST_...": "..."}}}
nlohmann::json redactedSettingsJson(const Settings& settings);

}  // namespace pgbr
