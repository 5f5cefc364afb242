// Webhook bodies, the HMAC signature and the e-mail message, byte for byte where it matters.
#include "supervisor/notify/formats.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "tests/unit/notify/fakes.h"

namespace pgbr {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const WallTime kTime = WallTime(std::chrono::seconds(1'796'000'000));  // 2026-11-30T00:53:20Z

size_t codePoints(const std::string& text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

// The signature recomputed independently, through OpenSSL's EVP_MAC interface.
std::string referenceHmac(const std::string& key, const std::string& body) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  char digest_name[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest_name, 0),
                         OSSL_PARAM_construct_end()};
  EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(), params);
  EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(body.data()), body.size());
  unsigned char out[32];
  size_t length = 0;
  EVP_MAC_final(ctx, out, &length, sizeof out);
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  std::string hex;
  char two[3];
  for (size_t i = 0; i < length; ++i) {
    std::snprintf(two, sizeof two, "%02x", out[i]);
    hex += two;
  }
  return hex;
}

TEST(Formats, HmacMatchesRfc4231AndOpenSsl) {
  // RFC 4231 test case 2.
  EXPECT_EQ(hmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hmacSha256Hex("s3cr3t", "{\"a\":1}"), referenceHmac("s3cr3t", "{\"a\":1}"));
}

TEST(Formats, JsonWebhookCarriesEveryField) {
  const json body = json::parse(renderJsonWebhook(testing::sampleNotification(kTime)));
  EXPECT_EQ(body["event"], "job-failed");
  EXPECT_EQ(body["condition"], "job-failed:backup");
  EXPECT_EQ(body["severity"], "critical");
  EXPECT_EQ(body["state"], "firing");
  EXPECT_EQ(body["stanza"], "main");
  EXPECT_EQ(body["host"], "db1");
  EXPECT_EQ(body["message"], "the backup failed: pgbackrest exited with code 41");
  EXPECT_EQ(body["details"]["exit_code"], 41);
  EXPECT_EQ(body["time"], "2026-11-30T00:53:20Z");
  EXPECT_EQ(body["id"], "20261206T232212Z-0123456789abcdef");
}

TEST(Formats, HeadersSignTheExactBody) {
  const Notification n = testing::sampleNotification(kTime);
  const std::string body = renderJsonWebhook(n);
  auto headers = webhookHeaders(n, body, "s3cr3t");
  std::map<std::string, std::string> h(headers.begin(), headers.end());
  EXPECT_EQ(h["Content-Type"], "application/json");
  EXPECT_EQ(h["X-Pgbr-Event"], "job-failed");
  EXPECT_EQ(h["X-Pgbr-Delivery"], n.id);
  EXPECT_EQ(h["X-Pgbr-Signature-256"], "sha256=" + referenceHmac("s3cr3t", body));
  EXPECT_NE(h["X-Pgbr-Signature-256"], "sha256=" + referenceHmac("s3cr3t", body + " "));
  auto unsigned_headers = webhookHeaders(n, body, "");
  for (const auto& [name, value] : unsigned_headers) EXPECT_NE(name, "X-Pgbr-Signature-256");
}

TEST(Formats, TitleNamesTheStanzaAndTheProblem) {
  Notification n = testing::sampleNotification(kTime);
  EXPECT_EQ(notificationTitle(n),
            "[pgbr main] CRITICAL: the backup failed: pgbackrest exited with code 41");
  n.severity = Severity::kWarning;
  n.message = "archiving is stuck\nsecond line";
  EXPECT_EQ(notificationTitle(n), "[pgbr main] WARNING: archiving is stuck");
  n.state = AlertState::kResolved;
  EXPECT_EQ(notificationTitle(n), "[pgbr main] RESOLVED: archiving is stuck");
  n.state = AlertState::kTest;
  n.stanza = "";
  EXPECT_EQ(notificationTitle(n), "[pgbr] TEST: archiving is stuck");
  // A long first line: its first clause (outside parentheses), else cut at the limit.
  n.state = AlertState::kFiring;
  n.severity = Severity::kCritical;
  n.message =
      "The full backup failed (job 20261207T000326Z-0004): [041] unable to load info "
      "file '/var/lib/pgbackrest/backup/main/backup.info': FileOpenError: permission "
      "denied, and more of pgBackRest's words follow here";
  EXPECT_EQ(notificationTitle(n),
            "[pgbr] CRITICAL: The full backup failed (job 20261207T000326Z-0004)");
  n.message = std::string(200, 'x');
  EXPECT_EQ(notificationTitle(n), "[pgbr] CRITICAL: " + std::string(149, 'x') + "\u2026");
}

TEST(Formats, SlackEscapesAndColours) {
  Notification n = testing::sampleNotification(kTime);
  n.message = "disk <80% & rising> fast";
  const json body = json::parse(renderSlackWebhook(n));
  const std::string text = body["text"];
  EXPECT_THAT(
      text, StartsWith(":red_circle: *[pgbr main] CRITICAL: disk &lt;80% &amp; rising&gt; fast*"));
  EXPECT_THAT(text, HasSubstr("host db1 · condition job-failed:backup · 2026-11-30T00:53:20Z"));
  EXPECT_THAT(text, Not(HasSubstr("<80")));
  ASSERT_EQ(body["attachments"].size(), 1u);
  EXPECT_EQ(body["attachments"][0]["color"], "#C62828");
  EXPECT_EQ(body["attachments"][0]["fields"].size(), 2u);
  n.state = AlertState::kResolved;
  n.details = json::object();
  const json resolved = json::parse(renderSlackWebhook(n));
  EXPECT_THAT(resolved["text"].get<std::string>(),
              StartsWith(":white_check_mark: *[pgbr main] RESOLVED"));
  EXPECT_FALSE(resolved.contains("attachments"));
}

TEST(Formats, DiscordStaysWithinItsLimits) {
  Notification n = testing::sampleNotification(kTime);
  std::string long_text;
  for (int i = 0; i < 3000; ++i) long_text += "é€";  // 2 and 3 bytes per character
  n.message = long_text;
  const json body = json::parse(renderDiscordWebhook(n));
  EXPECT_LE(codePoints(body["content"]), kDiscordContentMax);
  const json& embed = body["embeds"][0];
  EXPECT_EQ(codePoints(embed["description"]), kDiscordDescriptionMax);
  EXPECT_THAT(embed["description"].get<std::string>(), ::testing::EndsWith("…"));
  EXPECT_LE(codePoints(embed["title"]), 256u);
  EXPECT_EQ(embed["color"], 0xC62828);
  EXPECT_EQ(embed["timestamp"], "2026-11-30T00:53:20Z");
  EXPECT_EQ(body["allowed_mentions"]["parse"], json::array());

  n.message = "short";
  const json small = json::parse(renderDiscordWebhook(n));
  EXPECT_EQ(small["content"], "[pgbr main] CRITICAL: short");
  EXPECT_THAT(small["embeds"][0]["description"].get<std::string>(), HasSubstr("\"exit_code\": 41"));
}

TEST(Formats, TruncateCountsCharactersNotBytes) {
  EXPECT_EQ(truncateUtf8("abc", 3), "abc");
  EXPECT_EQ(truncateUtf8("abcd", 3), "ab…");
  EXPECT_EQ(truncateUtf8("ééé", 3), "ééé");
  EXPECT_EQ(truncateUtf8("éééé", 3), "éé…");
  EXPECT_EQ(truncateUtf8("abc", 0), "");
}

TEST(Formats, MailMessageHeadersAndBody) {
  const Notification n = testing::sampleNotification(kTime);
  const std::string m =
      renderMailMessage(n, "pgbr <pgbr@example.com>", {"ops@example.com", "Dba <dba@example.com>"});
  EXPECT_THAT(m, StartsWith("From: pgbr <pgbr@example.com>\r\n"
                            "To: ops@example.com, Dba <dba@example.com>\r\n"
                            "Subject: [pgbr main] CRITICAL: the backup failed: pgbackrest exited "
                            "with code 41\r\n"
                            "Date: Mon, 30 Nov 2026 00:53:20 +0000\r\n"
                            "Message-ID: <20261206T232212Z-0123456789abcdef@db1>\r\n"));
  EXPECT_THAT(m, HasSubstr("Content-Type: text/plain; charset=UTF-8\r\n"));
  EXPECT_THAT(m, HasSubstr("Content-Transfer-Encoding: 7bit\r\n\r\nthe backup failed"));
  EXPECT_THAT(m, HasSubstr("Stanza: main\r\nHost: db1\r\n"));
  EXPECT_THAT(m, HasSubstr("\"job_id\": \"j-42\""));
  // Every line ends in CRLF: no bare LF.
  for (size_t at = m.find('\n'); at != std::string::npos; at = m.find('\n', at + 1))
    EXPECT_EQ(m[at - 1], '\r') << at;
}

TEST(Formats, MailResistsHeaderInjectionAndEncodesUtf8) {
  Notification n = testing::sampleNotification(kTime);
  n.stanza = "main\r\nBcc: victim@example.com";
  n.message = "sauvegarde échouée";
  const std::string m = renderMailMessage(n, "a@example.com", {"b@example.com"});
  EXPECT_THAT(m, Not(HasSubstr("\r\nBcc:")));
  EXPECT_THAT(m, HasSubstr("Subject: =?UTF-8?B?"));
  EXPECT_THAT(m, HasSubstr("Content-Transfer-Encoding: base64\r\n"));
  EXPECT_THAT(m, Not(HasSubstr("échouée")));  // the 8-bit text only travels base64-encoded
}

TEST(Formats, LongMailLinesAreBroken) {
  Notification n = testing::sampleNotification(kTime);
  n.message = std::string(5000, 'x');
  const std::string m = renderMailMessage(n, "a@example.com", {"b@example.com"});
  size_t start = 0;
  for (size_t at = m.find("\r\n"); at != std::string::npos; at = m.find("\r\n", start)) {
    EXPECT_LE(at - start, 998u);
    start = at + 2;
  }
}

}  // namespace
}  // namespace pgbr
