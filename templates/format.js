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

// A point-in-time target as the API accepts it (supervisor/backrest/target_time.h): as psql prints
// a time (2026-12-05 08:07:40.767967+00) or RFC 3339 (2026-12-05T08:07:40Z), always with an
// offset. -> {ms} (fractions below a millisecond are kept only in the text sent), or {problem}.
const TARGET_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;
export const TARGET_TIME_FORMS = '2026-12-05 08:07:40.767967+00 (as psql prints it) or 2026-12-05T08:07:40Z; the offset may be Z, +00, +0530 or +05:30';

export function parseTargetTime(text) {
  const m = TARGET_TIME.exec((text ?? '').trim());
  if (!m) return { problem: `Write the time as ${TARGET_TIME_FORMS}.` };
  const [, y, mo, d, h, mi, s, frac = '', z, sign, oh, om = '00'] = m;
  if (!z && !sign) return { problem: `Add the offset from UTC (for example +00): a time without one would be read in the server's time zone. Write ${TARGET_TIME_FORMS}.` };
  const base = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const day = new Date(base);
  if (Number(y) < 1000 || day.getUTCMonth() !== Number(mo) - 1 || day.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    return { problem: 'That is not a real date and time.' };
  }
  const offset = z ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  if (Number(om) > 59 || offset < -12 * 60 || offset > 14 * 60) return { problem: 'The offset must be between -12:00 and +14:00.' };
  return { ms: base - offset * 60000 + Math.floor(Number(frac.padEnd(6, '0')) / 1000) };
}

export function timeZoneName() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
}

export function capitalize(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}
