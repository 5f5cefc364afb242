// The libcurl senders against a real HTTP server on loopback (cpp-httplib, port 0): the webhook
// body and signature arrive as sent, answers are classed, and a refused connection leaks no
// secret. SMTP is exercised only for its failure path here (no server on a closed port).
#include <httplib.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <thread>

#include "supervisor/notify/channel.h"
#include "tests/unit/notify/fakes.h"

namespace pgbr {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const WallTime kTime = WallTime(std::chrono::seconds(1'796'000'000));

class Receiver {
 public:
  Receiver() {
    server_.Post("/hooks/T0/SECRET", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      body_ = req.body;
      signature_ = req.get_header_value("X-Pgbr-Signature-256");
      content_type_ = req.get_header_value("Content-Type");
      res.set_content("ok", "text/plain");
    });
    server_.Post("/gone/SECRET", [](const httplib::Request&, httplib::Response& res) {
      res.status = 404;
      res.set_content("unknown webhook", "text/plain");
    });
    // Answers only once release() is called: a receiver that hangs.
    server_.Post("/slow/SECRET", [this](const httplib::Request&, httplib::Response& res) {
      std::unique_lock lock(mutex_);
      entered_ = true;
      released_cv_.wait_for(lock, std::chrono::seconds(20), [this] { return released_; });
      res.set_content("late", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!server_.is_running() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Receiver() { stop(); }
  bool entered() {
    std::lock_guard lock(mutex_);
    return entered_;
  }
  void release() {
    {
      std::lock_guard lock(mutex_);
      released_ = true;
    }
    released_cv_.notify_all();
  }
  void stop() {
    release();
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::string body() {
    std::lock_guard lock(mutex_);
    return body_;
  }
  std::string signature() {
    std::lock_guard lock(mutex_);
    return signature_;
  }
  std::string contentType() {
    std::lock_guard lock(mutex_);
    return content_type_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::string body_, signature_, content_type_;
  bool entered_ = false;
  bool released_ = false;
  std::condition_variable released_cv_;
};

TEST(CurlSenders, WebhookArrivesSigned) {
  Receiver receiver;
  auto channel = makeWebhookChannel(
      {"webhook-1", receiver.url("/hooks/T0/SECRET"), WebhookFormat::kJson, "k3y"},
      makeCurlWebhookTransport("", 10));
  const DeliveryResult r = channel->send(testing::sampleNotification(kTime));
  ASSERT_TRUE(r.ok) << r.error;
  const std::string body = receiver.body();
  EXPECT_EQ(body, renderJsonWebhook(testing::sampleNotification(kTime)));
  EXPECT_EQ(receiver.signature(), "sha256=" + hmacSha256Hex("k3y", body));
  EXPECT_EQ(receiver.contentType(), "application/json");
}

TEST(CurlSenders, WebhookErrorsAreClassedAndRedacted) {
  Receiver receiver;
  auto gone = makeWebhookChannel({"webhook-1", receiver.url("/gone/SECRET")},
                                 makeCurlWebhookTransport("", 10));
  DeliveryResult r = gone->send(testing::sampleNotification(kTime));
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.permanent);
  EXPECT_THAT(r.error, HasSubstr("answered HTTP 404: unknown webhook"));
  EXPECT_THAT(r.error, Not(HasSubstr("SECRET")));

  const std::string url = receiver.url("/hooks/T0/SECRET");
  receiver.stop();
  auto refused = makeWebhookChannel({"webhook-1", url}, makeCurlWebhookTransport("", 10));
  r = refused->send(testing::sampleNotification(kTime));
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.permanent);
  EXPECT_THAT(r.error, HasSubstr("cannot reach http://127.0.0.1:"));
  EXPECT_THAT(r.error, Not(HasSubstr("SECRET")));
}

TEST(CurlSenders, CancelEndsASendInProgress) {
  Receiver receiver;
  auto cancel = std::make_shared<std::atomic<bool>>(false);
  auto channel = makeWebhookChannel({"webhook-1", receiver.url("/slow/SECRET")},
                                    makeCurlWebhookTransport("", 20, cancel));
  std::jthread canceller([&] {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!receiver.entered() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    cancel->store(true);
  });
  const auto started = std::chrono::steady_clock::now();
  const DeliveryResult r = channel->send(testing::sampleNotification(kTime));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_TRUE(receiver.entered());
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.permanent);
  EXPECT_THAT(r.error, HasSubstr("stopped: the supervisor is shutting down"));
  EXPECT_THAT(r.error, Not(HasSubstr("SECRET")));
}

TEST(CurlSenders, WebhookRefusesOtherSchemes) {
  auto channel =
      makeWebhookChannel({"webhook-1", "file:///etc/passwd"}, makeCurlWebhookTransport("", 10));
  const DeliveryResult r = channel->send(testing::sampleNotification(kTime));
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.error, Not(HasSubstr("passwd")));
}

TEST(CurlSenders, SmtpFailureIsRetryableAndHidesThePassword) {
  int port = 0;
  {
    Receiver closed;  // a port that was just free, then closed again
    port = std::stoi(closed.url("").substr(std::string("http://127.0.0.1:").size()));
  }
  auto transport = makeCurlMailTransport(
      {"smtp://127.0.0.1:" + std::to_string(port), "user", "pa55word", "", 5});
  const DeliveryResult r =
      transport->send({"a@example.com", {"b@example.com"}, "Subject: x\r\n\r\nx\r\n"});
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.permanent);
  EXPECT_THAT(r.error, HasSubstr("sending mail through smtp://127.0.0.1:"));
  EXPECT_THAT(r.error, Not(HasSubstr("pa55word")));
}

}  // namespace
}  // namespace pgbr
