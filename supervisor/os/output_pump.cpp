#include "supervisor/os/output_pump.h"

#include <poll.h>
#include <unistd.h>
#include <cerrno>

namespace pgbr {

OutputPump::OutputPump(UniqueFd fd, LogSink& sink) : fd_(std::move(fd)) {
  int raw = fd_.get();
  thread_ = std::jthread([raw, &sink](std::stop_token stop) {
    char buf[16384];
    while (!stop.stop_requested()) {
      pollfd pfd{raw, POLLIN, 0};
      int n = ::poll(&pfd, 1, 200);
      if (n == 0) continue;
      if (n < 0 && errno == EINTR) continue;
      ssize_t got = ::read(raw, buf, sizeof buf);
      if (got > 0) {
        sink.write(std::string_view(buf, static_cast<size_t>(got)));
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        break;
      }
    }
    sink.flush();
  });
}

OutputPump::~OutputPump() {
  // A daemon that inherited the pipe (archive-push --async) can keep it open after the child is
  // gone; the stop token ends the thread within one poll interval anyway.
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace pgbr
