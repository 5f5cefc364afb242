// Notifications (README "Notifications"): the channels alerts go to (webhooks, e-mail; their
// descriptions never hold a secret, the API redacts them), the active alerts, a "Send a test"
// button that reports each channel's own result, and the delivery log, newest first.
//
// A delivery is pending until a channel accepted it (retried with backoff for hours, also
// across restarts), then delivered, or failed once the retry window is over; its last error is
// what the channel answered. The page polls every 5 s; a binary built without notifications
// answers 404 and the page says so instead of showing an error.

import { h, morph, clear, icon } from '../dom.js';
import { badge, scrollTable, keyValues, activeAlerts, severityBadge } from '../components.js';
import { DASH, plural, relative, shortTime, localTime } from '../format.js';

const KIND_WORDS = { webhook: 'Webhook', email: 'E-mail' };
const DELIVERY_TONES = { delivered: 'ok', failed: 'bad', pending: 'warn' };
const EVENT_WORDS = { failures: 'failures of jobs', alerts: 'alerts and their resolution', successes: 'successes of jobs' };

function deliveryBadge(state) {
  return badge(DELIVERY_TONES[state] ?? 'neutral', state ?? 'unknown', { testid: 'delivery-state' });
}

// A notification's own state: an alert firing or resolved as a badge, a test or a one-off
// message (a job's result) as a plain chip.
function stateMark(state) {
  if (state === 'firing') return badge('bad', 'firing');
  if (state === 'resolved') return badge('ok', 'resolved');
  return h('span', { class: 'chip' }, state ?? 'unknown');
}

function timeCell(iso) {
  return iso ? [shortTime(iso), h('br'), h('span', { class: 'muted small' }, relative(iso))] : DASH;
}

function channelsCard(info) {
  const channels = info.channels ?? [];
  if (channels.length === 0) {
    return h(
      'div',
      { testid: 'notify-no-channels' },
      h('p', {}, 'No notification channel is configured: nobody is told when a backup fails or archiving stops.'),
      h(
        'p',
        { class: 'help' },
        'Set ',
        h('code', {}, 'PGBR_NOTIFY_WEBHOOK_URLS'),
        ' (JSON, Slack or Discord webhooks) or ',
        h('code', {}, 'PGBR_NOTIFY_SMTP_URL'),
        ' with ',
        h('code', {}, 'PGBR_NOTIFY_EMAIL_TO'),
        ', then restart the supervisor.',
      ),
    );
  }
  const events = info.events ?? [];
  return h(
    'div',
    {},
    h(
      'ul',
      { class: 'channel-list', testid: 'notify-channels' },
      channels.map((channel) =>
        h(
          'li',
          { key: channel.name, class: 'channel', testid: 'notify-channel', 'data-name': channel.name, 'data-kind': channel.kind },
          h('span', { class: 'chip' }, KIND_WORDS[channel.kind] ?? channel.kind),
          h('strong', {}, channel.name),
          h('code', { class: 'channel-description' }, channel.description || DASH),
        ),
      ),
    ),
    keyValues([
      ['Sends', events.length ? events.map((e) => EVENT_WORDS[e] ?? e).join(', ') : DASH, { testid: 'notify-events' }],
      ['Waiting', info.pending ? `${plural(info.pending, 'delivery', 'deliveries')} to retry` : 'nothing', { testid: 'notify-pending' }],
    ]),
  );
}

// The answer of POST /api/v1/notifications/test, one line per channel.
function testResults(results) {
  return h(
    'ul',
    { class: 'test-results', testid: 'notify-test-results' },
    results.map((result) =>
      h(
        'li',
        { key: result.channel, testid: 'notify-test-result', 'data-channel': result.channel, 'data-ok': String(Boolean(result.ok)) },
        badge(result.ok ? 'ok' : 'bad', result.ok ? 'sent' : 'failed'),
        h('strong', {}, result.channel),
        h('code', { class: 'channel-description' }, result.description || ''),
        result.ok ? null : h('span', { class: 'test-error', testid: 'notify-test-error' }, result.error || 'no reason given'),
      ),
    ),
  );
}

function testButton(app, scope, resultBox, getChannelCount) {
  const button = h('button', { type: 'button', class: 'btn btn-primary', testid: 'notify-test' }, icon('out'), 'Send a test');
  button.addEventListener('click', async () => {
    const count = getChannelCount();
    button.disabled = true;
    button.dataset.busy = '1';  // the poll leaves the button alone until the test is answered
    clear(resultBox, h('p', { class: 'muted', testid: 'notify-test-sending' }, `Sending a test to ${count ? plural(count, 'channel') : 'every channel'}\u2026`));
    try {
      const { results = [] } = await app.api.testNotifications();
      app.clearError('action');
      const failed = results.filter((r) => !r.ok).length;
      clear(
        resultBox,
        h('p', { class: ['health', `tone-${failed ? 'bad' : 'ok'}`] }, icon(failed ? 'bad' : 'ok'),
          h('span', {}, failed ? `${plural(failed, 'channel')} of ${results.length} did not take the test.` : `Every channel took the test (${results.length}).`)),
        testResults(results),
      );
      scope.refresh();
    } catch (err) {
      clear(resultBox);
      app.showError(err, 'action');
    } finally {
      delete button.dataset.busy;
      button.disabled = getChannelCount() === 0;
    }
  });
  return button;
}

function eventCell(n) {
  if (!n) return DASH;
  return [
    h('span', { class: 'nowrap' }, h('strong', {}, n.event || n.condition || DASH), ' ',
      n.state && n.state !== n.event ? stateMark(n.state) : null),
    n.condition && n.condition !== n.event ? [h('br'), h('code', { class: 'small muted' }, n.condition)] : null,
    n.message ? [h('br'), h('span', { class: 'small' }, n.message)] : null,
  ];
}

function attemptsCell(d) {
  if (d.state === 'pending' && d.next_attempt) {
    return [String(d.attempts ?? 0), h('br'), h('span', { class: 'muted small' }, `next ${relative(d.next_attempt)}`)];
  }
  return String(d.attempts ?? 0);
}

function deliveriesTable(deliveries) {
  if (deliveries.length === 0) {
    return h('p', { class: 'empty', testid: 'notify-deliveries-empty' }, 'Nothing has been sent yet.');
  }
  const rows = deliveries.map((d) =>
    h(
      'tr',
      {
        key: d.id,
        testid: 'delivery-row',
        'data-id': d.id,
        'data-state': d.state,
        'data-channel': d.channel,
        class: d.state === 'failed' ? 'row-bad' : null,
      },
      h('th', { scope: 'row', class: 'nowrap', title: localTime(d.created) }, timeCell(d.created)),
      h('td', { class: 'nowrap' }, d.channel ?? DASH),
      h('td', { class: 'message-cell' }, eventCell(d.notification)),
      h('td', {}, d.notification?.severity ? severityBadge(d.notification.severity) : DASH),
      h('td', {}, deliveryBadge(d.state), d.finished ? [h('br'), h('span', { class: 'muted small' }, relative(d.finished))] : null),
      h('td', { class: 'num' }, attemptsCell(d)),
      h('td', { class: 'error-cell', testid: 'delivery-error' }, d.last_error || DASH),
    ),
  );
  return scrollTable(
    'Deliveries, newest first',
    h(
      'table',
      { class: 'table', testid: 'notify-deliveries' },
      h('thead', {}, h('tr', {}, ['Time', 'Channel', 'Event', 'Severity', 'State', 'Attempts', 'Last error'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows),
    ),
  );
}

export function mountNotifications(root, app, scope) {
  const channelsBox = h('div', {}, h('p', { class: 'loading' }, 'Loading the channels\u2026'));
  const alertsBox = h('div', {}, h('p', { class: 'loading' }, 'Loading\u2026'));
  const logBox = h('div', {}, h('p', { class: 'loading' }, 'Loading the deliveries\u2026'));
  const resultBox = h('div', { class: 'test-box', 'aria-live': 'polite', testid: 'notify-test-box' });
  let channelCount = 0;
  const button = testButton(app, scope, resultBox, () => channelCount);
  button.disabled = true;

  root.append(
    h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, 'Notifications')),
    h(
      'div',
      { class: 'grid grid-2' },
      h(
        'section',
        { class: 'card', testid: 'notify-channels-card', 'aria-labelledby': 'notify-channels-title' },
        h('h2', { id: 'notify-channels-title' }, 'Channels'),
        channelsBox,
        h('div', { class: 'actions' }, button),
        resultBox,
      ),
      h(
        'section',
        { class: 'card', testid: 'notify-alerts-card', 'aria-labelledby': 'notify-alerts-title' },
        h('h2', { id: 'notify-alerts-title' }, 'Active alerts'),
        alertsBox,
      ),
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'notify-log-title' },
      h('h2', { id: 'notify-log-title' }, 'Delivery log, newest first'),
      logBox,
    ),
  );

  scope.every(5000, 'poll:notifications', async () => {
    let info;
    try {
      info = await app.api.notifications();
    } catch (err) {
      if (err.status !== 404) throw err;
      if (!scope.alive) return;
      button.disabled = true;
      morph(channelsBox, h('p', { class: 'muted', testid: 'notify-unavailable' }, 'Notifications are not available in this build.'));
      morph(alertsBox, DASH);
      morph(logBox, DASH);
      return;
    }
    if (!scope.alive) return;
    channelCount = (info.channels ?? []).length;
    if (!button.matches('[data-busy]')) button.disabled = channelCount === 0;
    morph(channelsBox, channelsCard(info));
    morph(
      alertsBox,
      activeAlerts(info.alerts, { testid: 'notify-alerts', label: 'Active alerts' }) ??
        h('p', { class: 'idle', testid: 'notify-no-alerts' }, icon('ok'), 'No alert is active.'),
    );
    morph(logBox, deliveriesTable(info.deliveries ?? []));
  });
}
