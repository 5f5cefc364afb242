#include "supervisor/jobs/job_log.h"

#include <deque>
#include <fstream>
#include <utility>

namespace pgbr {

Outcome<LogView> readJobLog(const JobRunner& jobs, const std::string& id, size_t tail) {
  if (!jobs.get(id)) return Error{ErrorCode::kNotFound, "no job " + id};
  LogView view;
  if (auto live = jobs.liveLog(id)) {
    view.lines = live->tail(tail);
    view.last_seq = live->lastSeq();
    view.finished = false;
    return view;
  }
  std::ifstream in(jobs.logPath(id));
  std::deque<LogLine> lines;
  std::string text;
  uint64_t seq = 0;
  while (std::getline(in, text)) {
    lines.push_back(LogLine{++seq, text});
    if (lines.size() > tail) lines.pop_front();
  }
  view.lines.reserve(lines.size());
  for (LogLine& line : lines) view.lines.push_back(std::move(line));
  view.last_seq = seq;
  view.finished = true;
  return view;
}

}  // namespace pgbr
