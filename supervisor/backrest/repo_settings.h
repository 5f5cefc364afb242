// The settings of one pgBackRest repository (repoN-*) as pgBackRest 2.45 itself resolves them, for
// code that reads or writes the repository without pgBackRest (logical dumps). Plain inputs only:
// the PGBACKREST_* environment, the pgbackrest.conf path and the stanza; no dependency on the
// supervisor's config.
//
// Precedence, as pgBackRest's: an environment variable (PGBACKREST_REPO1_S3_BUCKET) beats the
// config file's [<stanza>] section, which beats [global]. Unindexed names (repo-path) mean repo 1;
// the deprecated 2.45 aliases (repoN-s3-verify-ssl, -s3-ca-file, -s3-port, -s3-host...) map to
// their current names. Files *.conf in the include path (PGBACKREST_CONFIG_INCLUDE_PATH, or the
// `include_path` input for --config-include-path) are read after the main file, in name order, as
// if appended to it. Command sections ([global:backup], [<stanza>:archive-push]) apply only to
// one pgBackRest command, not to the repository as a whole: they are ignored and notes() says so.
// Setting one option twice in a section is an error, as in pgBackRest. Booleans are y or n.
//
// A repository exists when any repoN-* option is set for it; with none set at all, repo 1 exists
// with pgBackRest's defaults (posix at /var/lib/pgbackrest).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pgbr {

struct RepoSettingsInput {
  std::map<std::string, std::string> env = {};  // PGBACKREST_* variables (others are ignored)
  std::string config_file = {};                 // pgbackrest.conf; "" for none
  std::string include_path = {};  // --config-include-path; else PGBACKREST_CONFIG_INCLUDE_PATH
  std::string stanza = {};
};

struct RepoSettings {
  int repo = 1;
  std::string type = "posix";  // posix, s3, azure, gcs, sftp, cifs
  std::string path = "/var/lib/pgbackrest";
  std::string s3_bucket;
  std::string s3_endpoint;
  std::string s3_region;
  std::string s3_key;
  std::string s3_key_secret;
  std::string s3_key_type = "shared";
  std::string s3_uri_style = "host";  // host or path
  std::string storage_ca_file;
  std::string storage_ca_path;
  bool storage_verify_tls = true;
  int storage_port = 443;
  std::string cipher_type = "none";  // none or aes-256-cbc
  std::string cipher_pass;
  // Every option set for this repository, by its name without "repoN-" ("s3-kms-key-id"), after
  // precedence: callers refuse the ones they cannot honour.
  std::map<std::string, std::string> options;
};

class RepoConfig {
 public:
  // Reads the environment and the config files; nullopt with one line in `error` when a file
  // cannot be read or sets an option twice.
  static std::optional<RepoConfig> load(const RepoSettingsInput& input, std::string* error);

  // The repository numbers configured, ascending.
  std::vector<int> repos() const;
  // The settings of repository `repo`; nullopt with one line when a value is malformed (a
  // boolean other than y/n, a port out of range) or an S3 repository lacks a required option.
  std::optional<RepoSettings> resolve(int repo, std::string* error) const;
  // What was read but deliberately not used (command sections), one line each.
  const std::vector<std::string>& notes() const { return notes_; }

 private:
  // repo number -> option name (without "repoN-") -> value, already in precedence order.
  std::map<int, std::map<std::string, std::string>> options_;
  std::vector<std::string> notes_;
};

}  // namespace pgbr
