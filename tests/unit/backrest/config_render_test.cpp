#include "supervisor/backrest/config_render.h"

#include <gtest/gtest.h>

#include "supervisor/common/errors.h"
#include "tests/unit/backrest/fixtures.h"

namespace pgbr::backrest {
namespace {

std::map<std::string, std::string> defaultVars() {
  return {{kConfigStateDir, "/var/lib/pgbr-supervisor"},
          {kConfigProcessMax, "2"},
          {kConfigStanza, "main"},
          {kConfigPgdata, "/var/lib/postgresql/data"},
          {kConfigPgPort, "5432"},
          {kConfigPgSocketDir, "/var/run/postgresql"},
          {kConfigPgUser, "postgres"}};
}

std::string renderError(std::string_view templ, const std::map<std::string, std::string>& vars) {
  try {
    renderConfig(templ, vars, "test.conf");
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "rendering " << templ << " did not fail";
  return {};
}

TEST(RenderConfig, ReplacesPlaceholders) {
  EXPECT_EQ(renderConfig("a={{A}}\nb={{B_2}}/x\nc={{A}}{{A}}\n", {{"A", "1"}, {"B_2", "two"}}),
            "a=1\nb=two/x\nc=11\n");
  EXPECT_EQ(renderConfig("no placeholders { } }} here\n", {}), "no placeholders { } }} here\n");
  EXPECT_EQ(renderConfig("", {}), "");
  // Values are inserted once, never expanded again.
  EXPECT_EQ(renderConfig("{{A}}", {{"A", "{{B}}"}}), "{{B}}");
  // Unused values are fine.
  EXPECT_EQ(renderConfig("x={{A}}", {{"A", "1"}, {"UNUSED", "2"}}), "x=1");
}

TEST(RenderConfig, FailsLoudlyOnUnknownOrMalformedPlaceholders) {
  EXPECT_EQ(renderError("a=1\nb={{MISSING}}\n", {{"A", "1"}}),
            "test.conf line 2: no value for placeholder {{MISSING}}: the template and this "
            "supervisor do not match");
  EXPECT_EQ(renderError("x={{lower}}", {{"lower", "1"}}),
            "test.conf line 1: malformed placeholder {{lower}}: names are capital letters, digits "
            "and '_'");
  EXPECT_EQ(renderError("x={{ A }}", {{"A", "1"}}),
            "test.conf line 1: malformed placeholder {{ A }}: names are capital letters, digits "
            "and '_'");
  EXPECT_EQ(renderError("x={{}}", {}),
            "test.conf line 1: malformed placeholder {{}}: names are capital letters, digits and "
            "'_'");
  EXPECT_EQ(renderError("\n\nx={{A", {{"A", "1"}}),
            "test.conf line 3: unterminated placeholder, expected {{NAME}}");
  EXPECT_EQ(renderError("x={{A\n}}", {{"A", "1"}}),
            "test.conf line 1: unterminated placeholder, expected {{NAME}}");
}

TEST(RenderConfig, RefusesValuesThatWouldAddSettings) {
  for (const std::string& value :
       {std::string("/data\nrepo1-path=/tmp"), std::string("a\rb"), std::string("a\0b", 3)}) {
    EXPECT_EQ(renderError("pg1-path={{PGDATA}}", {{"PGDATA", value}}),
              "test.conf line 1: the value for {{PGDATA}} contains a line break or NUL, which "
              "would add a setting to the pgbackrest configuration");
  }
}

TEST(RenderConfig, ListsPlaceholders) {
  EXPECT_EQ(configPlaceholders("{{A}} {{b}} {{C_1}} {{A}} {{"),
            (std::set<std::string>{"A", "C_1"}));
}

// The shipped template: every placeholder is one the supervisor provides, and it renders into
// the configuration pgBackRest 2.45 was run with when the fixtures were captured.
TEST(DefaultConfig, CompiledInCopyMatchesConfDirectory) {
  EXPECT_EQ(std::string(defaultConfigTemplate()), testing::readSourceFile("conf/pgbackrest.conf"));
}

TEST(DefaultConfig, UsesExactlyTheKnownPlaceholders) {
  std::set<std::string> expected;
  for (const auto& [name, value] : defaultVars()) expected.insert(name);
  EXPECT_EQ(configPlaceholders(defaultConfigTemplate()), expected);
}

TEST(DefaultConfig, RendersTheDefaults) {
  const std::string conf = renderConfig(defaultConfigTemplate(), defaultVars());
  EXPECT_EQ(conf.find("{{"), std::string::npos);
  for (const char* line :
       {"[global]\n", "\nrepo1-type=posix\n", "\nrepo1-path=/var/lib/pgbr-supervisor/repo\n",
        "\nrepo1-retention-full=2\n", "\ncompress-type=zst\n", "\ncompress-level=3\n",
        "\narchive-async=y\n", "\nspool-path=/var/lib/pgbr-supervisor/spool\n",
        "\nlog-path=/var/lib/pgbr-supervisor/log/pgbackrest\n",
        "\nlock-path=/var/lib/pgbr-supervisor/lock\n", "\nstart-fast=y\n", "\nprocess-max=2\n",
        "\nlog-level-file=detail\n", "\nlog-level-console=warn\n", "\n[main]\n",
        "\npg1-path=/var/lib/postgresql/data\n", "\npg1-port=5432\n",
        "\npg1-socket-path=/var/run/postgresql\n", "\npg1-user=postgres\n"}) {
    EXPECT_NE(conf.find(line), std::string::npos) << line;
  }
  // Dropping WAL silently would break point-in-time recovery: the queue limit stays unset.
  EXPECT_EQ(conf.find("\narchive-push-queue-max"), std::string::npos);
  // pgBackRest reads comments only on lines of their own: every line is blank, a comment, a
  // section or key=value.
  size_t start = 0;
  while (start < conf.size()) {
    const size_t end = conf.find('\n', start);
    const std::string line = conf.substr(start, end - start);
    start = end == std::string::npos ? conf.size() : end + 1;
    if (line.empty() || line[0] == '#' || line[0] == '[') continue;
    const size_t eq = line.find('=');
    ASSERT_NE(eq, std::string::npos) << line;
    EXPECT_EQ(line.find('#'), std::string::npos) << "inline comment: " << line;
    EXPECT_EQ(line.find(' '), std::string::npos) << "space in: " << line;
  }
}

}  // namespace
}  // namespace pgbr::backrest
