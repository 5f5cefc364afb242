#include "api/answer_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

namespace pgbr::api {
namespace {

using namespace std::chrono_literals;

// A build that blocks until released, to hold the cache mid-build.
class GatedBuild {
 public:
  explicit GatedBuild(std::string text) : text_(std::move(text)) {}
  std::string operator()() {
    started_.set_value();
    release_.get_future().wait();
    return text_;
  }
  void waitStarted() { started_.get_future().wait(); }
  void release() { release_.set_value(); }

 private:
  std::string text_;
  std::promise<void> started_;
  std::promise<void> release_;
};

TEST(AnswerCache, BuildsOncePerRevisionAndSecond) {
  AnswerCache cache;
  int calls = 0;
  auto build = [&] { return "answer " + std::to_string(++calls); };
  EXPECT_EQ(*cache.get(1, 100, build), "answer 1");
  EXPECT_EQ(*cache.get(1, 100, build), "answer 1");
  EXPECT_EQ(*cache.get(1, 101, build), "answer 2");  // the clock moved
  EXPECT_EQ(*cache.get(2, 101, build), "answer 3");  // the revision moved
  EXPECT_EQ(cache.builds(), 3u);
}

TEST(AnswerCache, AnAnswerOfALaterRevisionServesAnEarlierOne) {
  AnswerCache cache;
  EXPECT_EQ(*cache.get(5, 100, [] { return "five"; }), "five");
  // A caller that read revision 4 before the change to 5 gets the newer answer, not a rebuild.
  EXPECT_EQ(*cache.get(4, 100, [] { return "four"; }), "five");
  EXPECT_EQ(cache.builds(), 1u);
}

TEST(AnswerCache, WhileTheNextSecondIsBuiltOthersGetThePreviousAnswerAtOnce) {
  AnswerCache cache;
  cache.get(1, 100, [] { return "second 100"; });
  GatedBuild gate("second 101");
  auto builder = std::async(std::launch::async, [&] { return *cache.get(1, 101, std::ref(gate)); });
  gate.waitStarted();
  // The build is held; a request of the same revision does not wait for it.
  EXPECT_EQ(*cache.get(1, 101, [] { return "a second build"; }), "second 100");
  gate.release();
  EXPECT_EQ(builder.get(), "second 101");
  EXPECT_EQ(*cache.get(1, 101, [] { return "not needed"; }), "second 101");
  EXPECT_EQ(cache.builds(), 2u);
}

TEST(AnswerCache, ANewRevisionWaitsForAnAnswerBuiltAfterTheChange) {
  AnswerCache cache;
  cache.get(1, 100, [] { return "before"; });
  GatedBuild gate("rebuilt for the clock");
  auto builder = std::async(std::launch::async, [&] { return *cache.get(1, 101, std::ref(gate)); });
  gate.waitStarted();
  std::atomic<bool> answered{false};
  auto reader = std::async(std::launch::async, [&] {
    auto text = *cache.get(2, 101, [] { return "after the change"; });
    answered = true;
    return text;
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(answered) << "a reader of revision 2 was answered from revision 1";
  gate.release();
  EXPECT_EQ(builder.get(), "rebuilt for the clock");
  EXPECT_EQ(reader.get(), "after the change");
}

TEST(AnswerCache, TheFirstCallersWaitForTheFirstBuild) {
  AnswerCache cache;
  GatedBuild gate("first");
  auto builder = std::async(std::launch::async, [&] { return *cache.get(1, 100, std::ref(gate)); });
  gate.waitStarted();
  auto reader =
      std::async(std::launch::async, [&] { return *cache.get(1, 100, [] { return "x"; }); });
  EXPECT_EQ(reader.wait_for(50ms), std::future_status::timeout);
  gate.release();
  EXPECT_EQ(builder.get(), "first");
  EXPECT_EQ(reader.get(), "first");
  EXPECT_EQ(cache.builds(), 1u);
}

}  // namespace
}  // namespace pgbr::api
