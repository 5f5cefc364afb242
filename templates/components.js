// Pieces several pages share: state badges, progress bars, the confirmation dialog, the log
// viewer, the live job-log follower and the list of active alerts.
//
// Every state is shown as a word next to its colour and icon, so the page reads the same
// without colour.

import { h, icon, clear } from './dom.js';
import { typeMark, TYPE_WORDS } from './charts.js';
import { capitalize, localTime, relative, shortTime } from './format.js';

const TONE_ICONS = { ok: 'ok', bad: 'bad', warn: 'warn', info: 'run', neutral: 'idle' };

const PROCESS_TONES = {
  RUNNING: 'ok',
  STARTING: 'warn',
  BACKOFF: 'warn',
  STOPPING: 'warn',
  STOPPED: 'neutral',
  EXITED: 'bad',
  FATAL: 'bad',
};
const JOB_TONES = {
  succeeded: 'ok',
  failed: 'bad',
  cancelled: 'neutral',
  running: 'info',
  queued: 'neutral',
};

export function badge(tone, text, props = {}) {
  return h('span', { class: ['badge', `tone-${tone}`], ...props }, icon(TONE_ICONS[tone] ?? 'info'), text);
}

export function processBadge(state, props) {
  return badge(PROCESS_TONES[state] ?? 'neutral', state ?? 'UNKNOWN', props);
}

export function jobBadge(state, props) {
  return badge(JOB_TONES[state] ?? 'neutral', state ?? 'unknown', props);
}

export function progressBar(value, { testid, label } = {}) {
  const known = typeof value === 'number' && Number.isFinite(value);
  const pct = known ? Math.max(0, Math.min(100, value)) : null;
  return h(
    'div',
    { class: 'progress-row' },
    h(
      'div',
      {
        class: ['progress', !known && 'indeterminate'],
        role: 'progressbar',
        'aria-valuemin': 0,
        'aria-valuemax': 100,
        'aria-valuenow': known ? Math.round(pct) : null,
        'aria-valuetext': known ? `${Math.round(pct)} %` : 'progress not known yet',
        'aria-label': label ?? 'Progress',
        testid,
      },
      h('div', { class: 'progress-fill', style: { width: known ? `${pct}%` : '' } }),
    ),
    h('span', { class: 'progress-text' }, known ? `${pct.toFixed(pct < 10 ? 1 : 0)} %` : 'working\u2026'),
  );
}

let dialogCount = 0;

// Asks before something disruptive. Resolves true only for the confirm button; Escape and
// Cancel resolve false. The Cancel button has the focus first, so Enter does no harm.
export function confirmDialog({ title, message, confirmLabel, danger = true }) {
  dialogCount += 1;
  const titleId = `dialog-title-${dialogCount}`;
  const cancel = h('button', { type: 'submit', value: 'cancel', class: 'btn', testid: 'confirm-cancel', autofocus: true }, 'Cancel');
  const dialog = h(
    'dialog',
    { class: 'dialog', testid: 'confirm-dialog', 'aria-labelledby': titleId },
    h(
      'form',
      { method: 'dialog' },
      h('h2', { id: titleId }, title),
      (Array.isArray(message) ? message : [message]).map((p) => h('p', {}, p)),
      h(
        'div',
        { class: 'dialog-actions' },
        cancel,
        h('button', { type: 'submit', value: 'ok', class: ['btn', danger ? 'btn-danger' : 'btn-primary'], testid: 'confirm-ok' },
          confirmLabel),
      ),
    ),
  );
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'ok');
      dialog.remove();
    });
    dialog.showModal();
    cancel.focus();
  });
}

// A scrolling log. Lines are appended as text; it sticks to the bottom while the reader is
// there, and stays put when they scroll up to read.
//
// Live lines are written once per animation frame, not one by one: EventSource delivers a
// backlog (the ~1000 lines of a backup or restore) as one burst of events within a single task,
// and measuring the scroll position after each line forced a layout of the whole log every
// time, which froze the page for seconds and held back its polling.
export class LogView {
  constructor({ testid, label, maxLines = 5000 }) {
    this.maxLines = maxLines;
    this.el = h('pre', {
      class: 'log',
      testid,
      tabindex: 0,
      'aria-label': label,
      'data-morph-skip': '',
    });
    this.empty = true;
    this.pending = [];
    this.frame = 0;
  }

  atBottom() {
    return this.el.scrollHeight - this.el.scrollTop - this.el.clientHeight < 30;
  }

  // Lines still waiting for the next frame are dropped: what replaces the content wins.
  discardPending() {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.pending = [];
  }

  placeholder(text) {
    this.discardPending();
    clear(this.el, h('span', { class: 'log-placeholder' }, text));
    this.empty = true;
  }

  set(lines, emptyText = 'The log is empty.') {
    this.discardPending();
    this.el.replaceChildren();
    this.empty = true;
    if (!lines || lines.length === 0) {
      this.placeholder(emptyText);
      return;
    }
    this.write(lines, true);
  }

  // Queues lines for the next frame. A hidden tab gets no frames, so the queue keeps only the
  // newest maxLines, the most the view would show anyway.
  append(lines) {
    const list = Array.isArray(lines) ? lines : [lines];
    if (list.length === 0) return;
    this.pending.push(...list);
    if (this.pending.length > this.maxLines) this.pending.splice(0, this.pending.length - this.maxLines);
    if (!this.frame) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        const batch = this.pending;
        this.pending = [];
        this.write(batch);
      });
    }
  }

  write(list, forceScroll = false) {
    if (list.length === 0) return;
    const stick = forceScroll || this.atBottom();
    if (this.empty) {
      this.el.replaceChildren();
      this.empty = false;
    }
    const fragment = document.createDocumentFragment();
    for (const line of list) {
      fragment.append(h('span', { class: 'log-line', 'data-seq': line.seq }, line.text ?? ''), '\n');
    }
    this.el.append(fragment);
    while (this.el.childNodes.length > this.maxLines * 2) {
      this.el.firstChild.remove();
      this.el.firstChild.remove();
    }
    if (stick) this.el.scrollTop = this.el.scrollHeight;
  }
}

// Shows a job's log and, while the job runs, follows it live. onEnd(state) is called once the
// job has finished (immediately if it already had). Returns a function that stops following.
export async function followJobLog(app, jobId, view, { onEnd } = {}) {
  let stop = () => {};
  let stopped = false;
  view.placeholder('Loading the log\u2026');
  const first = await app.api.jobLog(jobId, 2000);
  if (stopped) return stop;
  view.set(first.lines, first.finished ? 'This job wrote no log lines.' : 'Waiting for the first log line\u2026');
  if (first.finished) {
    onEnd?.(null);
    return stop;
  }
  stop = app.api.follow(`/api/v1/jobs/${encodeURIComponent(jobId)}/log`, first.last_seq ?? 0, {
    onLine: (line) => view.append(line),
    onEnd: (data) => onEnd?.(data?.state ?? null),
    onTrouble: () => app.checkSession(),
  });
  return () => {
    stopped = true;
    stop();
  };
}

// A table inside a region that scrolls sideways on narrow screens; the region is focusable so
// keyboard users can scroll it too.
export function scrollTable(label, table) {
  return h('div', { class: 'table-scroll', role: 'region', 'aria-label': label, tabindex: 0 }, table);
}

// A backup label as code, breakable after its "_" ("20261122-070405F_20261122-070420I" is wider
// than a phone's column).
export function backupLabel(label) {
  return h('code', {}, ...String(label).split('_').flatMap((part, i) => (i === 0 ? [part] : [h('wbr'), `_${part}`])));
}

export function keyValues(pairs) {
  return h(
    'dl',
    { class: 'kv' },
    pairs
      .filter(Boolean)
      .map(([key, value, props]) => h('div', { class: 'kv-row', ...(props ?? {}) }, h('dt', {}, key), h('dd', {}, value))),
  );
}

// "Back up now" buttons (full, diff, incr), on the overview and the backups page.
export function backupButtons(app) {
  return h(
    'div',
    { class: 'backup-now', role: 'group', 'aria-label': 'Back up now' },
    h('span', { class: 'backup-now-label', 'aria-hidden': 'true' }, 'Back up now:'),
    ['full', 'diff', 'incr'].map((type) =>
      h(
        'button',
        {
          type: 'button',
          class: 'btn',
          testid: `backup-${type}`,
          'aria-label': `Start a ${TYPE_WORDS[type].toLowerCase()} backup now`,
          onClick: (event) => app.startBackup(type, event.currentTarget),
        },
        // The full word where there is room, pgBackRest's own short name on a phone.
        typeMark(type, {
          word: [h('span', { class: 'word-long' }, TYPE_WORDS[type]), h('span', { class: 'word-short' }, capitalize(type))],
        }),
      ),
    ),
  );
}

const KIND_WORDS = {
  backup: 'Backup',
  expire: 'Expire',
  check: 'Check',
  'stanza-create': 'Stanza create',
  verify: 'Verify',
  restore: 'Restore',
  drill: 'Restore drill',
  dump: 'Logical dump',
  'dump-restore': 'Dump restore',
  promote: 'Promotion',
};

// "Full backup", "Restore (time)", "Check".
// The "Cancel job" button of a running job (overview and job page). A restore asks first.
export function cancelJobButton(app, job, testid) {
  return h(
    'button',
    {
      type: 'button',
      class: 'btn btn-danger-quiet',
      testid,
      onClick: async () => {
        if (job.kind === 'restore') {
          const sure = await confirmDialog({
            title: 'Cancel the restore?',
            message: 'Postgres stays stopped with a partly restored data directory until you restore again.',
            confirmLabel: 'Cancel the restore',
          });
          if (!sure) return;
        }
        app.cancelJob(job);
      },
    },
    icon('stop'),
    'Cancel job',
  );
}

export function jobTitle(job) {
  const type = job?.params?.type;
  if (job?.kind === 'backup' && type) return `${TYPE_WORDS[type] ?? type} backup`;
  if (job?.kind === 'restore' && type) return `Restore (${type})`;
  return KIND_WORDS[job?.kind] ?? job?.kind ?? 'Job';
}

// Alert severities as the notifications name them (supervisor/notify/): the tone, the icon and
// the word people read.
const SEVERITIES = {
  critical: { tone: 'bad', icon: 'bad', word: 'Critical' },
  warning: { tone: 'warn', icon: 'warn', word: 'Warning' },
  info: { tone: 'info', icon: 'info', word: 'Info' },
};

export function severityBadge(severity, props = {}) {
  const known = SEVERITIES[severity] ?? { tone: 'neutral', icon: 'info', word: severity ?? 'unknown' };
  return h('span', { class: ['badge', `tone-${known.tone}`], 'data-severity': severity ?? '', ...props }, icon(known.icon), known.word);
}

// The active alerts, most severe first: severity, message and since when. Nothing when none.
export function activeAlerts(alerts, { testid = 'active-alerts', label = 'Active alerts', link = false } = {}) {
  if (!alerts?.length) return null;
  const rank = { critical: 0, warning: 1, info: 2 };
  const sorted = [...alerts].sort((a, b) => (rank[a.severity] ?? 3) - (rank[b.severity] ?? 3) || String(a.since).localeCompare(String(b.since)));
  const worst = SEVERITIES[sorted[0].severity]?.tone ?? 'neutral';
  return h(
    'section',
    { class: ['alerts', `alerts-${worst}`], testid, 'aria-label': label },
    h(
      'ul',
      { class: 'alert-list' },
      sorted.map((alert) =>
        h(
          'li',
          { key: alert.condition, class: 'alert-row', testid: 'alert', 'data-condition': alert.condition, 'data-severity': alert.severity },
          severityBadge(alert.severity),
          h('span', { class: 'alert-row-message' }, alert.message || alert.condition),
          h('span', { class: 'alert-row-since muted small', title: localTime(alert.since) }, `since ${shortTime(alert.since)} (${relative(alert.since)})`),
          alert.details?.job_id
            ? h('a', { class: 'small', href: `#/jobs/${encodeURIComponent(alert.details.job_id)}`, testid: 'alert-job' }, 'Open the job')
            : null,
        ),
      ),
    ),
    link ? h('p', { class: 'alerts-more small' }, h('a', { href: '#/notifications', testid: 'alerts-link' }, 'Notifications and the delivery log')) : null,
  );
}
