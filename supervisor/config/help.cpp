#include "supervisor/config/help.h"

#include <sstream>

#include "pgbr_version.h"
#include "supervisor/config/command_line.h"
#include "supervisor/config/setting_table.h"

namespace pgbr {

namespace {

// Appends `text` broken into lines of at most kHelpWidth columns, each starting with `indent`.
void appendWrapped(std::ostringstream& out, std::string_view indent, std::string_view text) {
  constexpr std::size_t kHelpWidth = 96;
  std::size_t column = 0;
  while (!text.empty()) {
    const auto space = text.find(' ');
    const std::string_view word = text.substr(0, space);
    text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
    if (column > 0 && column + 1 + word.size() > kHelpWidth) {
      out << "\n";
      column = 0;
    }
    if (column == 0) {
      out << indent << word;
      column = indent.size() + word.size();
    } else {
      out << ' ' << word;
      column += 1 + word.size();
    }
  }
  out << "\n";
}

}  // namespace

std::string versionText() {
  return std::string(kProgram) + " " + PGBR_VERSION;
}

std::string helpText() {
  std::ostringstream out;
  out << "usage: " << kProgram << " [flags] [postgres [postgres-args...]]\n"
      << "       " << kProgram << " [flags] healthcheck\n"
      << "       " << kProgram << " [flags] restore-point NAME\n"
      << "       " << kProgram << " [flags] databases\n"
      << "       " << kProgram << " [flags] dumps list|run|download|restore [ARGS...]\n"
      << "       " << kProgram << " [flags] promote\n"
      << "       " << kProgram << " [flags] COMMAND [ARGS...]\n\n"
      << "runs postgresql as pid 1, archives wal and takes scheduled backups with pgbackrest,\n"
      << "and serves an http api and dashboard.\n\n"
      << "commands:\n"
      << "  postgres [args...]  run and supervise postgres (the default when no command is\n"
      << "                      given); the args pass through to postgres, e.g. -c key=value;\n"
      << "                      a first argument starting with a single '-' begins them\n"
      << "  healthcheck         ask /readyz on the api listen address; exit 0 when postgres\n"
      << "                      accepts connections, else 1\n"
      << "  restore-point NAME  ask the running supervisor to create a named restore point\n"
      << "                      (pg_create_restore_point) and wait until its wal is in the\n"
      << "                      repository; prints the point, exits 1 with the server's message\n"
      << "                      on error. a deploy marker: restore to it with type \"name\".\n"
      << "                      NAME: 1 to 63 letters, digits and . _ - : @ +. the address and\n"
      << "                      token come from the state dir (api-address, api-token) or from\n"
      << "                      PGBR_API_LISTEN and PGBR_API_TOKEN\n"
      << "  databases           list the databases a dump can take (name, size, encoding)\n"
      << "  dumps list          list the dump runs kept in the repository\n"
      << "  dumps run [DB...]   take a dump run (default: PGBR_DUMP_DATABASES, else every\n"
      << "                      database) and wait for it; prints the run's id\n"
      << "  dumps download ID DB [FILE]\n"
      << "                      save database DB's dump of run ID (pg_dump custom format,\n"
      << "                      decrypted) to FILE (default DB-ID.dump; - for stdout)\n"
      << "  dumps restore ID DB [INTO]\n"
      << "                      restore DB from run ID into a new database INTO (default\n"
      << "                      DB_<date>_<time>); naming DB itself as INTO replaces it once\n"
      << "                      the restored copy is complete and its row counts checked.\n"
      << "                      the dumps commands and databases ask the running supervisor\n"
      << "                      like restore-point and exit 1 with its message on error\n"
      << "  promote             promote this standby (PGBR_STANDBY_PRIMARY) to a primary and\n"
      << "                      wait until it is writable; its new timeline's first backup\n"
      << "                      follows as a job. asks the running supervisor like\n"
      << "                      restore-point\n"
      << "  COMMAND [ARGS...]   any other command is executed as is, e.g. bash\n\n"
      << "flags (each also set by its environment variable; the flag wins):\n";
  for (const SettingSpec& spec : settingTable()) {
    if (!spec.flag.empty()) {
      out << "  " << spec.flag << " " << spec.metavar << "\n      " << spec.env;
      if (!spec.file_env.empty()) out << " or " << spec.file_env;
      out << ", default: " << defaultText(spec) << "\n";
      appendWrapped(out, "      ", spec.help);
    }
    if (!spec.file_flag.empty()) {
      out << "  " << spec.file_flag << " FILE\n      " << spec.file_env << ": a file holding "
          << spec.env << "\n";
    }
  }
  out << "  -h, --help\n      show this help\n"
      << "  --version\n      show the version\n\n"
      << "there is no --api-token flag: a secret on a command line shows in ps; use\n"
      << "PGBR_API_TOKEN, PGBR_API_TOKEN_FILE or --api-token-file.\n\n"
      << "environment only (PGDATA and the POSTGRES_* variables as in the stock postgres "
         "image):\n";
  for (const SettingSpec& spec : settingTable()) {
    if (!spec.flag.empty()) continue;
    out << "  " << spec.env << "=" << spec.metavar;
    if (!spec.file_env.empty()) out << " or " << spec.file_env << "=FILE";
    out << "\n      default: " << defaultText(spec) << "\n";
    appendWrapped(out, "      ", spec.help);
  }
  out << "\n"
      << "a *_FILE variable names a file holding the value (docker secrets); trailing newlines\n"
      << "are dropped, and setting both NAME and NAME_FILE is an error. an unknown PGBR_*\n"
      << "variable or flag is an error.\n\n"
      << "PGBACKREST_*: pgbackrest's own options (PGBACKREST_REPO1_TYPE=s3,\n"
      << "PGBACKREST_REPO1_S3_BUCKET, PGBACKREST_REPO1_S3_KEY, PGBACKREST_REPO1_RETENTION_FULL,\n"
      << "...) reach every pgbackrest run, archive-push started by postgres included.\n"
      << "PGBACKREST_CONFIG names your own pgbackrest.conf; without it one is rendered to\n"
      << "<state dir>/pgbackrest.conf. values of names containing KEY, SECRET, PASS, TOKEN or\n"
      << "CIPHER are never shown.\n"
      << "logical dumps are kept in repository PGBR_DUMP_REPO (posix or s3) as pgbackrest\n"
      << "resolves it (environment over [<stanza>] over [global]), encrypted in openssl enc\n"
      << "format (aes-256-cbc, pbkdf2, 100000 iterations, sha256) when its cipher-type is set.\n";
  return out.str();
}

}  // namespace pgbr
