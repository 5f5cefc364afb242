// Loading settings from the environment, flags and _FILE secrets: defaults, every variable and
// flag, precedence, and every way a value is refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "supervisor/config/pg_bindir.h"
#include "supervisor/config/setting_table.h"
#include "tests/unit/config/config_test_support.h"

namespace pgbr::testing {
namespace {

using std::chrono::seconds;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

using LoadTest = ConfigFixture;

TEST_F(LoadTest, DefaultsWithAnEmptyEnvironment) {
  const Invocation invocation = load();
  EXPECT_EQ(invocation.command, Command::kRun);
  EXPECT_TRUE(invocation.exec_argv.empty());
  EXPECT_TRUE(invocation.notes.empty());
  const Settings& s = invocation.settings;
  EXPECT_EQ(s.pgdata, "/var/lib/postgresql/data");
  // The machine's own PostgreSQL (pg_bindir_test.cpp tests the choice), 15's path without one.
  EXPECT_EQ(s.pg_bindir,
            choosePgBindir(dataDirectoryMajor(s.pgdata), "", installedPgMajors(kDebianPgRoot),
                           kDebianPgRoot, "/usr/lib/postgresql/15/bin"));
  EXPECT_EQ(s.pg_port, 5432);
  EXPECT_EQ(s.pg_listen, "localhost");  // a plain machine: not reachable from the network
  EXPECT_EQ(s.pg_socket_dir, "/var/run/postgresql");
  EXPECT_TRUE(s.postgres_args.empty());
  EXPECT_EQ(s.init.user, "postgres");
  EXPECT_EQ(s.init.password, "");
  EXPECT_EQ(s.init.db, "postgres");
  EXPECT_EQ(s.init.initdb_args, "");
  EXPECT_EQ(s.init.initdb_waldir, "");
  EXPECT_EQ(s.init.host_auth_method, "scram-sha-256");
  EXPECT_EQ(s.init.initdb_dir, "/docker-entrypoint-initdb.d");
  EXPECT_EQ(s.run_as_user, "postgres");
  EXPECT_EQ(s.restart_limit, 5);
  EXPECT_EQ(s.quick_exit_window, seconds(30));
  EXPECT_EQ(s.backoff_max, seconds(30));
  EXPECT_EQ(s.stop_timeout, seconds(8));
  EXPECT_EQ(s.start_timeout, seconds(300));
  EXPECT_EQ(s.stanza, "main");
  EXPECT_EQ(s.pgbackrest_bin, "pgbackrest");
  EXPECT_EQ(s.pgbackrest_config, "/var/lib/pgbr-supervisor/pgbackrest.conf");
  EXPECT_TRUE(s.pgbackrest_config_rendered);
  EXPECT_TRUE(s.pgbackrest_env.empty());
  EXPECT_EQ(s.schedule_full, "@weekly");
  EXPECT_EQ(s.schedule_diff, "@daily");
  EXPECT_EQ(s.schedule_incr, "@hourly");
  EXPECT_EQ(s.archive_alert_age, seconds(300));
  EXPECT_EQ(s.info_refresh, seconds(60));
  EXPECT_EQ(s.api_listen, "127.0.0.1:5000");
  EXPECT_EQ(s.api_token, "");
  EXPECT_EQ(s.api_auth, AuthMode::kToken);
  EXPECT_EQ(s.state_dir, "/var/lib/pgbr-supervisor");
  EXPECT_EQ(s.log_format, LogFormat::kText);
  EXPECT_EQ(s.log_level, "info");
  EXPECT_EQ(s.log_max_bytes, 10u * 1024 * 1024);
  EXPECT_EQ(s.log_keep, 3);
  EXPECT_EQ(s.job_history, 200);
  EXPECT_EQ(s.dump_repo, 1);
  for (const SettingSpec& spec : settingTable()) {
    EXPECT_EQ(s.sources.at(std::string(spec.env)), "default") << spec.env;
  }
}

// A value for every row of the table that differs from its default, and what show() must give
// back. A row added to the table without a line here fails EveryRowHasASample.
const std::map<std::string, std::pair<std::string, std::string>>& samples() {
  static const std::map<std::string, std::pair<std::string, std::string>> kSamples = {
      {"PGDATA", {"/data/pg", "/data/pg"}},
      {"PGBR_PG_BINDIR", {"/opt/pg/bin", "/opt/pg/bin"}},
      {"PGBR_PG_LISTEN", {"*", "*"}},
      {"PGPORT", {"6543", "6543"}},
      {"POSTGRES_PASSWORD", {"s3cret-password", "s3cret-password"}},
      {"POSTGRES_USER", {"alice", "alice"}},
      {"POSTGRES_DB", {"shop", "shop"}},
      {"POSTGRES_INITDB_ARGS", {"--data-checksums -E UTF8", "--data-checksums -E UTF8"}},
      {"POSTGRES_INITDB_WALDIR", {"/wal", "/wal"}},
      {"POSTGRES_HOST_AUTH_METHOD", {"md5", "md5"}},
      {"PGBR_INITDB_DIR", {"/init.d", "/init.d"}},
      {"PGBR_USER", {"pgsvc", "pgsvc"}},
      {"PGBR_RESTART_LIMIT", {"9", "9"}},
      {"PGBR_QUICK_EXIT_S", {"45", "45"}},
      {"PGBR_BACKOFF_MAX_S", {"120", "120"}},
      {"PGBR_STOP_TIMEOUT_S", {"5", "5"}},
      {"PGBR_START_TIMEOUT_S", {"900", "900"}},
      {"PGBR_STANZA", {"prod-db_1.x", "prod-db_1.x"}},
      {"PGBR_PGBACKREST_BIN", {"/usr/local/bin/pgbackrest", "/usr/local/bin/pgbackrest"}},
      {"PGBR_DUMP_REPO", {"2", "2"}},
      {"PGBR_SCHEDULE_FULL", {"0 3 * * SUN", "0 3 * * SUN"}},
      {"PGBR_SCHEDULE_DIFF", {"30 2 * * MON-SAT", "30 2 * * MON-SAT"}},
      {"PGBR_SCHEDULE_INCR", {"*/15 * * * *", "*/15 * * * *"}},
      {"PGBR_SCHEDULE_DRILL", {"@daily", "@daily"}},
      {"PGBR_DRILL_AFTER_FULL", {"yes", "on"}},
      {"PGBR_DRILL_DIR", {"/scratch/drill", "/scratch/drill"}},
      {"PGBR_SCHEDULE_DUMP", {"0 1 * * *", "0 1 * * *"}},
      {"PGBR_DUMP_DATABASES", {" app , My Db ,x", "app,My Db,x"}},
      {"PGBR_DUMP_RETENTION", {"3", "3"}},
      {"PGBR_DUMP_RETENTION_DAYS", {"30", "30"}},
      {"PGBR_ARCHIVE_ALERT_S", {"600", "600"}},
      {"PGBR_INFO_REFRESH_S", {"30", "30"}},
      {"PGBR_API_LISTEN", {"0.0.0.0:8080", "0.0.0.0:8080"}},
      {"PGBR_API_TOKEN", {"0123456789abcdef-token", "0123456789abcdef-token"}},
      {"PGBR_API_AUTH", {"none", "none"}},
      {"PGBR_STATE_DIR", {"/state", "/state"}},
      {"PGBR_LOG_FORMAT", {"json", "json"}},
      {"PGBR_LOG_LEVEL", {"debug", "debug"}},
      {"PGBR_LOG_MAX_BYTES", {"1048576", "1048576"}},
      {"PGBR_LOG_KEEP", {"0", "0"}},
      {"PGBR_JOB_HISTORY", {"50", "50"}},
      {"PGBR_NOTIFY_WEBHOOK_URLS",
       {"https://a.example.com/h/1, slack+https://hooks.slack.com/x",
        "https://a.example.com/h/1,slack+https://hooks.slack.com/x"}},
      {"PGBR_NOTIFY_WEBHOOK_FORMAT", {"discord", "discord"}},
      {"PGBR_NOTIFY_WEBHOOK_SECRET", {"whsec-0123", "whsec-0123"}},
      {"PGBR_NOTIFY_SMTP_URL", {"smtps://mail.example.com:465", "smtps://mail.example.com:465"}},
      {"PGBR_NOTIFY_SMTP_USER", {"alerts", "alerts"}},
      {"PGBR_NOTIFY_SMTP_PASSWORD", {"mail-pa55", "mail-pa55"}},
      {"PGBR_NOTIFY_EMAIL_FROM", {"pgbr <pgbr@example.com>", "pgbr <pgbr@example.com>"}},
      {"PGBR_NOTIFY_EMAIL_TO",
       {"ops@example.com dba@example.com", "ops@example.com,dba@example.com"}},
      {"PGBR_NOTIFY_CA_FILE", {"/etc/ssl/private-ca.pem", "/etc/ssl/private-ca.pem"}},
      {"PGBR_NOTIFY_EVENTS", {"all", "failures,alerts,success"}},
      {"PGBR_NOTIFY_RETRY_HOURS", {"48", "48"}},
      {"PGBR_NOTIFY_ARCHIVE_STUCK_S", {"90", "90"}},
      {"PGBR_NOTIFY_WAL_MIN_FREE_PCT", {"15", "15"}},
      {"PGBR_NOTIFY_WAL_FILL_MINUTES", {"30", "30"}},
      {"PGBR_NOTIFY_OVERDUE_MINUTES", {"120", "120"}},
      {"PGBR_NOTIFY_STANDBY_S", {"300", "300"}},
      {"POSTGRES_REPLICATION_USER", {"replicator", "replicator"}},
      {"POSTGRES_REPLICATION_PASSWORD", {"repl-secret", "repl-secret"}},
      {"PGBR_BOOTSTRAP", {"restore", "restore"}},
      {"PGBR_BOOTSTRAP_STANZA", {"prod", "prod"}},
      {"PGBR_BOOTSTRAP_TYPE", {"immediate", "immediate"}},
      {"PGBR_BOOTSTRAP_TARGET", {"before-migration", "before-migration"}},
      {"PGBR_BOOTSTRAP_SET", {"20261201-010203F", "20261201-010203F"}},
      {"PGBR_STANDBY_PRIMARY", {"pgbr-primary-0.pgbr", "pgbr-primary-0.pgbr:5432"}},
  };
  return kSamples;
}

// The e-mail settings are only accepted together (notify_settings.h), the replication user and
// password too, and the bootstrap ones only with PGBR_BOOTSTRAP=restore (replica_settings.h): a
// test that sets one of them alone also sets what it needs.
void addCompanions(MapEnvironment& env, const std::string& name) {
  const std::map<std::string, std::string> kMail = {
      {"PGBR_NOTIFY_SMTP_URL", "smtp://mail.example.com:587"},
      {"PGBR_NOTIFY_SMTP_USER", "user"},
      {"PGBR_NOTIFY_SMTP_PASSWORD", "password"},
      {"PGBR_NOTIFY_EMAIL_FROM", "a@example.com"},
      {"PGBR_NOTIFY_EMAIL_TO", "b@example.com"},
  };
  if (kMail.contains(name))
    for (const auto& [other, value] : kMail)
      if (other != name) env.set(other, value);
  // The PGBR_BOOTSTRAP_* settings only apply with PGBR_BOOTSTRAP=restore; a target needs a type
  // that takes one.
  if (name.starts_with("PGBR_BOOTSTRAP_")) env.set("PGBR_BOOTSTRAP", "restore");
  if (name == "PGBR_BOOTSTRAP_TARGET") env.set("PGBR_BOOTSTRAP_TYPE", "name");
  if (name == "POSTGRES_REPLICATION_USER") env.set("POSTGRES_REPLICATION_PASSWORD", "pw");
  if (name == "POSTGRES_REPLICATION_PASSWORD") env.set("POSTGRES_REPLICATION_USER", "replicator");
  if (name == "PGBR_STANDBY_PRIMARY") {
    env.set("POSTGRES_REPLICATION_USER", "replicator");
    env.set("POSTGRES_REPLICATION_PASSWORD", "pw");
  }
}

TEST(SettingTableTest, EveryRowHasASample) {
  std::set<std::string> rows;
  for (const SettingSpec& spec : settingTable()) {
    rows.insert(std::string(spec.env));
    EXPECT_TRUE(samples().contains(std::string(spec.env))) << spec.env << " has no sample";
    EXPECT_NE(samples().at(std::string(spec.env)).first, spec.show(Settings{}))
        << spec.env << ": the sample must differ from the default to prove it was applied";
  }
  EXPECT_EQ(rows.size(), samples().size());
}

TEST_F(LoadTest, EveryVariableIsRead) {
  for (const SettingSpec& spec : settingTable()) {
    MapEnvironment one;
    addCompanions(one, std::string(spec.env));
    one.set(std::string(spec.env), samples().at(std::string(spec.env)).first);
    const Settings s = loadInvocation({}, one, files).settings;
    EXPECT_EQ(spec.show(s), samples().at(std::string(spec.env)).second) << spec.env;
    EXPECT_EQ(s.sources.at(std::string(spec.env)), "env") << spec.env;
  }
}

TEST_F(LoadTest, EveryFlagIsReadInBothSpellings) {
  for (const SettingSpec& spec : settingTable()) {
    if (spec.flag.empty()) continue;
    env = MapEnvironment();
    addCompanions(env, std::string(spec.env));
    const auto& [value, shown] = samples().at(std::string(spec.env));
    const Settings joined = settings({std::string(spec.flag) + "=" + value});
    EXPECT_EQ(spec.show(joined), shown) << spec.flag;
    EXPECT_EQ(joined.sources.at(std::string(spec.env)), "flag") << spec.flag;
    const Settings apart = settings({std::string(spec.flag), value});
    EXPECT_EQ(spec.show(apart), shown) << spec.flag;
  }
}

TEST_F(LoadTest, EveryFlagBeatsItsVariable) {
  for (const SettingSpec& spec : settingTable()) {
    if (spec.flag.empty()) continue;
    MapEnvironment both;
    both.set(std::string(spec.env), samples().at(std::string(spec.env)).first);
    const std::string default_value = spec.show(Settings{});
    if (default_value.empty()) continue;  // nothing to set the flag to that is not the sample
    const Settings s =
        loadInvocation({std::string(spec.flag) + "=" + default_value}, both, files).settings;
    EXPECT_EQ(spec.show(s), default_value) << spec.flag;
    EXPECT_EQ(s.sources.at(std::string(spec.env)), "flag") << spec.flag;
  }
}

TEST_F(LoadTest, TypedFieldsGetTheirValues) {
  env.set("PGBR_QUICK_EXIT_S", "45");
  env.set("PGBR_BACKOFF_MAX_S", "120");
  env.set("PGBR_STOP_TIMEOUT_S", "5");
  env.set("PGBR_START_TIMEOUT_S", "900");
  env.set("PGBR_ARCHIVE_ALERT_S", "600");
  env.set("PGBR_INFO_REFRESH_S", "30");
  env.set("PGBR_LOG_MAX_BYTES", "1099511627776");
  env.set("PGBR_LOG_FORMAT", "json");
  env.set("PGBR_API_AUTH", "none");
  env.set("PGBR_RESTART_LIMIT", "0");
  env.set("PGPORT", "6543");
  const Settings s = settings();
  EXPECT_EQ(s.quick_exit_window, seconds(45));
  EXPECT_EQ(s.backoff_max, seconds(120));
  EXPECT_EQ(s.stop_timeout, seconds(5));
  EXPECT_EQ(s.start_timeout, seconds(900));
  EXPECT_EQ(s.archive_alert_age, seconds(600));
  EXPECT_EQ(s.info_refresh, seconds(30));
  EXPECT_EQ(s.log_max_bytes, 1ull << 40);
  EXPECT_EQ(s.log_format, LogFormat::kJson);
  EXPECT_EQ(s.api_auth, AuthMode::kNone);
  EXPECT_EQ(s.restart_limit, 0);
  EXPECT_EQ(s.pg_port, 6543);
}

TEST_F(LoadTest, PostgresVariablesLikeTheStockImage) {
  env.set("POSTGRES_USER", "alice");
  EXPECT_EQ(settings().init.db, "alice") << "the database is named after the user by default";
  env.set("POSTGRES_DB", "shop");
  EXPECT_EQ(settings().init.db, "shop");
  env.set("POSTGRES_USER", "");
  EXPECT_EQ(settings().init.user, "postgres") << "an empty variable counts as unset";
  env.set("POSTGRES_HOST_AUTH_METHOD", "trust");
  EXPECT_EQ(settings().init.host_auth_method, "trust");
  env.set("POSTGRES_HOST_AUTH_METHOD", "ldap ldapserver=ldap.example.net");
  EXPECT_EQ(settings().init.host_auth_method, "ldap ldapserver=ldap.example.net");
}

TEST_F(LoadTest, EmptyScheduleDisablesIt) {
  env.set("PGBR_SCHEDULE_DIFF", "");
  EXPECT_EQ(settings().schedule_diff, "");
  EXPECT_EQ(settings({"--schedule-incr="}).schedule_incr, "");
  EXPECT_EQ(settings({"--schedule-full", ""}).schedule_full, "");
}

TEST_F(LoadTest, LastFlagWins) {
  EXPECT_EQ(settings({"--stanza=a", "--stanza", "b"}).stanza, "b");
}

TEST_F(LoadTest, FlagsAfterHealthcheckAndBeforeIt) {
  const Invocation invocation = load({"--stanza=a", "healthcheck", "--api-listen", "[::1]:7000"});
  EXPECT_EQ(invocation.command, Command::kHealthcheck);
  EXPECT_EQ(invocation.settings.stanza, "a");
  EXPECT_EQ(invocation.settings.api_listen, "[::1]:7000");
}

// --- _FILE forms -------------------------------------------------------------------------------

struct FileCase {
  std::string env;
  std::string (*field)(const Settings&);
};

TEST_F(LoadTest, EveryFileFormIsReadWithTrailingNewlinesDropped) {
  const std::vector<FileCase> cases = {
      {"POSTGRES_PASSWORD", [](const Settings& s) { return s.init.password; }},
      {"POSTGRES_USER", [](const Settings& s) { return s.init.user; }},
      {"POSTGRES_DB", [](const Settings& s) { return s.init.db; }},
      {"POSTGRES_INITDB_ARGS", [](const Settings& s) { return s.init.initdb_args; }},
      {"PGBR_API_TOKEN", [](const Settings& s) { return s.api_token; }},
      {"PGBR_NOTIFY_WEBHOOK_URLS",
       [](const Settings& s) {
         std::string out;
         for (const auto& url : s.notify.webhook_urls) out += (out.empty() ? "" : ", ") + url;
         return out;
       }},
      {"PGBR_NOTIFY_WEBHOOK_SECRET", [](const Settings& s) { return s.notify.webhook_secret; }},
      {"PGBR_NOTIFY_SMTP_PASSWORD", [](const Settings& s) { return s.notify.smtp_password; }},
      {"POSTGRES_REPLICATION_USER", [](const Settings& s) { return s.init.replication_user; }},
      {"POSTGRES_REPLICATION_PASSWORD",
       [](const Settings& s) { return s.init.replication_password; }},
  };
  std::set<std::string> covered;
  for (const FileCase& c : cases) {
    const std::string value = samples().at(c.env).first;
    MapEnvironment one;
    addCompanions(one, c.env);
    one.set(c.env + "_FILE", "/run/secrets/" + c.env);
    files.add("/run/secrets/" + c.env, value + "\n\n");
    const Settings s = loadInvocation({}, one, files).settings;
    EXPECT_EQ(c.field(s), value) << c.env;
    EXPECT_EQ(s.sources.at(c.env), "file") << c.env;
    covered.insert(c.env);
  }
  // Every row with a _FILE form is in the list above, and the stock image's four are among them.
  for (const SettingSpec& spec : settingTable()) {
    if (!spec.file_env.empty()) {
      EXPECT_TRUE(covered.contains(std::string(spec.env))) << spec.env;
    }
  }
  EXPECT_EQ(covered.size(), 10u);
}

TEST_F(LoadTest, FileKeepsInnerNewlinesAndTrailingSpaces) {
  env.set("POSTGRES_INITDB_ARGS_FILE", "/args");
  files.add("/args", "--data-checksums\n-E UTF8 \n");
  EXPECT_EQ(settings().init.initdb_args, "--data-checksums\n-E UTF8 ");
}

TEST_F(LoadTest, ApiTokenFileFlag) {
  files.add("/t", "0123456789abcdef0123\n");
  env.set("PGBR_API_TOKEN", "from-the-environment-xyz");
  const Settings s = settings({"--api-token-file", "/t"});
  EXPECT_EQ(s.api_token, "0123456789abcdef0123") << "the flag wins over the variable";
  EXPECT_EQ(s.sources.at("PGBR_API_TOKEN"), "flag");
  EXPECT_EQ(settings({"--api-token-file=/t"}).api_token, "0123456789abcdef0123");
}

TEST_F(LoadTest, EmptyFileVariableCountsAsUnset) {
  env.set("POSTGRES_PASSWORD", "pw");
  env.set("POSTGRES_PASSWORD_FILE", "");
  EXPECT_EQ(settings().init.password, "pw");
}

TEST_F(LoadTest, BothValueAndFileIsAnError) {
  for (const char* name : {"POSTGRES_PASSWORD", "POSTGRES_USER", "POSTGRES_DB",
                           "POSTGRES_INITDB_ARGS", "PGBR_API_TOKEN"}) {
    MapEnvironment both;
    both.set(name, "0123456789abcdef-x");
    both.set(std::string(name) + "_FILE", "/x");
    files.add("/x", "0123456789abcdef-y");
    try {
      loadInvocation({}, both, files);
      ADD_FAILURE() << name << " was accepted";
    } catch (const ConfigError& e) {
      EXPECT_EQ(std::string(e.what()), "both " + std::string(name) + " and " + name +
                                           "_FILE are set; set only one of them");
    }
  }
}

TEST_F(LoadTest, UnreadableOrMissingFile) {
  env.set("POSTGRES_PASSWORD_FILE", "/run/secrets/missing");
  EXPECT_EQ(error(),
            "POSTGRES_PASSWORD_FILE: cannot read /run/secrets/missing: no such file or "
            "directory; mount the file there or fix the path");
  files.unreadable("/run/secrets/locked");
  env.set("POSTGRES_PASSWORD_FILE", "/run/secrets/locked");
  EXPECT_THAT(error(), HasSubstr("permission denied"));
  env.unset("POSTGRES_PASSWORD_FILE");
  EXPECT_THAT(error({"--api-token-file=/nope"}), StartsWith("--api-token-file: cannot read /nope"));
  EXPECT_EQ(error({"--api-token-file="}), "--api-token-file is empty; give the path of a file");
}

TEST_F(LoadTest, EmptySecretFileIsAnError) {
  env.set("PGBR_API_TOKEN_FILE", "/t");
  files.add("/t", "\n");
  EXPECT_EQ(error(), "PGBR_API_TOKEN_FILE: /t is empty; put the secret in that file");
}

// --- refused values ----------------------------------------------------------------------------

struct BadValue {
  std::string env;
  std::string value;
  std::string message;
};

TEST_F(LoadTest, BadValuesAreRefusedWithOneLine) {
  const std::vector<BadValue> cases = {
      {"PGBR_DUMP_REPO", "0",
       "PGBR_DUMP_REPO: \"0\" is out of range; set a whole number from 1 to 256"},
      {"PGBR_DUMP_REPO", "257",
       "PGBR_DUMP_REPO: \"257\" is out of range; set a whole number from 1 to 256"},
      {"PGBR_LOG_KEEP", "10x",
       "PGBR_LOG_KEEP: \"10x\" is not a whole number; set a whole number from 0 to 100"},
      {"PGBR_LOG_KEEP", "-1",
       "PGBR_LOG_KEEP: \"-1\" is negative; set a whole number from 0 to 100"},
      {"PGBR_LOG_KEEP", "101",
       "PGBR_LOG_KEEP: \"101\" is out of range; set a whole number from 0 to 100"},
      {"PGBR_LOG_KEEP", " 3",
       "PGBR_LOG_KEEP: \" 3\" is not a whole number; set a whole number "
       "from 0 to 100"},
      {"PGBR_LOG_KEEP", "+3",
       "PGBR_LOG_KEEP: \"+3\" is not a whole number; set a whole number "
       "from 0 to 100"},
      {"PGBR_JOB_HISTORY", "99999999999999999999999",
       "PGBR_JOB_HISTORY: \"99999999999999999999999\" is out of range; set a whole number from 1 "
       "to 100000"},
      {"PGBR_JOB_HISTORY", "0",
       "PGBR_JOB_HISTORY: \"0\" is out of range; set a whole number from 1 to 100000"},
      {"PGBR_STOP_TIMEOUT_S", "10s",
       "PGBR_STOP_TIMEOUT_S: \"10s\" is not a whole number; set a whole number of seconds from "
       "1 to 3600"},
      {"PGBR_QUICK_EXIT_S", "1.5",
       "PGBR_QUICK_EXIT_S: \"1.5\" is not a whole number; set a whole number of seconds from 1 "
       "to 86400"},
      {"PGBR_LOG_MAX_BYTES", "100",
       "PGBR_LOG_MAX_BYTES: \"100\" is out of range; set a whole number from 4096 to "
       "1099511627776"},
      {"PGPORT", "70000", "PGPORT: \"70000\" is out of range; set a whole number from 1 to 65535"},
      {"PGBR_LOG_FORMAT", "xml", "PGBR_LOG_FORMAT: \"xml\" is not a log format; use text or json"},
      {"PGBR_LOG_LEVEL", "verbose",
       "PGBR_LOG_LEVEL: \"verbose\" is not a log level; use trace, debug, info, warn or error"},
      {"PGBR_API_AUTH", "basic", "PGBR_API_AUTH: \"basic\" is not an auth mode; use token or none"},
      {"PGBR_STANZA", "my stanza",
       "PGBR_STANZA: \"my stanza\" is not a stanza name; use only letters, digits, '-', '_' and "
       "'.'"},
      {"PGBR_STANZA", "a/b",
       "PGBR_STANZA: \"a/b\" is not a stanza name; use only letters, digits, '-', '_' and '.'"},
      {"PGBR_USER", "bob:x",
       "PGBR_USER: \"bob:x\" is not a user name; use only letters, digits, '-', '_' and '.'"},
      {"PGBR_PG_LISTEN", "0.0.0.0:5432",
       "PGBR_PG_LISTEN: \"0.0.0.0:5432\" holds a port; listen addresses take none (set the port "
       "with PGPORT or postgres -c port=N)"},
      {"PGBR_PG_LISTEN", "a b",
       "PGBR_PG_LISTEN: \"a b\" is not a list of addresses; use localhost (this machine only), * "
       "(every address) or host names and IP addresses separated by commas"},
      {"PGBR_PG_LISTEN", "localhost,",
       "PGBR_PG_LISTEN: \"localhost,\" is not a list of addresses; use localhost (this machine "
       "only), * (every address) or host names and IP addresses separated by commas"},
      {"PGDATA", "data", "PGDATA: \"data\" is a relative path; use an absolute path"},
      {"PGBR_STATE_DIR", "./state",
       "PGBR_STATE_DIR: \"./state\" is a relative path; use an absolute path"},
      {"PGBR_PG_BINDIR", "bin", "PGBR_PG_BINDIR: \"bin\" is a relative path; use an absolute path"},
      {"PGBR_INITDB_DIR", "init",
       "PGBR_INITDB_DIR: \"init\" is a relative path; use an absolute path"},
      {"POSTGRES_INITDB_WALDIR", "wal",
       "POSTGRES_INITDB_WALDIR: \"wal\" is a relative path; use an absolute path"},
      {"PGBR_PGBACKREST_BIN", "bin/pgbackrest",
       "PGBR_PGBACKREST_BIN: \"bin/pgbackrest\" is a relative path; use an absolute path"},
      {"POSTGRES_HOST_AUTH_METHOD", "scram",
       "POSTGRES_HOST_AUTH_METHOD: \"scram\" is not a pg_hba.conf auth method; use "
       "scram-sha-256, md5, trust, reject, ..."},
      {"PGDATA", "",
       "PGDATA is empty; set a value or leave it unset for the default "
       "(/var/lib/postgresql/data)"},
      {"PGBR_STANZA", "",
       "PGBR_STANZA is empty; set a value or leave it unset for the default (main)"},
      {"PGBR_LOG_KEEP", "",
       "PGBR_LOG_KEEP is empty; set a value or leave it unset for the "
       "default (3)"},
  };
  for (const BadValue& c : cases) {
    MapEnvironment one;
    one.set(c.env, c.value);
    try {
      loadInvocation({}, one, files);
      ADD_FAILURE() << c.env << "=" << c.value << " was accepted";
    } catch (const ConfigError& e) {
      EXPECT_EQ(std::string(e.what()), c.message);
    }
  }
}

TEST_F(LoadTest, BadFlagValueNamesTheFlag) {
  EXPECT_EQ(error({"--log-keep=x"}),
            "--log-keep: \"x\" is not a whole number; set a whole number from 0 to 100");
  EXPECT_EQ(error({"--pgdata", "rel"}),
            "--pgdata: \"rel\" is a relative path; use an absolute path");
  EXPECT_EQ(error({"--stanza="}),
            "--stanza is empty; set a value or leave it unset for the default (main)");
}

TEST_F(LoadTest, BadListenAddress) {
  for (const char* bad : {"5000", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:x",
                          "::1:5000", "[::g]:5000", "example.com:5000", ":5000", "1.2.3:5000"}) {
    env.set("PGBR_API_LISTEN", bad);
    EXPECT_THAT(error(), StartsWith("PGBR_API_LISTEN: ")) << bad;
  }
  env.set("PGBR_API_LISTEN", "::1:5000");
  EXPECT_EQ(error(), "PGBR_API_LISTEN: IPv6 address \"::1\" needs brackets; write [::1]:5000");
}

TEST_F(LoadTest, BadScheduleNamesTheVariableAndTheField) {
  env.set("PGBR_SCHEDULE_FULL", "0 25 * * *");
  EXPECT_THAT(error(), StartsWith("PGBR_SCHEDULE_FULL: hour field: "));
  env.unset("PGBR_SCHEDULE_FULL");
  env.set("PGBR_SCHEDULE_INCR", "@reboot");
  EXPECT_THAT(error(), StartsWith("PGBR_SCHEDULE_INCR: "));
  EXPECT_THAT(error({"--schedule-diff=* * *"}), StartsWith("--schedule-diff: "));
}

TEST_F(LoadTest, ShortTokenIsRefusedWithoutEchoingIt) {
  env.set("PGBR_API_TOKEN", "hunter2");
  const std::string message = error();
  EXPECT_EQ(message,
            "PGBR_API_TOKEN: the token has 7 characters and a short token can be guessed; use at "
            "least 16, e.g. the output of `openssl rand -hex 32`");
  EXPECT_THAT(message, Not(HasSubstr("hunter2")));
  env.set("PGBR_API_TOKEN", "0123456789abcdef");
  EXPECT_EQ(settings().api_token, "0123456789abcdef") << "16 characters is enough";
  env.set("PGBR_API_TOKEN", "0123456789 abcdef");
  EXPECT_THAT(error(), HasSubstr("space, control or non-ascii character"));
}

TEST_F(LoadTest, AuthNoneWithATokenIsFineAndNoted) {
  env.set("PGBR_API_AUTH", "none");
  env.set("PGBR_API_TOKEN", "0123456789abcdef0123");
  const Invocation invocation = load();
  EXPECT_EQ(invocation.settings.api_auth, AuthMode::kNone);
  EXPECT_THAT(invocation.notes, ::testing::Contains(HasSubstr("token is set but not used")));
  for (const std::string& note : invocation.notes) {
    EXPECT_THAT(note, Not(HasSubstr("0123456789abcdef0123")));
  }
}

TEST_F(LoadTest, UnknownPgbrVariableNamesItAndTheNearest) {
  env.set("PGBR_STANZ", "x");
  EXPECT_EQ(error(),
            "unknown setting PGBR_STANZ; did you mean PGBR_STANZA? remove it or fix its name "
            "(pgbr-supervisor --help lists every PGBR_ variable)");
  env.unset("PGBR_STANZ");
  env.set("PGBR_SOMETHING_ELSE_ENTIRELY", "x");
  EXPECT_EQ(error(),
            "unknown setting PGBR_SOMETHING_ELSE_ENTIRELY; remove it or fix its name "
            "(pgbr-supervisor --help lists every PGBR_ variable)");
  env.unset("PGBR_SOMETHING_ELSE_ENTIRELY");
  env.set("PGBR_API_TOKEN_FIEL", "/x");
  EXPECT_THAT(error(), HasSubstr("did you mean PGBR_API_TOKEN_FILE?"));
}

TEST_F(LoadTest, OtherPrefixesAreNotCheckedForTypos) {
  env.set("PGBRX", "1");
  env.set("POSTGRES_FOO", "1");
  env.set("HOME", "/root");
  EXPECT_EQ(settings().stanza, "main");
}

TEST_F(LoadTest, UnknownFlagNamesItAndTheNearest) {
  EXPECT_EQ(error({"--stanz=x"}),
            "unknown flag --stanz; did you mean --stanza? a postgres option goes after the "
            "command, as in `pgbr-supervisor postgres -c name=value`; see --help");
  EXPECT_THAT(error({"--shared_buffers=1GB"}), StartsWith("unknown flag --shared_buffers; a "));
}

TEST_F(LoadTest, ApiTokenFlagIsRefusedWithoutEchoingTheValue) {
  const std::string message = error({"--api-token=0123456789abcdef-secret"});
  EXPECT_THAT(message, StartsWith("there is no --api-token flag: a secret on a command line "
                                  "shows in ps"));
  EXPECT_THAT(message, Not(HasSubstr("0123456789abcdef-secret")));
}

TEST_F(LoadTest, FlagWithoutValue) {
  EXPECT_EQ(error({"--stanza"}), "--stanza needs a value: --stanza VALUE or --stanza=VALUE");
}

// --- PGBACKREST_* ------------------------------------------------------------------------------

TEST_F(LoadTest, DumpRepoFromVariableOrFlag) {
  EXPECT_EQ(settings().dump_repo, 1);
  env.set("PGBR_DUMP_REPO", "2");
  EXPECT_EQ(settings().dump_repo, 2);
  EXPECT_EQ(settings().sources.at("PGBR_DUMP_REPO"), "env");
  EXPECT_EQ(settings({"--dump-repo", "3"}).dump_repo, 3);
  EXPECT_EQ(error({"--dump-repo=x"}),
            "--dump-repo: \"x\" is not a whole number; set a whole number from 1 to 256");
}

TEST_F(LoadTest, PgbackrestVariablesAreCollected) {
  env.set("PGBACKREST_REPO1_TYPE", "s3");
  env.set("PGBACKREST_REPO1_S3_KEY_SECRET", "verysecret");
  env.set("PGBACKRESTX", "not ours");
  const Settings s = settings();
  EXPECT_EQ(s.pgbackrest_env,
            (std::map<std::string, std::string>{{"PGBACKREST_REPO1_TYPE", "s3"},
                                                {"PGBACKREST_REPO1_S3_KEY_SECRET", "verysecret"}}));
  EXPECT_TRUE(s.pgbackrest_config_rendered);
}

TEST_F(LoadTest, RenderedConfigFollowsTheStateDir) {
  env.set("PGBR_STATE_DIR", "/state");
  EXPECT_EQ(settings().pgbackrest_config, "/state/pgbackrest.conf");
  EXPECT_EQ(settings({"--state-dir=/other"}).pgbackrest_config, "/other/pgbackrest.conf");
}

TEST_F(LoadTest, UserConfigIsUsedAsIs) {
  env.set("PGBACKREST_CONFIG", "/etc/pgbackrest/mine.conf");
  const Settings s = settings();
  EXPECT_EQ(s.pgbackrest_config, "/etc/pgbackrest/mine.conf");
  EXPECT_FALSE(s.pgbackrest_config_rendered);
  env.set("PGBACKREST_CONFIG", "mine.conf");
  EXPECT_THAT(error(), StartsWith("PGBACKREST_CONFIG: \"mine.conf\" is a relative path"));
}

TEST_F(LoadTest, PgbackrestStanzaMustAgree) {
  env.set("PGBACKREST_STANZA", "main");
  EXPECT_EQ(settings().stanza, "main");
  env.set("PGBR_STANZA", "other");
  EXPECT_EQ(error(),
            "PGBACKREST_STANZA=main disagrees with PGBR_STANZA=other; set the stanza with "
            "PGBR_STANZA only");
}

}  // namespace
}  // namespace pgbr::testing
