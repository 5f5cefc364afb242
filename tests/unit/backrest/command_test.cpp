#include "supervisor/backrest/command.h"

#include <gtest/gtest.h>

namespace pgbr::backrest {
namespace {

CommandContext context() {
  CommandContext ctx;
  ctx.binary = "/usr/bin/pgbackrest";
  ctx.config_path = "/var/lib/pgbr-supervisor/pgbackrest.conf";
  ctx.stanza = "main";
  return ctx;
}

const Argv kHead = {"/usr/bin/pgbackrest", "--config=/var/lib/pgbr-supervisor/pgbackrest.conf",
                    "--stanza=main"};

Argv with(Argv tail) {
  Argv argv = kHead;
  argv.insert(argv.end(), tail.begin(), tail.end());
  return argv;
}

Argv restoreOk(const RestoreOptions& options) {
  std::string error;
  std::optional<Argv> argv = restoreCommand(context(), options, &error);
  EXPECT_TRUE(argv.has_value()) << error;
  return argv.value_or(Argv{});
}

std::string restoreError(const RestoreOptions& options) {
  std::string error;
  std::optional<Argv> argv = restoreCommand(context(), options, &error);
  EXPECT_FALSE(argv.has_value()) << (argv ? (*argv)[argv->size() - 2] : "");
  return error;
}

std::string backupError(const BackupOptions& options) {
  std::string error;
  std::optional<Argv> argv = backupCommand(context(), options, &error);
  EXPECT_FALSE(argv.has_value());
  return error;
}

// Every element after the binary is either a command word or glued "--option=value": a user
// value can never stand alone where pgBackRest would read it as an option or a command.
void expectOnlyGluedOptions(const Argv& argv) {
  ASSERT_GE(argv.size(), 2u);
  for (size_t i = 1; i + 1 < argv.size(); ++i) {
    EXPECT_EQ(argv[i].rfind("--", 0), 0u) << argv[i];
    EXPECT_NE(argv[i][2], '-') << argv[i];
  }
}

// ---------------------------------------------------------------------------------------------
// Simple commands.

TEST(Command, SimpleCommands) {
  std::string error;
  EXPECT_EQ(stanzaCreateCommand(context(), &error),
            with({"--log-level-console=info", "stanza-create"}));
  EXPECT_EQ(checkCommand(context(), &error), with({"--log-level-console=info", "check"}));
  EXPECT_EQ(expireCommand(context(), &error), with({"--log-level-console=info", "expire"}));
  EXPECT_EQ(verifyCommand(context(), &error), with({"--log-level-console=info", "verify"}));
  // info prints JSON on stdout: no console level that could add log lines to it.
  EXPECT_EQ(infoCommand(context(), &error), with({"--output=json", "info"}));
  EXPECT_EQ(expireCommand(context(), "20261122-015728F", &error),
            with({"--log-level-console=info", "--set=20261122-015728F", "expire"}));
  EXPECT_TRUE(error.empty());
}

TEST(Command, ContextExtrasAndDefaultConfig) {
  CommandContext ctx = context();
  ctx.config_path.clear();
  ctx.extra = {"--repo1-storage-verify-tls=n", "--io-timeout=5"};
  std::string error;
  EXPECT_EQ(checkCommand(ctx, &error),
            (Argv{"/usr/bin/pgbackrest", "--stanza=main", "--repo1-storage-verify-tls=n",
                  "--io-timeout=5", "--log-level-console=info", "check"}));
  CommandContext plain;
  plain.stanza = "demo";
  EXPECT_EQ(infoCommand(plain, &error),
            (Argv{"pgbackrest", "--stanza=demo", "--output=json", "info"}));
}

TEST(Command, ContextIsValidatedToo) {
  std::string error;
  CommandContext ctx = context();
  for (const char* stanza : {"", "-x", ".hidden", "a b", "main;rm", "ma\nin", "ünïcode"}) {
    ctx.stanza = stanza;
    EXPECT_FALSE(checkCommand(ctx, &error).has_value()) << stanza;
    EXPECT_EQ(
        error,
        "stanza must be 1 to 64 letters, digits, '_', '-' or '.', not starting with '-' or '.'");
  }
  ctx = context();
  ctx.config_path = "relative.conf";
  EXPECT_FALSE(checkCommand(ctx, &error).has_value());
  EXPECT_EQ(error, "pgbackrest config path must be an absolute path");
  ctx = context();
  ctx.binary = "";
  EXPECT_FALSE(checkCommand(ctx, &error).has_value());
  EXPECT_EQ(error, "pgbackrest binary path is invalid");
  for (const char* extra : {"delete", "-x", "---x", "--", "--a\nb"}) {
    ctx = context();
    ctx.extra = {extra};
    EXPECT_FALSE(checkCommand(ctx, &error).has_value()) << extra;
    EXPECT_EQ(error, "extra pgbackrest options must each be one complete --name=value element");
  }
}

// ---------------------------------------------------------------------------------------------
// Backup.

TEST(BackupCommand, TypesAndAnnotations) {
  std::string error;
  for (const char* type : {"full", "diff", "incr"}) {
    EXPECT_EQ(backupCommand(context(), BackupOptions{type, {}}, &error),
              with({"--log-level-console=detail", std::string("--type=") + type, "backup"}));
  }
  BackupOptions options{"full", {{"reason", "before upgrade"}, {"by", "api=v1"}}};
  std::optional<Argv> argv = backupCommand(context(), options, &error);
  // One element per annotation, in key order; '=' is allowed in the value.
  EXPECT_EQ(argv, with({"--log-level-console=detail", "--type=full", "--annotation=by=api=v1",
                        "--annotation=reason=before upgrade", "backup"}));
}

TEST(BackupCommand, RefusesBadTypes) {
  for (const char* type : {"", "FULL", "differential", "full ", "--type=full", "full;reboot"}) {
    EXPECT_EQ(backupError(BackupOptions{type, {}}), "backup type must be full, diff or incr")
        << type;
  }
}

TEST(BackupCommand, RefusesBadAnnotations) {
  EXPECT_EQ(backupError({"full", {{"", "x"}}}), "annotation key must not be empty");
  EXPECT_EQ(backupError({"full", {{"k", ""}}}), "annotation value must not be empty");
  EXPECT_EQ(backupError({"full", {{"a=b", "x"}}}), "annotation key must not contain '='");
  EXPECT_EQ(backupError({"full", {{"k\n", "x"}}}),
            "annotation key must not contain control characters or line breaks");
  EXPECT_EQ(backupError({"full", {{"k", "line\nbreak"}}}),
            "annotation value must not contain control characters or line breaks");
  EXPECT_EQ(backupError({"full", {{"k", std::string("nul\0here", 8)}}}),
            "annotation value must not contain control characters or line breaks");
  EXPECT_EQ(backupError({"full", {{std::string("k\0", 2), "x"}}}),
            "annotation key must not contain control characters or line breaks");
  EXPECT_EQ(backupError({"full", {{"k", "tab\there"}}}),
            "annotation value must not contain control characters or line breaks");
  EXPECT_EQ(backupError({"full", {{std::string(129, 'k'), "x"}}}),
            "annotation key must be at most 128 bytes");
  EXPECT_EQ(backupError({"full", {{"k", std::string(1025, 'v')}}}),
            "annotation value must be at most 1024 bytes");
  std::map<std::string, std::string> many;
  for (int i = 0; i < 33; ++i) many["k" + std::to_string(i)] = "v";
  EXPECT_EQ(backupError({"full", many}), "a backup takes at most 32 annotations");
}

TEST(BackupCommand, HostileAnnotationsStayInsideTheirElement) {
  std::string error;
  const BackupOptions options{
      "incr",
      {{"note", "; rm -rf /"}, {"--delete", "$(id)"}, {"x", "--delete"}, {"`id`", "' \" \\"}}};
  std::optional<Argv> argv = backupCommand(context(), options, &error);
  ASSERT_TRUE(argv.has_value()) << error;
  EXPECT_EQ(argv, with({"--log-level-console=detail", "--type=incr", "--annotation=--delete=$(id)",
                        "--annotation=`id`=' \" \\", "--annotation=note=; rm -rf /",
                        "--annotation=x=--delete", "backup"}));
  expectOnlyGluedOptions(*argv);
}

// ---------------------------------------------------------------------------------------------
// Restore.

TEST(RestoreCommand, DeltaToTheLatestBackup) {
  EXPECT_EQ(restoreOk({}), with({"--log-level-console=detail", "--delta", "restore"}));
}

TEST(RestoreCommand, ABackupSet) {
  RestoreOptions options;
  options.type = "set";
  options.set = "20261122-015728F_20261122-015738D";
  EXPECT_EQ(restoreOk(options), with({"--log-level-console=detail", "--delta",
                                      "--set=20261122-015728F_20261122-015738D", "restore"}));
}

TEST(RestoreCommand, PointInTimeTargets) {
  RestoreOptions options;
  options.type = "time";
  options.target = "2026-11-22 10:00:00+00";
  EXPECT_EQ(restoreOk(options),
            with({"--log-level-console=detail", "--delta", "--type=time",
                  "--target=2026-11-22 10:00:00+00", "--target-action=promote", "restore"}));

  options.target = "2026-11-22T10:00:00.123Z";  // RFC 3339, as the API speaks
  EXPECT_EQ(restoreOk(options).at(6), "--target=2026-11-22 10:00:00.123+00");
  // Any offset reaches pgBackRest as the same instant in UTC (target_time_test.cpp has them all).
  options.target = "2026-12-05 13:37:40.767967+05:30";
  EXPECT_EQ(restoreOk(options).at(6), "--target=2026-12-05 08:07:40.767967+00");
  options.target = "2026-12-05 08:07:40";  // no offset: refused, never read in local time
  std::string error;
  EXPECT_FALSE(restoreCommand(context(), options, &error).has_value());
  EXPECT_NE(error.find("no offset"), std::string::npos) << error;

  options.type = "lsn";
  options.target = "0/16B3748";
  options.target_action = "pause";
  options.set = "20261122-015728F";
  EXPECT_EQ(restoreOk(options),
            with({"--log-level-console=detail", "--delta", "--set=20261122-015728F", "--type=lsn",
                  "--target=0/16B3748", "--target-action=pause", "restore"}));

  options = RestoreOptions{};
  options.type = "xid";
  options.target = "1234567";
  EXPECT_EQ(restoreOk(options).at(6), "--target=1234567");

  options.type = "name";
  options.target = "before migration";
  EXPECT_EQ(restoreOk(options).at(6), "--target=before migration");

  options = RestoreOptions{};
  options.type = "immediate";
  EXPECT_EQ(restoreOk(options), with({"--log-level-console=detail", "--delta", "--type=immediate",
                                      "--target-action=promote", "restore"}));
}

TEST(RestoreCommand, EmptyTargetActionMeansPromote) {
  RestoreOptions options;
  options.type = "immediate";
  options.target_action = "";
  EXPECT_EQ(restoreOk(options).at(6), "--target-action=promote");
}

TEST(RestoreCommand, DatabaseSubset) {
  RestoreOptions options;
  options.db_include = {"app", "Reporting DB"};
  EXPECT_EQ(restoreOk(options), with({"--log-level-console=detail", "--delta", "--db-include=app",
                                      "--db-include=Reporting DB", "restore"}));
}

TEST(RestoreCommand, RefusesEveryBadField) {
  auto make = [](std::string type, std::string target) {
    RestoreOptions options;
    options.type = std::move(type);
    options.target = std::move(target);
    return options;
  };
  EXPECT_EQ(restoreError(make("pitr", "")),
            "restore type must be delta, set, time, lsn, xid, name or immediate");
  EXPECT_EQ(restoreError(make("default", "")),
            "restore type must be delta, set, time, lsn, xid, name or immediate");
  EXPECT_EQ(restoreError(make("set", "")), "restore type set needs a backup label in set");
  EXPECT_EQ(restoreError(make("time", "")), "restore type time needs a target");
  EXPECT_EQ(restoreError(make("delta", "0/1")), "restore type delta takes no target");
  EXPECT_EQ(restoreError(make("immediate", "0/1")), "restore type immediate takes no target");

  RestoreOptions bad_action = make("time", "2026-11-22 10:00:00+00");
  bad_action.target_action = "shutdown";
  EXPECT_EQ(restoreError(bad_action), "target_action must be promote or pause");

  RestoreOptions bad_set;
  bad_set.set = "latest";
  EXPECT_EQ(restoreError(bad_set),
            "backup label must look like 20261122-101500F or 20261122-101500F_20261123-101500D");
}

TEST(RestoreCommand, RefusesBadDatabaseLists) {
  RestoreOptions options;
  options.db_include = {"postgres"};
  EXPECT_EQ(restoreError(options),
            "db_include must not list postgres, template0 or template1: they are always restored");
  options.db_include = {""};
  EXPECT_EQ(restoreError(options), "db_include entries must not be empty");
  options.db_include = {"app\n"};
  EXPECT_EQ(restoreError(options), "db_include entries must not contain control characters");
  options.db_include = {std::string("a\0b", 3)};
  EXPECT_EQ(restoreError(options), "db_include entries must not contain control characters");
  options.db_include = {std::string(64, 'd')};
  EXPECT_EQ(restoreError(options), "db_include entries must be at most 63 bytes");
  options.db_include = {"app", "app"};
  EXPECT_EQ(restoreError(options), "db_include lists a database twice");
  options.db_include.assign(65, "x");
  for (size_t i = 0; i < options.db_include.size(); ++i) options.db_include[i] += std::to_string(i);
  EXPECT_EQ(restoreError(options), "db_include lists at most 64 databases");
}

TEST(RestoreCommand, HostileValuesNeverBecomeOptions) {
  // Accepted where the format allows them, always glued to their option.
  RestoreOptions name;
  name.type = "name";
  name.target = "--delete";
  Argv argv = restoreOk(name);
  EXPECT_EQ(argv.at(6), "--target=--delete");
  expectOnlyGluedOptions(argv);

  name.target = "; rm -rf /";
  argv = restoreOk(name);
  EXPECT_EQ(argv.at(6), "--target=; rm -rf /");
  expectOnlyGluedOptions(argv);

  name.target = "$(id)";
  EXPECT_EQ(restoreOk(name).at(6), "--target=$(id)");

  RestoreOptions db;
  db.db_include = {"--delete", "$(id)", "; rm -rf /"};
  argv = restoreOk(db);
  EXPECT_EQ(argv.at(5), "--db-include=--delete");
  expectOnlyGluedOptions(argv);

  // Refused where the format does not.
  for (const char* hostile : {"--delete", "; rm -rf /", "$(id)", "0/1\n--delete", "-1"}) {
    RestoreOptions lsn;
    lsn.type = "lsn";
    lsn.target = hostile;
    EXPECT_FALSE(restoreError(lsn).empty()) << hostile;
    RestoreOptions xid = lsn;
    xid.type = "xid";
    EXPECT_FALSE(restoreError(xid).empty()) << hostile;
    RestoreOptions time = lsn;
    time.type = "time";
    EXPECT_FALSE(restoreError(time).empty()) << hostile;
    RestoreOptions set;
    set.set = hostile;
    EXPECT_FALSE(restoreError(set).empty()) << hostile;
  }
  name.target = "before\nrecovery_target_action = 'shutdown'";
  EXPECT_EQ(restoreError(name),
            "restore target (name) must not contain control characters or line breaks");
}

// ---------------------------------------------------------------------------------------------
// Validators.

TEST(Validate, BackupLabels) {
  for (const char* good : {"20261122-015728F", "20261122-015728F_20261122-015738D",
                           "20261122-015728F_20261122-015743I", "20240229-235959F"}) {
    EXPECT_EQ(validateBackupLabel(good), "") << good;
  }
  for (const char* bad : {"",
                          "latest",
                          "20261122-015728",
                          "20261122-015728D",
                          "20261122-015728I",
                          "20261122-015728F_20261122-015738F",
                          "20261122-015728F_20261122-015738",
                          "2026112-015728F",
                          "20261122_015728F",
                          "20261322-015728F",
                          "20230229-120000F",
                          "20261122-245728F",
                          "20261122-015760F",
                          "20261122-015728f",
                          "20261122-015728F ",
                          " 20261122-015728F",
                          "20261122-015728F;rm",
                          "--set=20261122-015728F",
                          "20261122-015728F_20261122-015738Dx",
                          "2026112a-015728F"}) {
    EXPECT_EQ(validateBackupLabel(bad),
              "backup label must look like 20261122-101500F or 20261122-101500F_20261123-101500D")
        << bad;
  }
}

TEST(Validate, Lsn) {
  for (const char* good : {"0/0", "0/16B3748", "FFFFFFFF/FFFFFFFF", "a/b", "16/B374D848"}) {
    EXPECT_EQ(validateLsn(good), "") << good;
  }
  for (const char* bad :
       {"", "0", "/", "0/", "/0", "0/1/2", "G/1", "0x1/2", "0/ 1", "1FFFFFFFF/0", "0/-1", "-0/1"}) {
    EXPECT_EQ(
        validateLsn(bad),
        "restore target (lsn) must be two hexadecimal numbers separated by '/', like 0/16B3748")
        << bad;
  }
}

TEST(Validate, Xid) {
  for (const char* good : {"1", "3", "1234567", "4294967295", "18446744073709551615"}) {
    EXPECT_EQ(validateXid(good), "") << good;
  }
  // "010" would be read as octal by Postgres; "0x10" as hex.
  for (const char* bad : {"", "0", "010", "0x10", "-1", "+1", "1.5", "1 2", "18446744073709551616",
                          "123456789012345678901", "99999999999999999999"}) {
    EXPECT_EQ(validateXid(bad),
              "restore target (xid) must be a transaction id: decimal digits, no leading zero")
        << bad;
  }
}

TEST(Validate, RestorePointNames) {
  EXPECT_EQ(validateRestorePointName("before_two"), "");
  EXPECT_EQ(validateRestorePointName(std::string(63, 'n')), "");
  EXPECT_EQ(validateRestorePointName("ünïcode ok"), "");
  EXPECT_EQ(validateRestorePointName(""), "restore target (name) must not be empty");
  EXPECT_EQ(validateRestorePointName(std::string(64, 'n')),
            "restore target (name) must be at most 63 bytes");
  EXPECT_EQ(validateRestorePointName(std::string("a\0b", 3)),
            "restore target (name) must not contain control characters or line breaks");
  EXPECT_EQ(validateRestorePointName("it's"),
            "restore target (name) must not contain quotes or backslashes");
  EXPECT_EQ(validateRestorePointName("back\\"),
            "restore target (name) must not contain quotes or backslashes");
}

TEST(Validate, BackupTypes) {
  EXPECT_EQ(validateBackupType("full"), "");
  EXPECT_EQ(validateBackupType("diff"), "");
  EXPECT_EQ(validateBackupType("incr"), "");
  EXPECT_EQ(validateBackupType("Full"), "backup type must be full, diff or incr");
}

}  // namespace
}  // namespace pgbr::backrest
