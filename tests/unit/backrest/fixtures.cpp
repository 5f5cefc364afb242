#include "tests/unit/backrest/fixtures.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace pgbr::backrest::testing {
namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    return {};
  }
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace

std::string readFixture(std::string_view name) {
  return readFile(std::string(PGBR_BACKREST_FIXTURES) + "/" + std::string(name));
}

std::vector<std::string> fixtureLines(std::string_view name) {
  std::vector<std::string> lines;
  std::istringstream in(readFixture(name));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string readSourceFile(std::string_view relative) {
  return readFile(std::string(PGBR_SOURCE_DIR) + "/" + std::string(relative));
}

}  // namespace pgbr::backrest::testing
