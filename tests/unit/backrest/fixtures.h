// Reading the captured pgBackRest output the backrest tests run against.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pgbr::backrest::testing {

// The whole file fixtures/<name>; fails the calling test (and returns "") when it is missing.
std::string readFixture(std::string_view name);
// Its lines, without '\n'.
std::vector<std::string> fixtureLines(std::string_view name);
// Any file of the source tree, relative to its root.
std::string readSourceFile(std::string_view relative);

}  // namespace pgbr::backrest::testing
