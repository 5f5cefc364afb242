// The API token when none is configured: generated once on first start (32 random bytes, hex),
// stored with mode 0600 in the state folder and reused on later starts. Only its path is ever
// logged, never the token.
#pragma once

#include <string>

namespace pgbr {

struct TokenResult {
  std::string token;
  std::string path;
  bool generated = false;
  std::string error;  // one line; empty on success
};

TokenResult loadOrCreateApiToken(const std::string& state_dir);

}  // namespace pgbr
