// The error registry (supervisor/common/errors.h) is the one list of error codes; the README's
// "Codes and statuses" list and the OpenAPI document's Error.code (its enum and the statuses its
// description names) must say the same. These tests fail on any drift: a code added to the
// registry and not documented, a documented code the server never sends, or a wrong status.
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/openapi.h"
#include "supervisor/common/errors.h"

namespace pgbr::testing {
namespace {

using nlohmann::json;
using Codes = std::map<std::string, int>;

Codes registry() {
  Codes codes;
  for (const ErrorCodeInfo& info : allErrorCodes()) {
    EXPECT_TRUE(codes.emplace(std::string(info.name), info.http_status).second)
        << info.name << " is in the registry twice";
  }
  return codes;
}

// "`bad_request` 400, `unauthorized` 401, ..." or "bad_request 400, unauthorized 401, ...".
Codes codesIn(const std::string& text) {
  static const std::regex kPair("`?([a-z_]+)`? ([1-5][0-9][0-9])\\b");
  Codes codes;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kPair);
       it != std::sregex_iterator(); ++it) {
    codes.emplace((*it)[1].str(), std::stoi((*it)[2].str()));
  }
  return codes;
}

std::string readme() {
  std::ifstream in(std::string(PGBR_SOURCE_DIR) + "/README.md");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ErrorDocs, RegistryNamesAndStatusesAreWellFormed) {
  const Codes codes = registry();
  EXPECT_EQ(codes.size(), static_cast<size_t>(ErrorCode::kInternal) + 1);
  for (const auto& [name, status] : codes) {
    EXPECT_TRUE(std::regex_match(name, std::regex("[a-z]+(_[a-z]+)*"))) << name;
    EXPECT_TRUE(status >= 400 && status <= 599) << name << " " << status;
  }
  EXPECT_EQ(errorCodeName(ErrorCode::kRepositoryBusy), "repository_busy");
  EXPECT_EQ(errorHttpStatus(ErrorCode::kRepositoryBusy), 409);
  EXPECT_EQ(errorHttpStatus(ErrorCode::kHeadersTooLarge), 431);
}

TEST(ErrorDocs, ReadmeListsExactlyTheRegistry) {
  const std::string text = readme();
  ASSERT_FALSE(text.empty()) << "cannot read README.md under " << PGBR_SOURCE_DIR;
  const std::string start = "- Codes and statuses:";
  const std::string end = "(the one list is `supervisor/common/errors.h`)";
  const size_t from = text.find(start);
  ASSERT_NE(from, std::string::npos) << "README.md has no line starting with \"" << start << "\"";
  const size_t to = text.find(end, from);
  ASSERT_NE(to, std::string::npos) << "the README's list of codes must end with " << end;
  EXPECT_EQ(codesIn(text.substr(from, to - from)), registry())
      << "README.md's \"Codes and statuses\" differ from supervisor/common/errors.cpp";
}

TEST(ErrorDocs, OpenApiErrorCodeIsTheRegistry) {
  const json doc = json::parse(api::openApiDocument(), nullptr, false);
  ASSERT_FALSE(doc.is_discarded());
  const json& code =
      doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"];
  ASSERT_TRUE(code.is_object()) << "api/openapi.json lacks components.schemas.Error...code";

  std::vector<std::string> expected;
  for (const ErrorCodeInfo& info : allErrorCodes()) expected.emplace_back(info.name);
  EXPECT_EQ(code["enum"].get<std::vector<std::string>>(), expected)
      << "api/openapi.json's Error.code enum differs from the registry (same codes, same order)";
  EXPECT_EQ(codesIn(code.value("description", "")), registry())
      << "api/openapi.json's Error.code description names other codes or statuses";
}

// The comparison itself can fail: a list with one code missing, one extra and one status
// changed is told apart from the registry.
TEST(ErrorDocs, DriftIsNoticed) {
  std::string text;
  for (const ErrorCodeInfo& info : allErrorCodes()) {
    if (info.code == ErrorCode::kCsrfFailed) continue;
    const int status = info.code == ErrorCode::kConflict ? 400 : info.http_status;
    text += "`" + std::string(info.name) + "` " + std::to_string(status) + ", ";
  }
  EXPECT_NE(codesIn(text), registry());
  text += "`csrf_failed` 403, ";
  EXPECT_NE(codesIn(text), registry());
  text += "`conflict` 409, `bad_config` 500";
  EXPECT_NE(codesIn(text), registry());
}

}  // namespace
}  // namespace pgbr::testing
