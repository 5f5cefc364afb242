// --help is generated from the setting table: every flag, variable and default appears in it,
// and every flag it names is one the parser accepts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "supervisor/config/config.h"
#include "supervisor/config/help.h"
#include "supervisor/config/setting_table.h"
#include "tests/unit/config/config_test_support.h"

namespace pgbr::testing {
namespace {

using ::testing::HasSubstr;

// The help with its line breaks and indentation collapsed to single spaces, so a sentence can be
// looked for wherever the wrapping broke it.
std::string flatHelp() {
  const std::string help = helpText();
  std::string flat;
  for (char c : help) {
    const bool space = c == ' ' || c == '\n';
    if (space && !flat.empty() && flat.back() == ' ') continue;
    flat += space ? ' ' : c;
  }
  return flat;
}

TEST(HelpTest, LinesFitATerminal) {
  std::istringstream lines(helpText());
  for (std::string line; std::getline(lines, line);) EXPECT_LE(line.size(), 96u) << line;
}

TEST(HelpTest, MentionsEveryFlagVariableAndDefault) {
  const std::string help = flatHelp();
  for (const SettingSpec& spec : settingTable()) {
    EXPECT_THAT(help, HasSubstr(std::string(spec.env))) << spec.env;
    EXPECT_THAT(help, HasSubstr(std::string(spec.help))) << spec.env;
    EXPECT_THAT(help, HasSubstr("default: " + defaultText(spec))) << spec.env;
    if (!spec.flag.empty()) {
      EXPECT_THAT(help, HasSubstr(std::string(spec.flag) + " " + std::string(spec.metavar)));
    }
    if (!spec.file_env.empty()) {
      EXPECT_THAT(help, HasSubstr(std::string(spec.file_env)));
    }
    if (!spec.file_flag.empty()) {
      EXPECT_THAT(help, HasSubstr(std::string(spec.file_flag)));
    }
  }
}

TEST(HelpTest, MentionsCommandsAndFamilies) {
  const std::string help = flatHelp();
  EXPECT_THAT(help, HasSubstr("postgres [args...]"));
  EXPECT_THAT(help, HasSubstr("healthcheck"));
  EXPECT_THAT(help, HasSubstr("restore-point NAME"));
  EXPECT_THAT(help, HasSubstr("any other command is executed as is"));
  EXPECT_THAT(help, HasSubstr("PGBACKREST_*"));
  EXPECT_THAT(help, HasSubstr("PGBACKREST_CONFIG"));
  EXPECT_THAT(help, HasSubstr("POSTGRES_*"));
  EXPECT_THAT(help, HasSubstr("--help"));
  EXPECT_THAT(help, HasSubstr("--version"));
  EXPECT_THAT(help,
              HasSubstr("there is no --api-token flag: a secret on a command line shows in ps"));
}

TEST(HelpTest, EveryFlagItNamesIsAccepted) {
  const std::string help = helpText();
  const std::regex flag_pattern("--[a-z][a-z0-9-]*");
  int seen = 0;
  for (auto it = std::sregex_iterator(help.begin(), help.end(), flag_pattern);
       it != std::sregex_iterator(); ++it) {
    const std::string flag = it->str();
    ++seen;
    if (flag == "--help" || flag == "--version") continue;
    if (flag == "--api-token") continue;       // named only to say it does not exist
    if (flag == "--data-checksums") continue;  // an initdb argument in an example
    EXPECT_NE(findSettingByFlag(flag), nullptr) << flag << " is in --help but not accepted";
  }
  EXPECT_GT(seen, 20);
}

TEST(HelpTest, DefaultsAreTheOnesLoadedWithAnEmptyEnvironment) {
  const MapEnvironment env;
  const MapFileReader files;
  const Settings loaded = loadInvocation({}, env, files).settings;
  for (const SettingSpec& spec : settingTable()) {
    if (!spec.default_text.empty()) continue;
    EXPECT_EQ(defaultText(spec), spec.show(loaded).empty() ? "none" : spec.show(loaded))
        << spec.env;
  }
}

}  // namespace
}  // namespace pgbr::testing
