// The archiving defaults: how the archive command is quoted, how the template renders, where
// the include goes in postgresql.conf, and which user settings earn a warning.
#include "supervisor/postgres/settings_file.h"
#include "supervisor/postgres/conf_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/temp_dir.h"

namespace pgbr {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

namespace fs = std::filesystem;

TEST(ArchiveCommand, PlainValuesStayReadable) {
  EXPECT_EQ(buildArchiveCommand("pgbackrest", "/var/lib/pgbr-supervisor/pgbackrest.conf", "main"),
            "pgbackrest --config=/var/lib/pgbr-supervisor/pgbackrest.conf --stanza=main "
            "archive-push %p");
}

TEST(ArchiveCommand, ShellQuotesValuesWithSpecialCharacters) {
  EXPECT_EQ(buildArchiveCommand("/opt/pg backrest/bin", "/etc/it's.conf", "a;b"),
            "'/opt/pg backrest/bin' '--config=/etc/it'\\''s.conf' '--stanza=a;b' archive-push %p");
}

TEST(ArchiveCommand, DoublesPercentSoPostgresLeavesItAlone) {
  EXPECT_EQ(buildArchiveCommand("pgbackrest", "/c/100%.conf", "main"),
            "pgbackrest --config=/c/100%%.conf --stanza=main archive-push %p");
}

TEST(ShellQuote, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(shellQuote("/usr/bin/pgbackrest"), "/usr/bin/pgbackrest");
  EXPECT_EQ(shellQuote(""), "''");
  EXPECT_EQ(shellQuote("a b"), "'a b'");
  EXPECT_EQ(shellQuote("$x"), "'$x'");
  EXPECT_EQ(shellQuote("it's"), "'it'\\''s'");
}

TEST(EscapeConfString, DoublesQuotesAndBackslashes) {
  EXPECT_EQ(escapeConfString("plain"), "plain");
  EXPECT_EQ(escapeConfString("'a'\\b"), "''a''\\\\b");
}

TEST(ConfTemplate, RendersTheArchiveCommandAsOneQuotedValue) {
  const std::string command = buildArchiveCommand("/opt/it's/pgbackrest", "/c.conf", "main");
  const std::string rendered =
      renderConfTemplate("a = 1\narchive_command = '{{ARCHIVE_COMMAND}}'\n", command);
  EXPECT_EQ(rendered.find("{{"), std::string::npos);
  // Read back the way Postgres reads it, the value is exactly the command.
  std::vector<ConfEntry> entries = parseConfText(rendered);
  ASSERT_THAT(entries, SizeIs(2));
  EXPECT_EQ(entries[1].name, "archive_command");
  EXPECT_EQ(entries[1].value, command);
}

TEST(ConfTemplate, TheShippedTemplateSetsTheArchivingDefaults) {
  Settings settings;
  settings.pgbackrest_bin = "pgbackrest";
  settings.pgbackrest_config = "/state/pgbackrest.conf";
  settings.stanza = "main";
  const std::string rendered = renderSupervisorConf(settings);
  std::map<std::string, std::string> values;
  for (const auto& entry : parseConfText(rendered)) values[entry.name] = entry.value;
  EXPECT_EQ(values["wal_level"], "replica");
  EXPECT_EQ(values["archive_mode"], "on");
  EXPECT_EQ(values["archive_command"],
            "pgbackrest --config=/state/pgbackrest.conf --stanza=main archive-push %p");
  EXPECT_EQ(values["archive_timeout"], "60");
  EXPECT_EQ(values["listen_addresses"], "localhost");
  EXPECT_THAT(values, SizeIs(5));
  EXPECT_EQ(rendered.find("{{"), std::string::npos);
}

TEST(ConfTemplate, ListensWherePgbrPgListenSays) {
  Settings settings;
  for (const std::string listen : {"*", "", "10.0.0.5, localhost"}) {
    settings.pg_listen = listen;
    std::map<std::string, std::string> values;
    for (const auto& entry : parseConfText(renderSupervisorConf(settings))) {
      values[entry.name] = entry.value;
    }
    EXPECT_EQ(values["listen_addresses"], listen);
  }
  // Each placeholder once, and a value is never read as a placeholder itself.
  EXPECT_EQ(renderConfTemplate("a = '{{LISTEN_ADDRESSES}}' b = '{{ARCHIVE_COMMAND}}' {{X}}",
                               "{{LISTEN_ADDRESSES}}", "it's"),
            "a = 'it''s' b = '{{LISTEN_ADDRESSES}}' {{X}}");
}

TEST(ParseConfLine, ReadsWhatPostgresReads) {
  auto entry = parseConfLine("  Archive_Mode = off   # no archiving");
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->name, "archive_mode");
  EXPECT_EQ(entry->value, "off");

  entry = parseConfLine("wal_level minimal");  // '=' is optional
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->value, "minimal");

  entry = parseConfLine(R"(archive_command = 'cp %p ''/x y''/%f # not a comment' # comment)");
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->value, "cp %p '/x y'/%f # not a comment");

  entry = parseConfLine(R"(a = 'tab\there\\ \101')");
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->value, "tab\there\\ A");

  entry = parseConfLine("x.y = 5min");
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->name, "x.y");
  EXPECT_EQ(entry->value, "5min");
}

TEST(ParseConfLine, SkipsCommentsBlanksAndBrokenLines) {
  EXPECT_FALSE(parseConfLine(""));
  EXPECT_FALSE(parseConfLine("   "));
  EXPECT_FALSE(parseConfLine("#archive_mode = off"));
  EXPECT_FALSE(parseConfLine("archive_mode ="));
  EXPECT_FALSE(parseConfLine("archive_mode = 'unterminated"));
  EXPECT_FALSE(parseConfLine("archive_mode = on off"));
}

TEST(ParseConfText, NumbersLines) {
  auto entries = parseConfText("# c\n\nport = 5433\r\nmax_connections = 10");
  ASSERT_THAT(entries, SizeIs(2));
  EXPECT_EQ(entries[0].line, 3);
  EXPECT_EQ(entries[0].value, "5433");
  EXPECT_EQ(entries[1].line, 4);
}

TEST(EnsureIncludeFirst, AddsItAtTheTopWhenMissing) {
  const std::string conf = "max_connections = 100\narchive_mode = off\n";
  IncludeEdit edit = ensureIncludeFirst(conf);
  EXPECT_TRUE(edit.changed);
  ASSERT_TRUE(edit.text.starts_with("#"));
  EXPECT_TRUE(edit.text.ends_with(conf));
  auto entries = parseConfText(edit.text);
  ASSERT_THAT(entries, SizeIs(3));
  EXPECT_EQ(entries[0].name, "include_if_exists");
  EXPECT_EQ(entries[0].value, "pgbr-supervisor.conf");
  // The user's settings come after the include, so theirs are the ones Postgres keeps.
  EXPECT_EQ(entries[2].name, "archive_mode");
}

TEST(EnsureIncludeFirst, IsIdempotent) {
  IncludeEdit first = ensureIncludeFirst("port = 5432\n");
  IncludeEdit second = ensureIncludeFirst(first.text);
  EXPECT_FALSE(second.changed);
  EXPECT_EQ(second.text, first.text);
}

TEST(EnsureIncludeFirst, LeavesAnExistingIncludeWhereTheUserPutIt) {
  const std::string conf =
      "port = 5432\ninclude = '/var/lib/postgresql/data/pgbr-supervisor.conf'\n";
  IncludeEdit edit = ensureIncludeFirst(conf);
  EXPECT_FALSE(edit.changed);
  EXPECT_EQ(edit.text, conf);
}

TEST(EnsureIncludeFirst, ACommentedOutIncludeDoesNotCount) {
  IncludeEdit edit = ensureIncludeFirst("#include_if_exists = 'pgbr-supervisor.conf'\n");
  EXPECT_TRUE(edit.changed);
}

TEST(EnsureIncludeFirst, WorksOnAnEmptyFile) {
  IncludeEdit edit = ensureIncludeFirst("");
  EXPECT_TRUE(edit.changed);
  EXPECT_THAT(parseConfText(edit.text), SizeIs(1));
}

TEST(ArchivingWarnings, NoneForTheDefaultsOrHarmlessSettings) {
  EXPECT_THAT(archivingWarnings("", "", {}), IsEmpty());
  EXPECT_THAT(archivingWarnings("archive_mode = always\nwal_level = logical\n"
                                "archive_command = 'pgbackrest --stanza=x archive-push %p'\n",
                                "", {"-c", "shared_buffers=1GB"}),
              IsEmpty());
}

TEST(ArchivingWarnings, ArchiveModeOffNamesWhereItWasSet) {
  auto warnings = archivingWarnings("# comment\narchive_mode = off\n", "", {});
  ASSERT_THAT(warnings, SizeIs(1));
  EXPECT_THAT(warnings[0], HasSubstr("archive_mode = 'off' in postgresql.conf line 2"));
  EXPECT_THAT(warnings[0], HasSubstr("remove that line"));

  warnings = archivingWarnings("", "archive_mode = 'false'\n", {});
  ASSERT_THAT(warnings, SizeIs(1));
  EXPECT_THAT(warnings[0], HasSubstr("ALTER SYSTEM RESET archive_mode"));

  warnings = archivingWarnings("", "", {"-c", "archive_mode=off"});
  ASSERT_THAT(warnings, SizeIs(1));
  EXPECT_THAT(warnings[0], HasSubstr("the command line"));
}

TEST(ArchivingWarnings, LastSettingWins) {
  // ALTER SYSTEM turns it back on after postgresql.conf turned it off.
  EXPECT_THAT(archivingWarnings("archive_mode = off\n", "archive_mode = 'on'\n", {}), IsEmpty());
  // The command line overrides both files.
  EXPECT_THAT(archivingWarnings("", "archive_mode = 'on'\n", {"--archive-mode=off"}), SizeIs(1));
  EXPECT_THAT(archivingWarnings("archive_mode = off\n", "", {"-carchive_mode=on"}), IsEmpty());
}

TEST(ArchivingWarnings, WalLevelMinimal) {
  auto warnings = archivingWarnings("wal_level = minimal\n", "", {});
  ASSERT_THAT(warnings, SizeIs(1));
  EXPECT_THAT(warnings[0], HasSubstr("wal_level = 'minimal'"));
}

TEST(ArchivingWarnings, ForeignOrEmptyArchiveCommand) {
  auto warnings = archivingWarnings("archive_command = 'cp %p /mnt/%f'\n", "", {});
  ASSERT_THAT(warnings, SizeIs(1));
  EXPECT_THAT(warnings[0], HasSubstr("does not call pgbackrest archive-push"));

  warnings = archivingWarnings("archive_command = ''\n", "", {});
  ASSERT_THAT(warnings, SizeIs(1));
  EXPECT_THAT(warnings[0], HasSubstr("archive_command is empty"));

  warnings = archivingWarnings("", "", {"-c", "archive_library=basic_archive"});
  ASSERT_THAT(warnings, SizeIs(1));
  EXPECT_THAT(warnings[0], HasSubstr("archive_library"));
}

TEST(ArchivingWarnings, ArchiveCommandIsMootWhenArchivingIsOff) {
  EXPECT_THAT(archivingWarnings("archive_mode = off\narchive_command = 'true'\n", "", {}),
              SizeIs(1));
}

TEST(ApplySupervisorConf, WritesTheDefaultsAndTheIncludeOnce) {
  testing::TempDir dir;
  dir.write("postgresql.conf", "max_connections = 50\n");
  fs::permissions(dir.path() / "postgresql.conf", fs::perms::owner_read | fs::perms::owner_write);

  ApplyConfResult result = applySupervisorConf(dir.path(), "archive_mode = on\n", {});
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_TRUE(result.include_added);
  EXPECT_THAT(result.warnings, IsEmpty());
  EXPECT_EQ(testing::TempDir::read(dir.path() / "pgbr-supervisor.conf"), "archive_mode = on\n");
  EXPECT_EQ(fs::status(dir.path() / "pgbr-supervisor.conf").permissions(),
            fs::perms::owner_read | fs::perms::owner_write);
  const std::string conf = testing::TempDir::read(dir.path() / "postgresql.conf");
  EXPECT_EQ(parseConfText(conf).front().name, "include_if_exists");
  EXPECT_TRUE(conf.ends_with("max_connections = 50\n"));
  EXPECT_EQ(fs::status(dir.path() / "postgresql.conf").permissions(),
            fs::perms::owner_read | fs::perms::owner_write);

  // A second start rewrites the defaults (a new stanza, say) and leaves postgresql.conf as is.
  result = applySupervisorConf(dir.path(), "archive_mode = always\n", {});
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_FALSE(result.include_added);
  EXPECT_EQ(testing::TempDir::read(dir.path() / "pgbr-supervisor.conf"), "archive_mode = always\n");
  EXPECT_EQ(testing::TempDir::read(dir.path() / "postgresql.conf"), conf);
  // No temporary files left behind.
  int files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 2);
}

TEST(ApplySupervisorConf, WarnsAboutTheUsersOwnSettings) {
  testing::TempDir dir;
  dir.write("postgresql.conf", "archive_mode = off\n");
  dir.write("postgresql.auto.conf", "wal_level = 'minimal'\n");
  ApplyConfResult result = applySupervisorConf(dir.path(), "", {});
  ASSERT_TRUE(result.ok()) << result.error;
  ASSERT_THAT(result.warnings, SizeIs(2));
  // Line 2 after the inserted comment and include lines, i.e. where it now is: line 4.
  EXPECT_THAT(result.warnings[0], HasSubstr("postgresql.conf line 4"));
  EXPECT_THAT(result.warnings[1], HasSubstr("postgresql.auto.conf"));
}

TEST(ApplySupervisorConf, MissingPostgresqlConfIsAnError) {
  testing::TempDir dir;
  ApplyConfResult result = applySupervisorConf(dir.path(), "", {});
  EXPECT_FALSE(result.ok());
  EXPECT_THAT(result.error, HasSubstr("no postgresql.conf in"));
}

TEST(ApplySupervisorConf, LeavesASymlinkedConfAlone) {
  testing::TempDir dir;
  const auto target = dir.write("mounted/postgresql.conf", "port = 5432\n");
  fs::create_symlink(target, dir.path() / "postgresql.conf");
  ApplyConfResult result = applySupervisorConf(dir.path(), "", {});
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_FALSE(result.include_added);
  ASSERT_THAT(result.warnings, SizeIs(1));
  EXPECT_THAT(result.warnings[0], HasSubstr("symbolic link"));
  EXPECT_TRUE(fs::is_symlink(dir.path() / "postgresql.conf"));
  EXPECT_EQ(testing::TempDir::read(target), "port = 5432\n");
}

TEST(ApplySupervisorConf, AConfigFileElsewhereIsNotEdited) {
  testing::TempDir dir;
  ApplyConfResult result =
      applySupervisorConf(dir.path(), "", {"-c", "config_file=/etc/postgresql/pg.conf"});
  ASSERT_TRUE(result.ok()) << result.error;
  ASSERT_THAT(result.warnings, SizeIs(1));
  EXPECT_THAT(result.warnings[0], HasSubstr("/etc/postgresql/pg.conf"));
  EXPECT_FALSE(fs::exists(dir.path() / "postgresql.conf"));
}

}  // namespace
}  // namespace pgbr
