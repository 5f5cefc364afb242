// A real ApiServer on 127.0.0.1 (port 0) over a FakeService, and helpers to call it with
// httplib's client. Waiting is done by polling a condition against a deadline, never by sleeping
// a fixed time.
#pragma once

#include <csignal>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "api/server.h"
#include "fake_service.h"
#include "tests/support/fake_clock.h"

namespace pgbr::testing {

inline constexpr const char* kToken = "correct-horse-battery-staple";

// Polls `condition` until it holds or `timeout` passes; true when it held.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    // A pause between polls, to leave the shared cores to the server's threads.
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return condition();
}

inline nlohmann::json jsonOf(const httplib::Result& result) {
  return nlohmann::json::parse(result->body, nullptr, false);
}

// Options for a test server; log follows poll briefly so their tests run fast.
inline ApiOptions optionsFor(AuthMode mode, std::string token = {}) {
  ApiOptions options;
  options.auth = mode;
  options.token = std::move(token);
  options.stream_poll = Millis(50);
  return options;
}

inline httplib::Headers bearer(const std::string& token = kToken) {
  return {{"Authorization", "Bearer " + token}};
}

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A client that hangs up must not kill the test binary (the supervisor ignores SIGPIPE in
    // main; httplib writes without MSG_NOSIGNAL).
    std::signal(SIGPIPE, SIG_IGN);
  }

  void TearDown() override {
    if (server_) server_->stop();
  }

  // Starts the server; call from each test (after adjusting options_ if needed).
  void startServer() {
    options_.clock = &clock_;
    server_ = std::make_unique<ApiServer>(service_, options_);
    const std::string error = server_->bind("127.0.0.1:0");
    ASSERT_EQ(error, "");
    ASSERT_GT(server_->port(), 0);
    server_->start();
  }

  httplib::Client client() {
    httplib::Client cli("127.0.0.1", server_->port());
    cli.set_read_timeout(std::chrono::seconds(20));
    cli.set_write_timeout(std::chrono::seconds(20));
    cli.set_connection_timeout(std::chrono::seconds(5));
    return cli;
  }

  httplib::Result get(const std::string& path, const httplib::Headers& headers = bearer()) {
    return client().Get(path, headers);
  }
  httplib::Result post(const std::string& path, const std::string& body,
                       const httplib::Headers& headers = bearer()) {
    return client().Post(path, headers, body, "application/json");
  }
  httplib::Result del(const std::string& path, const httplib::Headers& headers = bearer()) {
    return client().Delete(path, headers);
  }
  // Any method, for the route matrix.
  httplib::Result send(const std::string& method, const std::string& path,
                       const httplib::Headers& headers) {
    if (method == "GET") return get(path, headers);
    if (method == "POST") return post(path, "{}", headers);
    if (method == "DELETE") return del(path, headers);
    ADD_FAILURE() << "unexpected method " << method;
    return get(path, headers);
  }

  FakeService service_;
  FakeClock clock_;
  ApiOptions options_ = optionsFor(AuthMode::kToken, kToken);
  std::unique_ptr<ApiServer> server_;
};

}  // namespace pgbr::testing
