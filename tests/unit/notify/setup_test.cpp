// Channels, retry window and wanted kinds from the PGBR_NOTIFY_* settings.
#include "supervisor/notify/setup.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/notify/fakes.h"

namespace pgbr {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const WallTime kTime = WallTime(std::chrono::seconds(1'796'000'000));

TEST(NotifySetup, NoSettingsNoChannels) {
  EXPECT_TRUE(makeChannels(NotifySettings{}).empty());
}

TEST(NotifySetup, ChannelsInOrderWithTheirFormats) {
  NotifySettings s;
  s.webhook_urls = {"https://a.example.com/TOKEN-A", "slack+https://hooks.slack.com/T/B/TOKEN-B",
                    "discord+https://discord.com/api/webhooks/1/TOKEN-C"};
  s.webhook_secret = "k";
  s.smtp_url = "smtps://mail.example.com";
  s.smtp_password = "pw-XYZZY";
  s.email_from = "pgbr@example.com";
  s.email_to = {"ops@example.com"};
  auto http = std::make_shared<testing::FakeHttpTransport>();
  auto mail = std::make_shared<testing::FakeMailTransport>();
  const auto channels = makeChannels(s, http, mail);
  ASSERT_EQ(channels.size(), 4u);
  EXPECT_EQ(channels[0]->name(), "webhook-1");
  EXPECT_EQ(channels[0]->describe(), "json webhook https://a.example.com/…");
  EXPECT_EQ(channels[1]->describe(), "slack webhook https://hooks.slack.com/…");
  EXPECT_EQ(channels[2]->name(), "webhook-3");
  EXPECT_EQ(channels[2]->describe(), "discord webhook https://discord.com/…");
  EXPECT_EQ(channels[3]->name(), "email");
  EXPECT_EQ(channels[3]->describe(), "e-mail to ops@example.com via smtps://mail.example.com/…");
  for (const auto& c : channels) {
    EXPECT_THAT(c->describe(), Not(HasSubstr("TOKEN")));
    EXPECT_THAT(c->describe(), Not(HasSubstr("XYZZY")));
    EXPECT_TRUE(c->send(testing::sampleNotification(kTime)).ok);
  }
  const auto requests = http->requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[1].url, "https://hooks.slack.com/T/B/TOKEN-B");  // the prefix is not sent
  EXPECT_NE(requests[0].header("X-Pgbr-Signature-256"), "");
  EXPECT_EQ(mail->sent().size(), 1u);
}

TEST(NotifySetup, RetryWindowFolderAndKinds) {
  NotifySettings s;
  s.retry_hours = 6;
  EXPECT_EQ(outboxOptions(s).retry_for, std::chrono::hours(6));
  Settings all;
  all.state_dir = "/state";
  EXPECT_EQ(notifyFolder(all), "/state/notify");
  EXPECT_TRUE(isWanted(s, NotifyKind::kFailure));
  EXPECT_TRUE(isWanted(s, NotifyKind::kAlert));
  EXPECT_FALSE(isWanted(s, NotifyKind::kSuccess));
  s.events_success = true;
  s.events_alerts = false;
  EXPECT_TRUE(isWanted(s, NotifyKind::kSuccess));
  EXPECT_FALSE(isWanted(s, NotifyKind::kAlert));
}

}  // namespace
}  // namespace pgbr
