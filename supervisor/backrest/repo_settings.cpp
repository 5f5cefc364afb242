// RepoConfig (repo_settings.h).
#include "supervisor/backrest/repo_settings.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <set>

namespace pgbr {

namespace {

namespace fs = std::filesystem;

std::string trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return std::string(text);
}

// "repo2-s3-bucket" -> {2, "s3-bucket"}; "repo-path" -> {1, "path"}; anything else -> nullopt.
// Deprecated names pgBackRest 2.45 still accepts become their current ones.
std::optional<std::pair<int, std::string>> repoOption(const std::string& name) {
  if (name.rfind("repo", 0) != 0) return std::nullopt;
  size_t at = 4;
  int repo = 1;
  if (at < name.size() && std::isdigit(static_cast<unsigned char>(name[at]))) {
    const auto [end, ec] = std::from_chars(name.data() + at, name.data() + name.size(), repo);
    if (ec != std::errc() || repo < 1 || repo > 256) return std::nullopt;
    at = static_cast<size_t>(end - name.data());
  }
  if (at >= name.size() || name[at] != '-' || at + 1 == name.size()) return std::nullopt;
  std::string option = name.substr(at + 1);
  static const std::map<std::string, std::string> kAliases = {
      {"s3-verify-ssl", "storage-verify-tls"},
      {"s3-verify-tls", "storage-verify-tls"},
      {"s3-ca-file", "storage-ca-file"},
      {"s3-ca-path", "storage-ca-path"},
      {"s3-port", "storage-port"},
      {"s3-host", "storage-host"}};
  if (auto alias = kAliases.find(option); alias != kAliases.end()) option = alias->second;
  return std::make_pair(repo, option);
}

using Section = std::map<std::string, std::string>;  // full option name -> value

// Adds one file's [global] and [<stanza>] options to `global` and `stanza`; notes command
// sections that set repository options.
std::string readFile(const fs::path& file, const std::string& stanza_name, Section* global,
                     Section* stanza, std::vector<std::string>* notes) {
  std::ifstream in(file);
  if (!in) return "cannot read pgBackRest config " + file.string();
  std::string line;
  std::string section;
  std::set<std::string> noted;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const std::string text = trim(line);
    if (text.empty() || text.front() == '#') continue;
    if (text.front() == '[') {
      if (text.back() != ']')
        return file.string() + " line " + std::to_string(number) + ": a section needs a closing ]";
      section = trim(std::string_view(text).substr(1, text.size() - 2));
      continue;
    }
    const size_t eq = text.find('=');
    if (eq == std::string::npos)
      return file.string() + " line " + std::to_string(number) + ": expected option=value";
    const std::string name = trim(std::string_view(text).substr(0, eq));
    const std::string value = trim(std::string_view(text).substr(eq + 1));
    if (!repoOption(name)) continue;
    Section* target = section == "global" ? global : section == stanza_name ? stanza : nullptr;
    if (target == nullptr) {
      const size_t colon = section.find(':');
      const std::string owner = section.substr(0, colon);
      if (colon != std::string::npos && (owner == "global" || owner == stanza_name) &&
          noted.insert(section).second)
        notes->push_back("[" + section + "] in " + file.string() +
                         " applies to one pgbackrest command only; its repository options are "
                         "not used here");
      continue;
    }
    if (!target->emplace(name, value).second)
      return name + " is set more than once in [" + section + "] (" + file.string() + " line " +
             std::to_string(number) + ")";
  }
  return "";
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

}  // namespace

std::optional<RepoConfig> RepoConfig::load(const RepoSettingsInput& input, std::string* error) {
  RepoConfig config;
  Section global;
  Section stanza;
  auto envOf = [&](const std::string& name) -> std::string {
    auto it = input.env.find(name);
    return it == input.env.end() ? "" : it->second;
  };
  std::vector<fs::path> files;
  if (!input.config_file.empty()) files.emplace_back(input.config_file);
  std::string include = input.include_path;
  if (include.empty()) include = envOf("PGBACKREST_CONFIG_INCLUDE_PATH");
  if (include.empty() && !envOf("PGBACKREST_CONFIG_PATH").empty())
    include = envOf("PGBACKREST_CONFIG_PATH") + "/conf.d";
  if (!include.empty()) {
    std::error_code ec;
    std::vector<fs::path> found;
    for (fs::directory_iterator it(include, ec), end; !ec && it != end; it.increment(ec))
      if (it->path().extension() == ".conf" && it->is_regular_file(ec)) found.push_back(it->path());
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  for (const fs::path& file : files) {
    *error = readFile(file, input.stanza, &global, &stanza, &config.notes_);
    if (!error->empty()) return std::nullopt;
  }
  auto apply = [&](const std::string& name, const std::string& value) {
    if (auto option = repoOption(name)) config.options_[option->first][option->second] = value;
  };
  for (const auto& [name, value] : global) apply(name, value);
  for (const auto& [name, value] : stanza) apply(name, value);
  const std::string prefix = "PGBACKREST_";
  for (const auto& [name, value] : input.env) {
    if (name.rfind(prefix, 0) != 0) continue;
    std::string option = lower(name.substr(prefix.size()));
    std::replace(option.begin(), option.end(), '_', '-');
    apply(option, value);
  }
  return config;
}

std::vector<int> RepoConfig::repos() const {
  std::vector<int> out;
  for (const auto& [repo, options] : options_) out.push_back(repo);
  if (out.empty()) out.push_back(1);
  return out;
}

std::optional<RepoSettings> RepoConfig::resolve(int repo, std::string* error) const {
  const std::vector<int> known = repos();
  if (std::find(known.begin(), known.end(), repo) == known.end()) {
    *error = "repo" + std::to_string(repo) + " is not configured";
    return std::nullopt;
  }
  RepoSettings s;
  s.repo = repo;
  auto found = options_.find(repo);
  if (found != options_.end()) s.options = found->second;
  const std::string name = "repo" + std::to_string(repo) + "-";
  auto text = [&](const char* option, std::string* into) {
    if (auto it = s.options.find(option); it != s.options.end()) *into = it->second;
  };
  auto flag = [&](const char* option, bool* into) {
    auto it = s.options.find(option);
    if (it == s.options.end()) return true;
    if (it->second != "y" && it->second != "n") {
      *error = name + option + " must be y or n, not '" + it->second + "'";
      return false;
    }
    *into = it->second == "y";
    return true;
  };
  text("type", &s.type);
  text("path", &s.path);
  text("s3-bucket", &s.s3_bucket);
  text("s3-endpoint", &s.s3_endpoint);
  text("s3-region", &s.s3_region);
  text("s3-key", &s.s3_key);
  text("s3-key-secret", &s.s3_key_secret);
  text("s3-key-type", &s.s3_key_type);
  text("s3-uri-style", &s.s3_uri_style);
  text("storage-ca-file", &s.storage_ca_file);
  text("storage-ca-path", &s.storage_ca_path);
  text("cipher-type", &s.cipher_type);
  text("cipher-pass", &s.cipher_pass);
  if (!flag("storage-verify-tls", &s.storage_verify_tls)) return std::nullopt;
  if (auto it = s.options.find("storage-port"); it != s.options.end()) {
    const std::string& v = it->second;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), s.storage_port);
    if (ec != std::errc() || end != v.data() + v.size() || s.storage_port < 1 ||
        s.storage_port > 65535) {
      *error = name + "storage-port must be a port number (1-65535), not '" + v + "'";
      return std::nullopt;
    }
  }
  static const std::set<std::string> kTypes = {"posix", "s3", "azure", "gcs", "sftp", "cifs"};
  if (!kTypes.count(s.type)) {
    *error = name + "type '" + s.type + "' is not a pgBackRest repository type";
    return std::nullopt;
  }
  if (s.path.empty() || s.path.front() != '/') {
    *error = name + "path must be an absolute path, not '" + s.path + "'";
    return std::nullopt;
  }
  if (s.cipher_type != "none" && s.cipher_type != "aes-256-cbc") {
    *error = name + "cipher-type must be none or aes-256-cbc, not '" + s.cipher_type + "'";
    return std::nullopt;
  }
  if (s.cipher_type == "aes-256-cbc" && s.cipher_pass.empty()) {
    *error = name + "cipher-pass is needed with " + name + "cipher-type=aes-256-cbc";
    return std::nullopt;
  }
  if (s.type == "s3") {
    if (s.s3_uri_style != "host" && s.s3_uri_style != "path") {
      *error = name + "s3-uri-style must be host or path, not '" + s.s3_uri_style + "'";
      return std::nullopt;
    }
    std::vector<std::pair<const char*, const std::string*>> required = {
        {"s3-bucket", &s.s3_bucket}, {"s3-endpoint", &s.s3_endpoint}, {"s3-region", &s.s3_region}};
    if (s.s3_key_type == "shared") {
      required.emplace_back("s3-key", &s.s3_key);
      required.emplace_back("s3-key-secret", &s.s3_key_secret);
    }
    for (const auto& [option, value] : required) {
      if (value->empty()) {
        *error = name + option + " is not set (an s3 repository needs it)";
        return std::nullopt;
      }
    }
  }
  return s;
}

}  // namespace pgbr
