// The webhook and e-mail channels over fake transports: what is sent, how answers are classed,
// and that no secret leaks into a result or a description.
#include "supervisor/notify/channel.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/notify/fakes.h"

namespace pgbr {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

const WallTime kTime = WallTime(std::chrono::seconds(1'796'000'000));
const std::string kSlackUrl = "https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX";

struct WebhookFixture {
  std::shared_ptr<testing::FakeHttpTransport> http = std::make_shared<testing::FakeHttpTransport>();
  std::unique_ptr<Channel> channel(WebhookFormat format, std::string url = kSlackUrl,
                                   std::string secret = {}) {
    return makeWebhookChannel({"webhook-1", std::move(url), format, std::move(secret)}, http);
  }
};

TEST(Redaction, UrlKeepsOnlySchemeAndHost) {
  EXPECT_EQ(redactUrl(kSlackUrl), "https://hooks.slack.com/…");
  EXPECT_EQ(redactUrl("https://user:pw@example.com:8443/hook?token=abc#x"),
            "https://example.com:8443/…");
  EXPECT_EQ(redactUrl("http://example.com?token=abc"), "http://example.com/…");
  EXPECT_EQ(redactUrl("smtps://mail.example.com:465"), "smtps://mail.example.com:465/…");
  EXPECT_EQ(redactUrl("not a url with s3cr3t"), "…");
}

TEST(Redaction, ScrubSecretsReplacesEveryOccurrence) {
  EXPECT_EQ(scrubSecrets("a pw b pw", {"pw", ""}), "a … b …");
  EXPECT_EQ(scrubSecrets("nothing here", {}), "nothing here");
}

TEST(Retry, HttpStatusClasses) {
  for (long s : {301L, 302L, 308L, 400L, 401L, 403L, 404L, 410L, 413L, 422L})
    EXPECT_FALSE(isRetryableHttpStatus(s)) << s;
  for (long s : {408L, 429L, 500L, 502L, 503L, 504L}) EXPECT_TRUE(isRetryableHttpStatus(s)) << s;
}

TEST(WebhookChannel, PostsSignedJson) {
  WebhookFixture f;
  auto channel = f.channel(WebhookFormat::kJson, "https://receiver.example.com/hook/abc", "s3cr3t");
  EXPECT_EQ(channel->name(), "webhook-1");
  EXPECT_EQ(channel->kind(), "webhook");
  EXPECT_EQ(channel->describe(), "json webhook https://receiver.example.com/…");
  const DeliveryResult r = channel->send(testing::sampleNotification(kTime));
  EXPECT_TRUE(r.ok) << r.error;
  const auto requests = f.http->requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& sent = requests[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, "https://receiver.example.com/hook/abc");
  EXPECT_EQ(sent.body, renderJsonWebhook(testing::sampleNotification(kTime)));
  EXPECT_EQ(json::parse(sent.body)["severity"], "critical");
  EXPECT_EQ(sent.header("X-Pgbr-Signature-256"), "sha256=" + hmacSha256Hex("s3cr3t", sent.body));
  EXPECT_EQ(sent.header("X-Pgbr-Event"), "job-failed");
}

TEST(WebhookChannel, SlackAndDiscordBodiesAreNotSigned) {
  WebhookFixture f;
  f.channel(WebhookFormat::kSlack, kSlackUrl, "s3cr3t")->send(testing::sampleNotification(kTime));
  f.channel(WebhookFormat::kDiscord, "https://discord.com/api/webhooks/1/tok", "s3cr3t")
      ->send(testing::sampleNotification(kTime));
  const auto requests = f.http->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_TRUE(json::parse(requests[0].body).contains("text"));
  EXPECT_TRUE(json::parse(requests[1].body).contains("embeds"));
  for (const auto& r : requests) EXPECT_EQ(r.header("X-Pgbr-Signature-256"), "");
}

TEST(WebhookChannel, ClientErrorsArePermanentServerErrorsRetryable) {
  WebhookFixture f;
  auto channel = f.channel(WebhookFormat::kSlack);
  const Notification n = testing::sampleNotification(kTime);
  f.http->answer(404, "no_service");
  f.http->answer(503, "<html>\n<body>busy</body></html>");
  f.http->answer(429, "slow down");
  f.http->failToConnect("Could not resolve host: hooks.slack.com");
  DeliveryResult r = channel->send(n);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.permanent);
  EXPECT_EQ(r.error,
            "https://hooks.slack.com/… answered HTTP 404: no_service (check the webhook URL; not "
            "retried)");
  r = channel->send(n);
  EXPECT_FALSE(r.permanent);
  EXPECT_EQ(r.error,
            "https://hooks.slack.com/… answered HTTP 503: <html> <body>busy</body></html>");
  r = channel->send(n);
  EXPECT_FALSE(r.permanent);
  r = channel->send(n);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.permanent);
  EXPECT_EQ(r.error,
            "cannot reach https://hooks.slack.com/…: Could not resolve host: hooks.slack.com");
}

TEST(WebhookChannel, NoSecretInErrorsEvenWhenTheReceiverEchoesIt) {
  WebhookFixture f;
  const std::string url = "https://u:pa55@hooks.example.com/services/T0/B0/TOKEN123";
  auto channel = f.channel(WebhookFormat::kJson, url, "hmac-key-42");
  f.http->answer(400, "bad request to /services/T0/B0/TOKEN123 signed hmac-key-42");
  f.http->failToConnect("Failed to connect to " + url);
  for (int i = 0; i < 2; ++i) {
    const DeliveryResult r = channel->send(testing::sampleNotification(kTime));
    EXPECT_FALSE(r.ok);
    for (const char* secret : {"TOKEN123", "services", "hmac-key-42", "pa55"})
      EXPECT_THAT(r.error, Not(HasSubstr(secret))) << r.error;
    EXPECT_THAT(r.error, HasSubstr("hooks.example.com"));
  }
  for (const char* secret : {"TOKEN123", "pa55", "hmac-key-42"})
    EXPECT_THAT(channel->describe(), Not(HasSubstr(secret)));
}

TEST(MailChannel, SendsRenderedMessageToBareAddresses) {
  auto mail = std::make_shared<testing::FakeMailTransport>();
  auto channel = makeMailChannel({"email",
                                  "pgbr <pgbr@example.com>",
                                  {"Ops <ops@example.com>", " dba@example.com "},
                                  "smtps://mail.example.com/…"},
                                 mail);
  EXPECT_EQ(channel->kind(), "email");
  EXPECT_EQ(channel->describe(),
            "e-mail to ops@example.com, dba@example.com via smtps://mail.example.com/…");
  const DeliveryResult r = channel->send(testing::sampleNotification(kTime));
  EXPECT_TRUE(r.ok);
  const auto sent = mail->sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].from, "pgbr@example.com");
  EXPECT_EQ(sent[0].to, (std::vector<std::string>{"ops@example.com", "dba@example.com"}));
  EXPECT_THAT(sent[0].message, HasSubstr("Subject: [pgbr main] CRITICAL: the backup failed"));
  EXPECT_THAT(sent[0].message, HasSubstr("From: pgbr <pgbr@example.com>\r\n"));
}

TEST(MailChannel, PassesTheTransportsVerdictOn) {
  auto mail = std::make_shared<testing::FakeMailTransport>();
  auto channel = makeMailChannel({"email", "a@example.com", {"b@example.com"}, ""}, mail);
  mail->result(
      {false, true, "sending mail through smtps://mail.example.com/… failed: (smtp reply 550)"});
  const DeliveryResult r = channel->send(testing::sampleNotification(kTime));
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.permanent);
  EXPECT_THAT(r.error, HasSubstr("550"));
}

TEST(MailChannel, BareAddress) {
  EXPECT_EQ(bareAddress("Name <a@b.c>"), "a@b.c");
  EXPECT_EQ(bareAddress("  a@b.c "), "a@b.c");
}

}  // namespace
}  // namespace pgbr
