// Backups: what the repository holds, as two charts over time (size, duration) and a table.
//
// Data comes from GET /api/v1/backups (oldest first; the server caches pgbackrest info, so
// polling it every 10 s is cheap). The table lists the newest first, which is what people look
// for; the charts keep time running left to right.

import { h, morph } from '../dom.js';
import { badge, keyValues, backupButtons, scrollTable } from '../components.js';
import { drawTimeChart, chartLegend, byteScale, secondScale, typeMark, TYPE_WORDS } from '../charts.js';
import { DASH, bytes, duration, localTime, parseTime, relative, shortTime } from '../format.js';

function backupDuration(backup) {
  if (typeof backup.duration_s === 'number') return backup.duration_s;
  const start = parseTime(backup.started_at);
  const stop = parseTime(backup.finished_at);
  return start !== null && stop !== null ? (stop - start) / 1000 : null;
}

// A diff or incr label is "<full>_<own>": allow a line break only after the underscore, so the
// column stays narrow and the text (and a copy of it) stays the exact label.
function labelText(label) {
  const cut = label.indexOf('_');
  if (cut < 0) return h('code', { class: 'nowrap' }, label);
  return h(
    'code',
    {},
    h('span', { class: 'nowrap' }, label.slice(0, cut + 1)),
    h('wbr'),
    h('span', { class: 'nowrap' }, label.slice(cut + 1)),
  );
}

function annotationChips(annotation) {
  const entries = Object.entries(annotation ?? {});
  if (entries.length === 0) return h('span', { class: 'muted' }, DASH);
  return h('ul', { class: 'chips' }, entries.map(([key, value]) => h('li', { class: 'chip' }, h('span', { class: 'chip-key' }, key), `=${value}`)));
}

function summary(data) {
  const backups = data.backups ?? [];
  const ok = data.status?.code === 0;
  // What each backup added to the repository: a set's size counts the backups it reuses again.
  const stored = backups.reduce((sum, b) => sum + (Number(b.repo_delta) || 0), 0);
  const counts = ['full', 'diff', 'incr']
    .map((type) => [type, backups.filter((b) => b.type === type).length])
    .filter(([, count]) => count > 0)
    .map(([type, count]) => `${count} ${TYPE_WORDS[type].toLowerCase()}`)
    .join(', ');
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'repo-summary-title', testid: 'backups-summary' },
    h('h2', { id: 'repo-summary-title' }, `Repository of stanza ${data.stanza ?? DASH}`),
    h(
      'div',
      { class: 'card-status' },
      badge(ok ? 'ok' : 'bad', ok ? 'OK' : 'Problem', { testid: 'backups-status' }),
      h('span', {}, data.status?.message ?? DASH),
    ),
    keyValues([
      ['Backups', backups.length ? `${backups.length} (${counts})` : 'none yet'],
      ['Stored in total', bytes(stored)],
      ['Restorable from', localTime(data.recoverable?.from)],
      ['Restorable to', data.recoverable?.to ? `${localTime(data.recoverable.to)} (${relative(data.recoverable.to)})` : DASH],
      ['WAL archive', data.archive?.min ? h('code', {}, `${data.archive.min} \u2013 ${data.archive.max}`) : DASH],
    ]),
  );
}

function table(data) {
  const backups = [...(data.backups ?? [])].reverse();
  if (backups.length === 0) {
    return h('p', { class: 'empty', testid: 'backups-empty' }, 'The repository holds no backup yet. Start one with the buttons above.');
  }
  const rows = backups.map((b) =>
    h(
      'tr',
      { key: b.label, testid: 'backup-row', 'data-label': b.label, 'data-type': b.type },
      h('th', { scope: 'row', title: b.prior ? `based on ${b.prior}` : null }, labelText(b.label)),
      h('td', {}, typeMark(b.type, { word: b.type })),
      h('td', { class: 'nowrap' }, shortTime(b.started_at)),
      h('td', { class: 'num' }, duration(backupDuration(b))),
      h('td', { class: 'num' }, bytes(b.size)),
      h('td', { class: 'num' }, bytes(b.repo_size)),
      h('td', {}, b.wal_start ? h('code', { class: 'wal' }, b.wal_start, h('br'), `\u2192 ${b.wal_stop ?? DASH}`) : DASH),
      h('td', {}, annotationChips(b.annotation)),
      h('td', {}, h('a', { href: `#/restore?set=${encodeURIComponent(b.label)}`, class: 'link-action', testid: 'backup-restore-link' }, 'Restore\u2026')),
    ),
  );
  return scrollTable(
    'Backups, newest first',
    h(
      'table',
      { class: 'table', testid: 'backups-table' },
      h(
        'thead',
        {},
        h('tr', {}, ['Label', 'Type', 'Started', 'Duration', 'Size', 'Stored', 'WAL range', 'Annotation', ''].map((t) =>
          h('th', { scope: 'col', class: ['Duration', 'Size', 'Stored'].includes(t) ? 'num' : null }, t === '' ? h('span', { class: 'sr-only' }, 'Actions') : t))),
      ),
      h('tbody', {}, rows),
    ),
  );
}

export function mountBackups(root, app, scope) {
  const summaryBox = h('div', {}, h('p', { class: 'loading' }, 'Loading the backups\u2026'));
  const sizeBox = h('div', { class: 'chart-box', testid: 'chart-size' });
  const durationBox = h('div', { class: 'chart-box', testid: 'chart-duration' });
  const sizeLegend = h('div', {});
  const durationLegend = h('div', {});
  const tableBox = h('div', {});
  root.append(
    h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, 'Backups'), backupButtons(app)),
    summaryBox,
    h(
      'div',
      { class: 'grid grid-2' },
      h('figure', { class: 'card chart-card' }, h('figcaption', {}, h('h2', {}, 'Size per backup')), sizeBox, sizeLegend),
      h('figure', { class: 'card chart-card' }, h('figcaption', {}, h('h2', {}, 'Duration per backup')), durationBox, durationLegend),
    ),
    h('section', { class: 'card', 'aria-labelledby': 'backup-list-title' }, h('h2', { id: 'backup-list-title' }, 'All backups, newest first'), tableBox),
  );

  let data = null;
  let drawnKey = '';
  const draw = (force) => {
    if (!data) return;
    const key = `${JSON.stringify(data.backups)}|${sizeBox.clientWidth}`;
    if (!force && key === drawnKey) return;
    drawnKey = key;
    const backups = data.backups ?? [];
    const types = ['full', 'diff', 'incr'].filter((type) => backups.some((b) => b.type === type));
    const point = (b, value, what) => ({
      t: parseTime(b.started_at),
      value,
      type: b.type,
      title: `${b.label} (${b.type}): ${what}, ${localTime(b.started_at)}`,
    });
    drawTimeChart(sizeBox, {
      testid: 'chart-size-svg',
      label: `Size of each backup over time: ${backups.length} backups, latest ${bytes(backups.at(-1)?.size)} (stored ${bytes(backups.at(-1)?.repo_size)}).`,
      scale: byteScale,
      series: [
        { name: 'size', points: backups.map((b) => point(b, b.size, `size ${bytes(b.size)}`)) },
        { name: 'stored', hollow: true, dashed: true, points: backups.map((b) => point(b, b.repo_size, `stored ${bytes(b.repo_size)}`)) },
      ],
    });
    drawTimeChart(durationBox, {
      testid: 'chart-duration-svg',
      label: `Duration of each backup over time: latest ${duration(backups.length ? backupDuration(backups.at(-1)) : null)}.`,
      scale: secondScale,
      series: [{ name: 'duration', lineByType: true, points: backups.map((b) => point(b, backupDuration(b), `took ${duration(backupDuration(b))}`)) }],
    });
    morph(sizeLegend, chartLegend(types, [
      h('span', { class: 'legend-series' }, h('span', { class: 'swatch swatch-solid', 'aria-hidden': 'true' }), 'filled, solid line: database size'),
      h('span', { class: 'legend-series' }, h('span', { class: 'swatch swatch-dashed', 'aria-hidden': 'true' }), 'hollow, dashed line: stored in the repository'),
    ]));
    morph(durationLegend, chartLegend(types, [h('span', {}, 'One line per type: a full, a differential and an incremental backup take very different times.')]));
  };

  let frame = 0;
  const observer = new ResizeObserver(() => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => draw(false));
  });
  observer.observe(sizeBox);
  scope.add(() => {
    observer.disconnect();
    cancelAnimationFrame(frame);
  });

  scope.every(10000, 'poll:backups', async () => {
    const next = await app.api.backups();
    if (!scope.alive) return;
    data = next;
    if (data.stanza) app.noteStatus({ repository: { stanza: data.stanza } });
    morph(summaryBox, summary(data));
    draw(false);
    morph(tableBox, table(data));
  });
}
