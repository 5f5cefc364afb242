#include "supervisor/schedule/cron.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <vector>

namespace pgbr {
namespace {

// The largest backward clock change next() accounts for. After clocks are set back, a later
// instant can read earlier than a past one by this much, so the search starts this far before
// the reading of `after` and keeps looking this far past the best candidate. Every DST rule in
// use moves clocks by at most two hours.
constexpr int64_t kSetBackLimitMinutes = 3 * 60;
// See the header: every satisfiable expression matches within this many years.
constexpr int kSearchYears = 8;
// WallTime counts nanoseconds in 64 bits and ends in April 2262: no firing after 2261.
constexpr int kLastYear = 2261;

constexpr std::array<std::string_view, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kDayNames = {"sun", "mon", "tue", "wed",
                                                       "thu", "fri", "sat"};

struct Field {
  std::string_view name;
  int min;
  int max;
  const std::string_view* names;  // names[i] stands for min + i; null when the field has none
  size_t name_count;
  std::string_view name_kind;
};

constexpr Field kFields[] = {
    {"minute", 0, 59, nullptr, 0, ""},
    {"hour", 0, 23, nullptr, 0, ""},
    {"day-of-month", 1, 31, nullptr, 0, ""},
    {"month", 1, 12, kMonthNames.data(), kMonthNames.size(), "month name"},
    {"day-of-week", 0, 7, kDayNames.data(), kDayNames.size(), "day name"},
};

struct Macro {
  std::string_view name;
  std::string_view fields;
};

constexpr Macro kMacros[] = {
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string_view> split(std::string_view s, std::string_view separators,
                                    bool keepEmpty) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t end = s.find_first_of(separators, start);
    const std::string_view part =
        s.substr(start, end == std::string_view::npos ? end : end - start);
    if (keepEmpty || !part.empty()) parts.push_back(part);
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

bool allDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Numbers longer than this are out of range of every field anyway; capping avoids overflow.
int toNumber(std::string_view digits) {
  if (digits.size() > 6) return std::numeric_limits<int>::max();
  int n = 0;
  for (char c : digits) n = n * 10 + (c - '0');
  return n;
}

std::string quoted(std::string_view s) {
  return "'" + std::string(s) + "'";
}

// A single value: a number within the field's range or one of its names.
bool parseValue(std::string_view token, std::string_view item, const Field& f, int& out,
                std::string& why) {
  if (token.empty()) {
    why = quoted(item) + " is missing a number";
    return false;
  }
  if (allDigits(token)) {
    out = toNumber(token);
    if (out < f.min || out > f.max) {
      why = std::string(token) + " is out of range " + std::to_string(f.min) + "-" +
            std::to_string(f.max);
      return false;
    }
    return true;
  }
  const std::string name = lower(token);
  for (size_t i = 0; i < f.name_count; ++i) {
    if (f.names[i] == name) {
      out = f.min + static_cast<int>(i);
      return true;
    }
  }
  why = quoted(token) + " is not a number";
  if (f.names != nullptr) why += " or a " + std::string(f.name_kind);
  return false;
}

bool parseItem(std::string_view item, const Field& f, uint64_t& bits, std::string& why) {
  if (item.empty()) {
    why = "empty list item";
    return false;
  }
  const size_t slash = item.find('/');
  const std::string_view base = item.substr(0, slash);
  const bool stepped = slash != std::string_view::npos;
  const std::string_view stepText = stepped ? item.substr(slash + 1) : std::string_view{};

  int lo = 0;
  int hi = 0;
  if (base == "*") {
    lo = f.min;
    hi = f.max;
  } else if (const size_t dash = base.find('-'); dash != std::string_view::npos) {
    if (!parseValue(base.substr(0, dash), item, f, lo, why) ||
        !parseValue(base.substr(dash + 1), item, f, hi, why))
      return false;
    if (lo > hi) {
      why = "range " + std::string(base) + " is reversed";
      return false;
    }
  } else {
    if (!parseValue(base, item, f, lo, why)) return false;
    hi = stepped ? f.max : lo;  // "a/n" runs from a to the end of the field
  }

  int step = 1;
  if (stepped) {
    if (stepText.empty()) {
      why = quoted(item) + " is missing the step after '/'";
      return false;
    }
    if (!allDigits(stepText)) {
      why = "step " + quoted(stepText) + " is not a number";
      return false;
    }
    step = toNumber(stepText);
    if (step < 1 || step > f.max) {
      why = "step " + std::string(stepText) + " is out of range 1-" + std::to_string(f.max);
      return false;
    }
  }
  for (int v = lo; v <= hi; v += step) bits |= uint64_t{1} << v;
  return true;
}

bool parseField(std::string_view text, const Field& f, uint64_t& bits, std::string& why) {
  for (std::string_view item : split(text, ",", true)) {
    if (!parseItem(item, f, bits, why)) {
      why = std::string(f.name) + " field: " + why;
      return false;
    }
  }
  return true;
}

bool has(uint64_t bits, int n) {
  return (bits >> n) & 1U;
}

}  // namespace

std::optional<CronExpr> CronExpr::fromSetting(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return parse(text, nullptr);
}

std::optional<CronExpr> CronExpr::parse(std::string_view text, std::string* error) {
  std::string why;
  auto fail = [&](std::string message) -> std::optional<CronExpr> {
    if (error != nullptr) *error = std::move(message);
    return std::nullopt;
  };

  std::vector<std::string_view> fields = split(text, " \t", false);
  if (fields.empty()) return fail("the expression is empty");
  if (fields[0].front() == '@') {
    const std::string name = lower(fields[0]);
    if (name == "@reboot") return fail("@reboot is not supported: a schedule needs a time");
    const Macro* macro = nullptr;
    for (const Macro& m : kMacros) {
      if (m.name == name) macro = &m;
    }
    if (macro == nullptr)
      return fail("unknown macro " + quoted(fields[0]) +
                  " (known: @yearly @annually @monthly @weekly @daily @midnight @hourly)");
    if (fields.size() != 1) return fail(std::string(macro->name) + " takes no other fields");
    fields = split(macro->fields, " ", false);
  }
  if (fields.size() != 5)
    return fail("expected 5 fields (minute hour day-of-month month day-of-week), found " +
                std::to_string(fields.size()));

  CronExpr e;
  uint64_t* targets[] = {&e.minutes_, &e.hours_, &e.days_, &e.months_, &e.weekdays_};
  for (size_t i = 0; i < 5; ++i) {
    if (!parseField(fields[i], kFields[i], *targets[i], why)) return fail(why);
  }
  if (has(e.weekdays_, 7)) e.weekdays_ = (e.weekdays_ | 1U) & ~(uint64_t{1} << 7);
  e.day_or_ = fields[2].front() != '*' && fields[4].front() != '*';
  e.wall_clock_ = fields[0].front() == '*' || fields[1].front() == '*';
  e.text_ = std::string(text);
  return e;
}

bool CronExpr::dayMatches(int year, int month, int day) const {
  const bool dom = has(days_, day);
  const bool dow = has(weekdays_, weekday(year, month, day));
  return day_or_ ? (dom || dow) : (dom && dow);
}

bool CronExpr::matches(const LocalTime& l) const {
  return has(minutes_, l.minute) && has(hours_, l.hour) && has(months_, l.month) &&
         dayMatches(l.year, l.month, l.day);
}

std::optional<int64_t> CronExpr::firstMatchFrom(int64_t minute) const {
  const LocalTime from = localFromSeconds(minute * 60);
  // Each level starts from `from` only while every level above is still at `from`'s value.
  const int lastYear = std::min(from.year + kSearchYears, kLastYear);
  for (int year = from.year; year <= lastYear; ++year) {
    const bool sameYear = year == from.year;
    for (int month = sameYear ? from.month : 1; month <= 12; ++month) {
      if (!has(months_, month)) continue;
      const bool sameMonth = sameYear && month == from.month;
      for (int day = sameMonth ? from.day : 1; day <= daysInMonth(year, month); ++day) {
        if (!dayMatches(year, month, day)) continue;
        const bool sameDay = sameMonth && day == from.day;
        for (int hour = sameDay ? from.hour : 0; hour < 24; ++hour) {
          if (!has(hours_, hour)) continue;
          const bool sameHour = sameDay && hour == from.hour;
          for (int m = sameHour ? from.minute : 0; m < 60; ++m) {
            if (has(minutes_, m)) return localSeconds({year, month, day, hour, m, 0}) / 60;
          }
        }
      }
    }
  }
  return std::nullopt;
}

std::optional<WallTime> CronExpr::fireTime(int64_t minute, WallTime after,
                                           const TimeZone& tz) const {
  const LocalInstants at = tz.fromLocal(localFromSeconds(minute * 60));
  switch (at.kind) {
    case LocalInstants::Kind::kUnique:
      break;
    case LocalInstants::Kind::kRepeated:
      if (at.first <= after && wall_clock_ && at.second > after) return at.second;
      break;
    case LocalInstants::Kind::kSkipped:
      if (wall_clock_) return std::nullopt;
      break;
  }
  if (at.first > after) return at.first;
  return std::nullopt;
}

std::optional<WallTime> CronExpr::next(WallTime after, const TimeZone& tz) const {
  auto minuteOf = [&tz](WallTime t) {
    const int64_t s = localSeconds(tz.toLocal(t));
    return (s >= 0 ? s : s - 59) / 60;
  };
  // Local readings are not in time order around a fall-back, so look at every matching reading
  // from a little before `after`'s and keep the earliest firing (see kSetBackLimitMinutes).
  std::optional<WallTime> best;
  int64_t stopAfter = std::numeric_limits<int64_t>::max();
  for (std::optional<int64_t> m = firstMatchFrom(minuteOf(after) - kSetBackLimitMinutes);
       m && *m <= stopAfter; m = firstMatchFrom(*m + 1)) {
    const std::optional<WallTime> fire = fireTime(*m, after, tz);
    if (fire && (!best || *fire < *best)) {
      best = fire;
      stopAfter = minuteOf(*best) + kSetBackLimitMinutes;
    }
  }
  return best;
}

}  // namespace pgbr
