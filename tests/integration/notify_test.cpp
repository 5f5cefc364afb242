// Notifications end to end, against the real binary: webhooks (JSON signed with HMAC, Slack and
// Discord formats) to an HTTPS receiver with a CA of its own, e-mail to an SMTP server requiring
// STARTTLS and AUTH (notify_servers.h), a backup failure and its resolution, deliveries kept
// across a receiver outage and a supervisor restart, archiving stuck behind a stopped S3, and the
// WAL backlog guard on a small pg_wal file system.
#include <sys/mount.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "tests/integration/harness.h"
#include "tests/integration/notify_servers.h"
#include "tests/integration/s3.h"

namespace pgbr::it {
namespace {

const std::string kHmacSecret = "it-hmac-secret-Hq4Zt8";
const std::string kSmtpPassword = "it-smtp-pw-Lm3Xc7";

// The notifications a receiver accepted, parsed, whatever format they came in: JSON bodies as
// they are; the Slack and Discord ones are kept whole (their text says what happened).
std::vector<Json> acceptedOn(const HttpsReceiver& hook, const std::string& path_prefix) {
  std::vector<Json> out;
  for (const Json& r : hook.accepted())
    if (field(r, "path").rfind(path_prefix, 0) == 0) out.push_back(r);
  return out;
}

Json bodyOf(const Json& request) {
  return Json::parse(field(request, "body"), nullptr, false);
}

// Whether a request's body (any format) holds `text`.
bool mentions(const Json& request, const std::string& text) {
  return field(request, "body").find(text) != std::string::npos;
}

struct Channels {
  explicit Channels(const fs::path& root)
      : hook(root / "hook", root / "tls"),
        smtp(root / "smtp", "alerts", kSmtpPassword, root / "tls") {}
  bool start() { return hook.start() && smtp.start(); }
  std::map<std::string, std::string> env() const {
    return {{"PGBR_NOTIFY_WEBHOOK_URLS", hook.url("/json/it-token-AAA1") + " slack+" +
                                             hook.url("/slack/it-token-BBB2") + ",discord+" +
                                             hook.url("/discord/it-token-CCC3")},
            {"PGBR_NOTIFY_WEBHOOK_SECRET", kHmacSecret},
            {"PGBR_NOTIFY_SMTP_URL", smtp.url()},
            {"PGBR_NOTIFY_SMTP_USER", "alerts"},
            {"PGBR_NOTIFY_SMTP_PASSWORD", kSmtpPassword},
            {"PGBR_NOTIFY_EMAIL_FROM", "pgbr <pgbr@example.com>"},
            {"PGBR_NOTIFY_EMAIL_TO", "ops@example.com"},
            {"PGBR_NOTIFY_CA_FILE", hook.caFile().string()}};
  }
  HttpsReceiver hook;
  SmtpServer smtp;
};

// One line per request and message received, for failure messages.
std::string summary(const Channels& ch) {
  std::string out = "\nwebhooks:";
  for (const Json& r : ch.hook.requests())
    out += "\n  " + field(r, "path") + " " + std::to_string(r.value("status", 0)) + " " +
           field(r, "body").substr(0, 160);
  out += "\nmail:";
  for (const std::string& m : ch.smtp.messages()) {
    const size_t at = m.find("Subject:");
    out +=
        "\n  " + (at == std::string::npos ? m.substr(0, 120) : m.substr(at, m.find('\r', at) - at));
  }
  return out;
}

const std::vector<std::string> kSecrets = {"it-token-AAA1", "it-token-BBB2", "it-token-CCC3",
                                           kHmacSecret, kSmtpPassword};

void expectNoSecretIn(const std::string& where, const std::string& text) {
  for (const std::string& secret : kSecrets)
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << " leaks in " << where;
}

Json finishedBackup(SupervisorUnderTest& sup, const std::string& type) {
  auto started = sup.post("/api/v1/backups", Json{{"type", type}});
  if (started.status != 202) return Json{{"state", "not started"}, {"body", started.body}};
  return sup.waitJob(started.json()["job"]["id"].get<std::string>());
}

// A failed backup (its repository folder unwritable) reaches the three webhooks and the mailbox
// within 10 s; the next backup that succeeds sends "resolved" everywhere. No secret anywhere.
TEST(Notify, ABackupFailureReachesEveryChannelAndItsResolutionToo) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  Channels ch(dir.path());
  ASSERT_TRUE(ch.start()) << ch.hook.log() << ch.smtp.log();
  SupervisorUnderTest sup(dir.path(), ch.env());
  ASSERT_TRUE(sup.startAndSettle());

  const fs::path backups = sup.stateDir() / "repo" / "backup" / "main";
  fs::permissions(backups, fs::perms::none);
  const Json failed = finishedBackup(sup, "incr");
  ASSERT_EQ(field(failed, "state"), "failed") << failed.dump();
  const auto failed_at = std::chrono::steady_clock::now();
  auto firing = [&](const std::string& prefix) {
    for (const Json& r : acceptedOn(ch.hook, prefix))
      if (mentions(r, "incr backup failed") && mentions(r, field(failed, "id"))) return true;
    return false;
  };
  auto mailed = [&](const std::string& word) {
    for (const std::string& m : ch.smtp.messages())
      if (m.find("Subject: [pgbr main]") != std::string::npos && m.find(word) != std::string::npos)
        return true;
    return false;
  };
  EXPECT_TRUE(eventually(
      [&] {
        return firing("/json/") && firing("/slack/") && firing("/discord/") && mailed("CRITICAL");
      },
      10s, 200ms))
      << "not every channel had the failure 10 s after it: " << summary(ch);
  std::printf("[ info ] failure delivered to 4 channels %.1f s after the job ended\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - failed_at).count());

  // The JSON webhook: every field, signed.
  std::vector<Json> json_hooks = acceptedOn(ch.hook, "/json/");
  ASSERT_FALSE(json_hooks.empty());
  for (const Json& r : json_hooks)
    EXPECT_TRUE(HttpsReceiver::signatureValid(r, kHmacSecret)) << r.dump();
  Json alert;
  for (const Json& r : json_hooks)
    if (mentions(r, "incr backup failed")) alert = bodyOf(r);
  EXPECT_EQ(field(alert, "event"), "job-failed") << alert.dump();
  EXPECT_EQ(field(alert, "severity"), "critical");
  EXPECT_EQ(field(alert, "state"), "firing");
  EXPECT_EQ(field(alert, "stanza"), "main");
  EXPECT_FALSE(field(alert, "host").empty());
  EXPECT_FALSE(field(alert, "time").empty());
  EXPECT_EQ(alert["details"]["job_id"], failed["id"]);
  const Json slack = bodyOf(acceptedOn(ch.hook, "/slack/").back());
  EXPECT_TRUE(slack["text"].is_string()) << slack.dump();
  const Json discord = bodyOf(acceptedOn(ch.hook, "/discord/").back());
  EXPECT_TRUE(discord["content"].is_string() || discord["embeds"].is_array()) << discord.dump();
  const Json status = sup.get("/api/v1/status").json();
  ASSERT_TRUE(status["alerts"].is_array()) << status.dump();
  bool active = false;
  for (const Json& a : status["alerts"])
    active = active || field(a, "condition") == "job-failed:backup-incr";
  EXPECT_TRUE(active) << status["alerts"].dump();
  EXPECT_NE(
      sup.get("/metrics").body.find("pgbr_alert_active{condition=\"job-failed:backup-incr\"} 1"),
      std::string::npos);

  // Fixed: the next incr succeeds and "resolved" arrives everywhere.
  fs::permissions(backups, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  const Json ok = finishedBackup(sup, "incr");
  ASSERT_EQ(field(ok, "state"), "succeeded") << ok.dump();
  auto resolved = [&](const std::string& prefix) {
    for (const Json& r : acceptedOn(ch.hook, prefix))
      if (mentions(r, "succeeded again") && mentions(r, field(ok, "id"))) return true;
    return false;
  };
  EXPECT_TRUE(eventually(
      [&] {
        return resolved("/json/") && resolved("/slack/") && resolved("/discord/") &&
               mailed("RESOLVED");
      },
      10s, 200ms))
      << summary(ch);
  // The repository's status, unreadable while its folder was, resolves on the next check too.
  EXPECT_TRUE(eventually([&] { return sup.get("/api/v1/status").json()["alerts"].empty(); }, 20s))
      << sup.get("/api/v1/status").json()["alerts"].dump();

  // Deliveries listed, counted; no secret in any answer, page or log line.
  const HttpAnswer listed = sup.get("/api/v1/notifications");
  ASSERT_EQ(listed.status, 200);
  const Json overview = listed.json();
  EXPECT_EQ(overview["channels"].size(), 4u) << listed.body;
  for (const Json& d : overview["deliveries"])
    EXPECT_EQ(field(d, "state"), "delivered") << d.dump();
  const std::string metrics = sup.get("/metrics").body;
  const std::string sample = "pgbr_notifications_total{channel=\"email\",result=\"delivered\"} ";
  const size_t at = metrics.find(sample);
  ASSERT_NE(at, std::string::npos) << metrics;
  EXPECT_GE(std::stoi(metrics.substr(at + sample.size())), 2) << metrics.substr(at, 80);
  const HttpAnswer test = sup.post("/api/v1/notifications/test", Json::object());
  ASSERT_EQ(test.status, 200) << test.body;
  const Json results = test.json();  // kept: a range-for over a temporary's member dangles
  for (const Json& r : results["results"]) EXPECT_EQ(r["ok"], true) << r.dump();
  for (const char* path :
       {"/api/v1/notifications", "/api/v1/config", "/api/v1/status", "/metrics", "/"})
    expectNoSecretIn(path, sup.get(path).body);
  expectNoSecretIn("the test's answer", test.body);
  expectNoSecretIn("the supervisor's output", sup.output());
  for (const auto& entry : fs::directory_iterator(sup.stateDir() / "logs"))
    expectNoSecretIn(entry.path().string(), readFile(entry.path()));
}

// The receiver is down when an alert fires: the delivery waits in the outbox, survives a restart
// of the supervisor, and arrives (once) when the receiver is back.
TEST(Notify, ADeliveryWaitsForTheReceiverAcrossARestart) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  HttpsReceiver hook(dir.path() / "hook", dir.path() / "tls");
  ASSERT_TRUE(hook.start()) << hook.log();
  SupervisorUnderTest sup(dir.path(),
                          {{"PGBR_NOTIFY_WEBHOOK_URLS", hook.url("/hook/it-token-AAA1")},
                           {"PGBR_NOTIFY_WEBHOOK_SECRET", kHmacSecret},
                           {"PGBR_NOTIFY_CA_FILE", hook.caFile().string()}});
  ASSERT_TRUE(sup.startAndSettle());
  ASSERT_TRUE(hook.stop());

  const fs::path backups = sup.stateDir() / "repo" / "backup" / "main";
  fs::permissions(backups, fs::perms::none);
  const Json failed = finishedBackup(sup, "diff");
  ASSERT_EQ(field(failed, "state"), "failed") << failed.dump();
  fs::permissions(backups, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  Json pending;
  ASSERT_TRUE(eventually(
      [&] {
        pending = sup.get("/api/v1/notifications").json();
        for (const Json& d : pending["deliveries"])
          if (field(d, "state") == "pending" && d["attempts"].get<int>() >= 1 &&
              !field(d, "last_error").empty())
            return true;
        return false;
      },
      30s, 500ms))
      << pending.dump();
  expectNoSecretIn("a failed delivery", pending.dump());

  sup.stop();
  sup.start();
  ASSERT_TRUE(sup.waitReady()) << sup.output();
  EXPECT_GE(sup.get("/api/v1/notifications").json()["pending"].get<int>(), 1);
  ASSERT_TRUE(hook.start()) << hook.log();
  std::vector<Json> got;
  EXPECT_TRUE(eventually(
      [&] {
        got.clear();
        for (const Json& r : hook.accepted())
          if (mentions(r, "diff backup failed") && mentions(r, field(failed, "id")))
            got.push_back(r);
        return !got.empty();
      },
      120s, 500ms))
      << sup.get("/api/v1/notifications").body;
  std::this_thread::sleep_for(3s);
  got.clear();
  for (const Json& r : hook.accepted())
    if (mentions(r, "diff backup failed")) got.push_back(r);
  EXPECT_EQ(got.size(), 1u) << "delivered more than once";
  if (!got.empty()) {
    EXPECT_TRUE(HttpsReceiver::signatureValid(got[0], kHmacSecret));
  }
  expectNoSecretIn("the supervisor's output", sup.output());
}

// The JSON notifications about `condition` ("archive") in `state` the receiver accepted.
size_t countOf(const HttpsReceiver& hook, const std::string& event, const std::string& state) {
  size_t n = 0;
  for (const Json& r : hook.accepted()) {
    const Json body = bodyOf(r);
    if (body.is_object() && field(body, "event") == event && field(body, "state") == state) ++n;
  }
  return n;
}

// S3 stopped while WAL is written: "archiving stuck" (PGBR_NOTIFY_ARCHIVE_STUCK_S=30) arrives
// within 90 s of the stop (30 s of waiting, archive-push's own failures with io-timeout 2 s, the
// 5 s check), exactly once however long the outage lasts, and "resolved" once S3 is back.
TEST(Notify, ArchivingStuckBehindAStoppedS3IsOneAlertAndOneResolution) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  S3Server s3(dir.path() / "s3");
  ASSERT_TRUE(s3.start()) << s3.lastOutput();
  HttpsReceiver hook(dir.path() / "hook", dir.path() / "tls");
  ASSERT_TRUE(hook.start()) << hook.log();
  auto env = s3.env(1, "/it-notify");
  env["PGBACKREST_IO_TIMEOUT"] = "2";
  env["PGBR_NOTIFY_ARCHIVE_STUCK_S"] = "30";
  env["PGBR_NOTIFY_WEBHOOK_URLS"] = hook.url("/hook/it-token-AAA1");
  env["PGBR_NOTIFY_CA_FILE"] = hook.caFile().string();
  SupervisorUnderTest sup(dir.path(), env);
  ASSERT_TRUE(sup.startAndSettle());
  writeAndSwitchWal(sup);

  ASSERT_TRUE(s3.stop()) << s3.lastOutput();
  const auto stopped = std::chrono::steady_clock::now();
  const bool fired = eventually(
      [&] {
        writeAndSwitchWal(sup);
        return countOf(hook, "archive", "firing") > 0;
      },
      90s, 2000ms);
  ASSERT_TRUE(fired) << sup.get("/api/v1/status").json()["archive"].dump()
                     << sup.get("/api/v1/notifications").body;
  std::printf("[ info ] archiving stuck notified %.0f s after S3 stopped\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - stopped).count());
  // The outage goes on, WAL keeps coming: no second alert.
  for (int i = 0; i < 10; ++i) {
    writeAndSwitchWal(sup);
    std::this_thread::sleep_for(2s);
  }
  EXPECT_EQ(countOf(hook, "archive", "firing"), 1u);

  ASSERT_TRUE(s3.start()) << s3.lastOutput();
  EXPECT_TRUE(eventually([&] { return countOf(hook, "archive", "resolved") > 0; }, 120s, 1000ms))
      << sup.get("/api/v1/status").json()["archive"].dump();
  std::this_thread::sleep_for(6s);
  EXPECT_EQ(countOf(hook, "archive", "firing"), 1u);
  EXPECT_EQ(countOf(hook, "archive", "resolved"), 1u);
  EXPECT_EQ(sup.output().find(S3Server::kSecret), std::string::npos);
}

// Unmounts on the way out (after the supervisor, declared later, has stopped).
struct TmpfsMount {
  explicit TmpfsMount(fs::path at, const std::string& size) : path(std::move(at)) {
    fs::create_directories(path);
    error = ::mount("tmpfs", path.c_str(), "tmpfs", 0, ("size=" + size + ",mode=0755").c_str()) == 0
                ? ""
                : std::string("mount: ") + std::strerror(errno);
  }
  ~TmpfsMount() {
    if (error.empty()) ::umount2(path.c_str(), MNT_DETACH);
  }
  fs::path path;
  std::string error;
};

// pg_wal on a 320 MiB file system and archiving broken: WAL piles up, and the backlog guard
// (the rate it fills at, PGBR_NOTIFY_WAL_FILL_MINUTES) warns while Postgres still runs, with the
// time left and what to do. Archiving fixed, the backlog drains and "resolved" follows.
TEST(Notify, TheWalBacklogGuardWarnsBeforePgWalIsFull) {
  PGBR_REQUIRE_ROOT();
  TempDir dir;
  TmpfsMount walfs(dir.path() / "walfs", "320m");
  ASSERT_EQ(walfs.error, "");
  ASSERT_EQ(::chown(walfs.path.c_str(), 0, 0), 0);
  run({"chown", "postgres:postgres", walfs.path.string()});
  HttpsReceiver hook(dir.path() / "hook", dir.path() / "tls");
  ASSERT_TRUE(hook.start()) << hook.log();
  SupervisorUnderTest sup(dir.path(),
                          {{"POSTGRES_INITDB_WALDIR", (walfs.path / "pg_wal").string()},
                           {"PGBR_NOTIFY_WEBHOOK_URLS", hook.url("/hook/it-token-AAA1")},
                           {"PGBR_NOTIFY_CA_FILE", hook.caFile().string()}});
  ASSERT_TRUE(sup.startAndSettle());

  const fs::path archive = sup.stateDir() / "repo" / "archive" / "main";
  fs::permissions(archive, fs::perms::none);
  // About 3 MiB of WAL a second: the file system would be full in under two minutes.
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    auto pg = sup.connect();
    pg->exec("create table it_fill(x int, pad text)");
    while (writing) {
      pg->exec("insert into it_fill select i, repeat('x', 200) from generate_series(1, 10000) i");
      std::this_thread::sleep_for(1s);
    }
  });
  Json alert;
  const bool warned = eventually(
      [&] {
        for (const Json& r : hook.accepted()) {
          const Json body = bodyOf(r);
          if (field(body, "event") == "wal-space" && field(body, "state") == "firing") alert = body;
        }
        return alert.is_object();
      },
      150s, 1000ms);
  const Json processes = sup.get("/api/v1/processes").json();
  writing = false;
  writer.join();
  ASSERT_TRUE(warned) << sup.get("/api/v1/notifications").body;
  EXPECT_NE(processes.dump().find("RUNNING"), std::string::npos) << processes.dump();
  EXPECT_NE(field(alert, "message").find("full in about"), std::string::npos) << alert.dump();
  EXPECT_NE(field(alert, "message").find("archive-push-queue-max"), std::string::npos);
  EXPECT_GT(alert["details"]["free_bytes"].get<int64_t>(), 0);

  fs::permissions(archive, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  EXPECT_TRUE(eventually(
      [&] {
        sup.connect()->exec("checkpoint");
        return countOf(hook, "wal-space", "resolved") > 0;
      },
      180s, 3000ms))
      << sup.get("/api/v1/status").json()["archive"].dump();
}

}  // namespace
}  // namespace pgbr::it
