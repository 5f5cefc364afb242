#include "supervisor/os/fd.h"

#include <unistd.h>

namespace pgbr {

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

}  // namespace pgbr
