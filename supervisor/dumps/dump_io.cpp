// dump_io.h.
#include "supervisor/dumps/dump_io.h"

#include <openssl/evp.h>

#include <cstdio>

#include "supervisor/postgres/server.h"

namespace pgbr {

JobOutcome failedJob(std::string message) {
  JobOutcome out;
  out.state = JobState::kFailed;
  out.message = std::move(message);
  return out;
}

struct Sha256::Impl {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr);
}
Sha256::~Sha256() = default;

void Sha256::update(std::string_view bytes) {
  EVP_DigestUpdate(impl_->ctx, bytes.data(), bytes.size());
}

std::string Sha256::hex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx, digest, &len);
  std::string out;
  char byte[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(byte, sizeof byte, "%02x", digest[i]);
    out += byte;
  }
  return out;
}

std::string databaseConnString(const std::string& database) {
  std::string quoted = "dbname='";
  for (char c : database) {
    if (c == '\'' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "'";
}

SpawnSpec clientSpec(const Settings& settings, const std::string& program,
                     std::vector<std::string> args) {
  SpawnSpec spec;
  spec.argv = {pgBinary(settings, program), "--no-password"};
  if (!settings.pg_socket_dir.empty()) spec.argv.push_back("--host=" + settings.pg_socket_dir);
  spec.argv.push_back("--port=" + std::to_string(settings.pg_port));
  spec.argv.push_back("--username=" + settings.init.user);
  for (std::string& a : args) spec.argv.push_back(std::move(a));
  spec.env = currentEnvironment();
  removeEnv(spec.env, "PGPASSWORD");
  if (!settings.init.password.empty()) setEnv(spec.env, "PGPASSWORD", settings.init.password);
  return spec;
}

namespace {

void showCommand(JobContext& ctx, const SpawnSpec& spec) {
  std::string shown = "$";
  for (const auto& a : spec.argv) shown += " " + a;
  ctx.log().appendLine(shown);
}

std::string clientFailure(const std::string& program, const PipedResult& ran) {
  if (!ran.run.started) return "cannot start " + program + ": " + ran.run.spawn_error;
  if (ran.run.cancelled) return "cancelled";
  if (!ran.stdout_error.empty()) return ran.stdout_error;
  if (!ran.stdin_error.empty()) return ran.stdin_error;
  std::string last = ran.run.last_lines.empty() ? "" : ": " + ran.run.last_lines.back();
  return program + " " + ran.run.status.describe() + last;
}

std::string programOf(const SpawnSpec& spec) {
  const std::string& path = spec.argv.front();
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string runIntoStore(JobContext& ctx, Children& children, const SpawnSpec& spec,
                         ObjectStore& store, const std::string& key, StreamedFile* made) {
  showCommand(ctx, spec);
  std::string error;
  std::unique_ptr<ObjectWriter> writer = store.create(key, &error);
  if (!writer) return "cannot store " + key + ": " + error;
  Sha256 sha;
  std::string store_error;
  PipedIo io;
  io.on_stdout = [&](std::string_view chunk) {
    sha.update(chunk);
    store_error = writer->write(chunk);
    return store_error.empty();
  };
  RunOptions options;
  options.cancel = &ctx.cancelRequested();
  options.keep_lines = 50;
  PipedResult ran = runPiped(children, spec, &ctx.log(), options, io);
  if (!store_error.empty()) ran.stdout_error = "cannot store " + key + ": " + store_error;
  if (!ran.success()) return clientFailure(programOf(spec), ran);
  made->size = writer->written();
  made->sha256 = sha.hex();
  if (std::string committed = writer->commit(); !committed.empty())
    return "cannot store " + key + ": " + committed;
  return {};
}

std::string runFromStore(JobContext& ctx, Children& children, const SpawnSpec& spec,
                         ObjectStore& store, const std::string& key,
                         const std::string& expected_sha256, std::vector<std::string>* last_lines) {
  showCommand(ctx, spec);
  Sha256 sha;
  std::string digest;
  PipedIo io;
  io.feed_stdin = [&](const std::function<bool(std::string_view)>& write) -> std::string {
    bool client_gone = false;
    std::string error = store.read(key, [&](std::string_view chunk) {
      sha.update(chunk);
      if (!write(chunk)) client_gone = true;
      return !client_gone && !ctx.cancelRequested().load();
    });
    if (client_gone) return {};  // the client's own exit says why
    if (!error.empty()) return "cannot read " + key + ": " + error;
    digest = sha.hex();
    if (!expected_sha256.empty() && digest != expected_sha256)
      return key + " does not have the SHA-256 the manifest recorded: the file is damaged";
    return {};
  };
  RunOptions options;
  options.cancel = &ctx.cancelRequested();
  options.keep_lines = 50;
  PipedResult ran = runPiped(children, spec, &ctx.log(), options, io);
  if (last_lines) *last_lines = ran.run.last_lines;
  if (!ran.success()) return clientFailure(programOf(spec), ran);
  return {};
}

}  // namespace pgbr
