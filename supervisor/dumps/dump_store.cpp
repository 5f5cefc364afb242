// openDumpStore (dump_store.h): the repository PGBR_DUMP_REPO, resolved as pgBackRest resolves it
// (backrest/repo_settings.h), opened as a local folder or an S3 prefix, encrypted when the
// repository is.
#include "supervisor/dumps/dump_store.h"

#include <algorithm>
#include <filesystem>

#include "supervisor/backrest/repo_settings.h"
#include "supervisor/storage/curl_transport.h"
#include "supervisor/storage/encrypted_store.h"
#include "supervisor/storage/local_store.h"
#include "supervisor/storage/s3_store.h"

namespace pgbr {

namespace {

namespace fs = std::filesystem;

// S3 options pgBackRest honours that this store cannot: writing without them would store dumps
// differently from the backups beside them (unencrypted by KMS, untagged) or not reach the bucket.
std::string refuseS3Options(const RepoSettings& repo) {
  const std::string name = "repo" + std::to_string(repo.repo) + "-";
  if (repo.s3_key_type != "shared")
    return name + "s3-key-type=" + repo.s3_key_type + ": dumps support shared keys only (" + name +
           "s3-key and " + name + "s3-key-secret)";
  for (const char* option : {"s3-kms-key-id", "s3-sse-customer-key", "s3-token", "s3-role",
                             "s3-web-id-token-file", "storage-host", "storage-tag"}) {
    if (repo.options.count(option))
      return name + option +
             " is set: dumps cannot honour it; keep dumps in another repository "
             "with PGBR_DUMP_REPO";
  }
  if (auto pays = repo.options.find("s3-requester-pays");
      pays != repo.options.end() && pays->second == "y")
    return name +
           "s3-requester-pays=y: dumps cannot honour it; keep dumps in another repository "
           "with PGBR_DUMP_REPO";
  return "";
}

std::unique_ptr<ObjectStore> openS3(const RepoSettings& repo, const std::string& stanza,
                                    std::string* error) {
  *error = refuseS3Options(repo);
  if (!error->empty()) return nullptr;
  // The repository path is a key prefix in the bucket: "/pgbackrest" -> "pgbackrest/", "/" -> "".
  std::string prefix = repo.path;
  prefix.erase(0, prefix.find_first_not_of('/'));
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  prefix += "dumps/" + stanza + "/";
  S3Location location{.endpoint = repo.s3_endpoint,
                      .port = repo.storage_port,
                      .bucket = repo.s3_bucket,
                      .path_style = repo.s3_uri_style == "path",
                      .prefix = prefix,
                      .secret = repo.s3_key_secret};
  CurlOptions curl{.region = repo.s3_region,
                   .access_key = repo.s3_key,
                   .secret_key = repo.s3_key_secret,
                   .ca_file = repo.storage_ca_file,
                   .ca_path = repo.storage_ca_path,
                   .verify_tls = repo.storage_verify_tls};
  return std::make_unique<S3Store>(location, makeCurlTransport(curl));
}

}  // namespace

std::unique_ptr<ObjectStore> openDumpStore(const Settings& settings, std::string* error) {
  RepoSettingsInput input{.env = settings.pgbackrest_env, .stanza = settings.stanza};
  // The supervisor renders its pgbackrest.conf at start; before that its repo1 is known anyway:
  // posix at <state_dir>/repo (conf/pgbackrest.conf).
  std::error_code ec;
  const bool rendered_pending =
      settings.pgbackrest_config_rendered && !fs::exists(settings.pgbackrest_config, ec);
  if (!rendered_pending) input.config_file = settings.pgbackrest_config;
  std::optional<RepoConfig> config = RepoConfig::load(input, error);
  if (!config) return nullptr;

  const int number = settings.dump_repo;
  const std::vector<int> repos = config->repos();
  if (std::find(repos.begin(), repos.end(), number) == repos.end()) {
    std::string known;
    for (int repo : repos) known += (known.empty() ? "" : ", ") + std::to_string(repo);
    *error = "PGBR_DUMP_REPO=" + std::to_string(number) + ": pgbackrest has no repo" +
             std::to_string(number) + " (configured: " + known +
             "); set PGBR_DUMP_REPO to one "
             "of those";
    return nullptr;
  }
  std::optional<RepoSettings> repo = config->resolve(number, error);
  if (!repo) return nullptr;
  if (rendered_pending && number == 1 && !repo->options.count("path"))
    repo->path = (fs::path(settings.state_dir) / "repo").string();

  std::unique_ptr<ObjectStore> store;
  if (repo->type == "posix") {
    store = std::make_unique<LocalStore>(fs::path(repo->path) / "dumps" / settings.stanza);
  } else if (repo->type == "s3") {
    store = openS3(*repo, settings.stanza, error);
    if (!store) return nullptr;
  } else {
    *error = "repo" + std::to_string(number) + "-type=" + repo->type +
             ": dumps are kept in a posix or s3 repository only; choose one with PGBR_DUMP_REPO";
    return nullptr;
  }
  if (repo->cipher_type == "aes-256-cbc")
    return std::make_unique<EncryptedStore>(std::move(store), repo->cipher_pass);
  return store;
}

}  // namespace pgbr
