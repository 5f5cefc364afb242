#include "supervisor/config/redaction.h"

#include <cctype>

#include "supervisor/config/notify_settings.h"
#include "supervisor/config/setting_table.h"

namespace pgbr {

namespace {

std::string upper(std::string_view text) {
  std::string result(text);
  for (char& c : result) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return result;
}

// A postgres argument such as `primary_conninfo=... password=x` or `-c ssl_passphrase...=x`:
// the value after the first '=' is hidden when the name is secret-looking or the value carries
// a password.
std::string redactPostgresArg(const std::string& arg) {
  const auto eq = arg.find('=');
  if (eq == std::string::npos) return arg;
  const std::string value = arg.substr(eq + 1);
  if (isSecretName(arg.substr(0, eq)) || upper(value).find("PASS") != std::string::npos) {
    return arg.substr(0, eq + 1) + std::string(kRedacted);
  }
  return arg;
}

void redactInPlace(std::string& value) {
  if (!value.empty()) value = kRedacted;
}

}  // namespace

bool isSecretName(std::string_view name) {
  const std::string text = upper(name);
  for (std::string_view word : {"KEY", "SECRET", "PASS", "TOKEN", "CIPHER"}) {
    if (text.find(word) != std::string::npos) return true;
  }
  return false;
}

Settings redacted(const Settings& settings) {
  Settings copy = settings;
  redactInPlace(copy.init.password);
  redactInPlace(copy.api_token);
  redactInPlace(copy.notify.webhook_secret);
  redactInPlace(copy.notify.smtp_password);
  // Webhook URLs keep what says where they go, not the token in their path.
  for (std::string& url : copy.notify.webhook_urls) url = redactWebhookUrl(url);
  for (auto& [name, value] : copy.pgbackrest_env) {
    if (isSecretName(name)) redactInPlace(value);
  }
  for (std::string& arg : copy.postgres_args) arg = redactPostgresArg(arg);
  return copy;
}

nlohmann::json redactedSettingsJson(const Settings& settings) {
  const Settings shown = redacted(settings);
  nlohmann::json table = nlohmann::json::object();
  for (const SettingSpec& spec : settingTable()) {
    nlohmann::json entry = {
        {"value", spec.show(shown)},
        {"default", defaultText(spec)},
        {"secret", spec.secret},
    };
    const auto source = shown.sources.find(std::string(spec.env));
    entry["source"] = source == shown.sources.end() ? "default" : source->second;
    if (!spec.flag.empty()) entry["flag"] = spec.flag;
    if (!spec.file_env.empty()) entry["file_env"] = spec.file_env;
    table[std::string(spec.env)] = std::move(entry);
  }
  return {
      {"settings", std::move(table)},
      {"postgres",
       {{"args", shown.postgres_args},
        {"port", shown.pg_port},
        {"socket_dir", shown.pg_socket_dir}}},
      {"pgbackrest",
       {{"config", shown.pgbackrest_config},
        {"config_rendered", shown.pgbackrest_config_rendered},
        {"env", shown.pgbackrest_env}}},
  };
}

}  // namespace pgbr
