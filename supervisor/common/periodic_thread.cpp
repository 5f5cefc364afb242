// PeriodicThread (periodic_thread.h).
#include "supervisor/common/periodic_thread.h"

namespace pgbr {

PeriodicThread::PeriodicThread(Millis interval, std::function<void()> work)
    : interval_(interval), work_(std::move(work)), thread_([this] { loop(); }) {}

PeriodicThread::~PeriodicThread() {
  stop();
}

void PeriodicThread::poke() {
  {
    std::lock_guard lock(mutex_);
    poked_ = true;
  }
  wake_.notify_all();
}

void PeriodicThread::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void PeriodicThread::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    poked_ = false;
    lock.unlock();
    work_();
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stopping_ || poked_; });
  }
}

}  // namespace pgbr
