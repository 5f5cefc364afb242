// The Dumps page's forms that change something: restore one database of a run (into a new
// database, or over the one it came from), delete a run; and the line that follows a job the
// page started until it finishes.
//
// Policy:
// - What the API decides, the page does not guess: the default name shown is the one the API
//   uses (<database>_<YYYYMMDD>_<HHMMSS> of the run's id), but the request leaves "into" out so
//   the API's own rule applies; a refusal (409 conflict, 400 confirmation_required) is shown as
//   the API's message.
// - Replacing a database and deleting a run are confirmed by typing its name (or the run's id):
//   the button stays disabled until the text matches exactly.

import { h, clear, icon } from '../dom.js';
import { jobBadge } from '../components.js';

const JOB_POLL_MS = 1500;
const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

// The name the API gives a restore without "into" (supervisor/dumps/dump_restore.cpp,
// defaultRestoreName; the run id is YYYYMMDD-HHMMSS-mmm).
export function defaultRestoreName(database, id) {
  return `${database}_${id.slice(0, 8)}_${id.slice(9, 15)}`;
}

// Shows "<what>: job <id> <state>" in `box` and polls the job until it has finished; then calls
// onDone(job). Stops quietly when the view is left.
export async function watchJob(app, scope, box, jobId, what, onDone) {
  const href = `#/jobs/${encodeURIComponent(jobId)}`;
  for (;;) {
    if (!scope.alive) return;
    let job = null;
    try {
      job = await app.api.job(jobId);
      app.clearError('job');
    } catch (err) {
      if (err.status !== 401 && scope.alive) app.showError(err, 'job');
    }
    if (!scope.alive) return;
    if (job) {
      clear(
        box,
        h(
          'p',
          { class: 'job-line', testid: 'dump-job', 'data-state': job.state, 'data-job': jobId },
          h('span', {}, `${what}: job `),
          h('a', { href, class: 'mono', testid: 'dump-job-link' }, jobId),
          jobBadge(job.state),
          job.message && FINISHED.has(job.state) && job.state !== 'succeeded' ? h('span', { class: 'message-cell' }, job.message) : null,
        ),
      );
      if (FINISHED.has(job.state)) {
        onDone?.(job);
        return;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, JOB_POLL_MS));
  }
}

function radio(name, value, id, checked, testid) {
  return h('input', { type: 'radio', name, value, id, checked, testid });
}

// The restore form for one database of one run. onClose() removes it from the page.
export function restoreForm(app, scope, run, database, onClose) {
  const into = defaultRestoreName(database, run.id);
  const toNew = radio('dump-restore-mode', 'new', 'dump-restore-new', true, 'dump-restore-new');
  const replace = radio('dump-restore-mode', 'replace', 'dump-restore-replace', false, 'dump-restore-replace');
  const globals = h('input', { type: 'checkbox', id: 'dump-restore-globals', testid: 'dump-restore-globals' });
  const confirmInput = h('input', {
    id: 'dump-restore-confirm',
    testid: 'dump-restore-confirm',
    autocomplete: 'off',
    spellcheck: 'false',
    autocapitalize: 'off',
  });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'dump-restore-submit' }, 'Restore into a new database');
  const jobBox = h('div', { 'aria-live': 'polite' });
  const consequences = h(
    'div',
    { class: 'consequences', testid: 'dump-restore-consequences' },
    h('p', {}, h('strong', {}, `Replacing ${database}:`)),
    h(
      'ul',
      {},
      h('li', {}, `The dump is first restored into a scratch database beside ${database} and every table's row count is checked against the run's manifest.`),
      h('li', {}, `Only when that copy is complete and checked: ${database} stops taking connections, every session connected to it ends, and its current content is replaced by the dump's. Changes made since the dump was taken are lost.`),
      h('li', {}, `If the restore or the check fails, ${database} is left as it was.`),
    ),
  );
  const confirmField = h(
    'div',
    { class: 'field confirm-field' },
    h('label', { for: 'dump-restore-confirm' }, 'To confirm, type the database name ', h('code', {}, database)),
    confirmInput,
  );

  const update = () => {
    const replacing = replace.checked;
    consequences.hidden = !replacing;
    confirmField.hidden = !replacing;
    submit.className = replacing ? 'btn btn-danger' : 'btn btn-primary';
    submit.textContent = replacing ? `Replace ${database}` : 'Restore into a new database';
    submit.disabled = replacing && confirmInput.value !== database;
  };
  for (const el of [toNew, replace]) el.addEventListener('change', update);
  confirmInput.addEventListener('input', update);
  update();

  const form = h(
    'form',
    {
      class: 'restore-form',
      testid: 'dump-restore-form',
      onSubmit: async (event) => {
        event.preventDefault();
        const request = { database };
        if (replace.checked) Object.assign(request, { into: database, confirm: confirmInput.value });
        if (globals.checked) request.globals = true;
        submit.disabled = true;
        try {
          const { job } = await app.api.restoreDump(run.id, request);
          app.clearError('action');
          // A replace asks for the name again: the button must not replace twice on one typing.
          confirmInput.value = '';
          const target = replace.checked ? database : into;
          watchJob(app, scope, jobBox, job.id, `Restore of ${database} into ${target}`, () => {
            update();
            scope.refresh();
          });
        } catch (err) {
          app.showError(err, 'action');
          update();
        }
      },
    },
    h('p', { class: 'muted' }, `From the dump run ${run.id}.`),
    h(
      'div',
      { class: 'field radios' },
      h('label', { for: 'dump-restore-new', class: 'radio' }, toNew,
        h('span', {}, h('strong', {}, 'Into a new database'), ' named ', h('code', { testid: 'dump-restore-into' }, into), ` \u2014 ${database} is not touched`)),
      h('label', { for: 'dump-restore-replace', class: 'radio' }, replace,
        h('span', {}, h('strong', {}, `Replace ${database}`), ' with the dump\u2019s content')),
    ),
    consequences,
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'dump-restore-globals', class: 'radio' }, globals,
        h('span', {}, 'Restore roles and tablespaces too ', h('span', { class: 'muted' }, '(a role that exists already is noted in the job\u2019s log)'))),
    ),
    confirmField,
    h('div', { class: 'actions' }, submit, h('button', { type: 'button', class: 'btn', testid: 'dump-restore-close', onClick: onClose }, 'Close')),
    jobBox,
  );
  return h(
    'section',
    { class: 'card', testid: 'dump-restore', 'aria-labelledby': 'dump-restore-title' },
    h('h2', { id: 'dump-restore-title', tabindex: -1 }, `Restore ${database}`),
    form,
  );
}

// Deletes a run after its id is typed.
export function deleteForm(app, scope, run, onClose) {
  const input = h('input', { id: 'dump-delete-confirm', testid: 'dump-delete-confirm', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off' });
  const submit = h('button', { type: 'submit', class: 'btn btn-danger', testid: 'dump-delete-submit', disabled: true }, icon('trash'), 'Delete this run');
  input.addEventListener('input', () => {
    submit.disabled = input.value !== run.id;
  });
  const form = h(
    'form',
    {
      testid: 'dump-delete-form',
      onSubmit: async (event) => {
        event.preventDefault();
        submit.disabled = true;
        try {
          await app.api.deleteDump(run.id);
          app.clearError('action');
          app.toast(`Dump run ${run.id} deleted.`);
          onClose();
          scope.refresh();
        } catch (err) {
          app.showError(err, 'action');
          submit.disabled = input.value !== run.id;
        }
      },
    },
    h('p', {}, `Every database's dump and the roles of run ${run.id} are removed from the store. This cannot be undone.`),
    h('div', { class: 'field confirm-field' }, h('label', { for: 'dump-delete-confirm' }, 'To confirm, type the run\u2019s id ', h('code', {}, run.id)), input),
    h('div', { class: 'actions' }, submit, h('button', { type: 'button', class: 'btn', onClick: onClose }, 'Close')),
  );
  return h(
    'section',
    { class: 'card', testid: 'dump-delete', 'aria-labelledby': 'dump-delete-title' },
    h('h2', { id: 'dump-delete-title', tabindex: -1 }, `Delete dump run ${run.id}`),
    form,
  );
}
