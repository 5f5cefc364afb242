// A thread that copies a long-lived child's stdout/stderr pipe into its LogSink until the pipe
// closes. The destructor joins it; the pipe closes when the child (and anything that inherited
// the pipe) has exited.
#pragma once

#include <thread>

#include "supervisor/common/log_sink.h"
#include "supervisor/os/fd.h"

namespace pgbr {

class OutputPump {
 public:
  OutputPump(UniqueFd fd, LogSink& sink);
  OutputPump(const OutputPump&) = delete;
  OutputPump& operator=(const OutputPump&) = delete;
  ~OutputPump();

 private:
  UniqueFd fd_;
  std::jthread thread_;
};

}  // namespace pgbr
