// The cipher's format is openssl enc's: what we write, `openssl enc -d` decrypts, and what
// `openssl enc` writes, we decrypt; a wrong passphrase is a clear error. EncryptedStore over a
// LocalStore stores ciphertext, reads plaintext and reports the stored size. These tests run the
// openssl command line (a child process, started with an argv vector, never a shell).
#include "supervisor/storage/cipher.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include <fstream>
#include <random>

#include "supervisor/storage/encrypted_store.h"
#include "supervisor/storage/local_store.h"
#include "tests/unit/temp_dir.h"

extern char** environ;

namespace pgbr {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

constexpr const char* kPass = "correct horse battery staple";

std::string fileText(const fs::path& path) {
  return TempDir::read(path);
}

void writeFile(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// openssl enc with the flags cipher.h documents; returns its exit code. `salt` (16 hex digits)
// makes encryption's output fixed.
int opensslEnc(bool decrypt, const std::string& pass, const fs::path& in, const fs::path& out,
               const std::string& salt = "") {
  std::vector<std::string> args{PGBR_OPENSSL,   "enc",          decrypt ? "-d" : "-e",
                                "-aes-256-cbc", "-pbkdf2",      "-iter",
                                "100000",       "-md",          "sha256",
                                "-pass",        "pass:" + pass, "-in",
                                in.string(),    "-out",         out.string()};
  if (!salt.empty()) args.insert(args.end(), {"-S", salt});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string randomBytes(size_t n) {
  std::mt19937 random(42);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(random());
  return out;
}

// Runs `text` through a stream in chunks of `chunk` bytes.
std::string pass(CipherStream& stream, const std::string& text, size_t chunk, std::string* error) {
  std::string out;
  for (size_t at = 0; at < text.size() && error->empty(); at += chunk)
    *error = stream.update(std::string_view(text).substr(at, chunk), &out);
  if (error->empty()) *error = stream.finish(&out);
  return out;
}

TEST(Cipher, OurOutputDecryptsWithOpensslCommandLine) {
  TempDir dir;
  for (size_t size : {size_t{0}, size_t{15}, size_t{16}, size_t{100000}}) {
    const std::string plain = randomBytes(size);
    std::string error;
    auto enc = CipherStream::encrypting(kPass, &error);
    ASSERT_TRUE(enc) << error;
    const std::string sealed = pass(*enc, plain, 777, &error);
    ASSERT_EQ(error, "");
    EXPECT_EQ(sealed.substr(0, 8), "Salted__");
    EXPECT_EQ(sealed.size(), 16 + (size / 16 + 1) * 16);
    writeFile(dir.path() / "sealed", sealed);
    ASSERT_EQ(opensslEnc(true, kPass, dir.path() / "sealed", dir.path() / "plain"), 0) << size;
    EXPECT_EQ(fileText(dir.path() / "plain"), plain) << size;
  }
}

TEST(Cipher, OpensslCommandLineOutputDecryptsHere) {
  TempDir dir;
  const std::string plain = randomBytes(65537);
  writeFile(dir.path() / "plain", plain);
  ASSERT_EQ(opensslEnc(false, kPass, dir.path() / "plain", dir.path() / "sealed"), 0);
  const std::string sealed = fileText(dir.path() / "sealed");
  for (size_t chunk : {size_t{1}, size_t{5}, size_t{4096}}) {
    auto dec = CipherStream::decrypting(kPass);
    std::string error;
    EXPECT_EQ(pass(*dec, sealed, chunk, &error), plain) << chunk;
    EXPECT_EQ(error, "");
  }
}

// The padding check alone misses about one wrong passphrase in 256 (EncryptedStore's passphrase
// check covers that); with a fixed salt, this one is always caught.
TEST(Cipher, AWrongPassphraseOrForeignDataIsAClearError) {
  TempDir dir;
  writeFile(dir.path() / "plain", randomBytes(1000));
  ASSERT_EQ(
      opensslEnc(false, kPass, dir.path() / "plain", dir.path() / "sealed", "0011223344556677"), 0);
  // With -S, openssl leaves the header out; it is "Salted__" and the salt's 8 bytes.
  const std::string sealed =
      std::string("Salted__\x00\x11\x22\x33\x44\x55\x66\x77", 16) + fileText(dir.path() / "sealed");
  std::string error;
  auto check = CipherStream::decrypting(kPass);
  ASSERT_EQ(pass(*check, sealed, 100, &error), fileText(dir.path() / "plain"));
  ASSERT_EQ(error, "");
  auto dec = CipherStream::decrypting("wrong");
  pass(*dec, sealed, 100, &error);
  EXPECT_EQ(error, "cannot decrypt: wrong passphrase (repo cipher-pass) or damaged data");
  error.clear();
  auto plain = CipherStream::decrypting(kPass);
  pass(*plain, "this was never encrypted", 100, &error);
  EXPECT_NE(error.find("does not start with \"Salted__\""), std::string::npos) << error;
  error.clear();
  auto empty = CipherStream::decrypting(kPass);
  pass(*empty, "", 100, &error);
  EXPECT_NE(error.find("ends before"), std::string::npos) << error;
}

TEST(EncryptedStore, StoresCiphertextAndReadsPlaintext) {
  TempDir dir;
  auto local = std::make_unique<LocalStore>(dir.path() / "dumps");
  EncryptedStore store(std::move(local), kPass);
  const std::string plain = randomBytes(300000);
  std::string error;
  auto writer = store.create("db/x.dump", &error);
  ASSERT_TRUE(writer) << error;
  for (size_t at = 0; at < plain.size(); at += 4000)
    ASSERT_EQ(writer->write(std::string_view(plain).substr(at, 4000)), "");
  ASSERT_EQ(writer->commit(), "");
  EXPECT_EQ(writer->written(), plain.size());

  const fs::path file = dir.path() / "dumps" / "db" / "x.dump";
  EXPECT_EQ(fileText(file).substr(0, 8), "Salted__");
  EXPECT_EQ(store.size("db/x.dump", &error), fs::file_size(file)) << "the stored size";
  ASSERT_EQ(opensslEnc(true, kPass, file, dir.path() / "out"), 0);
  EXPECT_EQ(fileText(dir.path() / "out"), plain);

  std::string back;
  EXPECT_EQ(store.read("db/x.dump",
                       [&](std::string_view chunk) {
                         back.append(chunk);
                         return true;
                       }),
            "");
  EXPECT_EQ(back, plain);
  std::vector<ObjectInfo> listed;
  ASSERT_EQ(store.list("", &listed), "");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].size, fs::file_size(file));

  EXPECT_EQ(store.remove("db/x.dump"), "");
  EXPECT_FALSE(fs::exists(file));
}

// The first write leaves the passphrase check at the root (openssl opens it too; list() hides
// it). A store with another passphrase refuses every read and write, with nothing written; the
// padding check alone would let about one wrong passphrase in 256 through.
TEST(EncryptedStore, AWrongPassphraseIsRefusedEveryTime) {
  TempDir dir;
  EncryptedStore store(std::make_unique<LocalStore>(dir.path()), kPass);
  std::string error;
  auto writer = store.create("db/x.dump", &error);
  ASSERT_TRUE(writer) << error;
  ASSERT_EQ(writer->write("the dump"), "");
  ASSERT_EQ(writer->commit(), "");
  const fs::path check = dir.path() / std::string(EncryptedStore::kCheckKey);
  ASSERT_TRUE(fs::exists(check));
  ASSERT_EQ(opensslEnc(true, kPass, check, dir.path() / "check.txt"), 0);
  EXPECT_EQ(fileText(dir.path() / "check.txt"), EncryptedStore::kCheckText);
  fs::remove(dir.path() / "check.txt");
  std::vector<ObjectInfo> listed;
  ASSERT_EQ(store.list("", &listed), "");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].key, "db/x.dump");

  for (const std::string other : {"not it", "wrong", "correct horse battery stapl"}) {
    EncryptedStore wrong(std::make_unique<LocalStore>(dir.path()), other);
    bool fed = false;
    EXPECT_EQ(wrong.read("db/x.dump",
                         [&](std::string_view) {
                           fed = true;
                           return true;
                         }),
              "cannot read db/x.dump: " + std::string(EncryptedStore::kWrongPassphrase));
    EXPECT_FALSE(fed) << "nothing is handed on before the passphrase is known to be right";
    EXPECT_FALSE(wrong.create("db/y.dump", &error));
    EXPECT_EQ(error, "cannot write db/y.dump: " + std::string(EncryptedStore::kWrongPassphrase));
  }
  EXPECT_FALSE(fs::exists(dir.path() / "db" / "y.dump"));

  // The case the padding misses: the check decrypts, to another text.
  std::unique_ptr<CipherStream> enc = CipherStream::encrypting(kPass, &error);
  std::string sealed;
  ASSERT_EQ(enc->update("some other text\n", &sealed), "");
  ASSERT_EQ(enc->finish(&sealed), "");
  writeFile(check, sealed);
  EncryptedStore fooled(std::make_unique<LocalStore>(dir.path()), kPass);
  EXPECT_EQ(fooled.read("db/x.dump", [](std::string_view) { return true; }),
            "cannot read db/x.dump: " + std::string(EncryptedStore::kWrongPassphrase));
}

// Objects written before the check existed are still read (the padding is all there is then),
// and the first write there adds the check.
TEST(EncryptedStore, AStoreWithoutTheCheckIsReadAndGetsItOnTheFirstWrite) {
  TempDir dir;
  writeFile(dir.path() / "plain", "an old dump");
  fs::create_directories(dir.path() / "db");
  ASSERT_EQ(opensslEnc(false, kPass, dir.path() / "plain", dir.path() / "db" / "old.dump"), 0);
  fs::remove(dir.path() / "plain");
  EncryptedStore store(std::make_unique<LocalStore>(dir.path()), kPass);
  std::string back;
  EXPECT_EQ(store.read("db/old.dump",
                       [&](std::string_view chunk) {
                         back.append(chunk);
                         return true;
                       }),
            "");
  EXPECT_EQ(back, "an old dump");
  EXPECT_FALSE(fs::exists(dir.path() / std::string(EncryptedStore::kCheckKey)));
  std::string error;
  auto writer = store.create("db/new.dump", &error);
  ASSERT_TRUE(writer) << error;
  ASSERT_EQ(writer->commit(), "");
  EXPECT_TRUE(fs::exists(dir.path() / std::string(EncryptedStore::kCheckKey)));
}

TEST(EncryptedStore, ADroppedWriterLeavesNothing) {
  TempDir dir;
  EncryptedStore store(std::make_unique<LocalStore>(dir.path()), kPass);
  std::string error;
  {
    auto writer = store.create("x", &error);
    ASSERT_EQ(writer->write("partial"), "");
  }
  std::vector<ObjectInfo> listed;
  ASSERT_EQ(store.list("", &listed), "");
  EXPECT_TRUE(listed.empty());
}

}  // namespace
}  // namespace pgbr
