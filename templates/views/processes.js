// Processes: what supervisord's page offered. Each supervised process with its state, pid,
// uptime and restarts, start / stop / restart buttons (stop asks first: it cuts every client
// off), and the logs (GET /api/v1/logs: postgres, supervisor) with tail, live follow and clear.

import { h, morph, clear, icon } from '../dom.js';
import { processBadge, confirmDialog, LogView, scrollTable } from '../components.js';
import { DASH, duration, relative } from '../format.js';

const RUNNING_STATES = new Set(['RUNNING', 'STARTING', 'BACKOFF']);
const STOPPED_STATES = new Set(['STOPPED', 'EXITED', 'FATAL']);
const ACTION_WORDS = { start: 'Starting', stop: 'Stopping', restart: 'Restarting' };

async function act(app, scope, name, action) {
  if (action === 'stop') {
    const sure = await confirmDialog({
      title: `Stop ${name}?`,
      message: name === 'postgres'
        ? ['Every client connection is closed and the database is unavailable until you start it again.',
          'No WAL is archived and no backup can run while Postgres is stopped.']
        : `${name} stops until you start it again.`,
      confirmLabel: `Stop ${name}`,
    });
    if (!sure) return;
  }
  try {
    await app.api.processAction(name, action);
    app.clearError('action');
    app.toast(`${ACTION_WORDS[action]} ${name}.`);
  } catch (err) {
    app.showError(err, 'action');
  }
  scope.refresh();
}

function processTable(app, scope, processes) {
  if (processes.length === 0) return h('p', { class: 'empty' }, 'No supervised process.');
  const rows = processes.map((p) => {
    const running = RUNNING_STATES.has(p.state);
    const stopped = STOPPED_STATES.has(p.state);
    return h(
      'tr',
      { key: p.name, testid: `process-row-${p.name}`, 'data-state': p.state },
      h('th', { scope: 'row' }, p.name),
      h('td', { 'data-label': 'State' }, h('div', {}, processBadge(p.state, { testid: 'process-state' }), p.message ? h('div', { class: 'muted small' }, p.message) : null)),
      h('td', { class: 'num', testid: 'process-pid', 'data-label': 'PID' }, p.pid ?? DASH),
      h('td', { class: 'num', testid: 'process-uptime', 'data-label': 'Uptime' }, running && p.uptime_s !== null && p.uptime_s !== undefined ? duration(p.uptime_s) : DASH),
      h('td', { class: 'num', testid: 'process-restarts', 'data-label': 'Restarts' }, p.restarts ?? 0),
      h('td', { 'data-label': 'Last exit' }, h('div', {}, p.last_exit ? [p.last_exit, p.last_exit_at ? h('div', { class: 'muted small' }, relative(p.last_exit_at)) : null] : DASH)),
      h(
        'td',
        { class: 'actions-cell' },
        h(
          'div',
          { class: 'btn-row' },
          h('button', { type: 'button', class: 'btn btn-small', testid: 'process-start', disabled: !stopped, onClick: () => act(app, scope, p.name, 'start') }, icon('play'), 'Start'),
          h('button', { type: 'button', class: 'btn btn-small', testid: 'process-stop', disabled: stopped || p.state === 'STOPPING', onClick: () => act(app, scope, p.name, 'stop') }, icon('stop'), 'Stop'),
          h('button', { type: 'button', class: 'btn btn-small', testid: 'process-restart', disabled: p.state === 'STOPPING', onClick: () => act(app, scope, p.name, 'restart') }, icon('restart'), 'Restart'),
        ),
      ),
    );
  });
  return scrollTable(
    'Supervised processes',
    h(
      'table',
      { class: 'table stack-on-phone', testid: 'processes-table' },
      h('thead', {}, h('tr', {}, ['Name', 'State', 'PID', 'Uptime', 'Restarts', 'Last exit', 'Actions'].map((t) =>
        h('th', { scope: 'col', class: ['PID', 'Uptime', 'Restarts'].includes(t) ? 'num' : null }, t)))),
      h('tbody', {}, rows),
    ),
  );
}

// The log panel: choose a log, tail N lines, follow live, clear.
function mountLogPanel(container, app, scope) {
  const view = new LogView({ testid: 'log-view', label: 'Log' });
  const logSelect = h('select', { id: 'log-name', testid: 'log-select' });
  const tailSelect = h(
    'select',
    { id: 'log-lines', testid: 'log-lines' },
    [100, 500, 1000, 5000].map((n) => h('option', { value: n, selected: n === 500 }, String(n))),
  );
  const tailButton = h('button', { type: 'button', class: 'btn', testid: 'log-tail' }, icon('down'), 'Tail');
  const followButton = h('button', { type: 'button', class: 'btn', testid: 'log-follow', 'aria-pressed': 'false' }, h('span', { class: 'live-dot', 'aria-hidden': 'true' }), 'Follow');
  const clearButton = h('button', { type: 'button', class: 'btn btn-danger-quiet', testid: 'log-clear' }, icon('trash'), 'Clear');
  const status = h('p', { class: 'muted small log-status', testid: 'log-status', 'aria-live': 'polite' });

  container.append(
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'logs-title', testid: 'log-panel' },
      h('h2', { id: 'logs-title' }, 'Logs'),
      h(
        'div',
        { class: 'toolbar' },
        h('label', { for: 'log-name' }, 'Log', logSelect),
        h('label', { for: 'log-lines' }, 'Lines', tailSelect),
        h('div', { class: 'btn-row' }, tailButton, followButton, clearButton),
      ),
      status,
      view.el,
    ),
  );

  let stopFollow = null;
  let lastSeq = 0;
  let generation = 0;

  const setFollowing = (on) => {
    followButton.setAttribute('aria-pressed', String(on));
    followButton.classList.toggle('active', on);
    if (!on && stopFollow) {
      stopFollow();
      stopFollow = null;
    }
  };

  const describe = (following) => {
    status.textContent = following
      ? `Following ${logSelect.value} live: new lines appear as they are written.`
      : `Last ${tailSelect.value} lines of ${logSelect.value}.`;
  };

  const tail = async () => {
    const name = logSelect.value;
    if (!name) return;
    generation += 1;
    const mine = generation;
    try {
      const answer = await app.api.log(name, Number(tailSelect.value));
      if (!scope.alive || mine !== generation) return;
      view.set(answer.lines, `The ${name} log is empty.`);
      lastSeq = answer.last_seq ?? answer.lines?.at(-1)?.seq ?? 0;
      app.clearError('log');
    } catch (err) {
      if (err.status !== 401) app.showError(err, 'log');
      throw err;
    }
  };

  const follow = async () => {
    setFollowing(false);
    await tail();
    if (!scope.alive) return;
    setFollowing(true);
    describe(true);
    stopFollow = app.api.follow(`/api/v1/logs/${encodeURIComponent(logSelect.value)}`, lastSeq, {
      onLine: (line) => {
        lastSeq = line.seq ?? lastSeq;
        view.append(line);
      },
      onTrouble: () => app.checkSession(),
    });
  };

  tailButton.addEventListener('click', () => {
    setFollowing(false);
    describe(false);
    tail().catch(() => {});
  });
  followButton.addEventListener('click', () => {
    if (followButton.getAttribute('aria-pressed') === 'true') {
      setFollowing(false);
      describe(false);
    } else {
      follow().catch(() => {});
    }
  });
  clearButton.addEventListener('click', async () => {
    const name = logSelect.value;
    const sure = await confirmDialog({
      title: `Clear the ${name} log?`,
      message: 'Its lines are deleted for good, like supervisord\u2019s \u201cclear log\u201d.',
      confirmLabel: 'Clear the log',
    });
    if (!sure) return;
    try {
      await app.api.clearLog(name);
      app.clearError('log');
      app.toast(`The ${name} log was cleared.`);
    } catch (err) {
      app.showError(err, 'log');
      return;
    }
    const wasFollowing = followButton.getAttribute('aria-pressed') === 'true';
    if (wasFollowing) follow().catch(() => {});
    else tail().catch(() => {});
  });
  const reload = () => {
    const wasFollowing = followButton.getAttribute('aria-pressed') === 'true';
    if (wasFollowing) {
      follow().catch(() => {});
    } else {
      describe(false);
      tail().catch(() => {});
    }
  };
  logSelect.addEventListener('change', reload);
  tailSelect.addEventListener('change', reload);
  scope.add(() => setFollowing(false));

  view.placeholder('Loading the list of logs\u2026');
  app.api
    .logs()
    .then(({ logs = [] }) => {
      if (!scope.alive) return;
      clear(logSelect, logs.map((log) => h('option', { value: log.name }, log.name)));
      // Postgres' own log first: it is what people open this panel for.
      logSelect.value = logs.some((log) => log.name === 'postgres') ? 'postgres' : logs[0]?.name ?? '';
      if (logs.length === 0) {
        view.placeholder('No log is available.');
        return;
      }
      describe(false);
      tail().catch(() => {});
    })
    .catch((err) => {
      view.placeholder('The list of logs could not be loaded.');
      if (err.status !== 401) app.showError(err, 'log');
    });
}

export function mountProcesses(root, app, scope) {
  const tableBox = h('div', {}, h('p', { class: 'loading' }, 'Loading the processes\u2026'));
  root.append(
    h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, 'Processes')),
    h('section', { class: 'card', 'aria-labelledby': 'proc-title' }, h('h2', { id: 'proc-title' }, 'Supervised processes'), tableBox),
  );
  mountLogPanel(root, app, scope);
  scope.every(2000, 'poll:processes', async () => {
    const { processes = [] } = await app.api.processes();
    if (!scope.alive) return;
    morph(tableBox, processTable(app, scope, processes));
  });
}
