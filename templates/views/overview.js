// Overview: is the data safe right now, and what is the supervisor doing?
//
// The active alerts first (each one while its condition lasts), then one verdict line (safe /
// attention needed / at risk) with the reasons, then Postgres, WAL archiving, the repository,
// the running job with live progress and the schedule. Status is polled every 2 s; the page is
// re-rendered in place (morph) so focus and scroll survive.

import { h, morph, icon } from '../dom.js';
import {
  badge, processBadge, jobBadge, progressBar, keyValues, backupButtons, jobTitle, cancelJobButton, scrollTable, backupLabel,
  activeAlerts,
} from '../components.js';
import { typeMark, TYPE_WORDS } from '../charts.js';
import { replicationCard } from './replication.js';
import { DASH, duration, ago, relative, localTime, plural, shortTime } from '../format.js';

function archiveSummary(archive, standby) {
  // A standby archives nothing (its primary does), until it is promoted.
  if (standby) return { tone: 'neutral', text: 'A standby does not archive: its primary does, and this server once it is promoted.' };
  if (!archive) return { tone: 'neutral', text: 'Archiving state is not known yet.' };
  if (archive.state === 'unknown') {
    // Nothing is archived while Postgres is stopped: say so instead of repeating an old verdict.
    const last = archive.last_known
      ? ` (last known: ${archive.last_known.state}, ${relative(archive.last_known.at)})`
      : '';
    return { tone: 'neutral', text: `Archiving state is unknown while Postgres is stopped${last}.` };
  }
  if (archive.healthy) {
    let text = archive.last_archived_wal
      ? `Archiving is healthy: last segment ${archive.last_archived_wal} archived ${ago(archive.last_archived_age_s)}`
      : 'Archiving is healthy: no segment has been archived yet';
    if (archive.waiting > 0) text += `; ${plural(archive.waiting, 'segment')} waiting`;
    return { tone: 'ok', text };
  }
  // The backlog says most about the risk; the failure count (shown below) only when nothing waits.
  let detail;
  if (archive.waiting > 0) {
    detail = `${plural(archive.waiting, 'segment')} waiting, oldest ${duration(archive.oldest_waiting_age_s)}`;
  } else if (archive.failed_count > 0) {
    detail = `${plural(archive.failed_count, 'failed attempt')}, the last ${relative(archive.last_failed_at)}`;
  } else {
    detail = archive.message || 'see the Postgres log';
  }
  return { tone: 'bad', text: `Archiving is failing: ${detail}` };
}

// The last restore, when it needs a word: it left Postgres stopped (a problem, with the way out) or
// brought the database back as it was instead of to its target (a warning for a day).
function restoreNotice(restore, pg) {
  if (!restore || restore.state === 'running' || restore.state === 'queued') return null;
  const where = restore.result?.postgres;
  const link = h('a', { href: `#/jobs/${encodeURIComponent(restore.id)}`, class: 'mono' }, restore.id);
  if (where === 'stopped' && pg.state !== 'RUNNING') {
    return {
      kind: 'problem',
      node: h('span', { testid: 'restore-notice' }, `The restore ${relative(restore.finished_at)} failed and left Postgres stopped (job `, link,
        '). Way out: run a delta restore from ', h('a', { href: '#/restore' }, 'Restore'),
        ' once the repository is reachable, or start Postgres from ', h('a', { href: '#/processes' }, 'Processes'), '.'),
    };
  }
  const age_s = restore.finished_at ? (Date.now() - Date.parse(restore.finished_at)) / 1000 : Infinity;
  if (where === 'as_before' && age_s < 86400) {
    return {
      kind: 'warning',
      node: h('span', { testid: 'restore-notice' }, `The restore ${relative(restore.finished_at)} did not reach its target; Postgres runs with its data as it was before (job `, link, ').'),
    };
  }
  return null;
}

function verdict(status) {
  const problems = [];
  const warnings = [];
  const pg = status.postgres ?? {};
  const repo = status.repository ?? {};
  const notice = restoreNotice(status.last_restore, pg);
  if (notice) (notice.kind === 'problem' ? problems : warnings).push(notice.node);
  if (status.archive && status.archive.state === 'failing') problems.push('WAL archiving is failing: new changes are not protected.');
  if (repo.stanza_mismatch) problems.push(`The repository is not this database's: ${repo.stanza_mismatch}.`);
  else if (repo.status && repo.status.code !== 0) problems.push(`The repository reports a problem: ${repo.status.message}.`);
  else if (!repo.last_backup) problems.push('There is no backup yet.');
  if (status.drill?.last?.result === 'failed') problems.push('The last restore drill failed: a backup may not restore.');
  if (pg.state !== 'RUNNING') warnings.push(`Postgres is ${String(pg.state ?? 'unknown').toLowerCase()}.`);
  else if (!pg.ready) warnings.push('Postgres is running but does not accept connections yet.');
  for (const entry of status.schedule ?? []) {
    const word = TYPE_WORDS[entry.type] ?? entry.type;
    if (entry.overdue) warnings.push(`The ${word.toLowerCase()} backup is overdue.`);
    else if (entry.last_result === 'failed') warnings.push(`The last ${word.toLowerCase()} backup failed.`);
  }
  const tone = problems.length ? 'bad' : warnings.length ? 'warn' : 'ok';
  const headline = { ok: 'Your data is safe', warn: 'Attention needed', bad: 'Your data is at risk' }[tone];
  const recoverable = repo.recoverable;
  const reach = recoverable?.to && !repo.stanza_mismatch
    ? `Restorable to any moment from ${localTime(recoverable.from)} to ${localTime(recoverable.to)} (${relative(recoverable.to)}).`
    : null;
  return h(
    'section',
    { class: ['verdict', `tone-${tone}`], testid: 'safety-summary', 'aria-label': 'Summary' },
    icon({ ok: 'ok', warn: 'warn', bad: 'bad' }[tone], 'verdict-icon'),
    h(
      'div',
      {},
      h('p', { class: 'verdict-headline' }, headline),
      problems.length || warnings.length
        ? h('ul', { class: 'verdict-list' }, [...problems, ...warnings].map((text) => h('li', {}, text)))
        : null,
      reach ? h('p', { class: 'verdict-reach' }, reach) : null,
    ),
  );
}

// A failed drill is the loudest thing on the page: a backup that does not restore is no backup.
function drillAlarm(drill) {
  const last = drill?.last;
  if (last?.result !== 'failed') return null;
  return h(
    'section',
    { class: ['verdict', 'tone-bad', 'drill-alarm'], role: 'alert', testid: 'drill-alarm', 'aria-label': 'Restore drill failed' },
    icon('bad', 'verdict-icon'),
    h(
      'div',
      {},
      h('p', { class: 'verdict-headline' }, `The last restore drill FAILED ${relative(last.finished_at ?? last.started_at)}`),
      h('p', { class: 'verdict-reach' }, last.reason || 'see its report'),
      h(
        'p',
        { class: 'verdict-reach' },
        'Find out why before you rely on ',
        last.set ? h('code', {}, last.set) : 'this backup',
        ': ',
        h('a', { href: `#/drills/${encodeURIComponent(last.id)}`, testid: 'drill-alarm-link' }, 'open the drill’s report and log'),
        ', then take a new full backup and run a drill again.',
      ),
    ),
  );
}

// "Last drill: passed 3 h ago, restore 41 s".
function drillLine(drill) {
  if (!drill) return null;
  const last = drill.last;
  let text;
  let tone = 'neutral';
  if (drill.running) text = 'A restore drill is running now.';
  else if (!last) text = 'Last drill: none yet.';
  else {
    const when = relative(last.finished_at ?? last.started_at);
    tone = { passed: 'ok', failed: 'bad', skipped: 'warn' }[last.result] ?? 'neutral';
    text = `Last drill: ${last.result} ${when}`;
    if (typeof last.rto_s === 'number') text += `, restore ${duration(last.rto_s)}`;
    if (last.result === 'skipped' && last.reason) text += ` (${last.reason})`;
  }
  const next = drill.schedule?.enabled && drill.schedule.next_run ? ` Next ${relative(drill.schedule.next_run)}.` : '';
  return h(
    'p',
    { class: ['health', `tone-${tone}`, 'drill-line'], testid: 'drill-line', 'data-result': last?.result ?? 'none' },
    icon(tone === 'ok' ? 'ok' : tone === 'bad' ? 'bad' : tone === 'warn' ? 'warn' : 'idle'),
    h('span', {}, text + next + ' '),
    h('a', { href: last ? `#/drills/${encodeURIComponent(last.id)}` : '#/drills' }, last ? 'Report' : 'Drills'),
  );
}

function postgresCard(pg) {
  let words;
  if (pg.state === 'RUNNING' && pg.ready) words = `Accepting connections, up ${duration(pg.uptime_s)}.`;
  else if (pg.state === 'RUNNING') words = 'Running, not accepting connections yet.';
  else if (pg.state === 'STARTING') words = 'Starting up.';
  else if (pg.state === 'BACKOFF') words = 'Exited; the supervisor will start it again shortly.';
  else if (pg.state === 'FATAL') words = 'Exited too often and was given up on. Start it from Processes once the cause is fixed.';
  else words = 'Not running.';
  const mode = pg.in_recovery === true ? 'In recovery (read-only)' : pg.in_recovery === false ? 'Primary (read-write)' : DASH;
  return h(
    'section',
    { class: 'card', testid: 'postgres-card', 'aria-labelledby': 'pg-title' },
    h('h2', { id: 'pg-title' }, 'PostgreSQL'),
    h('div', { class: 'card-status' }, processBadge(pg.state, { testid: 'pg-state' }), h('span', {}, words)),
    keyValues([
      ['Uptime', pg.state === 'RUNNING' ? duration(pg.uptime_s) : DASH, { testid: 'pg-uptime' }],
      ['Mode', mode],
      ['Version', pg.version ?? DASH],
      ['Connections', pg.connections ?? DASH],
      ['PID', pg.pid ?? DASH],
      ['Restarts', pg.restarts ?? 0],
      pg.last_exit ? ['Last exit', pg.last_exit] : null,
    ]),
  );
}

function archiveCard(archive, standby) {
  const summary = archiveSummary(archive, standby);
  return h(
    'section',
    { class: 'card', testid: 'archive-card', 'aria-labelledby': 'archive-title' },
    h('h2', { id: 'archive-title' }, 'WAL archiving'),
    h(
      'p',
      { class: ['health', `tone-${summary.tone}`], testid: 'archive-health', 'data-healthy': String(Boolean(archive?.healthy)), 'data-state': archive?.state ?? '' },
      icon({ ok: 'ok', neutral: 'info' }[summary.tone] ?? 'bad'),
      h('span', {}, summary.text),
    ),
    archive && archive.state === 'failing' && archive.message ? h('p', { class: 'muted small', testid: 'archive-message' }, archive.message) : null,
    keyValues([
      ['Last archived', archive?.last_archived_wal ? h('code', {}, archive.last_archived_wal) : DASH],
      ['Archived at', archive?.last_archived_at ? `${localTime(archive.last_archived_at)} (${ago(archive.last_archived_age_s)})` : DASH],
      ['Waiting', archive ? `${archive.waiting ?? 0}${archive.waiting > 0 ? `, oldest ${duration(archive.oldest_waiting_age_s)}` : ''}` : DASH],
      ['Failures', archive?.failed_count ?? 0],
      archive?.last_failed_wal
        ? ['Last failure', h('span', {}, h('code', {}, archive.last_failed_wal), ` ${relative(archive.last_failed_at)}`)]
        : null,
    ]),
  );
}

function repositoryCard(repo) {
  // Another database's stanza reads as ok to pgBackRest, but none of it is this database's.
  const mismatch = repo.stanza_mismatch;
  const ok = repo.status?.code === 0 && !mismatch;
  const last = repo.last_backup;
  return h(
    'section',
    { class: 'card', testid: 'repo-card', 'aria-labelledby': 'repo-title' },
    h('h2', { id: 'repo-title' }, 'Repository'),
    h(
      'div',
      { class: 'card-status' },
      badge(ok ? 'ok' : 'bad', ok ? 'OK' : 'Problem', { testid: 'repo-status' }),
      h('span', {}, mismatch ?? repo.status?.message ?? DASH),
    ),
    keyValues([
      ['Stanza', repo.stanza ?? DASH],
      ['Backups', repo.backup_count ?? 0],
      [
        'Last backup',
        last
          ? h('span', {}, backupLabel(last.label), h('br'), typeMark(last.type), `, finished ${relative(last.finished_at)}`)
          : 'none yet',
      ],
      ['Restorable from', localTime(repo.recoverable?.from)],
      ['Restorable to', repo.recoverable?.to ? [localTime(repo.recoverable.to), h('br'), h('span', { class: 'muted small' }, relative(repo.recoverable.to))] : DASH],
    ]),
  );
}

function runningJobCard(app, job) {
  if (!job) {
    return h(
      'section',
      { class: 'card card-wide', testid: 'running-job', 'data-state': 'idle', 'aria-labelledby': 'job-title' },
      h('h2', { id: 'job-title' }, 'Running job'),
      h('p', { class: 'idle' }, icon('idle'), 'No job is running; the repository is idle.'),
    );
  }
  const started = job.started_at ? `started ${relative(job.started_at)}` : `queued ${relative(job.created_at)}`;
  return h(
    'section',
    { class: 'card card-wide', testid: 'running-job', 'data-state': job.state, 'data-job-id': job.id, 'aria-labelledby': 'job-title' },
    h('h2', { id: 'job-title' }, 'Running job'),
    h(
      'div',
      { class: 'job-line' },
      h('strong', {}, jobTitle(job)),
      jobBadge(job.state),
      h('span', { class: 'muted' }, `${started} by ${job.trigger ?? 'unknown'}`),
    ),
    progressBar(job.progress, { testid: 'running-job-progress', label: `${jobTitle(job)} progress` }),
    job.message ? h('p', { class: 'muted small', testid: 'running-job-message' }, job.message) : null,
    h(
      'div',
      { class: 'actions' },
      h('a', { class: 'btn', href: `#/jobs/${encodeURIComponent(job.id)}`, testid: 'running-job-log' }, 'Open its live log'),
      cancelJobButton(app, job, 'running-job-cancel'),
    ),
  );
}

// On a standby nothing is scheduled until it is promoted: no next run, no overdue warning.
function scheduleCard(schedule, standby) {
  const rows = (schedule ?? []).map((entry) => {
    let result;
    if (entry.last_result === 'succeeded') result = badge('ok', 'succeeded');
    else if (entry.last_result === 'failed') result = badge('bad', 'failed');
    else result = h('span', { class: 'muted' }, 'never run');
    return h(
      'tr',
      { key: entry.type, testid: `schedule-row-${entry.type}`, class: entry.overdue && !standby ? 'row-warn' : null },
      h('th', { scope: 'row' }, typeMark(entry.type, { word: TYPE_WORDS[entry.type] ?? entry.type })),
      h('td', {}, entry.enabled ? h('code', {}, entry.expression) : h('span', { class: 'muted' }, 'disabled')),
      h('td', { class: 'nowrap' }, entry.enabled && entry.next_run && !standby ? [shortTime(entry.next_run), h('br'), h('span', { class: 'muted small' }, relative(entry.next_run))] : DASH),
      h('td', { class: 'nowrap' }, entry.last_run ? [shortTime(entry.last_run), h('br'), h('span', { class: 'muted small' }, relative(entry.last_run))] : DASH),
      h('td', {}, result),
      standby
        ? h('td', {}, h('span', { class: 'muted' }, entry.enabled ? 'runs once promoted' : 'not scheduled'))
        : h(
            'td',
            {},
            entry.overdue ? badge('warn', 'Overdue', { testid: `schedule-overdue-${entry.type}` }) : null,
            entry.pending ? badge('neutral', 'waiting for the repository') : null,
            entry.enabled && !entry.overdue && !entry.pending ? h('span', { class: 'muted' }, 'on time') : null,
            !entry.enabled && !entry.overdue && !entry.pending ? h('span', { class: 'muted' }, 'not scheduled') : null,
          ),
    );
  });
  return h(
    'section',
    { class: 'card card-wide', testid: 'schedule-card', 'aria-labelledby': 'schedule-title' },
    h('h2', { id: 'schedule-title' }, 'Schedule'),
    rows.length === 0
      ? h('p', { class: 'muted' }, 'No backup schedule is configured.')
      : scrollTable(
          'Backup schedule',
          h(
            'table',
            { class: 'table', testid: 'schedule-table' },
            h('thead', {}, h('tr', {}, ['Type', 'Schedule', 'Next run', 'Last run', 'Last result', 'Status'].map((t) => h('th', { scope: 'col' }, t)))),
            h('tbody', {}, rows),
          ),
        ),
  );
}

export function mountOverview(root, app, scope) {
  const body = h('div', { class: 'overview' }, h('p', { class: 'loading' }, 'Loading the status\u2026'));
  root.append(
    h(
      'div',
      { class: 'page-head' },
      h('h1', { tabindex: -1 }, 'Overview'),
      backupButtons(app),
    ),
    body,
  );
  scope.every(2000, 'poll:status', async () => {
    const status = await app.api.status();
    if (!scope.alive) return;
    app.noteStatus(status);
    morph(
      body,
      activeAlerts(status.alerts, { testid: 'overview-alerts', link: true }),
      drillAlarm(status.drill),
      verdict(status),
      drillLine(status.drill),
      h(
        'div',
        { class: 'grid' },
        postgresCard(status.postgres ?? {}),
        replicationCard(app, status),
        archiveCard(status.archive, status.replication?.role === 'standby'),
        repositoryCard(status.repository ?? {}),
        runningJobCard(app, status.running_job),
        scheduleCard(status.schedule, status.replication?.role === 'standby'),
      ),
    );
  });
}
