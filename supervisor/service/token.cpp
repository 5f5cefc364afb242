#include "supervisor/service/token.h"

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "supervisor/common/file_write.h"

namespace pgbr {
namespace fs = std::filesystem;

TokenResult loadOrCreateApiToken(const std::string& state_dir) {
  TokenResult r;
  r.path = (fs::path(state_dir) / "api-token").string();
  std::error_code ec;
  if (fs::exists(r.path, ec)) {
    std::ifstream in(r.path);
    std::getline(in, r.token);
    if (r.token.size() >= 16) return r;
    r.error =
        r.path + " holds no usable token (shorter than 16 characters); delete it to get a new one";
    return r;
  }
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  unsigned char bytes[32];
  if (!urandom.read(reinterpret_cast<char*>(bytes), sizeof bytes)) {
    r.error = "cannot read /dev/urandom to generate the API token";
    return r;
  }
  std::ostringstream hex;
  for (unsigned char b : bytes) hex << "0123456789abcdef"[b >> 4] << "0123456789abcdef"[b & 15];
  r.token = hex.str();
  std::string err =
      writeFileAtomically(r.path, r.token + "\n", fs::perms::owner_read | fs::perms::owner_write);
  if (!err.empty()) {
    r.error = "cannot store the generated API token: " + err;
    return r;
  }
  r.generated = true;
  return r;
}

}  // namespace pgbr
