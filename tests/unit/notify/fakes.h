// Fakes for the notify tests: an HTTP transport and a mail transport that record what they are
// given and answer what the test says, and a sink that records notifications.
#pragma once

#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "supervisor/notify/channel.h"
#include "supervisor/notify/dispatcher.h"

namespace pgbr::testing {

struct RecordedRequest {
  std::string method;
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::string header(const std::string& name) const {
    for (const auto& [n, v] : headers)
      if (n == name) return v;
    return {};
  }
};

class FakeHttpTransport final : public HttpTransport {
 public:
  HttpResponse perform(const HttpRequest& request) override {
    RecordedRequest r{request.method, request.url, request.headers, {}};
    char buffer[7];  // small, so a body arrives in several pieces
    if (request.body_source)
      for (size_t n; (n = request.body_source(buffer, sizeof buffer)) > 0;)
        r.body.append(buffer, n);
    std::lock_guard lock(mutex_);
    EXPECT_EQ(r.body.size(), request.body_size);
    requests_.push_back(r);
    if (answers_.empty()) return HttpResponse{200, {}, "ok", {}, false};
    HttpResponse answer = answers_.front();
    answers_.pop_front();
    return answer;
  }
  void answer(long status, std::string body = {}) {
    std::lock_guard lock(mutex_);
    answers_.push_back(HttpResponse{status, {}, std::move(body), {}, false});
  }
  void failToConnect(std::string error) {
    std::lock_guard lock(mutex_);
    answers_.push_back(HttpResponse{0, {}, {}, std::move(error), false});
  }
  std::vector<RecordedRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<RecordedRequest> requests_;
  std::deque<HttpResponse> answers_;
};

class FakeMailTransport final : public MailTransport {
 public:
  DeliveryResult send(const MailEnvelope& envelope) override {
    std::lock_guard lock(mutex_);
    sent_.push_back(envelope);
    if (results_.empty()) return DeliveryResult{true, false, {}};
    DeliveryResult r = results_.front();
    results_.pop_front();
    return r;
  }
  void result(DeliveryResult r) {
    std::lock_guard lock(mutex_);
    results_.push_back(std::move(r));
  }
  std::vector<MailEnvelope> sent() const {
    std::lock_guard lock(mutex_);
    return sent_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<MailEnvelope> sent_;
  std::deque<DeliveryResult> results_;
};

class RecordingSink final : public NotificationSink {
 public:
  void enqueue(const Notification& n) override { received.push_back(n); }
  std::vector<Notification> received;
};

inline Notification sampleNotification(WallTime time) {
  Notification n;
  n.id = "20261206T232212Z-0123456789abcdef";
  n.condition = "job-failed:backup";
  n.event = "job-failed";
  n.severity = Severity::kCritical;
  n.state = AlertState::kFiring;
  n.stanza = "main";
  n.host = "db1";
  n.message = "the backup failed: pgbackrest exited with code 41";
  n.details = {{"job_id", "j-42"}, {"exit_code", 41}};
  n.time = time;
  return n;
}

}  // namespace pgbr::testing
