// Who the supervisor runs as. Started as root (as PID 1 of a container is), it fixes ownership of
// the folders Postgres and pgBackRest write to, then drops to the postgres user for good, like
// the stock image's entrypoint re-executing itself through gosu.
#pragma once

#include <sys/types.h>
#include <optional>
#include <string>
#include <vector>

namespace pgbr {

struct UserInfo {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string home;
};

bool runningAsRoot();
std::optional<UserInfo> lookupUser(const std::string& name);
std::optional<UserInfo> currentUser();
// Creates `path` (and parents) if missing with `mode`, then gives every entry below it that is
// not owned by `user` to `user`. Returns an error message or empty.
std::string ensureOwnedTree(const std::string& path, const UserInfo& user, unsigned mode);
// Only creates and chowns the folder itself (for a shared parent like the socket dir).
std::string ensureOwnedDir(const std::string& path, const UserInfo& user, unsigned mode);
// initgroups + setgid + setuid, and HOME/USER/LOGNAME follow. Returns an error message or empty.
std::string dropPrivileges(const UserInfo& user);
// The number of online CPUs (for process-max).
int onlineCpus();
int currentPid();
// glibc gives each thread that allocates its own malloc arena (up to 8 per CPU), and the API's
// worker threads would each keep one: two arenas are plenty for a mostly idle supervisor.
void limitMallocArenas();
// Returns the free pages malloc still holds to the kernel: start-up and every job parse large
// texts and free them, and glibc keeps those pages otherwise. Cheap on a small heap.
void releaseFreeMemory();
// Moves to `dir` (after dropping privileges: children inherit the working directory, and
// Postgres complains when it cannot enter the folder it was started from). Error or empty.
std::string enterDirectory(const std::string& dir);
// Replaces the process with `argv` (PATH lookup), with an empty signal mask: for
// `pgbr-supervisor bash` as the stock entrypoint's `exec "$@"`. Returns only on failure.
std::string execReplace(const std::vector<std::string>& argv);

}  // namespace pgbr
