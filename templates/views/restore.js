// Restore: the one action here that destroys data, so the page says what will happen before it
// happens and asks for the stanza name as confirmation (the API checks it again).
//
// Targets: the latest state (delta), a backup set, a point in time; LSN, xid, a named restore
// point and "immediate" sit under "Advanced". A time is picked in local time, limited to the
// recoverable window of GET /api/v1/backups, and sent as RFC 3339 UTC; or it is pasted as psql
// prints it (or RFC 3339, with an offset: the forms the API accepts) and sent as written, so its
// microseconds survive. A named restore point is typed or picked from the points recorded through
// the supervisor (GET /api/v1/restore-points, offered as a datalist). After submitting, the page follows the restore job's log and polls the
// status until Postgres accepts connections again.

import { h, morph, clear, icon } from '../dom.js';
import { processBadge, jobBadge, progressBar, LogView, followJobLog, keyValues, backupLabel } from '../components.js';
import { TYPE_WORDS } from '../charts.js';
import { DASH, bytes, localTime, parseTime, toLocalInput, fromLocalInput, parseTargetTime, TARGET_TIME_FORMS, timeZoneName, plural, relative, shortTime } from '../format.js';

const TARGET_TYPES = new Set(['time', 'lsn', 'xid', 'name']);
const WITH_ACTION = new Set(['time', 'lsn', 'xid', 'name', 'immediate']);
const LSN = /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/;

function ceilToSecond(iso) {
  const ms = parseTime(iso);
  return ms === null ? null : new Date(Math.ceil(ms / 1000) * 1000).toISOString();
}

function backupOption(b) {
  const word = TYPE_WORDS[b.type] ?? b.type;
  return h('option', { value: b.label }, `${b.label} \u2014 ${word.toLowerCase()}, ${shortTime(b.finished_at ?? b.started_at)}, ${bytes(b.size)}`);
}

// Reads the form into {request, problem}: request is the POST body, problem why it cannot be sent.
function readForm(f, ctx) {
  const type = f.type.value;
  const request = { type };
  let problem = null;
  const target = f.target.value.trim();
  if (type === 'time') {
    // A pasted time wins over the picker (typing in the picker clears it).
    const pasted = f.targetText.value.trim();
    const parsed = pasted ? parseTargetTime(pasted) : null;
    const iso = pasted ? null : fromLocalInput(f.target.value);
    const ms = pasted ? parsed.ms ?? null : parseTime(iso);
    const from = parseTime(ctx.recoverable?.from);
    const to = parseTime(ctx.recoverable?.to);
    if (parsed?.problem) problem = parsed.problem;
    else if (ms === null) problem = 'Choose the date and time to restore to.';
    else if ((from !== null && ms < Math.floor(from / 1000) * 1000) || (to !== null && ms > to)) {
      problem = `Choose a time between ${localTime(ctx.recoverable.from)} and ${localTime(ctx.recoverable.to)}.`;
    }
    request.target = pasted || iso;
  } else if (type === 'lsn') {
    if (!LSN.test(target)) problem = 'Enter an LSN the way Postgres prints it, for example 0/A000100.';
    request.target = target;
  } else if (type === 'xid') {
    if (!/^[0-9]+$/.test(target)) problem = 'Enter a transaction id: a whole number.';
    request.target = target;
  } else if (type === 'name') {
    if (!target) problem = 'Enter the name of the restore point (made with pg_create_restore_point).';
    request.target = target;
  }
  const set = f.set.value;
  if (type === 'set') {
    if (!set) problem = 'Choose the backup to restore.';
    request.set = set;
  } else if (type !== 'delta' && set) {
    request.set = set;
  }
  if (WITH_ACTION.has(type)) request.target_action = f.action.find((radio) => radio.checked)?.value ?? 'promote';
  const databases = f.dbInclude.value.split(/[\s,]+/).filter(Boolean);
  if (databases.length) request.db_include = databases;
  request.confirm = f.confirm.value;
  if (!problem && ctx.backups.length === 0) problem = 'The repository holds no backup to restore from.';
  return { request, problem };
}

// The consequences, in plain words, for what the form says right now.
function consequences(request, ctx) {
  const lines = [];
  lines.push('Postgres will be stopped: every connection is closed and the database is unavailable until the restore ends.');
  const chosen = ctx.backups.find((b) => b.label === request.set);
  const backupWords = chosen ? `backup ${chosen.label} (finished ${localTime(chosen.finished_at)})` : 'the latest suitable backup';
  switch (request.type) {
    case 'delta':
      lines.push('The data directory is brought back to the latest backup (only files that differ are copied), then every archived WAL segment is replayed, then the WAL still in the data directory (pg_wal): with pg_wal intact, Postgres comes back at its last committed change.');
      break;
    case 'set':
      lines.push(`The data directory is replaced by ${backupWords}, then every archived WAL segment after it is replayed: Postgres comes back at the last change that reached the archive.`);
      break;
    case 'time': {
      const ms = parseTargetTime(request.target).ms;
      const when = ms !== undefined ? `${localTime(new Date(ms).toISOString())} (${request.target.replace('T', ' ').replace(/Z$/, ' UTC')})` : 'the chosen time';
      lines.push(`The data directory is restored from ${backupWords} and WAL is replayed up to ${when}. Every change after the target is discarded, including everything written since.`);
      break;
    }
    case 'lsn':
      lines.push(`The data directory is restored from ${backupWords} and WAL is replayed up to position ${request.target || '(the LSN)'}. Every change after the target is discarded.`);
      break;
    case 'xid':
      lines.push(`The data directory is restored from ${backupWords} and WAL is replayed up to transaction ${request.target || '(the xid)'}. Every change after the target is discarded.`);
      break;
    case 'name': {
      const point = ctx.points.find((p) => p.name === request.target);
      const made = point ? `, made ${localTime(point.created_at)} at ${point.lsn}` : '';
      lines.push(`The data directory is restored from ${backupWords} and WAL is replayed up to the restore point \u201c${request.target || '(the name)'}\u201d${made}. Every change after the target is discarded.`);
      if (request.target && !point) lines.push('This name was not recorded by the supervisor: if no pg_create_restore_point() made it, recovery replays the whole archive without meeting it.');
      break;
    }
    case 'immediate':
      lines.push(`The data directory is restored from ${chosen ? backupWords : 'the latest backup'} and recovery stops as soon as it is consistent. Every change after that backup is discarded.`);
      break;
    default:
      break;
  }
  if (request.target_action === 'pause') {
    lines.push('At the target, recovery pauses: Postgres stays read-only so you can check the data. Run SELECT pg_wal_replay_resume(); to open it for writes on a new timeline; an incremental backup of it follows.');
  } else if (request.target_action === 'promote') {
    lines.push('At the target, Postgres is promoted and opens for writes on a new timeline; an incremental backup of it follows, so later restores can start there.');
  }
  if (request.db_include?.length) {
    lines.push(`Only ${request.db_include.join(', ')} ${request.db_include.length === 1 ? 'is' : 'are'} restored; every other database is left empty and cannot be used.`);
  }
  if (ctx.archive && ctx.archive.waiting > 0 && (request.type === 'delta' || request.type === 'set')) {
    lines.push(`Right now ${plural(ctx.archive.waiting, 'WAL segment')} ${ctx.archive.waiting === 1 ? 'is' : 'are'} waiting to be archived: the changes in ${ctx.archive.waiting === 1 ? 'it come' : 'them come'} back only from pg_wal, which the restore leaves in place.`);
  }
  lines.push('The backups in the repository are not changed, but the current data directory cannot be brought back.');
  return lines;
}

function mountProgress(container, app, scope, jobId, targetAction) {
  const jobBox = h('div', {});
  const pgBox = h('div', {});
  const outcome = h('div', {});
  const log = new LogView({ testid: 'restore-log', label: 'Log of the restore' });
  clear(
    container,
    h(
      'section',
      { class: 'card', testid: 'restore-progress', 'data-job-id': jobId, 'aria-labelledby': 'restore-progress-title' },
      h('h2', { id: 'restore-progress-title', tabindex: -1 }, 'Restore in progress'),
      outcome,
      h('div', { class: 'grid grid-2 tight' }, jobBox, pgBox),
      h('h3', {}, 'Log'),
      log.el,
    ),
  );
  container.querySelector('h2').focus();

  let job = null;
  let status = null;
  const render = () => {
    if (job) {
      morph(
        jobBox,
        h('h3', {}, 'Restore job'),
        h('div', { class: 'job-line' }, h('a', { href: `#/jobs/${encodeURIComponent(job.id)}`, class: 'mono' }, job.id), jobBadge(job.state, { testid: 'restore-job-state' })),
        ['queued', 'running'].includes(job.state) ? progressBar(job.progress, { testid: 'restore-progress-bar', label: 'Restore progress' }) : null,
        job.message ? h('p', { class: 'muted small' }, job.message) : null,
      );
    }
    if (status) {
      const pg = status.postgres ?? {};
      morph(
        pgBox,
        h('h3', {}, 'PostgreSQL'),
        h('div', { class: 'job-line' }, processBadge(pg.state, { testid: 'restore-pg-state' }), h('span', {}, pg.ready ? 'accepting connections' : 'not accepting connections')),
        keyValues([
          ['Mode', pg.in_recovery === true ? 'in recovery (read-only)' : pg.in_recovery === false ? 'primary (read-write)' : DASH],
        ]),
      );
    }
    const finished = job && !['queued', 'running'].includes(job.state);
    const pg = status?.postgres;
    const back = pg && pg.state === 'RUNNING' && pg.ready && (targetAction === 'pause' || pg.in_recovery === false);
    const title = container.querySelector('#restore-progress-title');
    if (finished && job.state === 'succeeded' && back) {
      title.textContent = 'Restore finished';
      morph(outcome, h('p', { class: ['health', 'tone-ok'], testid: 'restore-done', role: 'status' }, icon('ok'),
        targetAction === 'pause' && pg.in_recovery
          ? 'Postgres is back, paused at the target and read-only. Check the data, then run SELECT pg_wal_replay_resume(); to open it for writes (a backup of the new timeline follows).'
          : 'Postgres is back and accepting connections.'),
        h('div', { class: 'actions' }, h('a', { class: 'btn', href: '#/overview', testid: 'restore-to-overview' }, 'Go to the overview')));
    } else if (finished && job.state !== 'succeeded') {
      title.textContent = 'Restore did not finish';
      morph(outcome, h('p', { class: ['health', 'tone-bad'], testid: 'restore-failed' }, icon('bad'),
        `The restore ${job.state}${job.message ? `: ${job.message}` : '.'} Postgres is ${String(pg?.state ?? 'unknown').toLowerCase()}; read the log below before trying again.`));
    } else if (finished) {
      morph(outcome, h('p', { class: ['health', 'tone-warn'] }, icon('clock'), 'The files are restored; waiting for Postgres to accept connections\u2026'));
    } else {
      morph(outcome, h('p', { class: ['health', 'tone-info'] }, icon('run'), 'Postgres is stopped while the restore runs. This page follows it until Postgres is back.'));
    }
  };

  scope.every(1000, 'poll:restore-job', async () => {
    job = await app.api.job(jobId);
    if (scope.alive) render();
  });
  // On a small database Postgres is down for about a second: poll often enough to show it (the
  // server answers a repeated status from its cache).
  scope.every(400, 'poll:status', async () => {
    status = await app.api.status();
    if (scope.alive) render();
  });
  followJobLog(app, jobId, log, { onEnd: () => scope.refresh() })
    .then((stop) => scope.add(stop))
    .catch((err) => {
      log.placeholder('The log could not be loaded.');
      if (err.status !== 401) app.showError(err, 'restore-log');
    });
}

// The recorded restore points only help: the form works without them.
function recordedPoints(app) {
  return app.api.restorePoints().then((r) => r.restore_points ?? [], () => []);
}

export function mountRestore(root, app, scope, { query }) {
  const body = h('div', {}, h('p', { class: 'loading' }, 'Loading the backups\u2026'));
  root.append(h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, 'Restore')), body);

  Promise.all([app.api.backups(), app.api.status(), recordedPoints(app)])
    .then(([backups, status, recorded]) => {
      if (!scope.alive) return;
      app.noteStatus(status);
      const running = status.running_job;
      if (running && running.kind === 'restore') {
        mountProgress(body, app, scope, running.id, running.params?.target_action ?? 'promote');
        return;
      }
      buildForm(body, app, scope, backups, status, recorded, query);
    })
    .catch((err) => {
      clear(body, h('p', { class: 'empty' }, 'The backups could not be loaded.'));
      if (err.status !== 401) app.showError(err, 'restore');
    });
}

function buildForm(body, app, scope, data, status, recorded, query) {
  const ctx = {
    points: [...recorded].reverse(),
    stanza: data.stanza ?? status.repository?.stanza ?? '',
    backups: [...(data.backups ?? [])].reverse(),
    recoverable: data.recoverable ?? status.repository?.recoverable ?? null,
    archive: status.archive,
  };
  const preset = query.get('set');

  const typeSelect = h(
    'select',
    { id: 'restore-type', name: 'type', testid: 'restore-type' },
    h('option', { value: 'delta' }, 'The latest state (delta)'),
    h('option', { value: 'set', selected: Boolean(preset) }, 'A backup set'),
    h('option', { value: 'time' }, 'A point in time'),
    h(
      'optgroup',
      { label: 'Advanced' },
      h('option', { value: 'lsn' }, 'A WAL position (LSN)'),
      h('option', { value: 'xid' }, 'A transaction id (xid)'),
      h('option', { value: 'name' }, 'A named restore point'),
      h('option', { value: 'immediate' }, 'The end of a backup (immediate)'),
    ),
  );
  const typeHelp = h('p', { class: 'help', id: 'restore-type-help' });
  typeSelect.setAttribute('aria-describedby', 'restore-type-help');

  const targetInput = h('input', { id: 'restore-target', name: 'target', testid: 'restore-target', autocomplete: 'off', spellcheck: 'false' });
  const pointList = h('datalist', { id: 'restore-points-list', testid: 'restore-points-list' });
  const fillPoints = () =>
    clear(pointList, ctx.points.map((p) => h('option', { value: p.name }, `${shortTime(p.created_at)} \u2014 ${p.lsn}${p.archived ? '' : ' (not archived yet)'}`)));
  fillPoints();
  const targetLabel = h('label', { for: 'restore-target' }, 'Target');
  const targetHelp = h('p', { class: 'help', id: 'restore-target-help', testid: 'restore-window' });
  targetInput.setAttribute('aria-describedby', 'restore-target-help');
  const targetText = h('input', { id: 'restore-target-text', name: 'target_text', testid: 'restore-target-text', autocomplete: 'off', spellcheck: 'false', placeholder: '2026-12-05 08:07:40.767967+00' });
  const targetTextField = h(
    'div',
    { class: 'field' },
    h('label', { for: 'restore-target-text' }, 'Or paste a time ', h('span', { class: 'muted' }, '(with its offset from UTC)')),
    targetText,
    h('p', { class: 'help' }, `For example ${TARGET_TIME_FORMS}. Microseconds are kept.`),
  );
  const targetField = h('div', { class: 'field' }, targetLabel, targetInput, pointList, targetHelp);

  const setSelect = h('select', { id: 'restore-set', name: 'set', testid: 'restore-set' });
  const setLabel = h('label', { for: 'restore-set' }, 'Backup');
  const setField = h('div', { class: 'field' }, setLabel, setSelect);

  const action = ['promote', 'pause'].map((value) =>
    h('input', { type: 'radio', name: 'target_action', value, id: `restore-action-${value}`, testid: `restore-action-${value}`, checked: value === 'promote' }));
  const actionField = h(
    'fieldset',
    { class: 'field radios' },
    h('legend', {}, 'At the target'),
    h('label', { for: 'restore-action-promote', class: 'radio' }, action[0], h('span', {}, h('strong', {}, 'Promote'), ' \u2014 open for writes (usual choice)')),
    h('label', { for: 'restore-action-pause', class: 'radio' }, action[1], h('span', {}, h('strong', {}, 'Pause'), ' \u2014 stay read-only so you can check the data first')),
  );

  const dbInclude = h('input', { id: 'restore-db-include', name: 'db_include', testid: 'restore-db-include', autocomplete: 'off', spellcheck: 'false', placeholder: 'for example: app, billing' });
  const dbField = h(
    'div',
    { class: 'field' },
    h('label', { for: 'restore-db-include' }, 'Only these databases ', h('span', { class: 'muted' }, '(optional)')),
    dbInclude,
    h('p', { class: 'help' }, 'Separate names with commas. Leave empty to restore every database.'),
  );

  const consequenceBox = h('div', { class: 'consequences', testid: 'restore-consequences', 'aria-live': 'polite' });
  const confirmInput = h('input', { id: 'restore-confirm', name: 'confirm', testid: 'restore-confirm', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off' });
  const submit = h('button', { type: 'submit', class: 'btn btn-danger', testid: 'restore-submit', disabled: true }, icon('restart'), 'Stop Postgres and restore');
  const problemText = h('p', { class: 'help', testid: 'restore-problem', id: 'restore-problem' });
  submit.setAttribute('aria-describedby', 'restore-problem');

  const form = h(
    'form',
    { class: 'card restore-form', testid: 'restore-form', novalidate: true },
    h('h2', {}, 'What to restore'),
    h('div', { class: 'field' }, h('label', { for: 'restore-type' }, 'Restore to'), typeSelect, typeHelp),
    setField,
    targetField,
    targetTextField,
    actionField,
    dbField,
    h('h2', {}, 'What will happen'),
    consequenceBox,
    h(
      'div',
      { class: 'field confirm-field' },
      h('label', { for: 'restore-confirm' }, 'To confirm, type the stanza name ', h('code', { testid: 'restore-stanza' }, ctx.stanza)),
      confirmInput,
    ),
    h('div', { class: 'actions' }, submit),
    problemText,
  );

  const windowFacts = () =>
    keyValues([
      ['Stanza', h('code', {}, ctx.stanza || DASH)],
      [
        'Backups',
        ctx.backups.length
          ? [`${ctx.backups.length}, the latest `, backupLabel(ctx.backups[0].label), ` (${relative(ctx.backups[0].finished_at)})`]
          : 'none',
      ],
      ['Earliest point', localTime(ctx.recoverable?.from)],
      ['Latest point', ctx.recoverable?.to ? `${localTime(ctx.recoverable.to)} (${relative(ctx.recoverable.to)})` : DASH],
      ['Your time zone', timeZoneName()],
    ]);
  const windowBox = h('div', {}, windowFacts());
  const windowCard = h(
    'section',
    { class: 'card', 'aria-labelledby': 'window-title', testid: 'restore-window-card' },
    h('h2', { id: 'window-title' }, 'What can be restored'),
    windowBox,
  );
  const progressBox = h('div', {});
  clear(body, h('div', { class: 'restore-layout' }, form, windowCard), progressBox);

  const fields = { type: typeSelect, target: targetInput, targetText, set: setSelect, action, dbInclude, confirm: confirmInput };
  let lastType = null;

  // The window grows as WAL is archived: min/max follow it without touching the chosen value.
  const applyWindow = () => {
    if (typeSelect.value !== 'time') return;
    if (ctx.recoverable?.from) targetInput.min = toLocalInput(ceilToSecond(ctx.recoverable.from));
    if (ctx.recoverable?.to) targetInput.max = toLocalInput(ctx.recoverable.to);
    targetHelp.textContent = ctx.recoverable?.to
      ? `Any moment from ${localTime(ctx.recoverable.from)} to ${localTime(ctx.recoverable.to)} (${timeZoneName()}); sent to the server in UTC.`
      : 'No recoverable window is known: the repository holds no backup yet.';
  };

  const update = () => {
    const type = typeSelect.value;
    if (type !== lastType) {
      lastType = type;
      // One input serves every kind of target; its type follows the choice.
      targetInput.value = '';
      targetText.value = '';
      targetInput.removeAttribute('min');
      targetInput.removeAttribute('max');
      targetInput.removeAttribute('step');
      targetInput.removeAttribute('placeholder');
      targetInput.removeAttribute('inputmode');
      targetInput.removeAttribute('list');
      targetInput.type = type === 'time' ? 'datetime-local' : 'text';
      if (type === 'time') {
        targetLabel.textContent = 'Date and time (your local time)';
        targetInput.step = '1';
        applyWindow();
        if (ctx.recoverable?.to) targetInput.value = toLocalInput(ctx.recoverable.to);
      } else if (type === 'lsn') {
        targetLabel.textContent = 'LSN';
        targetInput.placeholder = '0/A000100';
        targetHelp.textContent = 'A WAL position as Postgres prints it (pg_current_wal_lsn()).';
      } else if (type === 'xid') {
        targetLabel.textContent = 'Transaction id';
        targetInput.inputMode = 'numeric';
        targetInput.placeholder = '123456';
        targetHelp.textContent = 'Recovery stops after this transaction commits.';
      } else if (type === 'name') {
        targetLabel.textContent = 'Restore point name';
        targetInput.placeholder = ctx.points[0]?.name ?? 'before_migration';
        targetInput.setAttribute('list', 'restore-points-list');
        const latest = ctx.points[0];
        targetHelp.textContent = ctx.points.length > 1
          ? `Pick one of the ${ctx.points.length} restore points recorded by the supervisor (the latest: ${latest.name}, ${relative(latest.created_at)}), or type a name given to pg_create_restore_point().`
          : ctx.points.length === 1
          ? `Pick the restore point recorded by the supervisor (${latest.name}, ${relative(latest.created_at)}), or type a name given to pg_create_restore_point().`
          : 'No restore point was recorded by the supervisor (pgbr-supervisor restore-point NAME makes one); type a name given to pg_create_restore_point() before the change you want to undo.';
      }
      targetField.hidden = !TARGET_TYPES.has(type);
      targetTextField.hidden = type !== 'time';
      setField.hidden = type === 'delta';
      actionField.hidden = !WITH_ACTION.has(type);
      setLabel.textContent = type === 'set' ? 'Backup' : 'Start from backup';
      clear(
        setSelect,
        type === 'set' ? null : h('option', { value: '' }, type === 'immediate' ? 'The latest backup' : 'Chosen automatically (the latest before the target)'),
        ctx.backups.map((b) => backupOption(b)),
      );
      const wanted = type === 'set' ? preset ?? ctx.backups[0]?.label : '';
      if (ctx.backups.some((b) => b.label === wanted) || wanted === '') setSelect.value = wanted ?? '';
      typeHelp.textContent = {
        delta: 'The latest backup plus every archived change: use it to repair a broken data directory.',
        set: 'A chosen backup plus every archived change after it: use it when the latest backup cannot be used.',
        time: 'Undo everything after a moment, for example a mistaken DELETE.',
        lsn: 'Stop at an exact WAL position.',
        xid: 'Stop right after a given transaction.',
        name: 'Stop at a restore point made with pg_create_restore_point().',
        immediate: 'Only the backup itself, consistent as early as possible, without replaying later WAL.',
      }[type];
    }
    const { request, problem } = readForm(fields, ctx);
    morph(consequenceBox, h('ul', {}, consequences(request, ctx).map((line) => h('li', {}, line))));
    const confirmed = confirmInput.value === ctx.stanza && ctx.stanza !== '';
    submit.disabled = Boolean(problem) || !confirmed;
    problemText.textContent = problem ?? (confirmed ? '' : `The button unlocks once you type ${ctx.stanza}.`);
  };

  scope.every(30000, 'poll:restore-window', async () => {
    const [next, recordedNow] = await Promise.all([app.api.backups(), recordedPoints(app)]);
    if (!scope.alive || form.hidden) return;
    ctx.points = [...recordedNow].reverse();
    fillPoints();
    ctx.recoverable = next.recoverable ?? ctx.recoverable;
    ctx.backups = [...(next.backups ?? [])].reverse();
    applyWindow();
    morph(windowBox, windowFacts());
    update();
  });

  // The picker and the pasted text name the same target: the one changed last is shown in both.
  targetInput.addEventListener('input', () => {
    targetText.value = '';
  });
  targetText.addEventListener('input', () => {
    const { ms } = parseTargetTime(targetText.value);
    if (ms !== undefined) targetInput.value = toLocalInput(new Date(ms).toISOString());
  });
  form.addEventListener('input', update);
  form.addEventListener('change', update);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const { request, problem } = readForm(fields, ctx);
    if (problem || request.confirm !== ctx.stanza) return;
    submit.disabled = true;
    try {
      const { job } = await app.api.restore(request);
      app.clearError('action');
      for (const control of form.elements) control.disabled = true;
      form.hidden = true;
      windowCard.hidden = true;
      mountProgress(progressBox, app, scope, job.id, request.target_action ?? 'promote');
    } catch (err) {
      app.showError(err, 'action');
      update();
    }
  });
  update();
}
