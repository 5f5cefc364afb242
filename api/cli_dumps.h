// `pgbr-supervisor databases` and `pgbr-supervisor dumps list|run|download|restore`: the seeds'
// command line (`bak ls|dump|download|restore`) against the running supervisor's API, found and
// authenticated as `restore-point` is (local_client.h). Each prints plain lines to `out` and
// returns 0, or prints one line to `err` (the server's message, or why it could not be asked)
// and returns 1; a wrong command line returns 2.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "supervisor/config/settings.h"

namespace pgbr::api {

int databasesCommand(const Settings& settings, const std::vector<std::string>& words,
                     std::ostream& out, std::ostream& err);
int dumpsCommand(const Settings& settings, const std::vector<std::string>& words, std::ostream& out,
                 std::ostream& err);

}  // namespace pgbr::api
