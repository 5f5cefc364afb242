// A local S3 server over TLS for integration tests: tests/support/s3server.sh (s3rver, patched for
// pgBackRest) run in a folder of the test's own, so no two tests share a bucket. start() and
// stop() may be called several times (an outage test stops the server and brings the same data
// back on the same port); the destructor stops a server that is still up, so a failing test never
// leaves one behind.
//
// env() gives the PGBACKREST_REPO<N>_* variables to hand to the supervisor (and to any pgbackrest a
// test runs itself). TLS is verified with the server's own CA file against the host name
// localhost, as a careful user would configure it. The secret is replaced by a value that appears
// nowhere else, so a test can prove it never leaks into a log or an API answer (s3rver checks only
// the access key).
#pragma once

#include <map>
#include <sstream>
#include <string>

#include "tests/integration/harness.h"

namespace pgbr::it {

class S3Server {
 public:
  // The secret every env() hands out: distinctive enough that finding it anywhere is a leak.
  static constexpr const char* kSecret = "it-s3-secret-Vq7Rk2Lw9Xz";

  explicit S3Server(fs::path dir) : dir_(std::move(dir)) {
    fs::create_directories(dir_);
    // archive-push runs as postgres and must read the CA file inside this folder.
    fs::permissions(dir_, fs::perms(0755));
  }
  ~S3Server() {
    if (started_) stop();
  }
  S3Server(const S3Server&) = delete;
  S3Server& operator=(const S3Server&) = delete;

  // Starts (or restarts, same data and port) the server; true once the bucket answers. The
  // script's output is kept for the failure message.
  bool start() {
    auto r = script("start");
    last_output_ = r.output;
    if (r.code != 0) return false;
    started_ = true;
    port_ = std::stoi(readFile(dir_ / "port"));
    return true;
  }
  // Stops the server and waits until its port is closed.
  bool stop() {
    auto r = script("stop");
    last_output_ = r.output;
    started_ = false;
    return r.code == 0;
  }
  bool running() { return script("status").code == 0; }

  const std::string& lastOutput() const { return last_output_; }
  const fs::path& dir() const { return dir_; }
  int port() const { return port_; }

  // PGBACKREST_REPO<repo>_* for this server with `path` as the repository's prefix in the bucket.
  // Valid once the server was started at least once (also while it is stopped).
  std::map<std::string, std::string> env(int repo = 1, const std::string& path = "/pgbackrest") {
    auto r = script("env", {"--repo", std::to_string(repo)});
    std::map<std::string, std::string> vars;
    std::istringstream lines(r.output);
    std::string line;
    while (std::getline(lines, line)) {
      // `export NAME=VALUE`; the script quotes with printf %q, and none of its values needs it.
      const std::string prefix = "export ";
      if (line.rfind(prefix, 0) != 0) continue;
      auto eq = line.find('=');
      if (eq == std::string::npos) continue;
      vars[line.substr(prefix.size(), eq - prefix.size())] = line.substr(eq + 1);
    }
    const std::string p = "PGBACKREST_REPO" + std::to_string(repo);
    vars[p + "_S3_KEY_SECRET"] = kSecret;
    vars[p + "_PATH"] = path;
    return vars;
  }

 private:
  CommandOutput script(const std::string& verb, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{(sourceDir() / "tests/support/s3server.sh").string(), verb,
                                  "--dir", dir_.string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run(argv);
  }

  fs::path dir_;
  bool started_ = false;
  int port_ = 0;
  std::string last_output_;
};

}  // namespace pgbr::it
