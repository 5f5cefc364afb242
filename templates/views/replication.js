// The overview's replication card: this server's role, and for a standby its primary, whether it
// streams, the lag in bytes and seconds, why it cannot reach its primary, and a Promote button
// (asks first; the API wants the stanza's name, which the status carries). On a primary: the
// standbys streaming from it. Shown only when there is something to say (a standby, or a primary
// with standbys), so a single server's overview stays as it was.

import { h } from '../dom.js';
import { badge, keyValues, confirmDialog, scrollTable } from '../components.js';
import { DASH, bytes, duration, relative } from '../format.js';

function lagSeconds(r) {
  if (r.lag_seconds === null) return null;
  return r.lag_seconds < 1 ? 'under a second' : duration(r.lag_seconds);
}

function lagText(r) {
  if (r.lag_bytes === null && r.lag_seconds === null) return DASH;
  const seconds = lagSeconds(r);
  return `${bytes(r.lag_bytes)}${seconds === null ? '' : `, ${seconds}`}`;
}

// In the standbys' table, the time under the bytes: the card is a third of the page wide, and
// "0 B, under a second" on one line squeezed the column to a word per line.
function lagCell(r) {
  if (r.lag_bytes === null && r.lag_seconds === null) return h('td', {}, DASH);
  const seconds = lagSeconds(r);
  return h('td', { class: 'nowrap' }, bytes(r.lag_bytes), seconds === null ? null : [h('br'), h('span', { class: 'muted small' }, seconds)]);
}

async function promote(app, stanza, button) {
  const sure = await confirmDialog({
    title: 'Promote this standby?',
    message: [
      'It stops following its primary and accepts writes on a new timeline. Stop the old primary first: two primaries archiving into one stanza is how data gets split.',
      'Its first backup on the new timeline follows as a job.',
    ],
    confirmLabel: 'Promote',
  });
  if (!sure) return;
  button.disabled = true;
  try {
    const { job } = await app.api.post('/api/v1/promote', { confirm: stanza });
    app.clearError('action');
    app.toast(`Promotion queued as job ${job.id}.`, { href: `#/jobs/${encodeURIComponent(job.id)}`, text: 'Follow it' });
    app.scope?.refresh();
  } catch (err) {
    app.showError(err, 'action');
  } finally {
    button.disabled = false;
  }
}

function standbyCard(app, r, stanza) {
  const streaming = r.streaming === true;
  const button = h('button', { type: 'button', class: 'btn btn-danger-quiet', testid: 'promote' }, 'Promote to primary');
  button.addEventListener('click', () => promote(app, stanza, button));
  return h(
    'section',
    { class: 'card', testid: 'replication-card', 'data-role': 'standby', 'aria-labelledby': 'replication-title' },
    h('h2', { id: 'replication-title' }, 'Replication'),
    h(
      'div',
      { class: 'card-status' },
      badge(streaming ? 'ok' : 'warn', streaming ? 'Streaming' : 'Not streaming', { testid: 'replication-state' }),
      h('span', {}, `Standby of ${r.primary}.`),
    ),
    !streaming && r.primary_error ? h('p', { class: 'muted small', testid: 'replication-error' }, r.primary_error) : null,
    keyValues([
      ['Lag', lagText(r), { testid: 'replication-lag' }],
      ['Replayed', r.replay_lsn ? h('code', {}, r.replay_lsn) : DASH],
      ['Last message', r.last_message_at ? relative(r.last_message_at) : DASH],
      ['Backups', 'none here until it is promoted'],
    ]),
    h('div', { class: 'card-actions' }, button),
  );
}

function primaryCard(r) {
  const rows = (r.standbys ?? []).map((s) =>
    h('tr', {}, h('td', {}, s.name || DASH), h('td', {}, s.client), h('td', {}, s.state), lagCell(s)),
  );
  return h(
    'section',
    { class: 'card', testid: 'replication-card', 'data-role': 'primary', 'aria-labelledby': 'replication-title' },
    h('h2', { id: 'replication-title' }, 'Replication'),
    h('p', {}, `Primary with ${rows.length} streaming standby${rows.length === 1 ? '' : 's'}.`),
    scrollTable(
      'Standbys',
      h(
        'table',
        { class: 'table', testid: 'standby-table' },
        h('thead', {}, h('tr', {}, ['Standby', 'Address', 'State', 'Lag'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, rows),
      ),
    ),
  );
}

export function replicationCard(app, status) {
  const r = status.replication;
  if (!r || !r.role) return null;
  if (r.role === 'standby') return standbyCard(app, r, status.repository?.stanza ?? app.stanza);
  if (r.role === 'primary' && (r.standbys ?? []).length > 0) return primaryCard(r);
  return null;
}
