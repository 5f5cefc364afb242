#include "supervisor/backrest/progress.h"

#include <array>
#include <charconv>

#include "supervisor/backrest/command.h"

namespace pgbr::backrest {
namespace {

// Enough for the per-repository causes and hints of real errors; an ASSERT adds a stack trace
// that a job message does not need.
constexpr size_t kMaxDetails = 10;
constexpr size_t kMaxOneLine = 1000;

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}
bool isSpace(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (isSpace(s.front()) || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (isSpace(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// "2026-11-22 02:54:13.236"
bool isTimestamp(std::string_view s) {
  static constexpr std::string_view kShape = "0000-00-00 00:00:00.000";
  if (s.size() < kShape.size()) return false;
  for (size_t i = 0; i < kShape.size(); ++i) {
    if (kShape[i] == '0' ? !isDigit(s[i]) : s[i] != kShape[i]) return false;
  }
  return true;
}

struct ConsoleLine {
  std::string_view level;
  std::string_view message;
};

// Splits "[timestamp ][Pnn ]LEVEL: message"; nullopt for anything else (continuation lines,
// JSON, blank lines).
std::optional<ConsoleLine> splitConsoleLine(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  if (isTimestamp(s) && s.size() > 24 && s[23] == ' ') s.remove_prefix(24);
  if (s.size() > 3 && s[0] == 'P' && isDigit(s[1])) {
    size_t i = 1;
    while (i < s.size() && isDigit(s[i])) ++i;
    if (i >= s.size() || s[i] != ' ') return std::nullopt;
    while (i < s.size() && s[i] == ' ') ++i;
    s.remove_prefix(i);
  }
  static constexpr std::array<std::string_view, 7> kLevels = {"ERROR",  "ASSERT", "WARN", "INFO",
                                                              "DETAIL", "DEBUG",  "TRACE"};
  for (std::string_view level : kLevels) {
    if (s.size() > level.size() && s.substr(0, level.size()) == level && s[level.size()] == ':') {
      return ConsoleLine{level, trim(s.substr(level.size() + 1))};
    }
  }
  return std::nullopt;
}

bool startsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

std::optional<int> leadingInt(std::string_view s) {
  int value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end == s.data()) return std::nullopt;
  return value;
}

// "NN.NN" or "NN" (older versions printed whole percents) right before "%)".
std::optional<double> percentBefore(std::string_view message) {
  const size_t end = message.rfind("%)");
  if (end == std::string_view::npos) return std::nullopt;
  size_t begin = end;
  while (begin > 0 && (isDigit(message[begin - 1]) || message[begin - 1] == '.')) --begin;
  if (begin == end || begin == 0) return std::nullopt;
  // The number is the last item of the parenthesis: "(size, NN.NN%)" or "(NN%)".
  if (message[begin - 1] != ' ' && message[begin - 1] != '(') return std::nullopt;
  std::string_view number = message.substr(begin, end - begin);
  const size_t dot = number.find('.');
  if (dot != number.rfind('.') || dot == 0 || dot + 1 == number.size()) return std::nullopt;
  double whole = 0;
  double scale = 1;
  bool after_dot = false;
  for (char c : number) {
    if (c == '.') {
      after_dot = true;
      continue;
    }
    if (after_dot) {
      scale /= 10;
      whole += (c - '0') * scale;
    } else {
      whole = whole * 10 + (c - '0');
    }
  }
  if (whole > 100) return std::nullopt;
  return whole;
}

std::string joined(const BackrestError& error) {
  std::string text = error.message;
  for (const std::string& detail : error.details) {
    text += ' ';
    text += detail;
  }
  return text;
}

std::string baseName(std::string_view path) {
  while (!path.empty() && (path.back() == '\'' || path.back() == '"')) path.remove_suffix(1);
  while (!path.empty() && (path.front() == '\'' || path.front() == '"')) path.remove_prefix(1);
  const size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

}  // namespace

std::string BackrestError::oneLine() const {
  std::string code_text = std::to_string(code);
  if (code_text.size() < 3) code_text.insert(0, 3 - code_text.size(), '0');
  std::string text = "[" + code_text + "] " + joined(*this);
  if (text.size() > kMaxOneLine) {
    text.resize(kMaxOneLine - 3);
    text += "...";
  }
  return text;
}

std::optional<double> parseProgressPercent(std::string_view line) {
  std::optional<ConsoleLine> parsed = splitConsoleLine(line);
  if (!parsed || (parsed->level != "DETAIL" && parsed->level != "INFO")) return std::nullopt;
  static constexpr std::array<std::string_view, 5> kFileLines = {
      "backup file ", "match file from prior backup ", "checksum resumed file ", "restore file ",
      "restore zeroed file "};
  for (std::string_view prefix : kFileLines) {
    if (startsWith(parsed->message, prefix)) return percentBefore(parsed->message);
  }
  return std::nullopt;
}

std::optional<std::string> parseNewBackupLabel(std::string_view line) {
  std::optional<ConsoleLine> parsed = splitConsoleLine(line);
  static constexpr std::string_view kPrefix = "new backup label = ";
  if (!parsed || !startsWith(parsed->message, kPrefix)) return std::nullopt;
  std::string_view label = trim(parsed->message.substr(kPrefix.size()));
  if (!validateBackupLabel(label).empty()) return std::nullopt;
  return std::string(label);
}

std::optional<BackrestError> parseErrorLine(std::string_view line) {
  std::optional<ConsoleLine> parsed = splitConsoleLine(line);
  if (!parsed || (parsed->level != "ERROR" && parsed->level != "ASSERT")) return std::nullopt;
  std::string_view message = parsed->message;
  BackrestError error;
  if (message.size() > 2 && message[0] == '[') {
    const size_t close = message.find("]:");
    if (close != std::string_view::npos) {
      if (std::optional<int> code = leadingInt(message.substr(1, close - 1))) {
        error.code = *code;
        message = trim(message.substr(close + 2));
      }
    }
  }
  error.message = std::string(message);
  return error;
}

void OutputScanner::feed(std::string_view line) {
  std::optional<ConsoleLine> parsed = splitConsoleLine(line);
  if (in_error_block_) {
    if (!parsed && !line.empty() && isSpace(line.front())) {
      std::string_view detail = trim(line);
      // ASSERT output ends its message with a rule and a report for the issue tracker.
      if (!detail.empty() && detail.find_first_not_of('-') == std::string_view::npos) {
        in_error_block_ = false;
      } else if (!detail.empty() && error_->details.size() < kMaxDetails) {
        error_->details.emplace_back(detail);
      }
      return;
    }
    in_error_block_ = false;
  }
  if (!parsed) return;

  if (parsed->level == "ERROR" || parsed->level == "ASSERT") {
    if (!error_) {
      error_ = parseErrorLine(line);
      in_error_block_ = error_.has_value();
    }
    return;
  }
  if (std::optional<double> percent = parseProgressPercent(line)) {
    percent_ = percent;
    return;
  }
  if (std::optional<std::string> label = parseNewBackupLabel(line)) {
    label_ = std::move(label);
    return;
  }
  static constexpr std::string_view kAborted = "command end: aborted with exception [";
  if (const size_t at = parsed->message.find(kAborted); at != std::string_view::npos) {
    abort_code_ = leadingInt(parsed->message.substr(at + kAborted.size()));
  }
}

ArchivePushProblem classifyArchivePushError(const BackrestError& error) {
  const std::string text = joined(error);
  if (error.code == 44 || contains(text, "ArchiveMismatchError") ||
      (contains(text, "do not match") && contains(text, "stanza"))) {
    return ArchivePushProblem::kStanzaMismatch;
  }
  if (contains(text, "does this stanza exist") || contains(text, "stanza-create") ||
      contains(text, "unable to load info file")) {
    return ArchivePushProblem::kStanzaMissing;
  }
  if (contains(text, "No space left on device")) return ArchivePushProblem::kNoSpace;
  if (contains(text, "Permission denied")) return ArchivePushProblem::kPermission;
  if (error.code == 105 || contains(text, "AccessError") || contains(text, "InvalidAccessKeyId") ||
      contains(text, "SignatureDoesNotMatch") || contains(text, "AccessDenied")) {
    return ArchivePushProblem::kCredentials;
  }
  if (error.code == 82 || contains(text, "ArchiveTimeoutError") ||
      contains(text, "asynchronously after")) {
    return ArchivePushProblem::kTimeout;
  }
  if (error.code == 49 || error.code == 101 || contains(text, "HostConnectError") ||
      contains(text, "ServiceError") || contains(text, "unable to connect") ||
      contains(text, "unable to get address")) {
    return ArchivePushProblem::kUnreachable;
  }
  return ArchivePushProblem::kOther;
}

std::optional<ArchivePushFailure> findArchivePushFailure(std::string_view log) {
  std::optional<ArchivePushFailure> last;
  std::optional<BackrestError> pending;  // the pgBackRest error printed before Postgres' line
  bool in_block = false;
  static constexpr std::string_view kFailed = "archive command failed with exit code ";
  static constexpr std::string_view kCommand = "The failed archive command was:";

  while (!log.empty()) {
    const size_t eol = log.find('\n');
    std::string_view line = log.substr(0, eol);
    log.remove_prefix(eol == std::string_view::npos ? log.size() : eol + 1);

    if (std::optional<BackrestError> error = parseErrorLine(line)) {
      pending = std::move(error);
      in_block = true;
      continue;
    }
    if (in_block && !line.empty() && isSpace(line.front())) {
      std::string_view detail = trim(line);
      if (!detail.empty() && detail.find_first_not_of('-') == std::string_view::npos) {
        in_block = false;
      } else if (!detail.empty() && pending->details.size() < kMaxDetails) {
        pending->details.emplace_back(detail);
      }
      continue;
    }
    in_block = false;

    if (const size_t at = line.find(kFailed); at != std::string_view::npos) {
      ArchivePushFailure failure;
      failure.exit_code = leadingInt(line.substr(at + kFailed.size())).value_or(-1);
      failure.error = std::move(pending);
      pending.reset();
      failure.problem =
          failure.error ? classifyArchivePushError(*failure.error) : ArchivePushProblem::kOther;
      last = std::move(failure);
    } else if (const size_t cmd = line.find(kCommand); cmd != std::string_view::npos && last) {
      std::string_view command = trim(line.substr(cmd + kCommand.size()));
      const size_t space = command.find_last_of(" \t");
      last->wal = baseName(space == std::string_view::npos ? command : command.substr(space + 1));
    }
  }
  return last;
}

std::string_view archivePushProblemName(ArchivePushProblem problem) {
  switch (problem) {
    case ArchivePushProblem::kPermission:
      return "permission";
    case ArchivePushProblem::kNoSpace:
      return "no_space";
    case ArchivePushProblem::kCredentials:
      return "credentials";
    case ArchivePushProblem::kUnreachable:
      return "unreachable";
    case ArchivePushProblem::kTimeout:
      return "timeout";
    case ArchivePushProblem::kStanzaMismatch:
      return "stanza_mismatch";
    case ArchivePushProblem::kStanzaMissing:
      return "stanza_missing";
    case ArchivePushProblem::kOther:
      return "other";
  }
  return "other";
}

std::string_view archivePushAdvice(ArchivePushProblem problem) {
  switch (problem) {
    case ArchivePushProblem::kPermission:
      return "make the repository and spool paths writable by the postgres user";
    case ArchivePushProblem::kNoSpace:
      return "free space on the repository or spool volume; wal waits in pg_wal meanwhile";
    case ArchivePushProblem::kCredentials:
      return "check the repository key and secret (PGBACKREST_REPO1_S3_KEY, _KEY_SECRET)";
    case ArchivePushProblem::kUnreachable:
      return "check that the repository endpoint is reachable (PGBACKREST_REPO1_S3_ENDPOINT)";
    case ArchivePushProblem::kTimeout:
      return "the repository is slow or unreachable; check it, archiving retries on its own";
    case ArchivePushProblem::kStanzaMismatch:
      return "the repository holds another cluster's stanza: use another PGBR_STANZA or "
             "repository path";
    case ArchivePushProblem::kStanzaMissing:
      return "create the stanza (stanza-create) or check PGBR_STANZA and the repository path";
    case ArchivePushProblem::kOther:
      return "read the postgres log for pgbackrest's message";
  }
  return "read the postgres log for pgbackrest's message";
}

}  // namespace pgbr::backrest
