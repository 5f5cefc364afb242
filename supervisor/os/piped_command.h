// Running a command whose stdin and/or stdout carry data rather than messages: pg_dump writing a
// dump that streams into the repository, pg_restore reading one that streams out of it. As
// runCommand (children.h) it stops the child in declared steps on cancel (SIGTERM to its group,
// SIGKILL after the grace) and never leaves a zombie; stderr lines go to the log sink.
//
// Policy: data moves in bounded chunks (64 KiB), never whole, so memory stays flat whatever the
// size. stdout is read on the calling thread and handed to `on_stdout`; stdin is fed from a thread
// of its own by `feed_stdin`, which pushes chunks through the writer it is given (a blocking write
// to the pipe) and may itself be a streaming read (ObjectStore::read). A consumer or producer that
// fails stops the child: a failed upload does not let pg_dump run on for nothing.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "supervisor/os/children.h"

namespace pgbr {

struct PipedIo {
  // Each chunk of the child's stdout; returning false stops the child. Null: stdout not piped.
  std::function<bool(std::string_view chunk)> on_stdout;
  // Called once on a thread of its own with a writer to the child's stdin (the writer returns
  // false once the child no longer reads); returns "" or why feeding failed (the child is then
  // stopped). stdin is closed when it returns. Null: stdin is /dev/null.
  std::function<std::string(const std::function<bool(std::string_view)>& write)> feed_stdin;
};

struct PipedResult {
  RunResult run;
  std::string stdout_error;  // on_stdout returned false
  std::string stdin_error;   // feed_stdin's error
  bool success() const { return run.success() && stdout_error.empty() && stdin_error.empty(); }
};

PipedResult runPiped(Children& children, SpawnSpec spec, LogSink* sink, const RunOptions& options,
                     const PipedIo& io);

}  // namespace pgbr
