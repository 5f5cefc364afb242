// Turning API values into words people read at a glance.
//
// The API speaks RFC 3339 UTC and plain numbers (bytes, seconds); the dashboard shows local time,
// binary units and durations in the largest units that matter. A missing value is shown as an
// em dash, never as "null" or "NaN".

export const DASH = '\u2014';

const dateTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
const shortDateTime = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

export function parseTime(iso) {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

export function localTime(iso) {
  const ms = parseTime(iso);
  return ms === null ? DASH : dateTime.format(ms);
}

export function shortTime(iso) {
  const ms = parseTime(iso);
  return ms === null ? DASH : shortDateTime.format(ms);
}

// 42 -> "42 s", 420 -> "7 min", 7300 -> "2 h 1 min", 200000 -> "2 d 7 h".
export function duration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(Number(seconds))) return DASH;
  let rest = Math.max(0, Math.round(Number(seconds)));
  if (rest < 60) return `${rest} s`;
  if (rest < 3600) {
    const m = Math.floor(rest / 60);
    const sec = rest % 60;
    return sec && m < 10 ? `${m} min ${sec} s` : `${m} min`;
  }
  if (rest < 86400) {
    const hours = Math.floor(rest / 3600);
    rest -= hours * 3600;
    const m = Math.floor(rest / 60);
    return m ? `${hours} h ${m} min` : `${hours} h`;
  }
  const days = Math.floor(rest / 86400);
  const hours = Math.floor((rest - days * 86400) / 3600);
  return hours ? `${days} d ${hours} h` : `${days} d`;
}

// Relative to the browser's clock: "3 min ago" or "in 2 h".
export function relative(iso, now = Date.now()) {
  const ms = parseTime(iso);
  if (ms === null) return DASH;
  const delta = (ms - now) / 1000;
  if (Math.abs(delta) < 1) return 'just now';
  return delta < 0 ? `${duration(-delta)} ago` : `in ${duration(delta)}`;
}

export function ago(seconds) {
  if (seconds === null || seconds === undefined) return DASH;
  return `${duration(seconds)} ago`;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

// Binary units, as pgBackRest counts: 180016859 -> "171.7 MiB".
export function bytes(value) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return DASH;
  let n = Number(value);
  let unit = 0;
  while (Math.abs(n) >= 1024 && unit < UNITS.length - 1) {
    n /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${n} B`;
  return `${n >= 100 ? n.toFixed(0) : n.toFixed(1)} ${UNITS[unit]}`;
}

export function plural(count, one, many = `${one}s`) {
  return `${count} ${count === 1 ? one : many}`;
}

// "2026-11-22T10:00:00Z" -> "2026-11-22T11:00:00" in the browser's zone, the value format of
// <input type="datetime-local">.
export function toLocalInput(iso) {
  const ms = parseTime(iso);
  if (ms === null) return '';
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

// The inverse: a datetime-local value (local time, no zone) -> RFC 3339 UTC without fractions.
export function fromLocalInput(value) {
  if (!value) return null;
  // A date-time string without a zone is local time for Date (ECMAScript's rule).
  const ms = Date.parse(value.length === 16 ? `${value}:00` : value);
  if (Number.isNaN(ms)) return null;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function timeZoneName() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
}

export function capitalize(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}
