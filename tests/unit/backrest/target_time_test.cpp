// Time targets: every accepted spelling names the right instant and reaches pgBackRest as that
// instant in UTC; everything else is refused with a message that shows the accepted forms.
#include "supervisor/backrest/target_time.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace pgbr::backrest {
namespace {

using std::chrono::microseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

// 2026-12-05 08:07:40 UTC, the time `select now()` printed in the issue.
const WallTime kInstant = WallTime(seconds(1796458060));
const WallTime kInstantMicros = kInstant + microseconds(767967);

WallTime instantOf(std::string_view text) {
  std::string error;
  const std::optional<WallTime> instant = targetTimeInstant(text, &error);
  EXPECT_TRUE(instant.has_value()) << text << ": " << error;
  return instant.value_or(WallTime{});
}

std::string refusal(std::string_view text) {
  std::string error;
  EXPECT_FALSE(targetTimeInstant(text, &error).has_value()) << text;
  EXPECT_FALSE(normalizeTargetTime(text, nullptr).has_value()) << text;
  return error;
}

TEST(TargetTime, WhatPsqlPrints) {
  EXPECT_EQ(instantOf("2026-12-05 08:07:40.767967+00"), kInstantMicros);
  // psql right-aligns nothing but starts its cell with a space; a copied cell may carry it.
  EXPECT_EQ(instantOf(" 2026-12-05 08:07:40.767967+00 "), kInstantMicros);
  EXPECT_EQ(instantOf("2026-12-05 13:37:40.767967+05:30"), kInstantMicros);  // SET TIME ZONE
  EXPECT_EQ(instantOf("2026-12-05 03:07:40.767967-05"), kInstantMicros);
}

TEST(TargetTime, Rfc3339) {
  EXPECT_EQ(instantOf("2026-12-05T08:07:40Z"), kInstant);
  EXPECT_EQ(instantOf("2026-12-05t08:07:40z"), kInstant);
  EXPECT_EQ(instantOf("2026-12-05T08:07:40.767967Z"), kInstantMicros);
  EXPECT_EQ(instantOf("2026-12-05T13:37:40+05:30"), kInstant);
  EXPECT_EQ(instantOf("2026-12-04T20:07:40-12:00"), kInstant);
}

TEST(TargetTime, EverySeparatorAndOffsetSpelling) {
  for (const char* separator : {" ", "T"}) {
    for (const char* offset : {"+05:30", "+0530"}) {
      const std::string text = std::string("2026-12-05") + separator + "13:37:40" + offset;
      EXPECT_EQ(instantOf(text), kInstant) << text;
    }
    for (const char* offset : {"Z", "+00", "+0000", "+00:00", "-00", "-00:00"}) {
      const std::string text = std::string("2026-12-05") + separator + "08:07:40" + offset;
      EXPECT_EQ(instantOf(text), kInstant) << text;
    }
  }
  EXPECT_EQ(instantOf("2026-12-05 22:07:40+14"), kInstant);
  EXPECT_EQ(instantOf("2026-12-05 22:07:40+14:00"), kInstant);
}

TEST(TargetTime, FractionsOfOneToSixDigits) {
  EXPECT_EQ(instantOf("2026-12-05 08:07:40.7+00"), kInstant + microseconds(700000));
  EXPECT_EQ(instantOf("2026-12-05 08:07:40.76+00"), kInstant + microseconds(760000));
  EXPECT_EQ(instantOf("2026-12-05 08:07:40.767+00"), kInstant + microseconds(767000));
  EXPECT_EQ(instantOf("2026-12-05 08:07:40.7679+00"), kInstant + microseconds(767900));
  EXPECT_EQ(instantOf("2026-12-05 08:07:40.76796+00"), kInstant + microseconds(767960));
  EXPECT_EQ(instantOf("2026-12-05 08:07:40.000001Z"), kInstant + microseconds(1));
  EXPECT_EQ(instantOf("2026-12-05 08:07:40.000000Z"), kInstant);
}

TEST(TargetTime, CalendarEdges) {
  EXPECT_EQ(instantOf("2024-02-29 23:59:59.999999+00"),
            WallTime(seconds(1709251199)) + microseconds(999999));
  // An offset that moves the date across a day, a month and a year.
  EXPECT_EQ(instantOf("2027-01-01 05:29:59+05:30"), WallTime(seconds(1798761599)));
  EXPECT_EQ(instantOf("1970-01-01 00:00:00Z"), WallTime{});
}

TEST(TargetTime, PgbackrestGetsTheSameInstantInUtc) {
  std::string error;
  EXPECT_EQ(normalizeTargetTime("2026-12-05 08:07:40.767967+00", &error),
            "2026-12-05 08:07:40.767967+00");
  EXPECT_EQ(normalizeTargetTime("2026-12-05T13:37:40.767967+05:30", &error),
            "2026-12-05 08:07:40.767967+00");
  EXPECT_EQ(normalizeTargetTime("2026-12-05 03:07:40-0500", &error), "2026-12-05 08:07:40+00");
  EXPECT_EQ(normalizeTargetTime("2026-12-05T08:07:40Z", &error), "2026-12-05 08:07:40+00");
  EXPECT_EQ(normalizeTargetTime("2026-12-05T08:07:40.250z", &error), "2026-12-05 08:07:40.25+00");
  EXPECT_EQ(normalizeTargetTime("2027-01-01 05:29:59.5+05:30", &error), "2026-12-31 23:59:59.5+00");
  // The normalised form parses back to the instant it came from.
  for (const char* text : {"2026-12-05 13:37:40.000001+05:30", "2024-02-29T23:59:59.999999-12"}) {
    const std::string normal = normalizeTargetTime(text, &error).value_or("");
    EXPECT_EQ(instantOf(normal), instantOf(text)) << text << " -> " << normal;
  }
}

TEST(TargetTime, FormatKeepsMicrosecondsOnly) {
  EXPECT_EQ(formatTargetTime(kInstant), "2026-12-05 08:07:40+00");
  EXPECT_EQ(formatTargetTime(kInstantMicros), "2026-12-05 08:07:40.767967+00");
  EXPECT_EQ(formatTargetTime(kInstant + std::chrono::nanoseconds(1500)),
            "2026-12-05 08:07:40.000001+00");
}

TEST(TargetTime, WithoutAnOffsetIsRefusedNeverShifted) {
  for (const char* text : {"2026-12-05 08:07:40", "2026-12-05T08:07:40",
                           "2026-12-05 08:07:40.767967", "2026-12-05T08:07:40.7"}) {
    const std::string error = refusal(text);
    EXPECT_THAT(error, HasSubstr("has no offset from UTC")) << text;
    // The message shows the forms that are accepted.
    EXPECT_THAT(error, HasSubstr(std::string(kTargetTimeForms))) << text;
  }
}

TEST(TargetTime, MalformedTextIsRefusedWithTheAcceptedForms) {
  for (const char* text : {"",
                           " ",
                           "yesterday",
                           "2026-12-05",
                           "2026/12/05 08:07:40+00",
                           "05-12-2026 08:07:40+00",
                           "2026-12-05 08:07+00",
                           "2026-12-05 8:07:40+00",
                           "2026-12-05_08:07:40+00",
                           "2026-12-05 08:07:40 UTC",
                           "2026-12-05 08:07:40 +00",
                           "2026-12-05 08:07:40+0",
                           "2026-12-05 08:07:40+000",
                           "2026-12-05 08:07:40+00:0",
                           "2026-12-05 08:07:40+00:00:00",
                           "2026-12-05 08:07:40ZZ",
                           "2026-12-05 08:07:40Z+00",
                           "2026-12-05 08:07:40,5+00",
                           "2026-12-05 08:07:40+00\n",
                           "; rm -rf /",
                           "--delete",
                           "+2026-12-05 08:07:40+00"}) {
    const std::string error = refusal(text);
    EXPECT_THAT(error,
                HasSubstr("is not a time with an offset; write " + std::string(kTargetTimeForms)))
        << text;
  }
}

TEST(TargetTime, ImpossibleValuesAreRefused) {
  for (const char* text :
       {"2026-02-29 10:00:00+00", "2026-04-31 10:00:00+00", "2026-13-01 10:00:00+00",
        "2026-00-10 10:00:00+00", "0000-01-01 10:00:00+00", "2026-12-05 24:00:00+00",
        "2026-12-05 08:60:00+00", "2026-12-05 08:07:60+00"}) {
    EXPECT_THAT(refusal(text), HasSubstr("is not a real date and time")) << text;
  }
  for (const char* text : {"2026-12-05 08:07:40.+00", "2026-12-05 08:07:40.1234567+00"}) {
    EXPECT_THAT(refusal(text), HasSubstr("1 to 6 fraction digits")) << text;
  }
  for (const char* text : {"2026-12-05 08:07:40+15", "2026-12-05 08:07:40-13",
                           "2026-12-05 08:07:40+14:01", "2026-12-05 08:07:40-1230"}) {
    EXPECT_THAT(refusal(text), HasSubstr("offset must be between -12:00 and +14:00")) << text;
  }
  EXPECT_THAT(refusal("2026-12-05 08:07:40+01:60"), HasSubstr("is not a time with an offset"));
}

}  // namespace
}  // namespace pgbr::backrest
