// Restore drills: each drill restored a backup into a scratch copy beside the live cluster and
// checked it (pg_amcheck, every table counted against the counts recorded at backup time). The
// list, newest first, and one drill's report and log (#/drills/<id>); "Run a drill now".

import { h, morph } from '../dom.js';
import { badge, keyValues, scrollTable, backupLabel } from '../components.js';
import { DASH, duration, relative, shortTime } from '../format.js';

const RESULT_TONES = { passed: 'ok', failed: 'bad', skipped: 'warn', cancelled: 'neutral', running: 'neutral' };
const STATUS_WORDS = {
  equal: 'equal',
  changed_during_backup: 'changed during the backup',
  written_after_backup: 'written after the backup',
  unlogged: 'unlogged (empty after a restore)',
  not_recorded: 'not recorded',
  created_during_backup: 'created during the backup',
  mismatch: 'MISMATCH',
  missing: 'MISSING from the copy',
  unreadable: 'UNREADABLE',
};
const FAILING = new Set(['mismatch', 'missing', 'unreadable']);

export function drillBadge(result, props) {
  return badge(RESULT_TONES[result] ?? 'neutral', result ?? 'unknown', props);
}

function drillsTable(drills, selectedId) {
  if (drills.length === 0) return h('p', { class: 'empty' }, 'No restore drill has run yet.');
  const rows = drills.map((d) => {
    const href = `#/drills/${encodeURIComponent(d.id)}`;
    return h(
      'tr',
      {
        key: d.id,
        testid: 'drill-row',
        'data-result': d.result,
        class: ['clickable', d.id === selectedId && 'selected', d.result === 'failed' && 'row-bad'],
        // The whole row is a target for the mouse; the link in the first cell is the keyboard's.
        onClick: (event) => {
          if (event.target.closest('a, button')) return;
          location.hash = href;
        },
      },
      h('th', { scope: 'row', class: 'nowrap' }, h('a', { href, 'aria-current': d.id === selectedId ? 'true' : null, class: 'mono' }, d.id)),
      h('td', { class: 'nowrap' }, shortTime(d.started_at)),
      h('td', {}, d.set ? backupLabel(d.set) : DASH),
      h('td', {}, drillBadge(d.result)),
      h('td', { class: 'num' }, duration(d.restore_s)),
      h('td', { class: 'num' }, duration(d.ready_s)),
      h('td', { class: 'num' }, d.tables ? `${d.tables.equal}/${d.tables.total}` : DASH),
      h('td', { class: 'message-cell' }, d.reason || DASH),
    );
  });
  return scrollTable(
    'Restore drills, newest first',
    h(
      'table',
      { class: 'table', testid: 'drills-table' },
      h('thead', {}, h('tr', {}, ['Drill', 'Started', 'Backup', 'Result', 'Restore', 'Ready', 'Tables equal', 'Reason'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows),
    ),
  );
}

function reportTables(drill) {
  const rows = [];
  for (const db of drill.report?.databases ?? []) {
    if (db.problem) rows.push(h('tr', { class: 'row-bad' }, h('th', { scope: 'row' }, db.name), h('td', { colspan: 4 }, db.problem)));
    for (const t of db.tables ?? []) {
      rows.push(
        h(
          'tr',
          { testid: 'drill-table-row', 'data-status': t.status, class: FAILING.has(t.status) ? 'row-bad' : null },
          h('th', { scope: 'row' }, `${db.name}: ${t.schema}.${t.name}`),
          h('td', { class: 'num' }, t.recorded ?? DASH),
          h('td', { class: 'num' }, t.copy ?? DASH),
          h('td', {}, STATUS_WORDS[t.status] ?? t.status),
          h('td', { class: 'message-cell' }, t.note || ''),
        ),
      );
    }
  }
  if (rows.length === 0) return h('p', { class: 'muted' }, 'No tables were counted.');
  return scrollTable(
    'Tables in the copy',
    h(
      'table',
      { class: 'table', testid: 'drill-report' },
      h('thead', {}, h('tr', {}, ['Table', 'Rows at backup', 'Rows in the copy', 'Status', 'Note'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows),
    ),
  );
}

function drillDetail(drill) {
  return [
    h(
      'div',
      { class: 'card-status' },
      drillBadge(drill.result, { testid: 'drill-result' }),
      h('span', {}, drill.reason || (drill.result === 'passed' ? 'The backup restores and the copy checks out.' : '')),
    ),
    keyValues([
      ['Backup', drill.set ? backupLabel(drill.set) : DASH],
      ['Started', `${shortTime(drill.started_at)} (${relative(drill.started_at)})`],
      ['Restore', duration(drill.restore_s)],
      ['Until it accepted connections', duration(drill.ready_s)],
      ['Time to a usable copy', duration(drill.rto_s)],
      ['pg_amcheck', drill.amcheck?.ran ? (drill.amcheck.ok ? 'no corruption found' : `exit code ${drill.amcheck.exit_code}`) : 'did not run'],
    ]),
    drill.amcheck?.findings?.length ? h('pre', { class: 'log small' }, drill.amcheck.findings.join('\n')) : null,
    drill.copy_log?.length ? [h('h3', {}, 'Why the copy did not start'), h('pre', { class: 'log small', testid: 'drill-copy-log' }, drill.copy_log.join('\n'))] : null,
    h('h3', {}, 'Row counts'),
    drill.tables?.counts_recorded === false ? h('p', { class: 'muted' }, 'No counts were recorded when this backup was taken; the copy\u2019s counts are shown alone.') : null,
    reportTables(drill),
    h('h3', {}, 'Log'),
    h('pre', { class: 'log small', testid: 'drill-log' }, (drill.log ?? []).join('\n')),
  ];
}

async function runDrill(app, button) {
  button.disabled = true;
  try {
    const { job } = await app.api.startDrill();
    app.clearError('action');
    app.toast(`Restore drill queued as job ${job.id}.`, { href: `#/drills/${encodeURIComponent(job.id)}`, text: 'Open it' });
    app.scope?.refresh();
  } catch (err) {
    app.showError(err, 'action');
  } finally {
    button.disabled = false;
  }
}

export function mountDrills(root, app, scope, { id }) {
  const listBox = h('div', {}, h('p', { class: 'loading' }, 'Loading the drills\u2026'));
  const detailBox = h('div', {}, h('p', { class: 'loading' }, 'Loading the drill\u2026'));
  root.append(
    h(
      'div',
      { class: 'page-head' },
      h('h1', { tabindex: -1 }, 'Restore drills'),
      h('button', { type: 'button', class: 'btn', testid: 'drill-now', onClick: (event) => runDrill(app, event.currentTarget) }, 'Run a drill now'),
    ),
  );
  if (id) root.append(h('section', { class: 'card', testid: 'drill-detail', 'aria-label': `Drill ${id}` }, h('h2', {}, `Drill ${id}`), detailBox));
  root.append(h('section', { class: 'card', 'aria-labelledby': 'drills-title' }, h('h2', { id: 'drills-title' }, 'All drills, newest first'), listBox));
  let running = false;
  scope.every(() => (running ? 2000 : 10000), 'poll:drills', async () => {
    const { drills = [], schedule } = await app.api.drills(50);
    if (!scope.alive) return;
    running = drills.some((d) => d.result === 'running');
    const next = schedule?.enabled ? `Scheduled (${schedule.expression}); next ${relative(schedule.next_run)}.` : 'No drill schedule is configured (PGBR_SCHEDULE_DRILL).';
    morph(listBox, h('p', { class: 'muted small' }, next), drillsTable(drills, id));
    if (id) {
      const drill = await app.api.drill(id);
      if (scope.alive) morph(detailBox, ...drillDetail(drill));
    }
  });
}
