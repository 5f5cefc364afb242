#include "supervisor/config/setting_values.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "supervisor/config/listen_address.h"
#include "supervisor/schedule/cron.h"

namespace pgbr::setting_values {

namespace {

bool isNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
}

}  // namespace

std::string quotedText(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

// Whole decimal numbers only: "10x", " 10", "+10", "1e3" and "10s" are refused rather than read
// as something the user may not have meant.
Reason parseWhole(const std::string& text, long long min, long long max, std::string_view unit,
                  long long* out) {
  const std::string range = "set a whole number" + std::string(unit) + " from " +
                            std::to_string(min) + " to " + std::to_string(max);
  long long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || end != text.data() + text.size() ||
      (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    return quotedText(text) + " is not a whole number; " + range;
  }
  if (text.front() == '-') return quotedText(text) + " is negative; " + range;
  if (ec == std::errc::result_out_of_range || value < min || value > max) {
    return quotedText(text) + " is out of range; " + range;
  }
  *out = value;
  return std::nullopt;
}

Reason checkAbsolute(const std::string& value) {
  if (value.empty() || value.front() != '/')
    return quotedText(value) + " is a relative path; use an absolute path";
  return std::nullopt;
}

Reason checkSchedule(const std::string& value) {
  if (!value.empty()) {
    std::string error;
    if (!CronExpr::parse(value, &error)) return error;
  }
  return std::nullopt;
}

std::optional<bool> parseOnOff(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "on" || lower == "true" || lower == "yes" || lower == "1") return true;
  if (lower == "off" || lower == "false" || lower == "no" || lower == "0") return false;
  return std::nullopt;
}

Reason applyDumpDatabases(Settings& settings, const std::string& value) {
  std::vector<std::string> names;
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string::npos) comma = value.size();
    std::string name = value.substr(start, comma - start);
    const auto first = name.find_first_not_of(' ');
    const auto last = name.find_last_not_of(' ');
    name = first == std::string::npos ? "" : name.substr(first, last - first + 1);
    if (name.empty() && !value.empty())
      return quotedText(value) + " has an empty name; separate database names by single commas";
    if (name.size() > 63)
      return quotedText(name) + " is longer than a database name can be (63 bytes)";
    if (!name.empty()) names.push_back(std::move(name));
    start = comma + 1;
  }
  settings.dump_databases = std::move(names);
  return std::nullopt;
}

std::string showDumpDatabases(const Settings& settings) {
  std::string out;
  for (const std::string& name : settings.dump_databases) out += (out.empty() ? "" : ",") + name;
  return out;
}

Reason applyDrillDir(Settings& settings, const std::string& value) {
  if (auto reason = checkAbsolute(value)) return reason;
  // The copy's restore_command names folders inside it, and Postgres runs that command through
  // a shell: characters a shell would read are refused rather than quoted.
  for (char c : value) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '/' && c != '-' && c != '_' &&
        c != '.') {
      return quotedText(value) +
             " holds a character other than letters, digits, '/', '-', '_' and '.'; choose a "
             "plain path";
    }
  }
  settings.drill_dir = value;
  return std::nullopt;
}

std::string showDrillDir(const Settings& settings) {
  return settings.drill_dir.empty() ? settings.state_dir + "/drill" : settings.drill_dir;
}

Reason applyStanza(Settings& settings, const std::string& value) {
  for (char c : value) {
    if (!isNameChar(c)) {
      return quotedText(value) +
             " is not a stanza name; use only letters, digits, '-', '_' and '.'";
    }
  }
  settings.stanza = value;
  return std::nullopt;
}

Reason applyUser(Settings& settings, const std::string& value) {
  for (char c : value) {
    if (!isNameChar(c)) {
      return quotedText(value) + " is not a user name; use only letters, digits, '-', '_' and '.'";
    }
  }
  settings.run_as_user = value;
  return std::nullopt;
}

Reason applyPgbackrestBin(Settings& settings, const std::string& value) {
  // A bare name is looked up in PATH; anything with a slash must not depend on the directory
  // the supervisor happens to run in.
  if (value.find('/') != std::string::npos) {
    if (auto reason = checkAbsolute(value)) return reason;
  }
  settings.pgbackrest_bin = value;
  return std::nullopt;
}

Reason applyListen(Settings& settings, const std::string& value) {
  std::string error;
  if (!parseListenAddress(value, &error)) return error;
  settings.api_listen = value;
  return std::nullopt;
}

Reason applyToken(Settings& settings, const std::string& value) {
  // The token is compared on every request and can be tried by anyone who reaches the port: a
  // short one falls to guessing. Never echo the value.
  constexpr std::size_t kMinLength = 16;
  if (value.size() < kMinLength) {
    return "the token has " + std::to_string(value.size()) +
           " characters and a short token can be guessed; use at least 16, e.g. the output of "
           "`openssl rand -hex 32`";
  }
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      return "the token holds a space, control or non-ascii character that an http header "
             "cannot carry; use printable ascii only";
    }
  }
  settings.api_token = value;
  return std::nullopt;
}

Reason applyAuth(Settings& settings, const std::string& value) {
  if (value == "token") {
    settings.api_auth = AuthMode::kToken;
  } else if (value == "none") {
    settings.api_auth = AuthMode::kNone;
  } else {
    return quotedText(value) + " is not an auth mode; use token or none";
  }
  return std::nullopt;
}

std::string showAuth(const Settings& settings) {
  return settings.api_auth == AuthMode::kToken ? "token" : "none";
}

Reason applyLogFormat(Settings& settings, const std::string& value) {
  if (value == "text") {
    settings.log_format = LogFormat::kText;
  } else if (value == "json") {
    settings.log_format = LogFormat::kJson;
  } else {
    return quotedText(value) + " is not a log format; use text or json";
  }
  return std::nullopt;
}

std::string showLogFormat(const Settings& settings) {
  return settings.log_format == LogFormat::kText ? "text" : "json";
}

Reason applyLogLevel(Settings& settings, const std::string& value) {
  for (std::string_view level : {"trace", "debug", "info", "warn", "error"}) {
    if (value == level) {
      settings.log_level = value;
      return std::nullopt;
    }
  }
  return quotedText(value) + " is not a log level; use trace, debug, info, warn or error";
}

Reason applyPgPort(Settings& settings, const std::string& value) {
  long long parsed = 0;
  if (auto reason = parseWhole(value, 1, 65535, "", &parsed)) return reason;
  settings.pg_port = static_cast<int>(parsed);
  return std::nullopt;
}

std::string showPgPort(const Settings& settings) {
  return std::to_string(settings.pg_port);
}

Reason applyHostAuthMethod(Settings& settings, const std::string& value) {
  // The stock image writes this word into pg_hba.conf; a wrong one only shows when Postgres
  // refuses to start, long after the cause. Options may follow the method, as in pg_hba.conf.
  const std::string method = value.substr(0, value.find(' '));
  for (std::string_view known : {"trust", "reject", "scram-sha-256", "md5", "password", "gss",
                                 "sspi", "ident", "peer", "ldap", "radius", "cert", "pam", "bsd"}) {
    if (method == known) {
      settings.init.host_auth_method = value;
      return std::nullopt;
    }
  }
  return quotedText(method) +
         " is not a pg_hba.conf auth method; use scram-sha-256, md5, trust, reject, ...";
}

Reason applyPgListen(Settings& settings, const std::string& value) {
  // Postgres' own list syntax: host names or IP addresses separated by commas, or '*'. Checked
  // here because Postgres reports a bad entry only in its log, after start-up went that far.
  if (value.empty()) {  // the Unix socket only
    settings.pg_listen = value;
    return std::nullopt;
  }
  size_t start = 0;
  for (;;) {
    const size_t comma = value.find(',', start);
    std::string_view entry(value.data() + start,
                           (comma == std::string::npos ? value.size() : comma) - start);
    while (!entry.empty() && entry.front() == ' ') entry.remove_prefix(1);
    while (!entry.empty() && entry.back() == ' ') entry.remove_suffix(1);
    // One colon is a port (an IPv6 address has at least two): PGBR_API_LISTEN takes host:port,
    // this does not.
    if (std::count(entry.begin(), entry.end(), ':') == 1) {
      return quotedText(value) +
             " holds a port; listen addresses take none (set the port with PGPORT or postgres -c "
             "port=N)";
    }
    const bool ok =
        entry == "*" || (!entry.empty() && std::all_of(entry.begin(), entry.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == ':' ||
                 c == '-' || c == '_' || c == '%';
        }));
    if (!ok) {
      return quotedText(value) +
             " is not a list of addresses; use localhost (this machine only), * (every address) "
             "or host names and IP addresses separated by commas";
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  settings.pg_listen = value;
  return std::nullopt;
}

}  // namespace pgbr::setting_values
