// A restore as the API asks for it (POST /api/v1/restore, GET /pgBackRest/restore/delta).
#pragma once

#include <string>
#include <vector>

namespace pgbr {

struct RestoreRequest {
  std::string type;                       // delta | set | time | lsn | xid | name | immediate
  std::string target;                     // for time / lsn / xid / name
  std::string set;                        // backup label, for "set" (optional for the others)
  std::string target_action = "promote";  // promote | pause
  std::vector<std::string> db_include;
  std::string confirm;  // must equal the stanza name
};

}  // namespace pgbr
