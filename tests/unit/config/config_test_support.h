// Shared by the config tests: a command line, an environment and files, all in memory.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "supervisor/common/errors.h"
#include "supervisor/config/config.h"

namespace pgbr::testing {

struct ConfigFixture : ::testing::Test {
  MapEnvironment env;
  MapFileReader files;

  Invocation load(std::vector<std::string> args = {}) { return loadInvocation(args, env, files); }

  Settings settings(std::vector<std::string> args = {}) { return load(std::move(args)).settings; }

  // The ConfigError message, or "" when loading succeeded (the test then fails on the compare).
  std::string error(std::vector<std::string> args = {}) {
    try {
      load(std::move(args));
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  }
};

}  // namespace pgbr::testing
