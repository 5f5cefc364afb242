// S3Store against an in-memory fake S3 (fake_s3.h): small objects in one PUT, large ones as
// multipart uploads with a bounded part buffer, aborts when a writer is dropped, paged listings,
// and errors that are one line without the secret.
#include "supervisor/storage/s3_store.h"

#include <gtest/gtest.h>

#include "tests/unit/storage/fake_s3.h"

namespace pgbr {
namespace {

using testing::FakeS3;

constexpr size_t kPart = 1024;
constexpr const char* kSecret = "s3cr3t-Zq8Wv";

struct Fixture {
  std::shared_ptr<FakeS3> s3 = std::make_shared<FakeS3>();
  S3Store store{S3Location{.endpoint = "s3.test",
                           .port = 9000,
                           .bucket = "bucket",
                           .path_style = true,
                           .prefix = "repo/dumps/main/",
                           .secret = kSecret,
                           .part_size = kPart,
                           .retry_delay = std::chrono::milliseconds(0)},
                s3};

  std::string methods() const {
    std::string out;
    for (const auto& r : s3->requests) out += r.method + (r.query.empty() ? "" : "?") + " ";
    return out;
  }
};

std::string readAll(ObjectStore& store, const std::string& key, std::string* error) {
  std::string bytes;
  *error = store.read(key, [&](std::string_view chunk) {
    bytes.append(chunk);
    return true;
  });
  return bytes;
}

TEST(S3Store, ASmallObjectIsOnePutAtCommit) {
  Fixture f;
  std::string error;
  auto writer = f.store.create("db/a.dump", &error);
  ASSERT_TRUE(writer) << error;
  EXPECT_EQ(writer->write("hello "), "");
  EXPECT_EQ(writer->write("world"), "");
  EXPECT_TRUE(f.s3->requests.empty()) << "nothing is sent before commit";
  EXPECT_EQ(writer->commit(), "");
  EXPECT_EQ(writer->written(), 11u);
  ASSERT_EQ(f.s3->requests.size(), 1u);
  EXPECT_EQ(f.s3->requests[0].method, "PUT");
  EXPECT_EQ(f.s3->requests[0].path, "repo/dumps/main/db/a.dump");
  EXPECT_EQ(f.s3->objects["repo/dumps/main/db/a.dump"], "hello world");
  EXPECT_EQ(readAll(f.store, "db/a.dump", &error), "hello world");
  EXPECT_EQ(error, "");
  EXPECT_EQ(f.store.size("db/a.dump", &error), 11u);
}

TEST(S3Store, EveryRequestCarriesThePayloadHashHeaderAndNoDate) {
  Fixture f;
  std::string error;
  auto writer = f.store.create("a", &error);
  ASSERT_EQ(writer->write(std::string(3 * kPart, 'x')), "");
  ASSERT_EQ(writer->commit(), "");
  std::vector<ObjectInfo> listed;
  ASSERT_EQ(f.store.list("", &listed), "");
  for (const auto& r : f.s3->requests) {
    bool hash = false;
    for (const auto& [name, value] : r.headers) {
      hash |= name == "x-amz-content-sha256" && value == "UNSIGNED-PAYLOAD";
      EXPECT_NE(name, "x-amz-date") << "curl adds the date it signs";
      EXPECT_NE(name, "Expect") << "an empty Expect: breaks curl 7.88's signature";
    }
    EXPECT_TRUE(hash) << r.method << " " << r.path;
  }
}

TEST(S3Store, ALargeObjectIsAMultipartUploadWithBoundedParts) {
  Fixture f;
  std::string error;
  auto writer = f.store.create("big", &error);
  std::string all;
  for (int i = 0; i < 35; ++i) {
    const std::string chunk(100, static_cast<char>('a' + i % 26));
    all += chunk;
    ASSERT_EQ(writer->write(chunk), "");
  }
  EXPECT_EQ(f.s3->uploads.size(), 1u) << "the upload starts when the first part fills";
  EXPECT_TRUE(f.s3->objects.empty());
  ASSERT_EQ(writer->commit(), "");
  EXPECT_EQ(f.methods(), "POST? PUT? PUT? PUT? PUT? POST? ");
  EXPECT_EQ(f.s3->requests[1].query, "partNumber=1&uploadId=upload-1") << "sorted for SigV4";
  EXPECT_EQ(f.s3->requests[4].body_size, 3500u - 3 * kPart) << "the last part holds the rest";
  EXPECT_LE(f.s3->largest_body, kPart);
  EXPECT_EQ(f.s3->objects["repo/dumps/main/big"], all);
  EXPECT_TRUE(f.s3->uploads.empty());
}

TEST(S3Store, AWriterDroppedWithoutCommitAbortsItsUpload) {
  Fixture f;
  std::string error;
  {
    auto writer = f.store.create("big", &error);
    ASSERT_EQ(writer->write(std::string(2 * kPart + 5, 'x')), "");
    EXPECT_EQ(f.s3->uploads.size(), 1u);
  }
  EXPECT_TRUE(f.s3->uploads.empty());
  EXPECT_EQ(f.s3->requests.back().method, "DELETE");
  EXPECT_EQ(f.s3->requests.back().query, "uploadId=upload-1");
  EXPECT_TRUE(f.s3->objects.empty());
  {
    auto writer = f.store.create("small", &error);
    ASSERT_EQ(writer->write("abc"), "");
  }
  EXPECT_TRUE(f.s3->objects.empty()) << "a dropped small writer sends nothing";
}

TEST(S3Store, AFailedCompleteAbortsAndLeavesNoObject) {
  Fixture f;
  std::string error;
  auto writer = f.store.create("big", &error);
  ASSERT_EQ(writer->write(std::string(kPart, 'x')), "");
  f.s3->fail_next = {
      {200, "<Error><Code>InternalError</Code><Message>try again</Message></Error>"}};
  const std::string failed = writer->commit();
  EXPECT_NE(failed.find("InternalError: try again"), std::string::npos) << failed;
  EXPECT_NE(writer->commit(), "") << "a failed writer stays failed";
  writer.reset();
  EXPECT_EQ(f.s3->requests.back().method, "DELETE");
}

TEST(S3Store, ListingFollowsContinuationTokensAndStripsThePrefix) {
  Fixture f;
  f.s3->page_size = 2;
  for (const char* key : {"a", "b/c", "b/d", "e", "f"})
    f.s3->objects[std::string("repo/dumps/main/") + key] = key;
  f.s3->objects["repo/dumps/other/x"] = "not ours";
  f.s3->objects["repo/dumps/main/b/"] = "";  // a folder marker some tools leave
  std::vector<ObjectInfo> listed;
  ASSERT_EQ(f.store.list("", &listed), "");
  std::vector<std::string> keys;
  for (const auto& o : listed) keys.push_back(o.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"a", "b/c", "b/d", "e", "f"}));
  EXPECT_EQ(listed[1].size, 3u);
  EXPECT_GE(f.s3->requests.size(), 3u);
  EXPECT_EQ(f.s3->requests[1].query.rfind("continuation-token=", 0), 0u) << f.s3->requests[1].query;
  const size_t before = f.s3->requests.size();
  ASSERT_EQ(f.store.list("b/", &listed), "");
  EXPECT_EQ(listed.size(), 2u);
  EXPECT_EQ(f.s3->requests[before].query, "list-type=2&prefix=repo%2Fdumps%2Fmain%2Fb%2F");
}

TEST(S3Store, SizeAndRemoveOfMissingObjects) {
  Fixture f;
  std::string error;
  EXPECT_EQ(f.store.size("nope", &error), std::nullopt);
  EXPECT_EQ(error, "");
  EXPECT_EQ(f.store.remove("nope"), "");
  f.s3->objects["repo/dumps/main/x"] = "1";
  EXPECT_EQ(f.store.remove("x"), "");
  EXPECT_TRUE(f.s3->objects.empty());
  const std::string failed = readAll(f.store, "x", &error);
  EXPECT_EQ(error, "cannot read x: HTTP 404 NoSuchKey: no such key");
}

TEST(S3Store, AReaderThatStopsEndsTheRead) {
  Fixture f;
  f.s3->objects["repo/dumps/main/x"] = std::string(5000, 'x');
  size_t got = 0;
  EXPECT_EQ(f.store.read("x",
                         [&](std::string_view chunk) {
                           got += chunk.size();
                           return false;
                         }),
            "stopped by the reader");
  EXPECT_EQ(got, 1000u);
}

TEST(S3Store, ErrorsAreOneLineWithoutTheSecret) {
  Fixture f;
  std::string error;
  f.s3->fail_next = {{403, std::string("<Error><Code>SignatureDoesNotMatch</Code><Message>key ") +
                               kSecret + "\nsigned wrong</Message></Error>"}};
  const std::string denied = f.store.remove("x");
  EXPECT_EQ(denied, "cannot remove x: HTTP 403 SignatureDoesNotMatch: key [secret] signed wrong");
  const FakeS3::Failure refused{0, "",
                                "Failed to connect to s3.test port 9000: Connection refused"};
  f.s3->fail_next = {refused, refused, refused};
  std::vector<ObjectInfo> listed;
  EXPECT_EQ(f.store.list("", &listed),
            "cannot list s3 https://s3.test:9000/bucket/repo/dumps/main: Failed to connect to "
            "s3.test port 9000: Connection refused");
  f.s3->fail_next = {{500, "<html>oops</html>"}, {503, ""}, {500, "<html>oops</html>"}};
  auto writer = f.store.create("x", &error);
  EXPECT_EQ(writer->commit(), "cannot write x: HTTP 500");
}

TEST(S3Store, TransientFailuresAreRetriedWithTheWholeBody) {
  Fixture f;
  std::string error;
  auto writer = f.store.create("a", &error);
  ASSERT_EQ(writer->write("payload"), "");
  f.s3->fail_next = {{503, "<Error><Code>SlowDown</Code></Error>"}, {0, "", "timeout"}};
  EXPECT_EQ(writer->commit(), "");
  EXPECT_EQ(f.methods(), "PUT PUT PUT ");
  EXPECT_EQ(f.s3->objects["repo/dumps/main/a"], "payload") << "the third attempt sent it all";

  f.s3->fail_next = {{403, "<Error><Code>AccessDenied</Code></Error>"}};
  EXPECT_EQ(f.store.remove("a"), "cannot remove a: HTTP 403 AccessDenied") << "not retried";
  EXPECT_EQ(f.s3->requests.size(), 4u);
}

TEST(S3Store, RefusesKeysOutsideTheRules) {
  Fixture f;
  std::string error;
  EXPECT_EQ(f.store.create("../x", &error), nullptr);
  EXPECT_EQ(error, "not a valid object name: ../x");
  std::vector<ObjectInfo> listed;
  EXPECT_NE(f.store.list("/", &listed), "");
  EXPECT_TRUE(f.s3->requests.empty());
}

TEST(S3Store, HostStyleUrlsAndDescribe) {
  auto s3 = std::make_shared<FakeS3>();
  s3->base = "https://bucket.s3.example.com/";
  S3Store store(S3Location{.endpoint = "s3.example.com", .bucket = "bucket", .prefix = ""}, s3);
  EXPECT_EQ(store.describe(), "s3 https://bucket.s3.example.com");
  EXPECT_EQ(store.remove("a/b"), "");
  EXPECT_EQ(s3->requests.back().path, "a/b");
  EXPECT_EQ(uriEncode("a b/c~+", true), "a%20b/c~%2B");
  EXPECT_EQ(uriEncode("a/b", false), "a%2Fb");
}

}  // namespace
}  // namespace pgbr
