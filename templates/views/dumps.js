// Logical dumps (README "Logical dumps"): where the runs are kept, when the next one starts and
// how many are kept; "Run a dump now" with a choice of databases and an annotation; the runs,
// newest first, each database with its size, table count, a download link and a Restore
// button; the restore and delete forms are in dump_forms.js.
//
// Downloads are plain links: a GET with the session cookie is authenticated like every other
// GET (the CSRF token is only asked of POST and DELETE), and the browser streams the file to
// disk instead of holding it in memory as a fetched blob would.

import { h, morph, clear, icon } from '../dom.js';
import { badge, scrollTable, keyValues } from '../components.js';
import { DASH, bytes, duration, plural, relative, shortTime } from '../format.js';
import { deleteForm, restoreForm, watchJob } from './dump_forms.js';

const TRIGGER_WORDS = { schedule: 'scheduled', manual: 'on request', api: 'on request' };

function settingsCard(info) {
  const schedule = info.schedule ?? {};
  const retention = info.retention ?? {};
  const kept = [
    retention.runs ? plural(retention.runs, 'run') : 'every run',
    retention.days ? `at most ${plural(retention.days, 'day')} old` : null,
  ].filter(Boolean).join(', ');
  return keyValues([
    ['Store', h('code', { testid: 'dumps-store' }, info.store || DASH)],
    ['Schedule', schedule.enabled ? h('code', {}, schedule.expression) : 'none (PGBR_SCHEDULE_DUMP is empty)'],
    schedule.enabled ? ['Next run', `${shortTime(schedule.next_run)} (${relative(schedule.next_run)})`, { testid: 'dumps-next-run' }] : null,
    schedule.last_run ? ['Last run', `${shortTime(schedule.last_run)} (${relative(schedule.last_run)})`] : null,
    schedule.pending ? ['Pending', 'a scheduled run waits for the repository'] : null,
    ['Kept', `${kept}; the newest run is always kept`],
    ['Databases', info.selected?.length ? info.selected.join(', ') : 'every database that accepts connections'],
  ]);
}

function databaseItem(app, run, db, openRestore) {
  return h(
    'li',
    { class: 'dump-db', key: db.name, testid: 'dump-db', 'data-db': db.name, 'data-size': db.size },
    h('strong', {}, db.name),
    h('span', { class: 'muted' }, ` ${bytes(db.size)} \u00b7 ${plural(db.tables ?? 0, 'table')} \u00b7 ${duration(db.seconds)}`),
    h(
      'span',
      { class: 'btn-row' },
      h('a', {
        class: 'btn btn-small',
        href: app.api.dumpDownloadHref(run.id, db.name),
        download: '',
        testid: 'dump-download',
        'aria-label': `Download the dump of ${db.name} from run ${run.id}`,
      }, icon('down'), 'Download'),
      h('button', {
        type: 'button',
        class: 'btn btn-small',
        testid: 'dump-restore-open',
        'aria-label': `Restore ${db.name} from run ${run.id}`,
        onClick: () => openRestore(run, db.name),
      }, icon('restart'), 'Restore'),
    ),
  );
}

// Runs whose manifest cannot be read (a wrong repository cipher-pass, or damage): said plainly,
// since nothing else on the page would show they exist; they are neither restored nor expired.
function unreadableNotice(unreadable, openDelete) {
  if (unreadable.length === 0) return null;
  return h(
    'div',
    { class: 'notice notice-warn', role: 'status', testid: 'dumps-unreadable' },
    icon('info'),
    h(
      'div',
      {},
      h('p', {}, `${plural(unreadable.length, 'run')} cannot be read and ${unreadable.length === 1 ? 'is' : 'are'} not listed below. `,
        'Check the repository’s cipher-pass: retention never removes such a run.'),
      h('ul', {}, unreadable.map((run) =>
        h('li', { key: run.id, testid: 'dump-unreadable', 'data-id': run.id },
          h('code', {}, run.id), ` — ${run.error} `,
          h('button', {
            type: 'button',
            class: 'btn btn-small btn-danger-quiet',
            'aria-label': `Delete dump run ${run.id}`,
            onClick: () => openDelete({ id: run.id, databases: [] }),
          }, icon('trash'), 'Delete')))),
    ),
  );
}

function runsTable(app, runs, openRestore, openDelete) {
  if (runs.length === 0) return h('p', { class: 'empty', testid: 'dumps-empty' }, 'No dump has run yet.');
  const rows = runs.map((run) =>
    h(
      'tr',
      { key: run.id, testid: 'dump-row', 'data-id': run.id },
      h('th', { scope: 'row', class: 'nowrap' }, shortTime(run.started_at), h('br'), h('code', { class: 'small muted' }, run.id)),
      h('td', {}, TRIGGER_WORDS[run.trigger] ?? run.trigger ?? DASH),
      h('td', { class: 'message-cell' }, run.annotation || DASH),
      h('td', {}, h('ul', { class: 'dump-dbs' }, (run.databases ?? []).map((db) => databaseItem(app, run, db, openRestore)))),
      h('td', { class: 'num', testid: 'dump-size' }, bytes(run.size)),
      h('td', { class: 'num' }, duration(run.seconds)),
      h('td', {}, run.encrypted ? badge('ok', 'encrypted') : badge('neutral', 'plain')),
      h('td', {}, h('button', {
        type: 'button',
        class: 'btn btn-small btn-danger-quiet',
        testid: 'dump-delete-open',
        'aria-label': `Delete dump run ${run.id}`,
        onClick: () => openDelete(run),
      }, icon('trash'), 'Delete')),
    ),
  );
  return scrollTable(
    'Dump runs, newest first',
    h(
      'table',
      { class: 'table', testid: 'dumps-table' },
      h('thead', {}, h('tr', {}, ['Started', 'Trigger', 'Annotation', 'Databases', 'Size', 'Took', 'Encryption', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows),
    ),
  );
}

// "Run a dump now": a checkbox per database (all checked), an annotation, the started job.
function runNowForm(app, scope) {
  const choices = h('div', { class: 'dump-choices', testid: 'dump-databases' }, h('p', { class: 'loading' }, 'Loading the databases\u2026'));
  const annotation = h('input', { id: 'dump-annotation', testid: 'dump-annotation', autocomplete: 'off', maxlength: 200, placeholder: 'for example: before the v2 deploy' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'dump-now' }, 'Run a dump now');
  const jobBox = h('div', { 'aria-live': 'polite' });
  let names = [];
  app.api.databases().then(
    ({ databases = [] }) => {
      names = databases.map((d) => d.name);
      clear(
        choices,
        databases.length === 0 ? h('p', { class: 'muted' }, 'No database accepts connections.') : null,
        databases.map((d, i) =>
          h('label', { class: 'radio', for: `dump-db-${i}` },
            h('input', { type: 'checkbox', id: `dump-db-${i}`, value: d.name, checked: true, testid: 'dump-db-choice' }),
            h('span', {}, d.name, h('span', { class: 'muted' }, ` ${bytes(d.size)}`))),
        ),
      );
    },
    (err) => {
      clear(choices, h('p', { class: 'muted' }, 'The databases could not be listed; a run takes the configured ones.'));
      app.showError(err, 'databases');
    },
  );
  return h(
    'form',
    {
      testid: 'dump-now-form',
      onSubmit: async (event) => {
        event.preventDefault();
        const picked = [...choices.querySelectorAll('input[type="checkbox"]:checked')].map((el) => el.value);
        const request = {};
        // All of them ticked: leave the choice to the configuration (PGBR_DUMP_DATABASES).
        if (picked.length !== names.length) request.databases = picked;
        if (annotation.value.trim()) request.annotation = annotation.value.trim();
        if (request.databases?.length === 0) {
          app.showError({ code: 'bad_request', message: 'tick at least one database to dump' }, 'action');
          return;
        }
        submit.disabled = true;
        try {
          const { job } = await app.api.startDump(request);
          app.clearError('action');
          annotation.value = '';
          watchJob(app, scope, jobBox, job.id, 'Dump', () => {
            submit.disabled = false;
            scope.refresh();
          });
        } catch (err) {
          app.showError(err, 'action');
          submit.disabled = false;
        }
      },
    },
    h('fieldset', { class: 'field' }, h('legend', {}, 'Databases'), choices),
    h('div', { class: 'field' }, h('label', { for: 'dump-annotation' }, 'Annotation ', h('span', { class: 'muted' }, '(optional)')), annotation),
    h('div', { class: 'actions' }, submit),
    jobBox,
  );
}

export function mountDumps(root, app, scope) {
  const settingsBox = h('div', {}, h('p', { class: 'loading' }, 'Loading\u2026'));
  const listBox = h('div', {}, h('p', { class: 'loading' }, 'Loading the dumps\u2026'));
  const actionBox = h('div', { testid: 'dump-action' });
  const close = () => clear(actionBox);
  const show = (card) => {
    clear(actionBox, card);
    card.querySelector('h2')?.focus();
  };
  const openRestore = (run, database) => show(restoreForm(app, scope, run, database, close));
  const openDelete = (run) => show(deleteForm(app, scope, run, close));

  root.append(
    h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, 'Logical dumps')),
    h(
      'div',
      { class: 'grid grid-2' },
      h('section', { class: 'card', testid: 'dumps-settings', 'aria-labelledby': 'dumps-where' }, h('h2', { id: 'dumps-where' }, 'Where and when'), settingsBox),
      h('section', { class: 'card', 'aria-labelledby': 'dumps-now' }, h('h2', { id: 'dumps-now' }, 'Run a dump now'), runNowForm(app, scope)),
    ),
    actionBox,
    h('section', { class: 'card', 'aria-labelledby': 'dumps-runs' }, h('h2', { id: 'dumps-runs' }, 'Runs, newest first'), listBox),
  );
  scope.every(10000, 'poll:dumps', async () => {
    const info = await app.api.dumps();
    if (!scope.alive) return;
    morph(settingsBox, settingsCard(info));
    morph(listBox, h('div', {}, unreadableNotice(info.unreadable ?? [], openDelete), runsTable(app, info.dumps ?? [], openRestore, openDelete)));
  });
}
