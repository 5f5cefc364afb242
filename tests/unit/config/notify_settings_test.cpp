// The notification settings (PGBR_NOTIFY_*): formats, URL checks that never echo a secret, the
// e-mail settings that only go together, events, and redaction.
#include "supervisor/config/notify_settings.h"

#include <gmock/gmock.h>

#include "tests/unit/config/config_test_support.h"

namespace pgbr::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

using NotifySettingsTest = ConfigFixture;

TEST_F(NotifySettingsTest, DefaultsSendNothingAndNotifyFailuresAndAlerts) {
  const Settings s = settings();
  EXPECT_TRUE(s.notify.webhook_urls.empty());
  EXPECT_EQ(s.notify.webhook_format, "json");
  EXPECT_EQ(s.notify.smtp_url, "");
  EXPECT_TRUE(s.notify.events_failures);
  EXPECT_TRUE(s.notify.events_alerts);
  EXPECT_FALSE(s.notify.events_success);
  EXPECT_EQ(s.notify.retry_hours, 24);
}

TEST_F(NotifySettingsTest, WebhookUrlsTakeTheirFormatFromAPrefixOrTheDefault) {
  env.set("PGBR_NOTIFY_WEBHOOK_URLS",
          "https://a.example.com/x,slack+https://hooks.slack.com/services/T/B/C \n "
          "discord+https://discord.com/api/webhooks/1/t json+http://10.0.0.5:8080/hook");
  env.set("PGBR_NOTIFY_WEBHOOK_FORMAT", "slack");
  const auto targets = notifyWebhookTargets(settings().notify);
  ASSERT_EQ(targets.size(), 4u);
  EXPECT_EQ(targets[0].url, "https://a.example.com/x");
  EXPECT_EQ(targets[0].format, "slack");
  EXPECT_EQ(targets[1].url, "https://hooks.slack.com/services/T/B/C");
  EXPECT_EQ(targets[1].format, "slack");
  EXPECT_EQ(targets[2].format, "discord");
  EXPECT_EQ(targets[3].url, "http://10.0.0.5:8080/hook");
  EXPECT_EQ(targets[3].format, "json");
}

TEST_F(NotifySettingsTest, BadWebhookUrlsAreNamedByPositionNeverQuoted) {
  for (const char* bad : {"ftp://files.example.com/SECRET-TOKEN", "hooks.example.com/SECRET-TOKEN",
                          "teams+https://x.example.com/SECRET-TOKEN", "https:///SECRET-TOKEN",
                          "https://user:SECRET-TOKEN@x.example.com/h"}) {
    env.set("PGBR_NOTIFY_WEBHOOK_URLS", std::string("https://ok.example.com/a ") + bad);
    const std::string e = error();
    EXPECT_THAT(e, HasSubstr("PGBR_NOTIFY_WEBHOOK_URLS: webhook URL 2 ")) << bad;
    EXPECT_THAT(e, Not(HasSubstr("SECRET-TOKEN"))) << e;
  }
}

TEST_F(NotifySettingsTest, UnknownFormatIsRefused) {
  env.set("PGBR_NOTIFY_WEBHOOK_FORMAT", "teams");
  EXPECT_THAT(error(), HasSubstr("PGBR_NOTIFY_WEBHOOK_FORMAT: \"teams\" is not a webhook format; "
                                 "set json, slack or discord"));
}

TEST_F(NotifySettingsTest, MailNeedsUrlFromAndToTogether) {
  env.set("PGBR_NOTIFY_EMAIL_FROM", "pgbr@example.com");
  EXPECT_THAT(error(), HasSubstr("e-mail alerts need PGBR_NOTIFY_SMTP_URL, PGBR_NOTIFY_EMAIL_FROM "
                                 "and PGBR_NOTIFY_EMAIL_TO together; set PGBR_NOTIFY_SMTP_URL "
                                 "PGBR_NOTIFY_EMAIL_TO"));
  env.set("PGBR_NOTIFY_EMAIL_TO", "ops@example.com, dba@example.com");
  EXPECT_THAT(error(), HasSubstr("set PGBR_NOTIFY_SMTP_URL (or unset the others)"));
  env.set("PGBR_NOTIFY_SMTP_URL", "smtp://mail.example.com:587");
  const Settings s = settings();
  EXPECT_EQ(s.notify.email_to, (std::vector<std::string>{"ops@example.com", "dba@example.com"}));
  env.set("PGBR_NOTIFY_SMTP_USER", "alerts");
  EXPECT_THAT(error(),
              HasSubstr("PGBR_NOTIFY_SMTP_USER and PGBR_NOTIFY_SMTP_PASSWORD go together"));
  env.set("PGBR_NOTIFY_SMTP_PASSWORD", "mail-pa55");
  EXPECT_EQ(settings().notify.smtp_password, "mail-pa55");
}

TEST_F(NotifySettingsTest, SmtpUrlSchemesAndNoCredentialsInIt) {
  env.set("PGBR_NOTIFY_EMAIL_FROM", "pgbr@example.com");
  env.set("PGBR_NOTIFY_EMAIL_TO", "ops@example.com");
  env.set("PGBR_NOTIFY_SMTP_URL", "https://mail.example.com");
  EXPECT_THAT(error(), HasSubstr("PGBR_NOTIFY_SMTP_URL: \"https://mail.example.com\" is not an "
                                 "smtp:// or smtps:// URL"));
  env.set("PGBR_NOTIFY_SMTP_URL", "smtps://me:pa55@mail.example.com");
  const std::string e = error();
  EXPECT_THAT(e, HasSubstr("the SMTP URL holds a user or password"));
  EXPECT_THAT(e, Not(HasSubstr("pa55")));
  env.set("PGBR_NOTIFY_SMTP_URL", "smtp://");
  EXPECT_THAT(error(), HasSubstr("has no host"));
  env.set("PGBR_NOTIFY_SMTP_URL", "smtps://mail.example.com:465");
  EXPECT_EQ(settings().notify.smtp_url, "smtps://mail.example.com:465");
}

TEST_F(NotifySettingsTest, AddressesAreChecked) {
  env.set("PGBR_NOTIFY_SMTP_URL", "smtp://mail.example.com");
  env.set("PGBR_NOTIFY_EMAIL_FROM", "Backups <backups@example.com>");
  env.set("PGBR_NOTIFY_EMAIL_TO", "ops@example.com,nobody");
  EXPECT_THAT(error(), HasSubstr("PGBR_NOTIFY_EMAIL_TO: \"nobody\" is not an e-mail address"));
  env.set("PGBR_NOTIFY_EMAIL_TO", "ops@example.com");
  EXPECT_EQ(settings().notify.email_from, "Backups <backups@example.com>");
  env.set("PGBR_NOTIFY_EMAIL_FROM", "Backups <backups>");
  EXPECT_THAT(error(), HasSubstr("PGBR_NOTIFY_EMAIL_FROM: \"backups\" is not an e-mail address"));
}

TEST_F(NotifySettingsTest, EventsAndRetryHours) {
  env.set("PGBR_NOTIFY_EVENTS", "failures, success");
  Settings s = settings();
  EXPECT_TRUE(s.notify.events_failures);
  EXPECT_FALSE(s.notify.events_alerts);
  EXPECT_TRUE(s.notify.events_success);
  env.set("PGBR_NOTIFY_EVENTS", "none");
  s = settings();
  EXPECT_FALSE(s.notify.events_failures || s.notify.events_alerts || s.notify.events_success);
  env.set("PGBR_NOTIFY_EVENTS", "failures,succes");
  EXPECT_THAT(error(), HasSubstr("PGBR_NOTIFY_EVENTS: \"succes\" is not a kind of event"));
  env.set("PGBR_NOTIFY_EVENTS", "all");
  env.set("PGBR_NOTIFY_RETRY_HOURS", "0");
  EXPECT_THAT(error(), HasSubstr("PGBR_NOTIFY_RETRY_HOURS: \"0\" is out of range; set a whole "
                                 "number of hours from 1 to 720"));
  env.set("PGBR_NOTIFY_RETRY_HOURS", "72");
  EXPECT_EQ(settings().notify.retry_hours, 72);
}

TEST_F(NotifySettingsTest, AlertThresholdsHaveDefaultsAndRanges) {
  Settings s = settings();
  EXPECT_EQ(s.notify.archive_stuck_s, 180);
  EXPECT_EQ(s.notify.wal_min_free_pct, 10);
  EXPECT_EQ(s.notify.wal_fill_minutes, 60);
  EXPECT_EQ(s.notify.overdue_minutes, 60);
  EXPECT_EQ(s.notify.standby_s, 120);
  env.set("PGBR_NOTIFY_STANDBY_S", "5");
  EXPECT_THAT(error(), HasSubstr("PGBR_NOTIFY_STANDBY_S: \"5\" is out of range"));
  env.set("PGBR_NOTIFY_STANDBY_S", "30");
  env.set("PGBR_NOTIFY_ARCHIVE_STUCK_S", "10");
  EXPECT_THAT(error(), HasSubstr("PGBR_NOTIFY_ARCHIVE_STUCK_S: \"10\" is out of range; set a "
                                 "whole number of seconds from 30 to 86400"));
  env.set("PGBR_NOTIFY_ARCHIVE_STUCK_S", "45");
  env.set("PGBR_NOTIFY_WAL_MIN_FREE_PCT", "95");
  EXPECT_THAT(error(), HasSubstr("PGBR_NOTIFY_WAL_MIN_FREE_PCT"));
  env.set("PGBR_NOTIFY_WAL_MIN_FREE_PCT", "20");
  env.set("PGBR_NOTIFY_WAL_FILL_MINUTES", "soon");
  EXPECT_THAT(error(), HasSubstr("PGBR_NOTIFY_WAL_FILL_MINUTES"));
  env.set("PGBR_NOTIFY_WAL_FILL_MINUTES", "15");
  env.set("PGBR_NOTIFY_OVERDUE_MINUTES", "30");
  s = settings();
  EXPECT_EQ(s.notify.archive_stuck_s, 45);
  EXPECT_EQ(s.notify.wal_min_free_pct, 20);
  EXPECT_EQ(s.notify.wal_fill_minutes, 15);
  EXPECT_EQ(s.notify.overdue_minutes, 30);
  EXPECT_EQ(s.notify.standby_s, 30);
}

TEST_F(NotifySettingsTest, CaFileMustBeAbsolute) {
  env.set("PGBR_NOTIFY_CA_FILE", "ca.pem");
  EXPECT_THAT(error(), HasSubstr("PGBR_NOTIFY_CA_FILE"));
}

TEST_F(NotifySettingsTest, SecretsAreRedactedInTheDump) {
  env.set("PGBR_NOTIFY_WEBHOOK_URLS",
          "slack+https://hooks.slack.com/services/T/B/XYZZY1 "
          "https://x.example.com:8443/XYZZY2?token=XYZZY5");
  env.set("PGBR_NOTIFY_WEBHOOK_SECRET", "hmac-XYZZY3");
  env.set("PGBR_NOTIFY_SMTP_URL", "smtps://mail.example.com");
  env.set("PGBR_NOTIFY_SMTP_USER", "alerts");
  env.set("PGBR_NOTIFY_SMTP_PASSWORD", "XYZZY4");
  env.set("PGBR_NOTIFY_EMAIL_FROM", "a@example.com");
  env.set("PGBR_NOTIFY_EMAIL_TO", "b@example.com");
  const Settings s = settings();
  const nlohmann::json dump = redactedSettingsJson(s);
  EXPECT_THAT(dump.dump(), Not(HasSubstr("XYZZY")));
  EXPECT_EQ(dump["settings"]["PGBR_NOTIFY_WEBHOOK_URLS"]["value"],
            "slack+https://hooks.slack.com/…,https://x.example.com:8443/…");
  EXPECT_EQ(dump["settings"]["PGBR_NOTIFY_WEBHOOK_URLS"]["secret"], true);
  EXPECT_EQ(dump["settings"]["PGBR_NOTIFY_WEBHOOK_SECRET"]["value"], "(redacted)");
  EXPECT_EQ(dump["settings"]["PGBR_NOTIFY_SMTP_PASSWORD"]["value"], "(redacted)");
  EXPECT_EQ(dump["settings"]["PGBR_NOTIFY_SMTP_USER"]["value"], "alerts");
  // The settings themselves keep the real values for the channels.
  EXPECT_EQ(s.notify.smtp_password, "XYZZY4");
}

}  // namespace
}  // namespace pgbr::testing
