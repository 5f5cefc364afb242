#include "supervisor/backrest/command.h"

#include <algorithm>
#include <array>
#include <set>

namespace pgbr::backrest {
namespace {

// Caps that keep one request from producing an argv of megabytes; far above real use.
constexpr size_t kMaxAnnotations = 32;
constexpr size_t kMaxAnnotationKey = 128;
constexpr size_t kMaxAnnotationValue = 1024;
constexpr size_t kMaxDbInclude = 64;
// Postgres truncates identifiers and restore point names to NAMEDATALEN - 1 bytes.
constexpr size_t kMaxPgName = 63;

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}
bool isHex(char c) {
  return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// NUL, newlines and the other C0 controls and DEL: they end C strings, split log and config
// lines, and are never part of a sensible name.
bool hasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

bool allDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), isDigit);
}

int number(std::string_view s) {
  int n = 0;
  for (char c : s) n = n * 10 + (c - '0');
  return n;
}

bool isLeap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int daysInMonth(int y, int m) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && isLeap(y) ? 29 : kDays[static_cast<size_t>(m - 1)];
}

bool validDate(int y, int m, int d) {
  return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}
bool validClock(int h, int mi, int s) {
  return h <= 23 && mi <= 59 && s <= 59;
}

// "YYYYMMDD-HHMMSS" at the front of `s`.
bool labelStamp(std::string_view s) {
  if (s.size() != 15 || s[8] != '-' || !allDigits(s.substr(0, 8)) || !allDigits(s.substr(9, 6))) {
    return false;
  }
  return validDate(number(s.substr(0, 4)), number(s.substr(4, 2)), number(s.substr(6, 2))) &&
         validClock(number(s.substr(9, 2)), number(s.substr(11, 2)), number(s.substr(13, 2)));
}

std::string validateContext(const CommandContext& ctx) {
  if (ctx.binary.empty() || hasControl(ctx.binary)) return "pgbackrest binary path is invalid";
  if (!ctx.config_path.empty() && (ctx.config_path.front() != '/' || hasControl(ctx.config_path))) {
    return "pgbackrest config path must be an absolute path";
  }
  // The stanza names a directory in the repository and a section of the config file.
  const std::string& s = ctx.stanza;
  const bool stanza_ok = !s.empty() && s.size() <= 64 && s.front() != '-' && s.front() != '.' &&
                         std::all_of(s.begin(), s.end(), [](char c) {
                           return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                  c == '_' || c == '-' || c == '.';
                         });
  if (!stanza_ok) {
    return "stanza must be 1 to 64 letters, digits, '_', '-' or '.', not starting with '-' or '.'";
  }
  for (const std::string& option : ctx.extra) {
    if (option.size() < 3 || option.compare(0, 2, "--") != 0 || option[2] == '-' ||
        hasControl(option)) {
      return "extra pgbackrest options must each be one complete --name=value element";
    }
  }
  return {};
}

// binary --config=... --stanza=... extra... [--log-level-console=LEVEL]
std::optional<Argv> start(const CommandContext& ctx, std::string_view log_level,
                          std::string* error) {
  if (std::string problem = validateContext(ctx); !problem.empty()) {
    if (error != nullptr) *error = problem;
    return std::nullopt;
  }
  Argv argv{ctx.binary};
  if (!ctx.config_path.empty()) argv.push_back("--config=" + ctx.config_path);
  argv.push_back("--stanza=" + ctx.stanza);
  argv.insert(argv.end(), ctx.extra.begin(), ctx.extra.end());
  if (!log_level.empty()) argv.push_back("--log-level-console=" + std::string(log_level));
  return argv;
}

std::optional<Argv> refuse(std::string* error, std::string message) {
  if (error != nullptr) *error = std::move(message);
  return std::nullopt;
}

std::optional<Argv> simple(const CommandContext& ctx, std::string_view command,
                           std::string_view log_level, std::string* error) {
  std::optional<Argv> argv = start(ctx, log_level, error);
  if (argv) argv->emplace_back(command);
  return argv;
}

}  // namespace

std::string validateBackupType(std::string_view type) {
  if (type == "full" || type == "diff" || type == "incr") return {};
  return "backup type must be full, diff or incr";
}

std::string validateBackupLabel(std::string_view label) {
  const char* form =
      "backup label must look like 20261122-101500F or 20261122-101500F_20261123-101500D";
  if (label.size() == 16) {
    if (labelStamp(label.substr(0, 15)) && label[15] == 'F') return {};
    return form;
  }
  if (label.size() == 33) {
    if (labelStamp(label.substr(0, 15)) && label[15] == 'F' && label[16] == '_' &&
        labelStamp(label.substr(17, 15)) && (label[32] == 'D' || label[32] == 'I')) {
      return {};
    }
  }
  return form;
}

std::string validateAnnotation(std::string_view key, std::string_view value) {
  if (key.empty()) return "annotation key must not be empty";
  if (key.size() > kMaxAnnotationKey) return "annotation key must be at most 128 bytes";
  if (hasControl(key)) return "annotation key must not contain control characters or line breaks";
  // pgBackRest splits --annotation=key=value at the first '='.
  if (key.find('=') != std::string_view::npos) return "annotation key must not contain '='";
  if (value.empty()) return "annotation value must not be empty";
  if (value.size() > kMaxAnnotationValue) return "annotation value must be at most 1024 bytes";
  if (hasControl(value)) {
    return "annotation value must not contain control characters or line breaks";
  }
  return {};
}

std::string validateLsn(std::string_view lsn) {
  const char* form =
      "restore target (lsn) must be two hexadecimal numbers separated by '/', like 0/16B3748";
  const size_t slash = lsn.find('/');
  if (slash == std::string_view::npos) return form;
  std::string_view hi = lsn.substr(0, slash);
  std::string_view lo = lsn.substr(slash + 1);
  auto part = [](std::string_view p) {
    return !p.empty() && p.size() <= 8 && std::all_of(p.begin(), p.end(), isHex);
  };
  return part(hi) && part(lo) ? std::string() : std::string(form);
}

std::string validateXid(std::string_view xid) {
  // Postgres reads recovery_target_xid with base auto-detection, so a leading 0 would turn
  // "010" into octal 8: only plain decimal without leading zeros is passed on. Up to 64 bits,
  // because txid_current() returns the epoch-qualified form.
  const char* form =
      "restore target (xid) must be a transaction id: decimal digits, no leading zero";
  if (!allDigits(xid) || xid.front() == '0' || xid.size() > 20) return form;
  if (xid.size() == 20 && xid > std::string_view("18446744073709551615")) return form;
  return {};
}

std::string validateRestorePointName(std::string_view name) {
  if (name.empty()) return "restore target (name) must not be empty";
  if (name.size() > kMaxPgName) return "restore target (name) must be at most 63 bytes";
  if (hasControl(name)) {
    return "restore target (name) must not contain control characters or line breaks";
  }
  // pgBackRest writes recovery_target_name = '...' into postgresql.auto.conf without escaping;
  // a quote or backslash would leave Postgres unable to parse its configuration.
  if (name.find_first_of("'\\") != std::string_view::npos) {
    return "restore target (name) must not contain quotes or backslashes";
  }
  return {};
}

std::string validateDatabaseName(std::string_view name) {
  if (name.empty()) return "db_include entries must not be empty";
  if (name.size() > kMaxPgName) return "db_include entries must be at most 63 bytes";
  if (hasControl(name)) return "db_include entries must not contain control characters";
  if (name == "postgres" || name == "template0" || name == "template1") {
    // pgBackRest refuses them: system databases are always restored.
    return "db_include must not list postgres, template0 or template1: they are always restored";
  }
  return {};
}

std::optional<Argv> stanzaCreateCommand(const CommandContext& ctx, std::string* error) {
  return simple(ctx, "stanza-create", "info", error);
}

std::optional<Argv> checkCommand(const CommandContext& ctx, std::string* error) {
  return simple(ctx, "check", "info", error);
}

std::optional<Argv> backupCommand(const CommandContext& ctx, const BackupOptions& options,
                                  std::string* error) {
  if (std::string problem = validateBackupType(options.type); !problem.empty()) {
    return refuse(error, problem);
  }
  if (options.annotations.size() > kMaxAnnotations) {
    return refuse(error, "a backup takes at most 32 annotations");
  }
  for (const auto& [key, value] : options.annotations) {
    if (std::string problem = validateAnnotation(key, value); !problem.empty()) {
      return refuse(error, problem);
    }
  }
  std::optional<Argv> argv = start(ctx, "detail", error);
  if (!argv) return argv;
  argv->push_back("--type=" + options.type);
  for (const auto& [key, value] : options.annotations) {
    argv->push_back("--annotation=" + key + "=" + value);
  }
  argv->emplace_back("backup");
  return argv;
}

std::optional<Argv> expireCommand(const CommandContext& ctx, std::string* error) {
  return simple(ctx, "expire", "info", error);
}

std::optional<Argv> expireCommand(const CommandContext& ctx, std::string_view set,
                                  std::string* error) {
  if (std::string problem = validateBackupLabel(set); !problem.empty()) {
    return refuse(error, problem);
  }
  std::optional<Argv> argv = start(ctx, "info", error);
  if (!argv) return argv;
  argv->push_back("--set=" + std::string(set));
  argv->emplace_back("expire");
  return argv;
}

std::optional<Argv> infoCommand(const CommandContext& ctx, std::string* error) {
  // No console level: stdout must carry the JSON and nothing else.
  std::optional<Argv> argv = start(ctx, {}, error);
  if (!argv) return argv;
  argv->emplace_back("--output=json");
  argv->emplace_back("info");
  return argv;
}

std::optional<Argv> repoLsCommand(const CommandContext& ctx, unsigned repo_key,
                                  const std::string& path, const std::string& filter,
                                  std::string* error) {
  std::optional<Argv> argv = start(ctx, {}, error);
  if (!argv) return argv;
  argv->push_back("--repo=" + std::to_string(repo_key == 0 ? 1 : repo_key));
  argv->emplace_back("--output=json");
  if (!filter.empty()) argv->push_back("--filter=" + filter);
  argv->emplace_back("repo-ls");
  argv->push_back(path);
  return argv;
}

std::optional<Argv> verifyCommand(const CommandContext& ctx, std::string* error) {
  return simple(ctx, "verify", "info", error);
}

std::optional<Argv> restoreCommand(const CommandContext& ctx, const RestoreOptions& options,
                                   std::string* error) {
  const std::string& type = options.type;
  const bool has_target = type == "time" || type == "lsn" || type == "xid" || type == "name";
  const bool known = has_target || type == "delta" || type == "set" || type == "immediate";
  if (!known)
    return refuse(error, "restore type must be delta, set, time, lsn, xid, name or immediate");

  if (type == "set" && options.set.empty())
    return refuse(error, "restore type set needs a backup label in set");
  if (!options.set.empty()) {
    if (std::string problem = validateBackupLabel(options.set); !problem.empty()) {
      return refuse(error, problem);
    }
  }

  std::string target;
  if (has_target) {
    if (options.target.empty()) return refuse(error, "restore type " + type + " needs a target");
    std::string problem;
    if (type == "time") {
      std::optional<std::string> normalized = normalizeTargetTime(options.target, &problem);
      if (normalized) target = *normalized;
    } else {
      problem = type == "lsn"   ? validateLsn(options.target)
                : type == "xid" ? validateXid(options.target)
                                : validateRestorePointName(options.target);
      if (problem.empty()) target = options.target;
    }
    if (!problem.empty()) return refuse(error, problem);
  } else if (!options.target.empty()) {
    return refuse(error, "restore type " + type + " takes no target");
  }

  const bool stops_at_target = has_target || type == "immediate";
  if (!options.target_action.empty() && options.target_action != "promote" &&
      options.target_action != "pause") {
    return refuse(error, "target_action must be promote or pause");
  }

  if (options.db_include.size() > kMaxDbInclude) {
    return refuse(error, "db_include lists at most 64 databases");
  }
  std::set<std::string_view> seen;
  for (const std::string& name : options.db_include) {
    if (std::string problem = validateDatabaseName(name); !problem.empty()) {
      return refuse(error, problem);
    }
    if (!seen.insert(name).second) return refuse(error, "db_include lists a database twice");
  }

  std::optional<Argv> argv = start(ctx, "detail", error);
  if (!argv) return argv;
  argv->emplace_back("--delta");
  if (!options.set.empty()) argv->push_back("--set=" + options.set);
  if (has_target || type == "immediate") argv->push_back("--type=" + type);
  if (has_target) argv->push_back("--target=" + target);
  if (stops_at_target) {
    argv->push_back("--target-action=" + (options.target_action.empty() ? std::string("promote")
                                                                        : options.target_action));
  }
  for (const std::string& name : options.db_include) argv->push_back("--db-include=" + name);
  argv->emplace_back("restore");
  return argv;
}

}  // namespace pgbr::backrest
