// The notification tests' receivers proven with clients independent of the supervisor: the curl
// command line for HTTPS and SMTP, the openssl command line for the HMAC, and a raw socket for
// an SMTP conversation curl would not hold. If these pass, a notification test that fails points
// at the supervisor, not at its receivers.
#include "tests/integration/notify_servers.h"

#include <sys/time.h>

namespace pgbr::it {
namespace {

CommandOutput curlPost(const HttpsReceiver& receiver, const std::string& url,
                       const std::string& body, std::vector<std::string> extra = {}) {
  std::vector<std::string> argv{"curl",
                                "-sS",
                                "--max-time",
                                "20",
                                "-o",
                                "/dev/null",
                                "-w",
                                "%{http_code}",
                                "--cacert",
                                receiver.caFile().string(),
                                "-H",
                                "Content-Type: application/json",
                                "--data-binary",
                                body};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(url);
  return run(argv);
}

// openssl's HMAC, to check signatureOf() against an implementation of its own.
std::string opensslSignature(const std::string& secret, const std::string& body) {
  auto r = run({"openssl", "dgst", "-sha256", "-hmac", secret, "-r"}, {}, "", body);
  return "sha256=" + r.output.substr(0, r.output.find(' '));
}

TEST(HttpsReceiver, RecordsEachPostOverTlsVerifiedWithItsOwnCa) {
  TempDir dir;
  HttpsReceiver receiver(dir.path() / "hook");
  ASSERT_TRUE(receiver.start()) << receiver.log();
  ASSERT_GT(receiver.port(), 0);

  const std::string body = R"({"event":"job-failed","message":"the backup failed – café"})";
  const std::string secret = "hook-secret-Zq81";
  const std::string signature = opensslSignature(secret, body);
  auto r = curlPost(receiver, receiver.url("/hooks/json"), body,
                    {"-H", "X-Pgbr-Signature-256: " + signature, "-H", "X-Pgbr-Event: job-failed"});
  ASSERT_EQ(r.code, 0) << r.output << receiver.log();
  EXPECT_EQ(r.output, "200");
  // The same certificate serves the name localhost.
  r = curlPost(receiver, receiver.url("/by-name", "localhost"), "{}");
  EXPECT_EQ(r.output, "200") << receiver.log();
  // Without the CA the certificate is not trusted: the CA is the receiver's own.
  r = run({"curl", "-sS", "--max-time", "20", "--data-binary", "{}", receiver.url("/untrusted")});
  EXPECT_EQ(r.code, 60) << r.output;

  auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(field(requests[0], "method"), "POST");
  EXPECT_EQ(field(requests[0], "path"), "/hooks/json");
  EXPECT_EQ(field(requests[0], "body"), body);
  EXPECT_EQ(field(requests[0]["headers"], "x-pgbr-event"), "job-failed");
  EXPECT_EQ(requests[0].value("status", 0), 200);
  EXPECT_FALSE(field(requests[0], "time").empty());
  EXPECT_EQ(field(requests[1], "path"), "/by-name");

  EXPECT_EQ(HttpsReceiver::signatureOf(secret, body), signature);
  EXPECT_TRUE(HttpsReceiver::signatureValid(requests[0], secret));
  EXPECT_FALSE(HttpsReceiver::signatureValid(requests[0], secret + "x"));
  EXPECT_FALSE(HttpsReceiver::signatureValid(requests[1], secret));  // unsigned
}

TEST(HttpsReceiver, AnswersTheStatusTheTestAsksFor) {
  TempDir dir;
  HttpsReceiver receiver(dir.path());
  ASSERT_TRUE(receiver.start()) << receiver.log();

  receiver.setStatus(500);
  EXPECT_EQ(curlPost(receiver, receiver.url("/a"), "1").output, "500");
  receiver.setStatus(0);
  EXPECT_EQ(curlPost(receiver, receiver.url("/a"), "2").output, "200");
  EXPECT_EQ(curlPost(receiver, receiver.url("/b?status=503"), "3").output, "503");

  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].value("status", 0), 500);
  EXPECT_EQ(requests[1].value("status", 0), 200);
  EXPECT_EQ(requests[2].value("status", 0), 503);
  EXPECT_EQ(field(requests[2], "query"), "status=503");
  ASSERT_EQ(receiver.accepted().size(), 1u);
  EXPECT_EQ(field(receiver.accepted()[0], "body"), "2");
}

TEST(HttpsReceiver, StoppedRefusesConnectionsAndRestartsOnTheSamePort) {
  TempDir dir;
  HttpsReceiver receiver(dir.path());
  ASSERT_TRUE(receiver.start()) << receiver.log();
  const int port = receiver.port();
  EXPECT_EQ(curlPost(receiver, receiver.url("/before"), "1").output, "200");

  ASSERT_TRUE(receiver.stop());
  EXPECT_FALSE(receiver.running());
  EXPECT_FALSE(portAccepts(port));
  EXPECT_EQ(curlPost(receiver, receiver.url("/down"), "2").code, 7);  // couldn't connect

  ASSERT_TRUE(receiver.start()) << receiver.log();
  EXPECT_EQ(receiver.port(), port);
  EXPECT_EQ(curlPost(receiver, receiver.url("/after"), "3").output, "200");
  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(field(requests[0], "path"), "/before");
  EXPECT_EQ(field(requests[1], "path"), "/after");
}

TEST(HttpsReceiver, DestructorLeavesNoServerBehind) {
  TempDir dir;
  int port = 0;
  {
    HttpsReceiver receiver(dir.path());
    ASSERT_TRUE(receiver.start()) << receiver.log();
    port = receiver.port();
    ASSERT_TRUE(portAccepts(port));
  }
  EXPECT_FALSE(portAccepts(port));
}

const std::string kUser = "alerts@example.test";
const std::string kPassword = "smtp-pw-Kx93 with space";

std::string messageText() {
  return "From: pgbr <alerts@example.test>\r\n"
         "To: ops@example.test\r\n"
         "Subject: [main] backup failed\r\n"
         "\r\n"
         "the backup failed\r\n";
}

// curl sending one message; `extra` picks TLS and credentials.
CommandOutput curlMail(const SmtpServer& server, const fs::path& dir,
                       std::vector<std::string> extra) {
  writeFile(dir / "message.eml", messageText());
  std::vector<std::string> argv{"curl",
                                "-sS",
                                "--max-time",
                                "20",
                                server.url(),
                                "--mail-from",
                                "alerts@example.test",
                                "--mail-rcpt",
                                "ops@example.test",
                                "-T",
                                (dir / "message.eml").string()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return run(argv);
}

TEST(SmtpServer, TakesMailOverStartTlsWithAuth) {
  TempDir dir;
  SmtpServer server(dir.path() / "smtp", kUser, kPassword);
  ASSERT_TRUE(server.start()) << server.log();
  EXPECT_EQ(server.url(), "smtp://127.0.0.1:" + std::to_string(server.port()));

  auto r =
      curlMail(server, dir.path(),
               {"--ssl-reqd", "--cacert", server.caFile().string(), "-u", kUser + ":" + kPassword});
  ASSERT_EQ(r.code, 0) << r.output << server.log();
  const auto messages = server.messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_NE(messages[0].find("Subject: [main] backup failed\r\n"), std::string::npos)
      << messages[0];
  EXPECT_NE(messages[0].find("the backup failed"), std::string::npos);
  const auto envelopes = server.envelopes();
  ASSERT_EQ(envelopes.size(), 1u);
  EXPECT_EQ(field(envelopes[0], "mail_from"), "alerts@example.test");
  EXPECT_EQ(envelopes[0]["rcpt_tos"], Json::array({"ops@example.test"}));
  EXPECT_EQ(field(envelopes[0], "login"), kUser);
  EXPECT_EQ(envelopes[0].value("tls", false), true);
}

TEST(SmtpServer, RefusesWrongCredentialsAndMailWithoutTls) {
  TempDir dir;
  SmtpServer server(dir.path(), kUser, kPassword);
  ASSERT_TRUE(server.start()) << server.log();

  auto r = curlMail(
      server, dir.path(),
      {"--ssl-reqd", "--cacert", server.caFile().string(), "-u", kUser + ":not-the-password"});
  EXPECT_EQ(r.code, 67) << r.output;                                  // login denied
  r = curlMail(server, dir.path(), {"-u", kUser + ":" + kPassword});  // no STARTTLS asked
  EXPECT_NE(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("530"), std::string::npos) << r.output;
  r = curlMail(server, dir.path(),
               {"--ssl-reqd", "--cacert", server.caFile().string()});  // no AUTH
  EXPECT_NE(r.code, 0) << r.output;
  EXPECT_TRUE(server.messages().empty());
}

// One line-based SMTP conversation on a raw socket, to say things curl never would.
class RawSmtp {
 public:
  explicit RawSmtp(int port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    timeval timeout{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawSmtp() { ::close(fd_); }
  RawSmtp(const RawSmtp&) = delete;
  RawSmtp& operator=(const RawSmtp&) = delete;

  bool connected() const { return connected_; }
  // The next reply, all its lines ("250-a\r\n250 b\r\n"), or what came before a timeout.
  std::string reply() {
    std::string out;
    for (;;) {
      auto eol = buffer_.find("\r\n");
      if (eol != std::string::npos) {
        std::string line = buffer_.substr(0, eol + 2);
        buffer_.erase(0, eol + 2);
        out += line;
        if (line.size() < 4 || line[3] != '-') return out;
        continue;
      }
      char chunk[4096];
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return out + buffer_;
      buffer_.append(chunk, size_t(n));
    }
  }
  std::string say(const std::string& line) {
    const std::string data = line + "\r\n";
    if (::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) != ssize_t(data.size())) return "";
    return reply();
  }

 private:
  int fd_;
  bool connected_ = false;
  std::string buffer_;
};

TEST(SmtpServer, RefusesAuthBeforeStartTls) {
  TempDir dir;
  SmtpServer server(dir.path(), kUser, kPassword);
  ASSERT_TRUE(server.start()) << server.log();

  RawSmtp smtp(server.port());
  ASSERT_TRUE(smtp.connected());
  EXPECT_EQ(smtp.reply().substr(0, 4), "220 ");
  const std::string ehlo = smtp.say("EHLO client.test");
  EXPECT_NE(ehlo.find("STARTTLS"), std::string::npos) << ehlo;
  EXPECT_EQ(ehlo.find("AUTH"), std::string::npos) << ehlo;  // not even offered in plain text
  // "\0user\0password" in base64, sent in the clear: refused whatever it holds.
  const std::string plain = smtp.say("AUTH PLAIN AGFsZXJ0cwBzbXRwLXB3");
  EXPECT_EQ(plain.substr(0, 4), "530 ") << plain;
  const std::string mail = smtp.say("MAIL FROM:<alerts@example.test>");
  EXPECT_EQ(mail.substr(0, 4), "530 ") << mail;
  EXPECT_EQ(smtp.say("QUIT").substr(0, 4), "221 ");
}

TEST(SmtpServer, ImplicitTlsAndADataReplyAsked) {
  TempDir dir;
  SmtpServer server(dir.path(), kUser, kPassword);
  server.useImplicitTls();
  ASSERT_TRUE(server.start()) << server.log();
  EXPECT_EQ(server.url(), "smtps://127.0.0.1:" + std::to_string(server.port()));
  const std::vector<std::string> tls_auth{"--cacert", server.caFile().string(), "-u",
                                          kUser + ":" + kPassword};

  server.setDataReply("451 4.3.0 try again later");
  EXPECT_NE(curlMail(server, dir.path(), tls_auth).code, 0);
  EXPECT_TRUE(server.messages().empty());
  server.setDataReply("");
  auto r = curlMail(server, dir.path(), tls_auth);
  ASSERT_EQ(r.code, 0) << r.output << server.log();
  ASSERT_EQ(server.messages().size(), 1u);
  EXPECT_EQ(server.envelopes()[0].value("tls", false), true);
}

TEST(SmtpServer, StoppedRefusesConnectionsAndRestartsOnTheSamePortWithItsMail) {
  TempDir dir;
  SmtpServer server(dir.path(), kUser, kPassword);
  ASSERT_TRUE(server.start()) << server.log();
  const int port = server.port();
  const std::vector<std::string> tls_auth{"--ssl-reqd", "--cacert", server.caFile().string(), "-u",
                                          kUser + ":" + kPassword};
  ASSERT_EQ(curlMail(server, dir.path(), tls_auth).code, 0) << server.log();

  ASSERT_TRUE(server.stop());
  EXPECT_FALSE(portAccepts(port));
  EXPECT_EQ(curlMail(server, dir.path(), tls_auth).code, 7);  // couldn't connect

  ASSERT_TRUE(server.start()) << server.log();
  EXPECT_EQ(server.port(), port);
  ASSERT_EQ(curlMail(server, dir.path(), tls_auth).code, 0) << server.log();
  EXPECT_EQ(server.messages().size(), 2u);
}

TEST(NotifyServers, OneCaServesBothWhenTheyShareATlsFolder) {
  TempDir dir;
  HttpsReceiver receiver(dir.path() / "hook", dir.path() / "tls");
  SmtpServer smtp(dir.path() / "smtp", kUser, kPassword, dir.path() / "tls");
  ASSERT_TRUE(receiver.start()) << receiver.log();
  ASSERT_TRUE(smtp.start()) << smtp.log();
  ASSERT_EQ(receiver.caFile(), smtp.caFile());
  // The supervisor reads the CA file after dropping to postgres.
  EXPECT_EQ(fs::status(receiver.caFile()).permissions() & fs::perms::others_read,
            fs::perms::others_read);

  EXPECT_EQ(curlPost(receiver, receiver.url("/x"), "{}").output, "200") << receiver.log();
  auto r = curlMail(
      smtp, dir.path(),
      {"--ssl-reqd", "--cacert", receiver.caFile().string(), "-u", kUser + ":" + kPassword});
  EXPECT_EQ(r.code, 0) << r.output << smtp.log();
  EXPECT_EQ(smtp.messages().size(), 1u);
}

}  // namespace
}  // namespace pgbr::it
