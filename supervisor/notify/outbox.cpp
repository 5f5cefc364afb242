// Outbox (outbox.h).
#include "supervisor/notify/outbox.h"

#include <algorithm>
#include <cassert>
#include <fstream>
#include <sstream>

#include "supervisor/common/file_write.h"
#include "supervisor/common/time_format.h"

namespace pgbr {

namespace fs = std::filesystem;
using nlohmann::json;

std::string_view deliveryStateName(DeliveryState state) {
  switch (state) {
    case DeliveryState::kDelivered:
      return "delivered";
    case DeliveryState::kFailed:
      return "failed";
    case DeliveryState::kPending:
      break;
  }
  return "pending";
}

json toJson(const Delivery& d) {
  return {{"id", d.id},
          {"channel", d.channel},
          {"notification", toJson(d.notification)},
          {"state", deliveryStateName(d.state)},
          {"attempts", d.attempts},
          {"created", formatRfc3339Millis(d.created)},
          {"next_attempt", formatRfc3339Millis(d.next_attempt)},
          {"finished", d.finished ? json(formatRfc3339Millis(*d.finished)) : json(nullptr)},
          {"last_error", d.last_error}};
}

std::optional<Delivery> deliveryFromJson(const json& j) {
  try {
    Delivery d;
    d.id = j.at("id").get<std::string>();
    d.channel = j.at("channel").get<std::string>();
    auto n = notificationFromJson(j.at("notification"));
    const std::string state = j.at("state").get<std::string>();
    auto created = parseRfc3339(j.at("created").get<std::string>());
    auto next = parseRfc3339(j.at("next_attempt").get<std::string>());
    if (!n || !created || !next) return std::nullopt;
    d.notification = std::move(*n);
    if (state == "pending")
      d.state = DeliveryState::kPending;
    else if (state == "delivered")
      d.state = DeliveryState::kDelivered;
    else if (state == "failed")
      d.state = DeliveryState::kFailed;
    else
      return std::nullopt;
    d.attempts = j.at("attempts").get<int>();
    d.created = *created;
    d.next_attempt = *next;
    if (j.at("finished").is_string()) {
      d.finished = parseRfc3339(j.at("finished").get<std::string>());
      if (!d.finished) return std::nullopt;
    }
    d.last_error = j.at("last_error").get<std::string>();
    return d;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

Outbox::Outbox(fs::path folder, const Clock& clock, OutboxOptions options)
    : folder_(std::move(folder)), clock_(clock), options_(options) {}

std::string Outbox::open() {
  std::lock_guard lock(mutex_);
  std::error_code ec;
  fs::create_directories(folder_, ec);
  if (ec) return "cannot create " + folder_.string() + ": " + ec.message();
  fs::permissions(folder_, fs::perms::owner_all, ec);
  std::ifstream in(file(), std::ios::binary);
  if (!in) return {};  // first start
  std::ostringstream text;
  text << in.rdbuf();
  pending_.clear();
  finished_.clear();
  const json doc = json::parse(text.str(), nullptr, false);
  bool bad = !doc.is_object() || !doc.contains("deliveries") || !doc["deliveries"].is_array();
  if (!bad) {
    for (const auto& entry : doc["deliveries"]) {
      auto d = deliveryFromJson(entry);
      if (!d) {
        bad = true;
        break;
      }
      (d->state == DeliveryState::kPending ? pending_ : finished_).push_back(std::move(*d));
    }
  }
  if (bad) {
    pending_.clear();
    finished_.clear();
    fs::rename(file(), fs::path(file()).concat(".bad"), ec);
    return "the notification outbox " + file().string() +
           " was unreadable and was moved aside to outbox.json.bad; queued notifications in it "
           "are not sent";
  }
  auto byFinish = [](const Delivery& a, const Delivery& b) { return a.finished < b.finished; };
  std::stable_sort(finished_.begin(), finished_.end(), byFinish);
  return {};
}

std::string Outbox::add(const std::string& channel, const Notification& n) {
  std::lock_guard lock(mutex_);
  Delivery d;
  d.id = n.id + "." + channel;
  d.channel = channel;
  d.notification = n;
  d.created = clock_.wall();
  d.next_attempt = d.created;
  pending_.push_back(d);
  if (pending_.size() > options_.max_pending) {
    Delivery dropped = std::move(pending_.front());
    pending_.erase(pending_.begin());
    dropped.last_error =
        "dropped: too many pending deliveries (" + std::to_string(options_.max_pending) + ")";
    finish(std::move(dropped));
  }
  save();
  return d.id;
}

void Outbox::record(const std::string& channel, const Notification& n, bool ok,
                    const std::string& error) {
  std::lock_guard lock(mutex_);
  Delivery d;
  d.id = n.id + "." + channel;
  d.channel = channel;
  d.notification = n;
  d.state = ok ? DeliveryState::kDelivered : DeliveryState::kFailed;
  d.attempts = 1;
  d.created = clock_.wall();
  d.next_attempt = d.created;
  d.last_error = error;
  finish(std::move(d));
  save();
}

std::vector<Delivery> Outbox::due() const {
  std::lock_guard lock(mutex_);
  const WallTime now = clock_.wall();
  std::vector<Delivery> out;
  for (const auto& d : pending_)
    if (d.next_attempt <= now) out.push_back(d);
  return out;
}

std::optional<WallTime> Outbox::nextDue() const {
  std::lock_guard lock(mutex_);
  std::optional<WallTime> next;
  for (const auto& d : pending_)
    if (!next || d.next_attempt < *next) next = d.next_attempt;
  return next;
}

void Outbox::postpone(const std::string& id, WallTime when) {
  std::lock_guard lock(mutex_);
  if (Delivery* d = findPending(id)) d->next_attempt = when;
}

void Outbox::markDelivered(const std::string& id) {
  std::lock_guard lock(mutex_);
  Delivery* d = findPending(id);
  if (d == nullptr) return;
  // Edge pending -> delivered.
  Delivery done = std::move(*d);
  pending_.erase(pending_.begin() + (d - pending_.data()));
  done.attempts += 1;
  done.state = DeliveryState::kDelivered;
  done.last_error.clear();
  finish(std::move(done));
  save();
}

DeliveryState Outbox::markFailed(const std::string& id, const std::string& error, bool permanent) {
  std::lock_guard lock(mutex_);
  Delivery* d = findPending(id);
  if (d == nullptr) return DeliveryState::kFailed;
  const WallTime now = clock_.wall();
  d->attempts += 1;
  d->last_error = error;
  if (!permanent && now - d->created < options_.retry_for) {
    // Edge pending -> pending: wait, then try again.
    d->next_attempt = now + backoff(d->attempts);
    save();
    return DeliveryState::kPending;
  }
  // Edge pending -> failed: the error cannot be fixed by waiting, or we waited long enough.
  Delivery done = std::move(*d);
  pending_.erase(pending_.begin() + (d - pending_.data()));
  if (!permanent) {
    const auto hours = std::chrono::duration_cast<std::chrono::hours>(options_.retry_for).count();
    done.last_error = "gave up after " + std::to_string(done.attempts) + " attempts in " +
                      std::to_string(hours) + " h: " + error;
  }
  done.state = DeliveryState::kFailed;
  finish(std::move(done));
  save();
  return DeliveryState::kFailed;
}

std::vector<Delivery> Outbox::list(size_t limit) const {
  std::lock_guard lock(mutex_);
  std::vector<Delivery> out;
  for (auto it = pending_.rbegin(); it != pending_.rend() && out.size() < limit; ++it)
    out.push_back(*it);
  for (auto it = finished_.rbegin(); it != finished_.rend() && out.size() < limit; ++it)
    out.push_back(*it);
  return out;
}

size_t Outbox::pendingCount() const {
  std::lock_guard lock(mutex_);
  return pending_.size();
}

std::string Outbox::writeError() const {
  std::lock_guard lock(mutex_);
  return write_error_;
}

std::chrono::seconds Outbox::backoff(int attempts) const {
  assert(attempts >= 1);
  std::chrono::seconds wait = options_.backoff_first;
  for (int i = 1; i < attempts && wait < options_.backoff_max; ++i) wait *= 2;
  return std::min(wait, options_.backoff_max);
}

Delivery* Outbox::findPending(const std::string& id) {
  auto it =
      std::find_if(pending_.begin(), pending_.end(), [&](const Delivery& d) { return d.id == id; });
  return it == pending_.end() ? nullptr : &*it;
}

void Outbox::finish(Delivery delivery) {
  if (delivery.state == DeliveryState::kPending) delivery.state = DeliveryState::kFailed;
  delivery.finished = clock_.wall();
  finished_.push_back(std::move(delivery));
  if (finished_.size() > options_.keep_finished)
    finished_.erase(
        finished_.begin(),
        finished_.begin() + static_cast<std::ptrdiff_t>(finished_.size() - options_.keep_finished));
}

void Outbox::save() {
  json deliveries = json::array();
  for (const auto& d : pending_) deliveries.push_back(toJson(d));
  for (const auto& d : finished_) deliveries.push_back(toJson(d));
  const json doc = {{"version", 1}, {"deliveries", deliveries}};
  write_error_ =
      writeFileAtomically(file(), doc.dump(-1, ' ', false, json::error_handler_t::replace),
                          fs::perms::owner_read | fs::perms::owner_write);
}

}  // namespace pgbr
