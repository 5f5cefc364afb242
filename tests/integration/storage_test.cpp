// The S3 object store against a real S3 server over TLS (s3rver, tests/support/s3server.sh) through
// libcurl: objects written, read, listed and removed; a multipart object round trip with equal
// SHA-256; an abandoned writer leaves no object; TLS verification with the server's CA file works
// and fails without it; encrypted objects decrypt with the openssl command line; and memory stays
// flat while a large object streams both ways (PGBR_IT_S3_BIG_MIB, 256 MiB by default).
//
// s3rver does not check V4 signatures, so the signatures curl computes are checked apart, by
// botocore in tests/support/sigv4-check-server.py, for every kind of request the store sends.
//
// Each test starts its own server in its own folder, so tests may run in parallel.
#include <openssl/evp.h>
#include <spawn.h>

#include <random>

#include "supervisor/dumps/dump_store.h"
#include "supervisor/storage/curl_transport.h"
#include "supervisor/storage/encrypted_store.h"
#include "supervisor/storage/s3_store.h"
#include "tests/integration/harness.h"
#include "tests/integration/s3.h"

namespace pgbr::it {
namespace {

constexpr size_t kMiB = 1024 * 1024;

struct S3Fixture {
  TempDir dir;
  S3Server server{dir.path() / "s3"};
  std::map<std::string, std::string> env;

  bool start() {
    if (!server.start()) return false;
    env = server.env(1, "/it-repo");
    return true;
  }

  CurlOptions curlOptions() {
    return CurlOptions{.region = env["PGBACKREST_REPO1_S3_REGION"],
                       .access_key = env["PGBACKREST_REPO1_S3_KEY"],
                       .secret_key = env["PGBACKREST_REPO1_S3_KEY_SECRET"],
                       .ca_file = env["PGBACKREST_REPO1_STORAGE_CA_FILE"],
                       .verify_tls = env["PGBACKREST_REPO1_STORAGE_VERIFY_TLS"] != "n"};
  }

  std::unique_ptr<S3Store> store(const CurlOptions& options, const std::string& endpoint = "") {
    return std::make_unique<S3Store>(
        S3Location{.endpoint = endpoint.empty() ? env["PGBACKREST_REPO1_S3_ENDPOINT"] : endpoint,
                   .port = std::stoi(env["PGBACKREST_REPO1_STORAGE_PORT"]),
                   .bucket = env["PGBACKREST_REPO1_S3_BUCKET"],
                   .path_style = true,
                   .prefix = "it-repo/dumps/main/",
                   .secret = options.secret_key},
        makeCurlTransport(options));
  }
  std::unique_ptr<S3Store> store() { return store(curlOptions()); }
};

#define START_S3(f) ASSERT_TRUE((f).start()) << (f).server.lastOutput()

std::string readAll(ObjectStore& store, const std::string& key, std::string* error) {
  std::string bytes;
  *error = store.read(key, [&](std::string_view chunk) {
    bytes.append(chunk);
    return true;
  });
  return bytes;
}

// SHA-256 of a stream, hex.
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void add(std::string_view bytes) { EVP_DigestUpdate(ctx_, bytes.data(), bytes.size()); }
  std::string hex() {
    unsigned char md[32];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_, md, &n);
    std::string out;
    for (unsigned int i = 0; i < n; ++i)
      out += "0123456789abcdef"[md[i] >> 4], out += "0123456789abcdef"[md[i] & 15];
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
};

// Deterministic incompressible chunks.
std::string chunkOf(size_t bytes, uint32_t seed) {
  std::mt19937 random(seed);
  std::string out(bytes, '\0');
  for (size_t i = 0; i + 4 <= bytes; i += 4) {
    const uint32_t v = random();
    std::memcpy(out.data() + i, &v, 4);
  }
  return out;
}

long rssKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

TEST(S3Storage, WriteReadListRemove) {
  S3Fixture f;
  START_S3(f);
  auto store = f.store();
  std::string error;
  for (const char* key : {"db1/20261206T031500Z.dump", "db2/a.dump", "manifest.json"}) {
    auto writer = store->create(key, &error);
    ASSERT_TRUE(writer) << error;
    ASSERT_EQ(writer->write(std::string("content of ") + key), "");
    ASSERT_EQ(writer->commit(), "");
  }
  EXPECT_EQ(readAll(*store, "db2/a.dump", &error), "content of db2/a.dump");
  EXPECT_EQ(error, "");
  EXPECT_EQ(store->size("manifest.json", &error), std::string("content of manifest.json").size());
  EXPECT_EQ(store->size("absent", &error), std::nullopt);
  EXPECT_EQ(error, "");
  readAll(*store, "absent", &error);
  EXPECT_NE(error.find("cannot read absent: HTTP 404"), std::string::npos) << error;

  std::vector<ObjectInfo> listed;
  ASSERT_EQ(store->list("", &listed), "");
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[0].key, "db1/20261206T031500Z.dump");
  ASSERT_EQ(store->list("db2/", &listed), "");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].size, std::string("content of db2/a.dump").size());

  EXPECT_EQ(store->remove("db2/a.dump"), "");
  EXPECT_EQ(store->remove("db2/a.dump"), "") << "removing a missing object succeeds";
  ASSERT_EQ(store->list("", &listed), "");
  EXPECT_EQ(listed.size(), 2u);
  EXPECT_EQ(store->describe().find(S3Server::kSecret), std::string::npos);
}

TEST(S3Storage, ListingPagesPastAThousandKeys) {
  S3Fixture f;
  START_S3(f);
  auto store = f.store();
  std::string error;
  for (int i = 0; i < 1005; ++i) {
    auto writer = store->create("many/k" + std::to_string(10000 + i), &error);
    ASSERT_EQ(writer->commit(), "") << i;
  }
  std::vector<ObjectInfo> listed;
  ASSERT_EQ(store->list("many/", &listed), "");
  EXPECT_EQ(listed.size(), 1005u);
}

TEST(S3Storage, MultipartObjectRoundTripKeepsItsSha256) {
  S3Fixture f;
  START_S3(f);
  auto store = f.store();
  std::string error;
  auto writer = store->create("big.dump", &error);
  ASSERT_TRUE(writer) << error;
  Sha256 wrote;
  for (uint32_t i = 0; i < 40; ++i) {
    const std::string chunk = chunkOf(kMiB + (i == 39 ? 12345 : 0), i);
    wrote.add(chunk);
    ASSERT_EQ(writer->write(chunk), "") << i;
  }
  ASSERT_EQ(writer->commit(), "");
  EXPECT_EQ(store->size("big.dump", &error), 40 * kMiB + 12345);
  Sha256 read;
  EXPECT_EQ(store->read("big.dump",
                        [&](std::string_view chunk) {
                          read.add(chunk);
                          return true;
                        }),
            "");
  EXPECT_EQ(read.hex(), wrote.hex());
}

// s3rver 3.7.1 does not implement AbortMultipartUpload (DELETE ?uploadId answers 405
// MethodNotAllowed), so its parts stay in its uploads folder; what this test proves is that no
// object appears. That the abort request is well formed and signed is checked against botocore
// below (EveryKindOfRequestCarriesASignatureBotocoreAccepts).
TEST(S3Storage, AnAbandonedWriterLeavesNoObject) {
  S3Fixture f;
  START_S3(f);
  auto store = f.store();
  std::string error;
  {
    auto writer = store->create("abandoned.dump", &error);
    for (uint32_t i = 0; i < 10; ++i) ASSERT_EQ(writer->write(chunkOf(kMiB, i)), "");
  }
  {
    auto writer = store->create("small.dump", &error);
    ASSERT_EQ(writer->write("never committed"), "");
  }
  std::vector<ObjectInfo> listed;
  ASSERT_EQ(store->list("", &listed), "");
  EXPECT_TRUE(listed.empty());
  EXPECT_EQ(store->size("abandoned.dump", &error), std::nullopt);
  EXPECT_EQ(error, "");
}

TEST(S3Storage, TlsIsVerifiedWithTheCaFileAndFailsWithoutIt) {
  S3Fixture f;
  START_S3(f);
  CurlOptions options = f.curlOptions();
  ASSERT_FALSE(options.ca_file.empty()) << "the server script verifies TLS against localhost";
  auto verified = f.store(options);
  std::vector<ObjectInfo> listed;
  EXPECT_EQ(verified->list("", &listed), "");

  CurlOptions system_cas = options;
  system_cas.ca_file.clear();
  const std::string refused = f.store(system_cas)->list("", &listed);
  EXPECT_NE(refused, "") << "a self-signed certificate is not trusted by the system's CAs";
  EXPECT_NE(refused.find("certificate"), std::string::npos) << refused;
  EXPECT_EQ(refused.find(S3Server::kSecret), std::string::npos) << refused;

  CurlOptions unverified = system_cas;
  unverified.verify_tls = false;
  EXPECT_EQ(f.store(unverified)->list("", &listed), "");
  // The certificate names localhost and 127.0.0.1; another name for this host does not match.
  const std::string wrong_name = f.store(options, "127.0.0.2")->list("", &listed);
  EXPECT_NE(wrong_name, "");
}

TEST(S3Storage, EncryptedObjectsDecryptWithTheOpensslCommandLine) {
  S3Fixture f;
  START_S3(f);
  const std::string pass = "it-cipher-pass-3k9";
  EncryptedStore store(f.store(), pass);
  const std::string plain = chunkOf(9 * kMiB + 7, 99);  // two parts under encryption
  std::string error;
  auto writer = store.create("secret.dump", &error);
  ASSERT_TRUE(writer) << error;
  ASSERT_EQ(writer->write(plain), "");
  ASSERT_EQ(writer->commit(), "");
  EXPECT_EQ(readAll(store, "secret.dump", &error), plain);
  EXPECT_EQ(error, "");

  const std::string sealed = readAll(store.inner(), "secret.dump", &error);
  ASSERT_EQ(sealed.substr(0, 8), "Salted__");
  writeFile(f.dir.path() / "sealed", sealed);
  const auto out =
      run({"openssl", "enc", "-d", "-aes-256-cbc", "-pbkdf2", "-iter", "100000", "-md", "sha256",
           "-pass", "pass:" + pass, "-in", (f.dir.path() / "sealed").string(), "-out",
           (f.dir.path() / "plain").string()});
  ASSERT_EQ(out.code, 0) << out.output;
  EXPECT_TRUE(readFile(f.dir.path() / "plain") == plain);
}

TEST(S3Storage, MemoryStaysFlatWhileALargeObjectStreams) {
  S3Fixture f;
  START_S3(f);
  const char* env_mib = std::getenv("PGBR_IT_S3_BIG_MIB");
  const size_t mib = env_mib ? std::stoul(env_mib) : 256;
  auto store = f.store();
  const std::string chunk = chunkOf(kMiB, 7);
  std::string error;
  const long before = rssKiB();
  long peak = before;
  {
    auto writer = store->create("huge.dump", &error);
    ASSERT_TRUE(writer) << error;
    for (size_t i = 0; i < mib; ++i) {
      ASSERT_EQ(writer->write(chunk), "") << i;
      peak = std::max(peak, rssKiB());
    }
    ASSERT_EQ(writer->commit(), "");
  }
  uint64_t got = 0;
  EXPECT_EQ(store->read("huge.dump",
                        [&](std::string_view bytes) {
                          got += bytes.size();
                          if (got % (16 * kMiB) < bytes.size()) peak = std::max(peak, rssKiB());
                          return true;
                        }),
            "");
  EXPECT_EQ(got, mib * kMiB);
  peak = std::max(peak, rssKiB());
  std::cout << "VmRSS grew " << (peak - before) << " KiB streaming " << mib << " MiB each way\n";
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer keeps freed blocks in a quarantine (256 MiB by default) instead of reusing
  // them, so VmRSS measures the quarantine, not the store: the bound is checked without ASan.
  GTEST_SKIP() << "VmRSS bound not checked under AddressSanitizer";
#endif
  EXPECT_LT(peak - before, 32 * 1024)
      << "VmRSS grew from " << before << " KiB to " << peak << " KiB streaming " << mib << " MiB";
}

// openDumpStore resolves the repository from the same PGBACKREST_* variables pgBackRest reads, and
// puts dumps where pgBackRest itself sees them: `pgbackrest repo-ls` and `repo-get` find what the
// store wrote under dumps/<stanza>, and the store reads what `pgbackrest repo-put` wrote there.
TEST(S3Storage, DumpsLandWherePgbackrestSeesThem) {
  S3Fixture f;
  START_S3(f);
  const fs::path conf = f.dir.path() / "pgbackrest.conf";
  writeFile(conf, "[global]\nrepo1-s3-bucket=overridden-by-the-environment\n");
  Settings settings;
  settings.stanza = "main";
  settings.pgbackrest_env = f.env;
  settings.pgbackrest_config = conf.string();
  settings.pgbackrest_config_rendered = false;
  std::string error;
  auto store = openDumpStore(settings, &error);
  ASSERT_TRUE(store) << error;
  EXPECT_EQ(store->describe().find(S3Server::kSecret), std::string::npos);
  auto writer = store->create("db/x.dump", &error);
  ASSERT_TRUE(writer) << error;
  ASSERT_EQ(writer->write("written by the store"), "");
  ASSERT_EQ(writer->commit(), "");

  auto pgbackrest = [&](std::vector<std::string> args, std::optional<std::string> input = {}) {
    args.insert(args.begin(),
                {"pgbackrest", "--config=" + conf.string(), "--log-level-console=warn"});
    return run(args, f.env, "", input);
  };
  const auto listed = pgbackrest({"repo-ls", "--recurse", "dumps/main"});
  ASSERT_EQ(listed.code, 0) << listed.output;
  EXPECT_NE(listed.output.find("db/x.dump"), std::string::npos) << listed.output;
  const auto got = pgbackrest({"repo-get", "dumps/main/db/x.dump"});
  ASSERT_EQ(got.code, 0) << got.output;
  EXPECT_EQ(got.output, "written by the store");

  const auto put = pgbackrest({"repo-put", "dumps/main/db/y.dump"}, "written by pgbackrest");
  ASSERT_EQ(put.code, 0) << put.output;
  EXPECT_EQ(readAll(*store, "db/y.dump", &error), "written by pgbackrest");
  EXPECT_EQ(error, "");
}

// tests/support/sigv4-check-server.py in the background; stopped (SIGTERM, reaped) on destruction.
class SigV4CheckServer {
 public:
  SigV4CheckServer(const fs::path& dir, const std::string& secret) : dir_(dir) {
    const auto cert =
        run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
             "/CN=localhost", "-addext", "subjectAltName=DNS:localhost", "-keyout",
             (dir / "key.pem").string(), "-out", (dir / "cert.pem").string()});
    if (cert.code != 0) return;
    std::vector<std::string> args{
        "python3",     (sourceDir() / "tests/support/sigv4-check-server.py").string(),
        "--cert",      (dir / "cert.pem").string(),
        "--key",       (dir / "key.pem").string(),
        "--secret",    secret,
        "--region",    "us-east-1",
        "--port-file", (dir / "port").string()};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string log = (dir / "server.log").string();
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (posix_spawnp(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    if (pid_ > 0 && eventually([&] { return fs::exists(dir / "port"); }, 20s))
      port_ = std::stoi(readFile(dir / "port"));
  }
  ~SigV4CheckServer() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  SigV4CheckServer(const SigV4CheckServer&) = delete;
  SigV4CheckServer& operator=(const SigV4CheckServer&) = delete;

  int port() const { return port_; }
  std::string log() const { return readFile(dir_ / "server.log"); }
  fs::path caFile() const { return dir_ / "cert.pem"; }

 private:
  fs::path dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

TEST(S3Storage, EveryKindOfRequestCarriesASignatureBotocoreAccepts) {
  if (run({"python3", "-c", "import botocore"}).code != 0)
    GTEST_SKIP() << "python3-botocore missing";
  TempDir dir;
  const std::string secret = "sig-check-secret-7Hq";
  SigV4CheckServer server(dir.path(), secret);
  ASSERT_GT(server.port(), 0) << server.log();
  auto storeWith = [&](const std::string& key_secret) {
    return std::make_unique<S3Store>(
        S3Location{.endpoint = "localhost",
                   .port = server.port(),
                   .bucket = "bucket",
                   .path_style = true,
                   .prefix = "it repo/dumps/main/",  // a space: percent-encoded in path and query
                   .secret = key_secret,
                   .part_size = 5 * kMiB},
        makeCurlTransport(CurlOptions{.region = "us-east-1",
                                      .access_key = "AKIDEXAMPLE",
                                      .secret_key = key_secret,
                                      .ca_file = server.caFile().string()}));
  };
  auto store = storeWith(secret);
  std::string error;
  auto small = store->create("db/small.dump", &error);
  ASSERT_EQ(small->write("small"), "");
  EXPECT_EQ(small->commit(), "") << server.log();  // PUT
  auto big = store->create("db/big.dump", &error);
  ASSERT_EQ(big->write(chunkOf(6 * kMiB, 1)), "") << server.log();  // POST ?uploads=, PUT part
  EXPECT_EQ(big->commit(), "") << server.log();  // PUT part 2, POST ?uploadId= (id has / + =)
  {
    auto abandoned = store->create("db/abandoned.dump", &error);
    ASSERT_EQ(abandoned->write(chunkOf(5 * kMiB, 2)), "") << server.log();
  }                                                          // DELETE ?uploadId=
  EXPECT_EQ(readAll(*store, "db/small.dump", &error), "x");  // GET
  EXPECT_EQ(error, "") << server.log();
  EXPECT_EQ(store->size("db/small.dump", &error), 1u) << error << server.log();  // HEAD
  std::vector<ObjectInfo> listed;
  EXPECT_EQ(store->list("db/", &listed), "") << server.log();     // GET ?list-type=2&prefix=
  EXPECT_EQ(store->remove("db/small.dump"), "") << server.log();  // DELETE
  EXPECT_EQ(server.log().find("signature mismatch"), std::string::npos) << server.log();

  // The check can fail: a wrong secret is refused, and the error does not carry the secret.
  auto wrong = storeWith("not-the-secret-Xy1");
  const std::string refused = wrong->remove("db/small.dump");
  EXPECT_EQ(refused,
            "cannot remove db/small.dump: HTTP 403 SignatureDoesNotMatch: checked by botocore");
}

}  // namespace
}  // namespace pgbr::it
