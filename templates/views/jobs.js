// Jobs: every pgBackRest run the supervisor made (backups, expire, check, restore, ...), newest
// first, and the log of the one selected (#/jobs/<id>), followed live while it runs.

import { h, morph, icon } from '../dom.js';
import { jobBadge, progressBar, keyValues, LogView, followJobLog, jobTitle, cancelJobButton, scrollTable } from '../components.js';
import { DASH, duration, localTime, parseTime, relative, shortTime } from '../format.js';

const ACTIVE = new Set(['queued', 'running']);

function jobDuration(job) {
  if (typeof job.duration_s === 'number') return job.duration_s;
  const start = parseTime(job.started_at);
  if (start === null) return null;
  const stop = parseTime(job.finished_at) ?? Date.now();
  return (stop - start) / 1000;
}

function jobsTable(jobs, selectedId) {
  if (jobs.length === 0) return h('p', { class: 'empty' }, 'No job has run yet.');
  const rows = jobs.map((job) => {
    const href = `#/jobs/${encodeURIComponent(job.id)}`;
    const selected = job.id === selectedId;
    return h(
      'tr',
      {
        key: job.id,
        testid: 'job-row',
        'data-job-id': job.id,
        'data-state': job.state,
        class: ['clickable', selected && 'selected'],
        // The whole row is a target for the mouse; the link in the first cell is the keyboard's.
        onClick: (event) => {
          if (event.target.closest('a, button')) return;
          location.hash = href;
        },
      },
      h('th', { scope: 'row', class: 'nowrap' }, h('a', { href, 'aria-current': selected ? 'true' : null, class: 'mono' }, job.id)),
      h('td', { class: 'nowrap' }, jobTitle(job)),
      h('td', { class: 'nowrap' }, jobBadge(job.state), job.state === 'running' && typeof job.progress === 'number' ? h('span', { class: 'muted small' }, ` ${Math.round(job.progress)} %`) : null),
      h('td', {}, job.trigger ?? DASH),
      h('td', { class: 'nowrap' }, job.started_at ? shortTime(job.started_at) : h('span', { class: 'muted' }, 'not started')),
      h('td', { class: 'num' }, duration(jobDuration(job))),
      h('td', { class: 'message-cell' }, job.message || DASH),
    );
  });
  return scrollTable(
    'Jobs, newest first',
    h(
      'table',
      { class: 'table', testid: 'jobs-table' },
      h('thead', {}, h('tr', {}, ['Job', 'Kind', 'State', 'Trigger', 'Started', 'Duration', 'Message'].map((t) =>
        h('th', { scope: 'col', class: t === 'Duration' ? 'num' : null }, t)))),
      h('tbody', {}, rows),
    ),
  );
}

function jobSummary(app, job) {
  const active = ACTIVE.has(job.state);
  return [
    h('div', { class: 'job-line' }, h('strong', {}, jobTitle(job)), jobBadge(job.state, { testid: 'job-state' })),
    active ? progressBar(job.progress, { testid: 'job-progress', label: `${jobTitle(job)} progress` }) : null,
    job.message ? h('p', { class: 'muted', testid: 'job-message' }, job.message) : null,
    keyValues([
      ['Trigger', job.trigger ?? DASH],
      ['Created', localTime(job.created_at)],
      ['Started', job.started_at ? `${localTime(job.started_at)} (${relative(job.started_at)})` : 'not yet'],
      ['Finished', job.finished_at ? localTime(job.finished_at) : active ? 'still running' : DASH],
      ['Duration', duration(jobDuration(job))],
      job.exit_code !== null && job.exit_code !== undefined ? ['Exit code', String(job.exit_code)] : null,
      job.backup_label ? ['Backup', h('code', {}, job.backup_label)] : null,
      job.params && Object.keys(job.params).length
        ? ['Parameters', h('code', { class: 'wrap' }, Object.entries(job.params).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' '))]
        : null,
    ]),
    active
      ? h(
          'div',
          { class: 'actions' },
          cancelJobButton(app, job, 'job-cancel'),
        )
      : null,
  ];
}

function mountDetail(container, app, scope, id) {
  const summaryBox = h('div', {}, h('p', { class: 'loading' }, 'Loading the job\u2026'));
  const log = new LogView({ testid: 'job-log', label: `Log of job ${id}` });
  const liveNote = h('span', { class: 'live-note', testid: 'job-log-live', hidden: true }, h('span', { class: 'live-dot', 'aria-hidden': 'true' }), 'live');
  container.append(
    h(
      'section',
      { class: 'card', testid: 'job-detail', 'data-job-id': id, 'aria-labelledby': 'job-detail-title' },
      h('div', { class: 'card-head' }, h('h2', { id: 'job-detail-title' }, 'Job ', h('code', {}, id)), h('a', { href: '#/jobs', class: 'link-action' }, 'Close')),
      summaryBox,
      h('div', { class: 'log-head' }, h('h3', {}, 'Log'), liveNote),
      log.el,
    ),
  );

  let job = null;
  const poller = scope.every(() => (job && !ACTIVE.has(job.state) ? 15000 : 2000), 'poll:job', async () => {
    job = await app.api.job(id);
    if (!scope.alive) return;
    liveNote.hidden = !ACTIVE.has(job.state);
    morph(summaryBox, jobSummary(app, job));
  });

  followJobLog(app, id, log, {
    onEnd: () => {
      liveNote.hidden = true;
      poller.run();
    },
  })
    .then((stop) => scope.add(stop))
    .catch((err) => {
      log.placeholder('The log could not be loaded.');
      if (err.status !== 401) app.showError(err, 'job-log');
    });
}

export function mountJobs(root, app, scope, { id }) {
  const tableBox = h('div', {}, h('p', { class: 'loading' }, 'Loading the jobs\u2026'));
  root.append(h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, 'Jobs')));
  if (id) mountDetail(root, app, scope, id);
  root.append(h('section', { class: 'card', 'aria-labelledby': 'jobs-title' }, h('h2', { id: 'jobs-title' }, 'All jobs, newest first'), tableBox));

  let anyActive = false;
  scope.every(() => (anyActive ? 2000 : 5000), 'poll:jobs', async () => {
    const { jobs = [] } = await app.api.jobs(50);
    if (!scope.alive) return;
    anyActive = jobs.some((job) => ACTIVE.has(job.state));
    morph(tableBox, jobsTable(jobs, id));
  });
}
