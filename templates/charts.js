// Small hand-drawn SVG charts: values over time, one marker per backup.
//
// Readable without colour: the backup type is a shape (full = circle, diff = square,
// incr = triangle) as well as a colour, and a second series is drawn hollow with a dashed line.
// Charts are drawn at the container's real width (not scaled from a fixed viewBox) so labels
// keep their size on a phone; the caller redraws on resize.

import { s, h } from './dom.js';

export const TYPE_COLOURS = { full: '#1f5fbf', diff: '#b35900', incr: '#7b3fb0' };
export const TYPE_WORDS = { full: 'Full', diff: 'Differential', incr: 'Incremental' };

// One marker centred on (x, y); r is the half-size.
export function typeShape(type, x, y, r, { hollow = false, title } = {}) {
  const colour = TYPE_COLOURS[type] ?? '#57606a';
  const paint = {
    fill: hollow ? '#ffffff' : colour,
    stroke: colour,
    'stroke-width': hollow ? 2 : 1.5,
  };
  let shape;
  if (type === 'diff') {
    shape = s('rect', { x: x - r * 0.9, y: y - r * 0.9, width: r * 1.8, height: r * 1.8, ...paint });
  } else if (type === 'incr') {
    const t = r * 1.15;
    shape = s('path', {
      d: `M${x} ${y - t}L${x + t} ${y + t * 0.8}L${x - t} ${y + t * 0.8}Z`,
      'stroke-linejoin': 'round',
      ...paint,
    });
  } else {
    shape = s('circle', { cx: x, cy: y, r, ...paint });
  }
  if (title) shape.append(s('title', {}, title));
  return shape;
}

// The type as a small shape followed by its word, for tables and legends.
export function typeMark(type, { hollow = false, word } = {}) {
  return h(
    'span',
    { class: 'type-mark' },
    s('svg', { width: 14, height: 14, viewBox: '0 0 14 14', 'aria-hidden': 'true', focusable: 'false' },
      typeShape(type, 7, 7.5, 5, { hollow })),
    word ?? type,
  );
}

function niceStep(raw) {
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

// Ticks from 0 covering max, about `count` of them, in a unit chosen by `scale`.
function valueTicks(max, count, scale) {
  const { unit, name } = scale(max);
  const top = Math.max(max / unit, 1e-9);
  const step = niceStep(top / count);
  const ticks = [];
  for (let v = 0; v <= top + step * 0.001; v += step) ticks.push(v);
  if (ticks[ticks.length - 1] < top) ticks.push(ticks[ticks.length - 1] + step);
  const decimals = step < 1 ? Math.min(2, Math.ceil(-Math.log10(step))) : step % 1 ? 1 : 0;
  return ticks.map((v) => ({ value: v * unit, label: `${v.toFixed(decimals)} ${name}` }));
}

export function byteScale(max) {
  const names = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let unit = 1;
  let i = 0;
  while (max / unit >= 1024 && i < names.length - 1) {
    unit *= 1024;
    i += 1;
  }
  return { unit, name: names[i] };
}

export function secondScale(max) {
  if (max >= 2 * 3600) return { unit: 3600, name: 'h' };
  if (max >= 120) return { unit: 60, name: 'min' };
  return { unit: 1, name: 's' };
}

const MINUTE = 60e3;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TIME_STEPS = [
  MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR,
  DAY, 2 * DAY, 3 * DAY, 4 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 91 * DAY, 365 * DAY,
];
const hourFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

// Ticks at round local times ("14:00", "Nov 22"), at most maxTicks of them.
function timeTicks(from, to, maxTicks) {
  const span = to - from;
  const step = TIME_STEPS.find((candidate) => span / candidate <= maxTicks) ?? TIME_STEPS.at(-1);
  const offset = new Date(from).getTimezoneOffset() * MINUTE;
  let t = Math.ceil((from - offset) / step) * step + offset;
  const ticks = [];
  let lastDay = '';
  for (; t <= to; t += step) {
    const day = dayFormat.format(t);
    if (step >= DAY) {
      ticks.push({ t, lines: [day] });
    } else {
      ticks.push({ t, lines: day !== lastDay ? [hourFormat.format(t), day] : [hourFormat.format(t)] });
    }
    lastDay = day;
  }
  return ticks;
}

function groupByType(points) {
  const groups = {};
  for (const p of points) (groups[p.type] ??= []).push(p);
  return groups;
}

// Draws into `container` (replacing what was there):
//   series: [{name, hollow, dashed, lineByType, points: [{t (ms), value, type, title}]}]
//   scale: byteScale | secondScale; format(value) -> text for tooltips
export function drawTimeChart(container, { series, scale, label, testid }) {
  const width = Math.max(280, Math.floor(container.clientWidth || 640));
  const narrow = width < 480;
  const height = narrow ? 200 : 240;
  const points = series.flatMap((one) => one.points).filter((p) => p.value !== null && p.value !== undefined);
  const svg = s('svg', {
    class: 'chart',
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': label,
    testid,
  });
  if (points.length === 0) {
    svg.append(s('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'chart-empty' },
      'No backups yet'));
    container.replaceChildren(svg);
    return;
  }

  const maxValue = Math.max(...points.map((p) => p.value), 0);
  const ticksY = valueTicks(maxValue || 1, narrow ? 3 : 4, scale);
  const yMax = ticksY.at(-1).value || 1;
  const longestLabel = Math.max(...ticksY.map((tick) => tick.label.length));
  const margin = { left: 14 + longestLabel * 7, right: 18, top: 14, bottom: 42 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;

  let tMin = Math.min(...points.map((p) => p.t));
  let tMax = Math.max(...points.map((p) => p.t));
  if (tMax - tMin < HOUR) {
    tMin -= HOUR / 2;
    tMax += HOUR / 2;
  }
  const pad = (tMax - tMin) * 0.05;
  tMin -= pad;
  tMax += pad;

  const x = (t) => margin.left + ((t - tMin) / (tMax - tMin)) * plotW;
  const y = (v) => margin.top + plotH - (v / yMax) * plotH;

  const grid = s('g', { class: 'chart-grid' });
  for (const tick of ticksY) {
    const ty = y(tick.value);
    grid.append(
      s('line', { x1: margin.left, x2: margin.left + plotW, y1: ty, y2: ty }),
      s('text', { x: margin.left - 8, y: ty + 4, 'text-anchor': 'end', class: 'chart-label' }, tick.label),
    );
  }
  const axis = s('g', { class: 'chart-axis' });
  axis.append(s('line', {
    x1: margin.left, x2: margin.left + plotW, y1: margin.top + plotH, y2: margin.top + plotH,
  }));
  for (const tick of timeTicks(tMin, tMax, Math.max(2, Math.floor(plotW / (narrow ? 60 : 90))))) {
    const tx = x(tick.t);
    axis.append(s('line', { x1: tx, x2: tx, y1: margin.top + plotH, y2: margin.top + plotH + 5 }));
    tick.lines.forEach((line, i) => {
      axis.append(s('text', {
        x: tx, y: margin.top + plotH + 18 + i * 14, 'text-anchor': 'middle', class: 'chart-label',
      }, line));
    });
  }
  svg.append(grid, axis);

  // Lines join a series in time order; with lineByType each backup type gets its own line, as a
  // full, a diff and an incr take very different times and one line zigzagging between them
  // would suggest a trend that is not there.
  for (const one of series) {
    const valid = one.points.filter((p) => p.value !== null && p.value !== undefined);
    const groups = one.lineByType
      ? Object.entries(groupByType(valid))
      : [[null, valid]];
    for (const [type, group] of groups) {
      const sorted = [...group].sort((a, b) => a.t - b.t);
      if (sorted.length < 2) continue;
      svg.append(s('polyline', {
        class: ['chart-line', one.dashed && 'dashed', type && 'by-type'],
        stroke: type ? TYPE_COLOURS[type] : one.dashed ? '#aab4be' : '#8795a3',
        points: sorted.map((p) => `${x(p.t).toFixed(1)},${y(p.value).toFixed(1)}`).join(' '),
      }));
    }
  }
  for (const one of series) {
    const markers = s('g', { class: 'chart-markers' });
    for (const p of one.points) {
      if (p.value === null || p.value === undefined) continue;
      markers.append(typeShape(p.type, x(p.t), y(p.value), narrow ? 4.5 : 5.5, { hollow: one.hollow, title: p.title }));
    }
    svg.append(markers);
  }
  container.replaceChildren(svg);
}

// A legend in HTML (wraps on narrow screens) for the backup types and, optionally, the series.
export function chartLegend(types, seriesNotes = []) {
  return h(
    'ul',
    { class: 'chart-legend', 'aria-label': 'Legend' },
    types.map((type) => h('li', {}, typeMark(type, { word: TYPE_WORDS[type] ?? type }))),
    seriesNotes.map((note) => h('li', { class: 'legend-note' }, note)),
  );
}
