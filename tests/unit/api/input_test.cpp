// Request parsing: what is accepted, and that every refusal names the field.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/input.h"

namespace pgbr::api {
namespace {

using ::testing::HasSubstr;

template <typename T>
std::string errorOf(const Outcome<T>& outcome) {
  const Error* error = std::get_if<Error>(&outcome);
  if (error == nullptr) return "(accepted)";
  EXPECT_EQ(error->code, ErrorCode::kBadRequest);
  return error->message;
}

TEST(ParseBackupRequest, AcceptsTypeAndAnnotation) {
  const auto parsed = parseBackupRequest(R"({"type":"incr","annotation":{"a":"1","b c":"x y"}})");
  ASSERT_TRUE(std::holds_alternative<BackupRequest>(parsed)) << errorOf(parsed);
  const BackupRequest& request = std::get<BackupRequest>(parsed);
  EXPECT_EQ(request.type, "incr");
  EXPECT_EQ(request.annotation.size(), 2u);
  EXPECT_EQ(request.annotation.at("b c"), "x y");
  EXPECT_EQ(request.trigger, JobTrigger::kApi);

  EXPECT_TRUE(std::holds_alternative<BackupRequest>(parseBackupRequest(R"({"type":"full"})")));
  EXPECT_TRUE(std::holds_alternative<BackupRequest>(
      parseBackupRequest(R"({"type":"full","annotation":null})")));
}

TEST(ParseBackupRequest, RefusesWithTheFieldNamed) {
  EXPECT_THAT(errorOf(parseBackupRequest("  ")), HasSubstr("empty"));
  EXPECT_THAT(errorOf(parseBackupRequest("{")), HasSubstr("not valid JSON"));
  EXPECT_THAT(errorOf(parseBackupRequest("\"full\"")), HasSubstr("JSON object"));
  EXPECT_THAT(errorOf(parseBackupRequest(R"({"type":"full","extra":1})")),
              HasSubstr("unknown field \"extra\""));
  EXPECT_THAT(errorOf(parseBackupRequest(R"({"type":null})")), HasSubstr("\"type\" is required"));
  EXPECT_THAT(errorOf(parseBackupRequest(R"({"type":["full"]})")), HasSubstr("\"type\""));
  EXPECT_THAT(errorOf(parseBackupRequest(R"({"type":"FULL"})")), HasSubstr("\"type\""));
  EXPECT_THAT(errorOf(parseBackupRequest(R"({"type":"full","annotation":{"a=b":"c"}})")),
              HasSubstr("annotation key \"a=b\""));
  EXPECT_THAT(errorOf(parseBackupRequest(R"({"type":"full","annotation":{"":"c"}})")),
              HasSubstr("annotation key"));
  EXPECT_THAT(errorOf(parseBackupRequest(R"({"type":"full","annotation":{"k":"a\nb"}})")),
              HasSubstr("annotation key \"k\""));
  EXPECT_THAT(errorOf(parseBackupRequest(R"({"type":"full","annotation":{"k":""}})")),
              HasSubstr("annotation key \"k\""));
  std::string many = R"({"type":"full","annotation":{)";
  for (int i = 0; i < 33; ++i) many += (i ? "," : "") + ("\"k" + std::to_string(i) + "\":\"v\"");
  EXPECT_THAT(errorOf(parseBackupRequest(many + "}}")), HasSubstr("more than 32"));
  // Invalid UTF-8 inside a string is malformed JSON.
  EXPECT_THAT(errorOf(parseBackupRequest("{\"type\":\"\xff\"}")), HasSubstr("not valid JSON"));
}

TEST(ParseRestoreRequest, AcceptsEachType) {
  for (
      const std::string body : {
          R"({"type":"delta","confirm":"main"})",
          R"({"type":"immediate","confirm":"main"})",
          R"({"type":"set","set":"20261122-100000F_20261122-120000I","confirm":"main"})",
          R"({"type":"time","target":"2026-11-22T10:00:00.123+01:00","confirm":"main"})",
          // As psql prints a time (and pgBackRest's user guide writes --target).
          R"({"type":"time","target":"2026-12-05 08:07:40.767967+00","confirm":"main"})",
          R"({"type":"time","target":"2026-12-05 13:37:40+0530","confirm":"main"})",
          R"({"type":"lsn","target":"0/3000028","confirm":"main"})",
          R"({"type":"xid","target":"1234","confirm":"main"})",
          R"({"type":"name","target":"before-migration","target_action":"pause","confirm":"main"})",
          R"({"type":"delta","set":"20261122-100000F","db_include":["app","crm"]})",
      }) {
    EXPECT_TRUE(std::holds_alternative<RestoreRequest>(parseRestoreRequest(body)))
        << body << ": " << errorOf(parseRestoreRequest(body));
  }
  const auto parsed = parseRestoreRequest(R"({"type":"delta"})");
  EXPECT_EQ(std::get<RestoreRequest>(parsed).target_action, "promote");
  EXPECT_EQ(std::get<RestoreRequest>(parsed).confirm, "");  // the service refuses it
}

TEST(ParseRestoreRequest, RefusesWithTheFieldNamed) {
  EXPECT_THAT(errorOf(parseRestoreRequest(R"({"type":"pitr"})")), HasSubstr("\"type\""));
  EXPECT_THAT(errorOf(parseRestoreRequest(R"({"target":"x"})")), HasSubstr("\"type\" is required"));
  EXPECT_THAT(errorOf(parseRestoreRequest(R"({"type":"time","target":"2026-02-30T10:00:00Z"})")),
              HasSubstr("\"target\""));
  EXPECT_THAT(errorOf(parseRestoreRequest(R"({"type":"time","target":"2026-11-22 10:00"})")),
              HasSubstr("RFC 3339"));
  // No offset: refused with the accepted forms, never read in some time zone.
  EXPECT_THAT(errorOf(parseRestoreRequest(R"({"type":"time","target":"2026-12-05 08:07:40"})")),
              HasSubstr("field \"target\": restore target (time) \"2026-12-05 08:07:40\" has no "
                        "offset from UTC"));
  EXPECT_THAT(errorOf(parseRestoreRequest(R"({"type":"time","target":"2026-12-05T08:07:40"})")),
              HasSubstr("2026-12-05 08:07:40.767967+00 (as psql prints it)"));
  EXPECT_THAT(errorOf(parseRestoreRequest(R"({"type":"time","target":"2026-11-22T24:00:00Z"})")),
              HasSubstr("\"target\""));
  EXPECT_THAT(errorOf(parseRestoreRequest(R"({"type":"lsn","target":"0-3000028"})")),
              HasSubstr("LSN"));
  EXPECT_THAT(errorOf(parseRestoreRequest(R"({"type":"xid","target":"12a"})")),
              HasSubstr("transaction id"));
  EXPECT_THAT(errorOf(parseRestoreRequest(R"({"type":"name"})")),
              HasSubstr("\"target\" is required"));
  EXPECT_THAT(
      errorOf(parseRestoreRequest(R"({"type":"name","target":")" + std::string(64, 'n') + R"("})")),
      HasSubstr("at most 63"));
  EXPECT_THAT(errorOf(parseRestoreRequest(R"({"type":"delta","target":"x"})")),
              HasSubstr("not used"));
  EXPECT_THAT(errorOf(parseRestoreRequest(R"({"type":"set"})")), HasSubstr("\"set\""));
  EXPECT_THAT(errorOf(parseRestoreRequest(R"({"type":"set","set":"../../etc"})")),
              HasSubstr("\"set\""));
  EXPECT_THAT(errorOf(parseRestoreRequest(R"({"type":"delta","target_action":"shutdown"})")),
              HasSubstr("\"target_action\""));
  EXPECT_THAT(errorOf(parseRestoreRequest(R"({"type":"delta","db_include":[1]})")),
              HasSubstr("\"db_include\""));
  EXPECT_THAT(errorOf(parseRestoreRequest(R"({"type":"delta","db_include":[""]})")),
              HasSubstr("\"db_include\""));
  EXPECT_THAT(errorOf(parseRestoreRequest(R"({"type":"delta","confirm":true})")),
              HasSubstr("\"confirm\""));
  EXPECT_THAT(errorOf(parseRestoreRequest(R"({"type":"name","target":"a\tb"})")),
              HasSubstr("control character"));
}

TEST(ParseSessionRequest, NeedsANonEmptyToken) {
  EXPECT_EQ(std::get<std::string>(parseSessionRequest(R"({"token":"abc"})")), "abc");
  EXPECT_THAT(errorOf(parseSessionRequest(R"({"token":""})")), HasSubstr("\"token\""));
  EXPECT_THAT(errorOf(parseSessionRequest(R"({})")), HasSubstr("\"token\""));
  EXPECT_THAT(errorOf(parseSessionRequest(R"({"token":"a","user":"b"})")), HasSubstr("\"user\""));
}

TEST(ParseRestorePointRequest, NeedsANameStringAndNothingElse) {
  EXPECT_EQ(std::get<std::string>(parseRestorePointRequest(R"({"name":"v1"})")), "v1");
  // The name's own rules are the service's: an empty or odd name passes through to it.
  EXPECT_EQ(std::get<std::string>(parseRestorePointRequest(R"({"name":"a b"})")), "a b");
  EXPECT_THAT(errorOf(parseRestorePointRequest(R"({})")), HasSubstr("field \"name\" is required"));
  EXPECT_THAT(errorOf(parseRestorePointRequest(R"({"name":null})")), HasSubstr("is required"));
  EXPECT_THAT(errorOf(parseRestorePointRequest(R"({"name":7})")), HasSubstr("must be a string"));
  EXPECT_THAT(errorOf(parseRestorePointRequest(R"({"name":"v","at":"now"})")),
              HasSubstr("unknown field \"at\""));
  EXPECT_THAT(errorOf(parseRestorePointRequest("[]")), HasSubstr("JSON object"));
}

TEST(ParseCount, NumbersFallbackAndClamp) {
  EXPECT_EQ(std::get<uint64_t>(parseCount("tail", std::nullopt, 7, 100)), 7u);
  EXPECT_EQ(std::get<uint64_t>(parseCount("tail", "0", 7, 100)), 0u);
  EXPECT_EQ(std::get<uint64_t>(parseCount("tail", "42", 7, 100)), 42u);
  EXPECT_EQ(std::get<uint64_t>(parseCount("tail", "1000", 7, 100)), 100u);
  EXPECT_EQ(std::get<uint64_t>(parseCount("tail", "99999999999999999999999", 7, 100)), 100u);
  EXPECT_THAT(errorOf(parseCount("tail", "", 7, 100)), HasSubstr("\"tail\""));
  EXPECT_THAT(errorOf(parseCount("tail", "-1", 7, 100)), HasSubstr("\"tail\""));
  EXPECT_THAT(errorOf(parseCount("after", "1e3", 7, 100)), HasSubstr("\"after\""));
}

TEST(ParseFlag, OneZeroTrueFalse) {
  EXPECT_FALSE(std::get<bool>(parseFlag("follow", std::nullopt)));
  EXPECT_TRUE(std::get<bool>(parseFlag("follow", "1")));
  EXPECT_TRUE(std::get<bool>(parseFlag("follow", "true")));
  EXPECT_TRUE(std::get<bool>(parseFlag("follow", "")));
  EXPECT_FALSE(std::get<bool>(parseFlag("follow", "0")));
  EXPECT_THAT(errorOf(parseFlag("follow", "yes please")), HasSubstr("\"follow\""));
}

TEST(JsonText, ReplacesInvalidUtf8InsteadOfThrowing) {
  EXPECT_EQ(jsonText({{"label", "a\xff"}}), "{\"label\":\"a\xEF\xBF\xBD\"}");
}

}  // namespace
}  // namespace pgbr::api
