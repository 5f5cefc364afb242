// The real environment and file reader, and the in-memory ones the other tests rely on.
#include "supervisor/config/environment.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tests/unit/temp_dir.h"

namespace pgbr {
namespace {

using ::testing::Contains;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

// Sets a variable of this process for the length of a test.
class ScopedVariable {
 public:
  ScopedVariable(const char* name, const char* value) : name_(name) { setenv(name, value, 1); }
  ~ScopedVariable() { unsetenv(name_); }
  ScopedVariable(const ScopedVariable&) = delete;
  ScopedVariable& operator=(const ScopedVariable&) = delete;

 private:
  const char* name_;
};

TEST(ProcessEnvironmentTest, ReadsAndListsTheRealEnvironment) {
  const ProcessEnvironment env;
  EXPECT_EQ(env.get("PGBR_CONFIG_TEST_VARIABLE"), std::nullopt);
  EXPECT_THAT(env.names(), Not(Contains("PGBR_CONFIG_TEST_VARIABLE")));
  const ScopedVariable variable("PGBR_CONFIG_TEST_VARIABLE", "a=b");
  EXPECT_EQ(env.get("PGBR_CONFIG_TEST_VARIABLE"), "a=b");
  EXPECT_THAT(env.names(), Contains("PGBR_CONFIG_TEST_VARIABLE"));
  const ScopedVariable empty("PGBR_CONFIG_TEST_EMPTY", "");
  EXPECT_EQ(env.get("PGBR_CONFIG_TEST_EMPTY"), "") << "set but empty is not unset";
}

TEST(MapEnvironmentTest, SetGetUnset) {
  MapEnvironment env(std::map<std::string, std::string>{{"A", "1"}});
  env.set("B", "");
  EXPECT_EQ(env.get("A"), "1");
  EXPECT_EQ(env.get("B"), "");
  EXPECT_EQ(env.get("C"), std::nullopt);
  EXPECT_THAT(env.names(), UnorderedElementsAre("A", "B"));
  env.unset("A");
  EXPECT_EQ(env.get("A"), std::nullopt);
}

TEST(DiskFileReaderTest, ReadsWholeContent) {
  const testing::TempDir dir;
  const auto path = dir.path() / "secret";
  std::ofstream(path, std::ios::binary) << "line1\nline2\n\n";
  const DiskFileReader reader;
  std::string error;
  EXPECT_EQ(reader.read(path.string(), &error), "line1\nline2\n\n");
  const auto empty = dir.path() / "empty";
  std::ofstream(empty).close();
  EXPECT_EQ(reader.read(empty.string(), &error), "");
}

TEST(DiskFileReaderTest, ExplainsFailures) {
  const testing::TempDir dir;
  const DiskFileReader reader;
  std::string error;
  EXPECT_EQ(reader.read((dir.path() / "missing").string(), &error), std::nullopt);
  EXPECT_EQ(error, "no such file or directory");
  EXPECT_EQ(reader.read(dir.path().string(), &error), std::nullopt);
  EXPECT_EQ(error, "is a directory");
}

TEST(MapFileReaderTest, MissingAndUnreadable) {
  MapFileReader reader;
  reader.add("/a", "x");
  reader.unreadable("/b");
  std::string error;
  EXPECT_EQ(reader.read("/a", &error), "x");
  EXPECT_EQ(reader.read("/b", &error), std::nullopt);
  EXPECT_EQ(error, "permission denied");
  EXPECT_EQ(reader.read("/c", &error), std::nullopt);
  EXPECT_EQ(error, "no such file or directory");
}

}  // namespace
}  // namespace pgbr
