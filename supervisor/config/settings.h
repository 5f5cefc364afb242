// The supervisor's whole configuration as one validated value. config/ builds it from the
// environment (POSTGRES_*, PGDATA, PGBACKREST_*, PGBR_*), command-line flags and _FILE secrets;
// everything else only reads it. Secrets are held here but never logged or served: redacted()
// in config/config.h gives the copy that may be shown.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pgbr {

enum class LogFormat { kText, kJson };
enum class AuthMode { kToken, kNone };

// Settings of the stock postgres image (same names, same meaning).
struct PostgresInitSettings {
  std::string user = "postgres";                   // POSTGRES_USER
  std::string password;                            // POSTGRES_PASSWORD or _FILE (secret)
  std::string db;                                  // POSTGRES_DB, default: user
  std::string initdb_args;                         // POSTGRES_INITDB_ARGS, split like shell words
  std::string initdb_waldir;                       // POSTGRES_INITDB_WALDIR
  std::string host_auth_method = "scram-sha-256";  // POSTGRES_HOST_AUTH_METHOD
  std::string initdb_dir = "/docker-entrypoint-initdb.d";  // PGBR_INITDB_DIR / --initdb-dir
  // A role standbys stream with, created at initdb with a pg_hba.conf rule for replication
  // connections (config/replica_settings.h checks them together).
  std::string replication_user;      // POSTGRES_REPLICATION_USER
  std::string replication_password;  // POSTGRES_REPLICATION_PASSWORD or _FILE (secret)
};

// Notifications (supervisor/notify/): where alerts go. Nothing is sent when no webhook URL and
// no SMTP URL is set. Checked together in config/notify_settings.h.
struct NotifySettings {
  // PGBR_NOTIFY_WEBHOOK_URLS or _FILE (secret): as given, each optionally prefixed with its
  // format ("slack+https://...", "discord+https://...", "json+https://...").
  std::vector<std::string> webhook_urls;
  std::string webhook_format = "json";  // PGBR_NOTIFY_WEBHOOK_FORMAT: for unprefixed URLs
  std::string webhook_secret;           // PGBR_NOTIFY_WEBHOOK_SECRET or _FILE (secret)
  std::string smtp_url;                 // PGBR_NOTIFY_SMTP_URL: smtp://host[:port] or smtps://
  std::string smtp_user;                // PGBR_NOTIFY_SMTP_USER
  std::string smtp_password;            // PGBR_NOTIFY_SMTP_PASSWORD or _FILE (secret)
  std::string email_from;               // PGBR_NOTIFY_EMAIL_FROM
  std::vector<std::string> email_to;    // PGBR_NOTIFY_EMAIL_TO
  std::string ca_file;                  // PGBR_NOTIFY_CA_FILE: CA bundle for private endpoints
  // PGBR_NOTIFY_EVENTS: which notifications are sent.
  bool events_failures = true;  // a job failed
  bool events_alerts = true;    // conditions: archiving stuck, WAL backlog, overdue, ...
  bool events_success = false;  // a job succeeded
  int retry_hours = 24;         // PGBR_NOTIFY_RETRY_HOURS: give a delivery up after this
  // Alert thresholds.
  int archive_stuck_s = 180;  // PGBR_NOTIFY_ARCHIVE_STUCK_S: oldest WAL waiting to archive
  int wal_min_free_pct = 10;  // PGBR_NOTIFY_WAL_MIN_FREE_PCT: of pg_wal's file system
  int wal_fill_minutes = 60;  // PGBR_NOTIFY_WAL_FILL_MINUTES: full within this at the rate seen
  int overdue_minutes = 60;   // PGBR_NOTIFY_OVERDUE_MINUTES: past a scheduled run's time
  int standby_s = 120;        // PGBR_NOTIFY_STANDBY_S: a standby not streaming for this long
};

// Bootstrap from the repository (supervisor/replica/bootstrap.h): what an empty data directory
// is filled with. Checked together in config/replica_settings.h.
struct BootstrapSettings {
  bool restore = false;  // PGBR_BOOTSTRAP=restore; initdb (the default) otherwise
  std::string stanza;    // PGBR_BOOTSTRAP_STANZA: where to restore from; empty: PGBR_STANZA
  // PGBR_BOOTSTRAP_TYPE: latest (the newest backup to the end of the archive), set, time, lsn,
  // xid, name or immediate, with PGBR_BOOTSTRAP_TARGET / PGBR_BOOTSTRAP_SET as the restore API.
  std::string type = "latest";
  std::string target;  // PGBR_BOOTSTRAP_TARGET
  std::string set;     // PGBR_BOOTSTRAP_SET: a backup label
  // PGBR_STANDBY_PRIMARY=host:port: a streaming standby of that primary. An empty data directory
  // is restored from PGBR_STANZA's newest backup with pgBackRest's --type=standby.
  std::string standby_host;  // empty: not a standby
  int standby_port = 0;
};

struct Settings {
  // Postgres
  std::string pgdata = "/var/lib/postgresql/data";       // PGDATA / --pgdata
  std::string pg_bindir = "/usr/lib/postgresql/15/bin";  // PGBR_PG_BINDIR / --pg-bindir
  int pg_port = 5432;                                    // from -c port=/-p, else PGPORT, else 5432
  // Postgres' listen_addresses: PGBR_PG_LISTEN / --pg-listen, unless -h or -c listen_addresses=
  // is among the postgres arguments. Local only by default on a plain machine; the image sets
  // '*' as the stock image does. "" means the Unix socket only.
  std::string pg_listen = "localhost";
  // From -c unix_socket_directories= or -k (the first entry); "" when set empty: no Unix
  // socket, connect over TCP.
  std::string pg_socket_dir = "/var/run/postgresql";
  std::vector<std::string> postgres_args;  // everything after `postgres` on the command line
  PostgresInitSettings init;

  // Process supervision
  std::string run_as_user = "postgres";        // PGBR_USER / --user (used when started as root)
  int restart_limit = 5;                       // PGBR_RESTART_LIMIT: quick exits before FATAL
  std::chrono::seconds quick_exit_window{30};  // PGBR_QUICK_EXIT_S: a shorter run is "quick"
  std::chrono::seconds backoff_max{30};        // PGBR_BACKOFF_MAX_S
  std::chrono::seconds stop_timeout{8};        // PGBR_STOP_TIMEOUT_S: fast, then immediate
  std::chrono::seconds start_timeout{300};     // PGBR_START_TIMEOUT_S: starting -> ready
                                               // (crash recovery may be long)

  // pgBackRest
  std::string stanza = "main";                // PGBR_STANZA / --stanza
  std::string pgbackrest_bin = "pgbackrest";  // PGBR_PGBACKREST_BIN
  // PGBACKREST_CONFIG if set, else <state_dir>/pgbackrest.conf (rendered by the supervisor).
  std::string pgbackrest_config;
  bool pgbackrest_config_rendered = true;  // false when the user supplied PGBACKREST_CONFIG
  // Every PGBACKREST_* variable (values may be secret).
  std::map<std::string, std::string> pgbackrest_env;
  // PGBR_DUMP_REPO / --dump-repo: the pgBackRest repository (repoN) logical dumps are kept in.
  int dump_repo = 1;

  // Schedule (5-field cron or @macro; empty disables)
  std::string schedule_full = "@weekly";        // PGBR_SCHEDULE_FULL
  std::string schedule_diff = "@daily";         // PGBR_SCHEDULE_DIFF
  std::string schedule_incr = "@hourly";        // PGBR_SCHEDULE_INCR
  std::chrono::seconds archive_alert_age{300};  // PGBR_ARCHIVE_ALERT_S: oldest waiting WAL
                                                // older than this -> unhealthy
  std::chrono::seconds info_refresh{60};        // PGBR_INFO_REFRESH_S

  // Restore drill (supervisor/drill/)
  std::string schedule_drill = "30 4 * * 0";  // PGBR_SCHEDULE_DRILL: weekly, after the full
  bool drill_after_full = false;              // PGBR_DRILL_AFTER_FULL: a drill after each full
  std::string drill_dir;                      // PGBR_DRILL_DIR; empty: <state_dir>/drill

  // Logical dumps (supervisor/dumps/)
  std::string schedule_dump = "30 2 * * *";  // PGBR_SCHEDULE_DUMP: daily, between the nightly
                                             // hourly backups and the weekly drill
  std::vector<std::string> dump_databases;   // PGBR_DUMP_DATABASES; empty: every database
  int dump_retention = 7;                    // PGBR_DUMP_RETENTION: runs kept; 0: no limit
  int dump_retention_days = 0;               // PGBR_DUMP_RETENTION_DAYS: 0: no age limit

  // API
  std::string api_listen = "127.0.0.1:5000";  // PGBR_API_LISTEN / --api-listen
  std::string api_token;                      // PGBR_API_TOKEN or _FILE (secret)
  AuthMode api_auth = AuthMode::kToken;       // PGBR_API_AUTH=token|none

  NotifySettings notify;
  BootstrapSettings bootstrap;

  // State and logs
  std::string state_dir = "/var/lib/pgbr-supervisor";  // PGBR_STATE_DIR
  LogFormat log_format = LogFormat::kText;             // PGBR_LOG_FORMAT=text|json
  std::string log_level = "info";                      // PGBR_LOG_LEVEL
  uint64_t log_max_bytes = 10 * 1024 * 1024;  // PGBR_LOG_MAX_BYTES: rotate child logs at this size
  int log_keep = 3;                           // PGBR_LOG_KEEP
  int job_history = 200;                      // PGBR_JOB_HISTORY: jobs kept on disk

  // Where each value came from, by variable name ("PGBR_STANZA"): "default", "env", "file" (its
  // _FILE form), "flag" or "postgres args". Shown next to the values in the configuration dump.
  std::map<std::string, std::string> sources;
};

}  // namespace pgbr
