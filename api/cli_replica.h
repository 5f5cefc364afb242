// `pgbr-supervisor promote`: asks the running supervisor (a standby) to promote itself, through
// POST /api/v1/promote with the stanza's name as the confirmation (typing the command is the
// decision), and waits for the job. Prints its message and returns 0, or one line on stderr and
// 1; arguments return 2.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "supervisor/config/settings.h"

namespace pgbr::api {

int promoteCommand(const Settings& settings, const std::vector<std::string>& words,
                   std::ostream& out, std::ostream& err);

}  // namespace pgbr::api
