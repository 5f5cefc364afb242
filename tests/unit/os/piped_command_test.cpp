// runPiped with real children (sh, cat, head): stdout streamed out in chunks, stdin fed from a
// thread, stderr kept as log lines, a failing consumer or producer stopping the child, and a
// child that ends early while being fed.
#include "supervisor/os/piped_command.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace pgbr {
namespace {

// The loop's part in tests: reap children while a test runs.
class Reaper {
 public:
  explicit Reaper(Children& children)
      : thread_([&children](std::stop_token stop) {
          while (!stop.stop_requested()) {
            children.reapAndDispatch();
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
          }
        }) {}

 private:
  std::jthread thread_;
};

SpawnSpec shell(const std::string& script) {
  SpawnSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  spec.env = currentEnvironment();
  return spec;
}

TEST(PipedCommand, StreamsStdoutAndKeepsStderrAsLines) {
  PosixProcessOps ops;
  Children children(ops);
  Reaper reaper(children);
  std::string out;
  size_t chunks = 0;
  PipedIo io;
  io.on_stdout = [&](std::string_view chunk) {
    out.append(chunk);
    ++chunks;
    return true;
  };
  // 1 MiB of data on stdout, two lines on stderr.
  PipedResult r =
      runPiped(children, shell("echo first >&2; head -c 1048576 /dev/zero; echo second >&2"),
               nullptr, {}, io);
  EXPECT_TRUE(r.success()) << r.run.status.describe();
  EXPECT_EQ(out.size(), 1048576u);
  EXPECT_GT(chunks, 1u);  // bounded chunks, never the whole output at once
  EXPECT_EQ(r.run.last_lines, (std::vector<std::string>{"first", "second"}));
}

TEST(PipedCommand, FeedsStdinFromAThreadAndReadsItBack) {
  PosixProcessOps ops;
  Children children(ops);
  Reaper reaper(children);
  const std::string block(100000, 'x');
  std::string out;
  PipedIo io;
  io.feed_stdin = [&](const std::function<bool(std::string_view)>& write) -> std::string {
    for (int i = 0; i < 30; ++i)
      if (!write(block)) return "the child stopped reading";
    return {};
  };
  io.on_stdout = [&](std::string_view chunk) {
    out.append(chunk);
    return true;
  };
  PipedResult r = runPiped(children, shell("cat"), nullptr, {}, io);
  EXPECT_TRUE(r.success()) << r.stdin_error;
  EXPECT_EQ(out.size(), 30u * block.size());
}

TEST(PipedCommand, AFailingConsumerStopsTheChild) {
  PosixProcessOps ops;
  Children children(ops);
  Reaper reaper(children);
  PipedIo io;
  size_t seen = 0;
  io.on_stdout = [&](std::string_view chunk) {
    seen += chunk.size();
    return seen < 200000;  // the store failed
  };
  RunOptions options;
  options.kill_grace = Millis(500);
  const auto started = std::chrono::steady_clock::now();
  PipedResult r = runPiped(children, shell("exec cat /dev/zero"), nullptr, options, io);
  EXPECT_FALSE(r.success());
  EXPECT_FALSE(r.stdout_error.empty());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

TEST(PipedCommand, AFailingProducerStopsTheChildAndAnEarlyExitEndsTheFeed) {
  PosixProcessOps ops;
  Children children(ops);
  Reaper reaper(children);
  {
    PipedIo io;
    io.feed_stdin = [](const std::function<bool(std::string_view)>& write) -> std::string {
      write("some bytes");
      return "the store went away";
    };
    PipedResult r = runPiped(children, shell("exec sleep 30"), nullptr, {}, io);
    EXPECT_FALSE(r.success());
    EXPECT_EQ(r.stdin_error, "the store went away");
  }
  {
    // The child reads one line and exits: the feeder's writes fail instead of blocking forever.
    std::atomic<bool> refused{false};
    PipedIo io;
    io.feed_stdin = [&](const std::function<bool(std::string_view)>& write) -> std::string {
      const std::string block(65536, 'y');
      for (int i = 0; i < 1000; ++i)
        if (!write(block)) {
          refused = true;
          return {};
        }
      return {};
    };
    PipedResult r = runPiped(children, shell("head -c 10 > /dev/null"), nullptr, {}, io);
    EXPECT_TRUE(r.run.status.success());
    EXPECT_TRUE(refused.load());
  }
}

TEST(PipedCommand, ASpawnFailureIsReported) {
  PosixProcessOps ops;
  Children children(ops);
  SpawnSpec spec;
  spec.argv = {"/nonexistent/pg_dump"};
  PipedIo io;
  io.on_stdout = [](std::string_view) { return true; };
  PipedResult r = runPiped(children, spec, nullptr, {}, io);
  EXPECT_FALSE(r.run.started);
  EXPECT_NE(r.run.spawn_error.find("pg_dump"), std::string::npos);
}

}  // namespace
}  // namespace pgbr
