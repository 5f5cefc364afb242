// The receiving ends of notifications for integration tests: an HTTPS webhook receiver
// (tests/support/notify-receiver.py) and an SMTP server requiring STARTTLS and AUTH
// (tests/support/smtp-server.py, Debian's python3-aiosmtpd), each run in a folder of the test's
// own on a loopback port from freePort(), so tests in parallel never share one.
//
// Both present a certificate signed by a CA of their own (`notify-receiver.py make-tls`), the way
// a private endpoint would; the supervisor verifies it with PGBR_NOTIFY_CA_FILE = caFile(). Give
// both the same tls_dir when one supervisor talks to both: it has one CA file setting.
//
// start() and stop() may be called several times: stop() ends the process and waits until the
// port refuses connections (an outage), start() brings the server back on the SAME port with the
// same records, so deliveries retried to the same URL arrive. The destructor stops a server that
// is still up (SIGTERM, then SIGKILL, always reaped), so a failing test leaves nothing behind.
//
// The scripts run with Debian's /usr/bin/python3: Debian's python3-aiosmtpd lives there, and a
// python3 earlier on PATH (pyenv and the like) would not see it. Users of signatureValid() link
// OpenSSL::Crypto.
#pragma once

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <spawn.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "tests/integration/harness.h"

namespace pgbr::it {

// Debian's interpreter when there is one (see above), else whatever python3 PATH finds.
inline std::string supportPython() {
  return fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

// True when something accepts TCP connections on 127.0.0.1:port.
inline bool portAccepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// A helper server run in the background from an argv (no shell), stdout and stderr appended to
// a log file. Move-only; stop() and the destructor end it in two steps (SIGTERM, then SIGKILL
// after `grace`) and reap it, so no path leaves a zombie or a stray server.
class BackgroundProcess {
 public:
  BackgroundProcess() = default;
  ~BackgroundProcess() { stop(); }
  BackgroundProcess(BackgroundProcess&& other) noexcept : pid_(std::exchange(other.pid_, -1)) {}
  BackgroundProcess& operator=(BackgroundProcess&& other) noexcept {
    if (this != &other) {
      stop();
      pid_ = std::exchange(other.pid_, -1);
    }
    return *this;
  }
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  // Spawns argv[0] (looked up on PATH); false when it could not be started.
  bool spawn(std::vector<std::string> argv, const fs::path& log) {
    stop();
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    pid_ = rc == 0 ? pid : -1;
    return pid_ > 0;
  }

  // Whether it still runs; reaps it when it has ended.
  bool running() {
    if (pid_ <= 0) return false;
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    return true;
  }

  void stop(std::chrono::milliseconds grace = 10s) {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    if (!eventually([&] { return !running(); }, grace, 20ms)) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }

  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// Shared by both servers: run the script until it wrote DIR/port (it does once it accepts
// connections), or fail with its log.
class NotifyServerBase {
 public:
  NotifyServerBase(fs::path dir, fs::path tls_dir)
      : dir_(std::move(dir)), tls_dir_(tls_dir.empty() ? dir_ / "tls" : std::move(tls_dir)) {
    fs::create_directories(dir_);
    fs::permissions(dir_, fs::perms(0755));
  }

  bool stop() {
    process_.stop();
    return eventually([&] { return port_ == 0 || !portAccepts(port_); }, 10s, 20ms);
  }
  bool running() { return process_.running(); }

  int port() const { return port_; }
  const fs::path& dir() const { return dir_; }
  // The CA that signed the server's certificate: PGBR_NOTIFY_CA_FILE, curl's --cacert.
  fs::path caFile() const { return tls_dir_ / "ca.pem"; }
  // The script's own output (start-up errors, connections that broke).
  std::string log() const { return readFile(dir_ / "server.log"); }

 protected:
  bool startScript(const std::string& script, std::vector<std::string> args) {
    if (process_.running()) return true;
    if (port_ == 0) port_ = freePort();
    std::error_code ec;
    fs::remove(dir_ / "port", ec);
    std::vector<std::string> argv{supportPython(),
                                  (sourceDir() / "tests/support" / script).string()};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--dir", dir_.string(), "--tls-dir", tls_dir_.string(), "--port",
                             std::to_string(port_)});
    if (!process_.spawn(argv, dir_ / "server.log")) return false;
    const bool up =
        eventually([&] { return fs::exists(dir_ / "port") || !process_.running(); }, 60s, 20ms);
    if (!up || !process_.running()) {
      process_.stop();
      return false;
    }
    return std::stoi(readFile(dir_ / "port")) == port_;
  }

  fs::path dir_;
  fs::path tls_dir_;
  int port_ = 0;
  BackgroundProcess process_;
};

// An HTTPS webhook receiver. Every request is recorded (requests()); what it answers is set with
// setStatus() (e.g. 500 for retries, 0 back to 200) or per URL with a query:
// url("/hook?status=503").
class HttpsReceiver : public NotifyServerBase {
 public:
  explicit HttpsReceiver(fs::path dir, fs::path tls_dir = {})
      : NotifyServerBase(std::move(dir), std::move(tls_dir)) {}

  // Starts, or restarts on the same port; true once it accepts connections, else see log().
  bool start() { return startScript("notify-receiver.py", {"serve"}); }

  // https://127.0.0.1:PORT/path; the certificate also names `localhost`.
  std::string url(const std::string& path = "/", const std::string& host = "127.0.0.1") const {
    return "https://" + host + ":" + std::to_string(port_) + path;
  }

  // Every request received so far, in arrival order (also those of earlier starts): objects with
  // "time", "method", "path", "query", "headers" (names lower-cased), "body" (text) and "status"
  // (the status answered).
  std::vector<Json> requests() const {
    std::vector<Json> out;
    std::istringstream lines(readFile(dir_ / "requests.jsonl"));
    std::string line;
    while (std::getline(lines, line)) {
      Json j = Json::parse(line, nullptr, false);
      if (j.is_object()) out.push_back(std::move(j));
    }
    return out;
  }
  // The requests the receiver answered with a 2xx status: the deliveries that succeeded.
  std::vector<Json> accepted() const {
    auto all = requests();
    std::vector<Json> out;
    std::copy_if(all.begin(), all.end(), std::back_inserter(out), [](const Json& r) {
      const int s = r.value("status", 0);
      return s >= 200 && s < 300;
    });
    return out;
  }

  // Answers every request with `status` from now on; 0 restores the default (200, or the
  // query's status).
  void setStatus(int status) { control("status", status); }
  // Waits this long before answering each request (a slow or hung receiver); 0 stops waiting.
  void setDelay(std::chrono::milliseconds delay) { control("delay_ms", int(delay.count())); }

  // "sha256=<lowercase hex HMAC-SHA256 of body keyed with secret>", the header's expected value.
  static std::string signatureOf(const std::string& secret, const std::string& body) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret.data(), int(secret.size()),
         reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "sha256=";
    for (unsigned int i = 0; i < len; ++i) {
      out += kHex[mac[i] >> 4];
      out += kHex[mac[i] & 0xf];
    }
    return out;
  }
  // Whether a recorded request carries X-Pgbr-Signature-256 matching its body and `secret`.
  static bool signatureValid(const Json& request, const std::string& secret) {
    const std::string header =
        field(request.value("headers", Json::object()), "x-pgbr-signature-256");
    return !header.empty() && header == signatureOf(secret, field(request, "body"));
  }

 private:
  void control(const std::string& name, int value) {
    std::error_code ec;
    if (value == 0)
      fs::remove(dir_ / name, ec);
    else
      writeFile(dir_ / name, std::to_string(value) + "\n");
  }
};

// An SMTP server requiring STARTTLS (or, after useImplicitTls(), TLS from the first byte) and
// AUTH PLAIN/LOGIN with the given user and password before it takes mail.
class SmtpServer : public NotifyServerBase {
 public:
  SmtpServer(fs::path dir, std::string user, std::string password, fs::path tls_dir = {})
      : NotifyServerBase(std::move(dir), std::move(tls_dir)),
        user_(std::move(user)),
        password_(std::move(password)) {}

  // smtps:// instead of smtp:// + STARTTLS; takes effect at the next start().
  void useImplicitTls(bool on = true) { implicit_tls_ = on; }

  // Starts, or restarts on the same port; true once it answers, else see log().
  bool start() {
    std::vector<std::string> args{"--user", user_, "--password", password_};
    if (implicit_tls_) args.push_back("--implicit-tls");
    return startScript("smtp-server.py", args);
  }

  // smtp://127.0.0.1:PORT (smtps:// with implicit TLS): PGBR_NOTIFY_SMTP_URL.
  std::string url(const std::string& host = "127.0.0.1") const {
    return std::string(implicit_tls_ ? "smtps" : "smtp") + "://" + host + ":" +
           std::to_string(port_);
  }

  // The raw text (headers and body, CRLF as received) of every message accepted, in order.
  std::vector<std::string> messages() const {
    std::vector<std::string> out;
    for (const auto& f : messageFiles()) out.push_back(readFile(f));
    return out;
  }
  // The envelope of each message, same order: {"mail_from", "rcpt_tos", "login", "tls", "time"}.
  std::vector<Json> envelopes() const {
    std::vector<Json> out;
    for (auto f : messageFiles())
      out.push_back(Json::parse(readFile(f.replace_extension(".json")), nullptr, false));
    return out;
  }

  // Answers DATA with this reply (e.g. "451 4.3.0 try again later") and keeps no message;
  // "" accepts mail again.
  void setDataReply(const std::string& reply) {
    std::error_code ec;
    if (reply.empty())
      fs::remove(dir_ / "data_reply", ec);
    else
      writeFile(dir_ / "data_reply", reply + "\n");
  }

 private:
  // messages/NNNNNN.eml, sorted: arrival order.
  std::vector<fs::path> messageFiles() const {
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir_ / "messages", ec))
      if (e.path().extension() == ".eml") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
  }

  std::string user_;
  std::string password_;
  bool implicit_tls_ = false;
};

}  // namespace pgbr::it
