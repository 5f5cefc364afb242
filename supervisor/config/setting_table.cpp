#include "supervisor/config/setting_table.h"

#include <array>
#include <vector>

#include "supervisor/config/notify_settings.h"
#include "supervisor/config/replica_settings.h"
#include "supervisor/config/setting_values.h"

namespace pgbr {

namespace {

using namespace setting_values;  // the parsers and printers each row names

constexpr auto kCoreSpecs = std::to_array<SettingSpec>({
    // Postgres
    {.env = "PGDATA",
     .flag = "--pgdata",
     .metavar = "DIR",
     .help = "postgres data directory (absolute path)",
     .apply = applyAbsolutePath<&Settings::pgdata>,
     .show = showString<&Settings::pgdata>},
    {.env = "PGBR_PG_BINDIR",
     .flag = "--pg-bindir",
     .metavar = "DIR",
     .help = "directory holding postgres, initdb and pg_ctl; <major> is the first installed of: "
             "the data directory's PG_VERSION, $PG_MAJOR, the newest",
     .default_text = "/usr/lib/postgresql/<major>/bin",
     .apply = applyAbsolutePath<&Settings::pg_bindir>,
     .show = showString<&Settings::pg_bindir>},
    {.env = "PGBR_PG_LISTEN",
     .flag = "--pg-listen",
     .metavar = "ADDRESSES",
     .help = "addresses postgres listens on (its listen_addresses): localhost for this machine "
             "only, * for every address (the image sets *), or a comma-separated list; empty "
             "for the unix socket only. pg_hba.conf admits other hosts when this reaches beyond "
             "localhost (-h and -c listen_addresses= win over this)",
     .empty = EmptyValue::kMeaningful,
     .apply = applyPgListen,
     .show = showString<&Settings::pg_listen>},
    {.env = "PGPORT",
     .metavar = "PORT",
     .help = "postgres port when its arguments set none (-p N, -c port=N win over this)",
     .empty = EmptyValue::kUnset,
     .apply = applyPgPort,
     .show = showPgPort},
    {.env = "POSTGRES_PASSWORD",
     .file_env = "POSTGRES_PASSWORD_FILE",
     .metavar = "PASSWORD",
     .help = "superuser password set at initdb; required for a new data directory unless "
             "POSTGRES_HOST_AUTH_METHOD=trust",
     .default_text = "none",
     .empty = EmptyValue::kUnset,
     .secret = true,
     .apply = [](Settings& s, const std::string& v) -> Reason {
       s.init.password = v;
       return std::nullopt;
     },
     .show = [](const Settings& s) { return s.init.password; }},
    {.env = "POSTGRES_USER",
     .file_env = "POSTGRES_USER_FILE",
     .metavar = "NAME",
     .help = "superuser created at initdb",
     .empty = EmptyValue::kUnset,
     .apply = [](Settings& s, const std::string& v) -> Reason {
       s.init.user = v;
       return std::nullopt;
     },
     .show = [](const Settings& s) { return s.init.user; }},
    {.env = "POSTGRES_DB",
     .file_env = "POSTGRES_DB_FILE",
     .metavar = "NAME",
     .help = "database created at initdb",
     .default_text = "the value of POSTGRES_USER",
     .empty = EmptyValue::kUnset,
     .apply = [](Settings& s, const std::string& v) -> Reason {
       s.init.db = v;
       return std::nullopt;
     },
     .show = [](const Settings& s) { return s.init.db; }},
    {.env = "POSTGRES_INITDB_ARGS",
     .file_env = "POSTGRES_INITDB_ARGS_FILE",
     .metavar = "ARGS",
     .help = "extra initdb arguments, e.g. \"--data-checksums\"",
     .default_text = "none",
     .empty = EmptyValue::kUnset,
     .apply = [](Settings& s, const std::string& v) -> Reason {
       s.init.initdb_args = v;
       return std::nullopt;
     },
     .show = [](const Settings& s) { return s.init.initdb_args; }},
    {.env = "POSTGRES_INITDB_WALDIR",
     .metavar = "DIR",
     .help = "separate wal directory given to initdb (absolute path)",
     .default_text = "none",
     .empty = EmptyValue::kUnset,
     .apply = [](Settings& s, const std::string& v) -> Reason {
       // initdb itself refuses a relative --waldir, but only after start-up went that far.
       if (auto reason = checkAbsolute(v)) return reason;
       s.init.initdb_waldir = v;
       return std::nullopt;
     },
     .show = [](const Settings& s) { return s.init.initdb_waldir; }},
    {.env = "POSTGRES_HOST_AUTH_METHOD",
     .metavar = "METHOD",
     .help = "pg_hba.conf method for connections from other hosts",
     .empty = EmptyValue::kUnset,
     .apply = applyHostAuthMethod,
     .show = [](const Settings& s) { return s.init.host_auth_method; }},
    {.env = "PGBR_INITDB_DIR",
     .flag = "--initdb-dir",
     .metavar = "DIR",
     .help = "scripts run once after initdb (*.sh, *.sql, *.sql.gz, *.sql.xz, *.sql.zst)",
     .apply = [](Settings& s, const std::string& v) -> Reason {
       if (auto reason = checkAbsolute(v)) return reason;
       s.init.initdb_dir = v;
       return std::nullopt;
     },
     .show = [](const Settings& s) { return s.init.initdb_dir; }},

    // Process supervision
    {.env = "PGBR_USER",
     .flag = "--user",
     .metavar = "NAME",
     .help = "os user postgres and the supervisor run as when started as root",
     .apply = applyUser,
     .show = showString<&Settings::run_as_user>},
    {.env = "PGBR_RESTART_LIMIT",
     .flag = "--restart-limit",
     .metavar = "N",
     .help = "quick exits of postgres in a row before it is left stopped (fatal)",
     .apply = applyNumber<&Settings::restart_limit, 0, 1000>,
     .show = showNumber<&Settings::restart_limit>},
    {.env = "PGBR_QUICK_EXIT_S",
     .flag = "--quick-exit-s",
     .metavar = "SECONDS",
     .help = "a postgres run shorter than this counts as a quick exit",
     .apply = applySeconds<&Settings::quick_exit_window, 1, 86400>,
     .show = showSeconds<&Settings::quick_exit_window>},
    {.env = "PGBR_BACKOFF_MAX_S",
     .flag = "--backoff-max-s",
     .metavar = "SECONDS",
     .help = "longest wait before restarting postgres after an exit",
     .apply = applySeconds<&Settings::backoff_max, 1, 3600>,
     .show = showSeconds<&Settings::backoff_max>},
    {.env = "PGBR_STOP_TIMEOUT_S",
     .flag = "--stop-timeout-s",
     .metavar = "SECONDS",
     .help = "wait for a fast shutdown before an immediate one (keep below the container's stop "
             "timeout)",
     .apply = applySeconds<&Settings::stop_timeout, 1, 3600>,
     .show = showSeconds<&Settings::stop_timeout>},
    {.env = "PGBR_START_TIMEOUT_S",
     .flag = "--start-timeout-s",
     .metavar = "SECONDS",
     .help = "wait for postgres to accept connections after a start (crash recovery may be long)",
     .apply = applySeconds<&Settings::start_timeout, 1, 604800>,
     .show = showSeconds<&Settings::start_timeout>},

    // pgBackRest
    {.env = "PGBR_STANZA",
     .flag = "--stanza",
     .metavar = "NAME",
     .help = "pgbackrest stanza (letters, digits, '-', '_', '.')",
     .apply = applyStanza,
     .show = showString<&Settings::stanza>},
    {.env = "PGBR_PGBACKREST_BIN",
     .flag = "--pgbackrest-bin",
     .metavar = "PATH",
     .help = "pgbackrest executable: a name looked up in PATH or an absolute path",
     .apply = applyPgbackrestBin,
     .show = showString<&Settings::pgbackrest_bin>},
    {.env = "PGBR_DUMP_REPO",
     .flag = "--dump-repo",
     .metavar = "N",
     .help = "the pgbackrest repository (repoN) logical dumps are kept in, under "
             "<repo path>/dumps/<stanza>; it must be configured (posix or s3), and dumps are "
             "encrypted when it is",
     .apply = applyNumber<&Settings::dump_repo, 1, 256>,
     .show = showNumber<&Settings::dump_repo>},
    {.env = "PGBR_SCHEDULE_FULL",
     .flag = "--schedule-full",
     .metavar = "CRON",
     .help = "when to take full backups: 5-field cron or @daily-style macro; empty disables",
     .empty = EmptyValue::kMeaningful,
     .apply = applySchedule<&Settings::schedule_full>,
     .show = showString<&Settings::schedule_full>},
    {.env = "PGBR_SCHEDULE_DIFF",
     .flag = "--schedule-diff",
     .metavar = "CRON",
     .help = "when to take differential backups; empty disables",
     .empty = EmptyValue::kMeaningful,
     .apply = applySchedule<&Settings::schedule_diff>,
     .show = showString<&Settings::schedule_diff>},
    {.env = "PGBR_SCHEDULE_INCR",
     .flag = "--schedule-incr",
     .metavar = "CRON",
     .help = "when to take incremental backups; empty disables",
     .empty = EmptyValue::kMeaningful,
     .apply = applySchedule<&Settings::schedule_incr>,
     .show = showString<&Settings::schedule_incr>},
    {.env = "PGBR_SCHEDULE_DRILL",
     .flag = "--schedule-drill",
     .metavar = "CRON",
     .help = "when to run the restore drill (a backup restored into a scratch copy and checked); "
             "empty disables",
     .empty = EmptyValue::kMeaningful,
     .apply = applySchedule<&Settings::schedule_drill>,
     .show = showString<&Settings::schedule_drill>},
    {.env = "PGBR_DRILL_AFTER_FULL",
     .flag = "--drill-after-full",
     .metavar = "on|off",
     .help = "run the restore drill after each successful full backup",
     .apply = applyOnOff<&Settings::drill_after_full>,
     .show = showOnOff<&Settings::drill_after_full>},
    {.env = "PGBR_DRILL_DIR",
     .flag = "--drill-dir",
     .metavar = "DIR",
     .help = "scratch folder the restore drill restores into (its data, socket and tablespace "
             "sub-folders are removed after each drill); needs room for a copy of the database",
     .default_text = "<state directory>/drill",
     .apply = applyDrillDir,
     .show = showDrillDir},
    {.env = "PGBR_SCHEDULE_DUMP",
     .flag = "--schedule-dump",
     .metavar = "CRON",
     .help = "when to take logical dumps (pg_dump of each database, kept in the repository); "
             "empty disables",
     .empty = EmptyValue::kMeaningful,
     .apply = applySchedule<&Settings::schedule_dump>,
     .show = showString<&Settings::schedule_dump>},
    {.env = "PGBR_DUMP_DATABASES",
     .flag = "--dump-databases",
     .metavar = "NAMES",
     .help = "comma-separated databases a dump run takes; empty: every database that accepts "
             "connections, templates excluded",
     .default_text = "every database",
     .empty = EmptyValue::kMeaningful,
     .apply = applyDumpDatabases,
     .show = showDumpDatabases},
    {.env = "PGBR_DUMP_RETENTION",
     .flag = "--dump-retention",
     .metavar = "N",
     .help = "dump runs kept: older ones are removed after a successful run; 0 keeps every run",
     .apply = applyNumber<&Settings::dump_retention, 0, 100000>,
     .show = showNumber<&Settings::dump_retention>},
    {.env = "PGBR_DUMP_RETENTION_DAYS",
     .flag = "--dump-retention-days",
     .metavar = "DAYS",
     .help = "dump runs older than this are removed after a successful run (the newest run is "
             "always kept); 0: no age limit",
     .apply = applyNumber<&Settings::dump_retention_days, 0, 36500>,
     .show = showNumber<&Settings::dump_retention_days>},
    {.env = "PGBR_ARCHIVE_ALERT_S",
     .flag = "--archive-alert-s",
     .metavar = "SECONDS",
     .help = "wal waiting longer than this to be archived makes archiving unhealthy",
     .apply = applySeconds<&Settings::archive_alert_age, 1, 604800>,
     .show = showSeconds<&Settings::archive_alert_age>},
    {.env = "PGBR_INFO_REFRESH_S",
     .flag = "--info-refresh-s",
     .metavar = "SECONDS",
     .help = "how often the cached `pgbackrest info` is refreshed",
     .apply = applySeconds<&Settings::info_refresh, 1, 86400>,
     .show = showSeconds<&Settings::info_refresh>},

    // API
    {.env = "PGBR_API_LISTEN",
     .flag = "--api-listen",
     .metavar = "HOST:PORT",
     .help = "where the http api and dashboard listen (IPv4, [IPv6] or localhost)",
     .apply = applyListen,
     .show = showString<&Settings::api_listen>},
    {.env = "PGBR_API_TOKEN",
     .file_env = "PGBR_API_TOKEN_FILE",
     .file_flag = "--api-token-file",
     .metavar = "TOKEN",
     .help = "bearer token of the api, at least 16 characters",
     .default_text = "none: one is generated into the state directory",
     .empty = EmptyValue::kUnset,
     .secret = true,
     .apply = applyToken,
     .show = showString<&Settings::api_token>},
    {.env = "PGBR_API_AUTH",
     .flag = "--api-auth",
     .metavar = "token|none",
     .help = "none turns off authentication of the api",
     .apply = applyAuth,
     .show = showAuth},

    // State and logs
    {.env = "PGBR_STATE_DIR",
     .flag = "--state-dir",
     .metavar = "DIR",
     .help = "job history, logs, generated token and rendered pgbackrest.conf (absolute path)",
     .apply = applyAbsolutePath<&Settings::state_dir>,
     .show = showString<&Settings::state_dir>},
    {.env = "PGBR_LOG_FORMAT",
     .flag = "--log-format",
     .metavar = "text|json",
     .help = "format of the supervisor's own log lines",
     .apply = applyLogFormat,
     .show = showLogFormat},
    {.env = "PGBR_LOG_LEVEL",
     .flag = "--log-level",
     .metavar = "LEVEL",
     .help = "trace, debug, info, warn or error",
     .apply = applyLogLevel,
     .show = showString<&Settings::log_level>},
    {.env = "PGBR_LOG_MAX_BYTES",
     .flag = "--log-max-bytes",
     .metavar = "BYTES",
     .help = "rotate a child's log file at this size",
     .apply = applyNumber<&Settings::log_max_bytes, 4096, 1LL << 40>,
     .show = showNumber<&Settings::log_max_bytes>},
    {.env = "PGBR_LOG_KEEP",
     .flag = "--log-keep",
     .metavar = "N",
     .help = "rotated log files kept per child",
     .apply = applyNumber<&Settings::log_keep, 0, 100>,
     .show = showNumber<&Settings::log_keep>},
    {.env = "PGBR_JOB_HISTORY",
     .flag = "--job-history",
     .metavar = "N",
     .help = "finished jobs kept on disk with their logs",
     .apply = applyNumber<&Settings::job_history, 1, 100000>,
     .show = showNumber<&Settings::job_history>},
});

}  // namespace

std::span<const SettingSpec> settingTable() {
  // The bootstrap and notification rows live beside their parsers (replica_settings.cpp,
  // notify_settings.cpp); --help lists them after the rest.
  static const std::vector<SettingSpec> kAll = [] {
    std::vector<SettingSpec> all(kCoreSpecs.begin(), kCoreSpecs.end());
    const auto bootstrap = replicaSettingSpecs();
    all.insert(all.end(), bootstrap.begin(), bootstrap.end());
    const auto notify = notifySettingSpecs();
    all.insert(all.end(), notify.begin(), notify.end());
    return all;
  }();
  return kAll;
}

const SettingSpec* findSettingByEnv(std::string_view name) {
  for (const SettingSpec& spec : settingTable()) {
    if (spec.env == name || (!spec.file_env.empty() && spec.file_env == name)) return &spec;
  }
  return nullptr;
}

const SettingSpec* findSettingByFlag(std::string_view flag) {
  for (const SettingSpec& spec : settingTable()) {
    if ((!spec.flag.empty() && spec.flag == flag) ||
        (!spec.file_flag.empty() && spec.file_flag == flag)) {
      return &spec;
    }
  }
  return nullptr;
}

std::string defaultText(const SettingSpec& spec) {
  if (!spec.default_text.empty()) return std::string(spec.default_text);
  const std::string value = spec.show(Settings{});
  return value.empty() ? "none" : value;
}

}  // namespace pgbr
