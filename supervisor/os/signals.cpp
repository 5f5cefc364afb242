#include "supervisor/os/signals.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <string>

namespace pgbr {
namespace {

sigset_t handledSet() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2})
    sigaddset(&set, sig);
  return set;
}

}  // namespace

void blockSignals() {
  sigset_t set = handledSet();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, nullptr);
}

bool becomeSubreaper() {
  return ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
}

SignalSource::SignalSource() {
  sigset_t set = handledSet();
  signal_fd_.reset(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  wake_fd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!signal_fd_.valid() || !wake_fd_.valid())
    throw std::runtime_error(std::string("signalfd/eventfd: ") + std::strerror(errno));
}

std::vector<int> SignalSource::wait(Millis timeout) {
  pollfd fds[2] = {{signal_fd_.get(), POLLIN, 0}, {wake_fd_.get(), POLLIN, 0}};
  int n = ::poll(fds, 2, static_cast<int>(timeout.count()));
  std::vector<int> signals;
  if (n <= 0) return signals;
  if (fds[1].revents & POLLIN) {
    uint64_t value;
    [[maybe_unused]] ssize_t ignored = ::read(wake_fd_.get(), &value, sizeof value);
  }
  signalfd_siginfo info;
  while (::read(signal_fd_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info))
    signals.push_back(static_cast<int>(info.ssi_signo));
  return signals;
}

void SignalSource::wake() {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t ignored = ::write(wake_fd_.get(), &one, sizeof one);
}

const char* signalName(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? abbrev : "?";
}

}  // namespace pgbr
