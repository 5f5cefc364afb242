// Log follows as Server-Sent Events: new lines arrive as events, a job's stream ends with
// `event: end`, a stream ends when the client leaves or the server stops.
#include <future>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api_test_support.h"

namespace pgbr::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Reads an event stream on its own thread; the test waits for text to show up.
class StreamReader {
 public:
  StreamReader(int port, std::string path, httplib::Headers headers = bearer()) {
    result_ = std::async(std::launch::async, [this, port, path, headers] {
      httplib::Client cli("127.0.0.1", port);
      cli.set_read_timeout(std::chrono::seconds(20));
      auto r = cli.Get(path, headers, [this](const char* data, size_t length) {
        std::lock_guard lock(mutex_);
        text_.append(data, length);
        return !cancel_;
      });
      std::lock_guard lock(mutex_);
      content_type_ = r ? r->get_header_value("Content-Type") : "";
      return r ? r->status : -1;
    });
  }
  ~StreamReader() {
    cancel();
    if (result_.valid()) result_.wait();
  }

  bool waitFor(const std::string& needle) {
    return eventually([&] { return text().find(needle) != std::string::npos; });
  }
  std::string text() const {
    std::lock_guard lock(mutex_);
    return text_;
  }
  void cancel() {
    std::lock_guard lock(mutex_);
    cancel_ = true;
  }
  // The final status once the stream has ended (-1 when it broke off), or nullopt if it has not
  // ended within the timeout.
  std::optional<int> finished(std::chrono::seconds timeout = std::chrono::seconds(10)) {
    if (!result_.valid()) return final_status_;
    if (result_.wait_for(timeout) != std::future_status::ready) return std::nullopt;
    final_status_ = result_.get();
    return final_status_;
  }
  std::string contentType() const {
    std::lock_guard lock(mutex_);
    return content_type_;
  }

 private:
  mutable std::mutex mutex_;
  std::string text_;
  bool cancel_ = false;
  std::string content_type_;
  std::future<int> result_;
  std::optional<int> final_status_;
};

class StreamTest : public ApiTest {};

TEST_F(StreamTest, JobLogFollowDeliversNewLinesThenTheEndEvent) {
  auto sink = std::make_shared<LogSink>("job-1", "");
  sink->appendLine("P00   INFO: backup command begin");
  sink->appendLine("P00   INFO: execute non-exclusive backup start");
  Job job;
  job.id = "job-1";
  job.state = JobState::kRunning;
  service_.setJob(job);
  service_.setLiveLog(sink);
  startServer();

  StreamReader reader(server_->port(), "/api/v1/jobs/job-1/log?follow=1&after=1");
  ASSERT_TRUE(
      reader.waitFor(R"(data: {"seq":2,"text":"P00   INFO: execute non-exclusive backup start"})"));
  EXPECT_THAT(reader.text(), HasSubstr("id: 2\n"));
  EXPECT_THAT(reader.text(), Not(HasSubstr("backup command begin")));  // seq 1 was "after"

  sink->appendLine("P00   INFO: new backup label = 20261122-100000F");
  ASSERT_TRUE(
      reader.waitFor(R"("seq":3,"text":"P00   INFO: new backup label = 20261122-100000F")"));

  sink->appendLine("P00   INFO: backup command end: completed successfully");
  service_.finishJob(JobState::kSucceeded);
  ASSERT_TRUE(reader.waitFor("event: end\ndata: {\"state\":\"succeeded\"}\n\n"));
  EXPECT_EQ(reader.finished(), 200);
  // The last line came before the end event.
  const std::string text = reader.text();
  EXPECT_LT(text.find("completed successfully"), text.find("event: end"));
  EXPECT_EQ(reader.contentType(), "text/event-stream");
}

TEST_F(StreamTest, FinishedJobSendsItsLogAndEndsAtOnce) {
  Job job;
  job.id = "job-1";
  job.state = JobState::kFailed;
  service_.setJob(job);
  service_.setJobLog({{1, "P00  ERROR: [056]: unable to find primary cluster"}});
  startServer();

  StreamReader reader(server_->port(), "/api/v1/jobs/job-1/log?follow=1");
  EXPECT_EQ(reader.finished(), 200);
  EXPECT_THAT(reader.text(), HasSubstr("unable to find primary cluster"));
  EXPECT_THAT(reader.text(), HasSubstr("event: end\ndata: {\"state\":\"failed\"}"));
}

TEST_F(StreamTest, UnknownJobIs404BeforeAnyStream) {
  startServer();
  auto r = get("/api/v1/jobs/job-404/log?follow=1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(jsonOf(r)["error"]["code"], "not_found");
  r = get("/api/v1/jobs/job-1/log?follow=maybe");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
}

TEST_F(StreamTest, ProcessLogFollowResumesFromLastEventId) {
  auto sink = std::make_shared<LogSink>("postgres", "");
  for (int i = 1; i <= 3; ++i) sink->appendLine("line " + std::to_string(i));
  service_.addLog(sink);
  startServer();

  StreamReader reader(server_->port(), "/api/v1/logs/postgres?follow=1",
                      {{"Authorization", std::string("Bearer ") + kToken}, {"Last-Event-ID", "2"}});
  ASSERT_TRUE(reader.waitFor(R"("text":"line 3")"));
  EXPECT_THAT(reader.text(), Not(HasSubstr("line 2")));
  sink->appendLine("line 4");
  ASSERT_TRUE(reader.waitFor(R"({"seq":4,"text":"line 4"})"));
}

TEST_F(StreamTest, ClearedLogDoesNotStallTheStream) {
  auto sink = std::make_shared<LogSink>("postgres", "");
  sink->appendLine("old");
  service_.addLog(sink);
  startServer();

  StreamReader reader(server_->port(), "/api/v1/logs/postgres?follow=1&after=1");
  sink->appendLine("dropped");
  sink->clear();  // the ring no longer holds seq 2
  sink->appendLine("after clear");
  ASSERT_TRUE(reader.waitFor(R"("text":"after clear")"));
}

TEST_F(StreamTest, ClientLeavingFreesTheWorker) {
  options_.threads = 1;  // the follow holds the only worker until it notices the client left
  auto sink = std::make_shared<LogSink>("postgres", "");
  sink->appendLine("first");
  service_.addLog(sink);
  startServer();

  {
    StreamReader reader(server_->port(), "/api/v1/logs/postgres?follow=1");
    ASSERT_TRUE(reader.waitFor("first"));
    reader.cancel();
    EXPECT_TRUE(reader.finished().has_value());
  }
  // Served only once the stream's heartbeat failed and released the worker.
  auto r = get("/healthz", {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(StreamTest, StopEndsOpenStreams) {
  auto sink = std::make_shared<LogSink>("postgres", "");
  sink->appendLine("first");
  service_.addLog(sink);
  startServer();

  StreamReader reader(server_->port(), "/api/v1/logs/postgres?follow=1");
  ASSERT_TRUE(reader.waitFor("first"));
  auto stopped = std::async(std::launch::async, [this] { server_->stop(); });
  EXPECT_EQ(stopped.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(reader.finished().has_value());
}

TEST_F(StreamTest, FollowNeedsTheToken) {
  auto sink = std::make_shared<LogSink>("postgres", "");
  service_.addLog(sink);
  startServer();
  auto r = get("/api/v1/logs/postgres?follow=1", {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
}

}  // namespace
}  // namespace pgbr::testing
