// Notification: names, ids, and the JSON round trip the outbox depends on.
#include "supervisor/notify/notification.h"

#include <gtest/gtest.h>

#include <regex>

#include "tests/support/fake_clock.h"
#include "tests/unit/notify/fakes.h"

namespace pgbr {
namespace {

using nlohmann::json;

TEST(Notification, NamesParseBack) {
  for (Severity s : {Severity::kInfo, Severity::kWarning, Severity::kCritical})
    EXPECT_EQ(parseSeverity(severityName(s)), s);
  for (AlertState s : {AlertState::kFiring, AlertState::kResolved, AlertState::kTest})
    EXPECT_EQ(parseAlertState(alertStateName(s)), s);
  EXPECT_EQ(severityName(Severity::kCritical), "critical");
  EXPECT_EQ(alertStateName(AlertState::kResolved), "resolved");
  EXPECT_FALSE(parseSeverity("CRITICAL"));
  EXPECT_FALSE(parseAlertState("fired"));
}

TEST(Notification, EventIsTheConditionBeforeTheColon) {
  EXPECT_EQ(eventOfCondition("job-failed:backup"), "job-failed");
  EXPECT_EQ(eventOfCondition("archive-stuck"), "archive-stuck");
  EXPECT_EQ(eventOfCondition(""), "");
}

TEST(Notification, IdsAreTimeStampedAndUnique) {
  const WallTime t = WallTime(std::chrono::seconds(1'796'000'000));  // 2026-11-30T00:53:20Z
  const std::string a = newNotificationId(t);
  const std::string b = newNotificationId(t);
  EXPECT_NE(a, b);
  EXPECT_TRUE(std::regex_match(a, std::regex(R"(\d{8}T\d{6}Z-[0-9a-f]{16})"))) << a;
  EXPECT_EQ(a.substr(0, 16), "20261130T005320Z");
}

TEST(Notification, JsonRoundTrip) {
  const WallTime t = WallTime(std::chrono::milliseconds(1'796'000'000'123));
  const Notification n = testing::sampleNotification(t);
  const json j = toJson(n);
  EXPECT_EQ(j["severity"], "critical");
  EXPECT_EQ(j["state"], "firing");
  EXPECT_EQ(j["time"], "2026-11-30T00:53:20.123Z");
  auto back = notificationFromJson(json::parse(j.dump()));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->id, n.id);
  EXPECT_EQ(back->condition, n.condition);
  EXPECT_EQ(back->event, n.event);
  EXPECT_EQ(back->severity, n.severity);
  EXPECT_EQ(back->state, n.state);
  EXPECT_EQ(back->stanza, "main");
  EXPECT_EQ(back->host, "db1");
  EXPECT_EQ(back->message, n.message);
  EXPECT_EQ(back->details, n.details);
  EXPECT_EQ(back->time, t);
}

TEST(Notification, RefusesBrokenJson) {
  const json good = toJson(testing::sampleNotification(WallTime{}));
  EXPECT_TRUE(notificationFromJson(good));
  EXPECT_FALSE(notificationFromJson(json::array()));
  for (const char* field : {"id", "condition", "severity", "state", "time", "message"}) {
    json broken = good;
    broken.erase(field);
    EXPECT_FALSE(notificationFromJson(broken)) << field;
  }
  json bad = good;
  bad["severity"] = "fatal";
  EXPECT_FALSE(notificationFromJson(bad));
  bad = good;
  bad["time"] = "yesterday";
  EXPECT_FALSE(notificationFromJson(bad));
  bad = good;
  bad["host"] = 7;
  EXPECT_FALSE(notificationFromJson(bad));
}

}  // namespace
}  // namespace pgbr
