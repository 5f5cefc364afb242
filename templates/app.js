// The dashboard's entry point: sign-in, the page shell, hash routing, error banner and toasts.
//
// Policy:
// - One embedded page serves every view: the route lives in the hash (#/overview, #/backups,
//   #/jobs/<id>, #/processes, #/restore, #/drills/<id>, #/dumps, #/notifications), so the server
//   needs no page routes.
// - Signed out, only the sign-in form is on the page. GET /api/v1/session decides: auth "none"
//   skips sign-in; any 401 later brings the form back and, once signed in, the same view.
// - Each view runs inside a Scope that owns its timers and live streams; leaving the view
//   disposes them, so nothing keeps polling in the background.
// - Errors are shown as the API said them (message and code) in one banner with role="alert".

import { Api } from './api.js';
import { h, clear, icon } from './dom.js';
import { TYPE_WORDS } from './charts.js';
import { mountOverview } from './views/overview.js';
import { mountBackups } from './views/backups.js';
import { mountJobs } from './views/jobs.js';
import { mountProcesses } from './views/processes.js';
import { mountRestore } from './views/restore.js';
import { mountDrills } from './views/drills.js';
import { mountDumps } from './views/dumps.js';
import { mountNotifications } from './views/notifications.js';

const ROUTES = {
  overview: { title: 'Overview', mount: mountOverview },
  backups: { title: 'Backups', mount: mountBackups },
  jobs: { title: 'Jobs', mount: mountJobs },
  processes: { title: 'Processes', mount: mountProcesses },
  restore: { title: 'Restore', mount: mountRestore },
  drills: { title: 'Drills', mount: mountDrills },
  dumps: { title: 'Dumps', mount: mountDumps },
  notifications: { title: 'Notifications', mount: mountNotifications },
};
const PRODUCT = 'pgbr-supervisor';

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  const [name = '', ...rest] = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { name, param: rest[0] ?? null, query: new URLSearchParams(query) };
}

// Timers and streams of the view on screen. A poller runs its function, waits for it to
// finish, then waits `interval` before the next run, so slow answers never pile up.
class Scope {
  constructor(app) {
    this.app = app;
    this.alive = true;
    this.pollers = [];
    this.disposers = [];
  }

  every(interval, errorKey, fn) {
    const poller = { timer: null, busy: false, again: false };
    poller.run = async () => {
      clearTimeout(poller.timer);
      if (!this.alive) return;
      if (poller.busy) {
        poller.again = true;
        return;
      }
      poller.busy = true;
      try {
        await fn();
        if (this.alive) this.app.clearError(errorKey);
      } catch (err) {
        if (this.alive && err.status !== 401) this.app.showError(err, errorKey);
      }
      poller.busy = false;
      if (!this.alive) return;
      if (poller.again) {
        poller.again = false;
        poller.run();
        return;
      }
      poller.timer = setTimeout(poller.run, typeof interval === 'function' ? interval() : interval);
    };
    this.pollers.push(poller);
    poller.run();
    return poller;
  }

  // Runs every poller now (after an action changed something).
  refresh() {
    for (const poller of this.pollers) poller.run();
  }

  add(dispose) {
    if (this.alive) this.disposers.push(dispose);
    else dispose();
  }

  dispose() {
    this.alive = false;
    for (const poller of this.pollers) clearTimeout(poller.timer);
    for (const dispose of this.disposers.splice(0)) {
      try {
        dispose();
      } catch {
        // A failing cleanup must not keep the others from running.
      }
    }
  }
}

class App {
  constructor() {
    this.api = new Api({ onUnauthorized: () => this.showSignIn('Your session has ended. Sign in again.') });
    this.auth = 'token';
    this.signedIn = false;
    this.scope = null;
    this.errors = new Map();
    this.stanza = null;
    this.main = document.getElementById('main');
    this.topbar = document.getElementById('topbar');
    this.banner = document.getElementById('error-banner');
    this.toastBox = document.getElementById('toast');
    this.signOutButton = document.getElementById('signout');
    this.stanzaChip = document.getElementById('stanza-chip');
    this.versionText = document.getElementById('version');
    this.toastTimer = null;
  }

  async start() {
    window.addEventListener('hashchange', () => this.route(true));
    this.signOutButton.addEventListener('click', () => this.signOut());
    document.getElementById('skip-link').addEventListener('click', (event) => {
      event.preventDefault();
      this.main.querySelector('h1')?.focus();
    });
    let session;
    try {
      session = await this.api.session();
    } catch (err) {
      this.showError(err, 'session');
      this.showSignIn();
      return;
    }
    this.auth = session.auth;
    if (session.auth === 'none' || session.authenticated) this.enter();
    else this.showSignIn();
  }

  enter() {
    this.signedIn = true;
    this.topbar.hidden = false;
    this.signOutButton.hidden = this.auth === 'none';
    this.clearError('session');
    this.clearError('signin');
    this.route(false);
  }

  // Called on a failed stream: a 401 there cannot be seen, so ask the session route.
  async checkSession() {
    try {
      const session = await this.api.session();
      if (session.auth !== 'none' && !session.authenticated && this.signedIn) {
        this.showSignIn('Your session has ended. Sign in again.');
      }
    } catch {
      // Unreachable server: the pollers report it.
    }
  }

  showSignIn(notice) {
    const wasSignedIn = this.signedIn;
    this.signedIn = false;
    this.scope?.dispose();
    this.scope = null;
    this.topbar.hidden = true;
    for (const key of [...this.errors.keys()]) if (key !== 'session') this.errors.delete(key);
    this.renderErrors();
    document.title = `Sign in \u00b7 ${PRODUCT}`;
    if (!wasSignedIn && this.main.querySelector('[data-testid="signin-form"]')) return;

    const token = h('input', {
      id: 'signin-token',
      name: 'token',
      type: 'password',
      autocomplete: 'current-password',
      required: true,
      spellcheck: 'false',
      testid: 'signin-token',
    });
    const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', testid: 'signin-submit' }, 'Sign in');
    const form = h(
      'form',
      {
        class: 'signin-form',
        testid: 'signin-form',
        onSubmit: async (event) => {
          event.preventDefault();
          submit.disabled = true;
          try {
            await this.api.signIn(token.value.trim());
            token.value = '';
            this.enter();
          } catch (err) {
            this.showError(err, 'signin');
            token.select();
          } finally {
            submit.disabled = false;
          }
        },
      },
      h('label', { for: 'signin-token' }, 'API token'),
      token,
      submit,
    );
    clear(
      this.main,
      h(
        'section',
        { class: 'signin', 'aria-labelledby': 'signin-title' },
        h(
          'div',
          { class: 'signin-card card' },
          h('div', { class: 'signin-brand' }, logo(), h('span', {}, PRODUCT)),
          h('h1', { id: 'signin-title', tabindex: -1 }, 'Sign in'),
          h('p', { class: 'muted' }, 'PostgreSQL with pgBackRest backups. Enter the API token to see and manage them.'),
          notice ? h('p', { class: 'notice', role: 'status', testid: 'signin-notice' }, icon('info'), notice) : null,
          form,
          h(
            'p',
            { class: 'hint' },
            'The token is the value of ',
            h('code', {}, 'PGBR_API_TOKEN'),
            ' (or of the file named by ',
            h('code', {}, 'PGBR_API_TOKEN_FILE'),
            '). When neither is set, the supervisor generates one in its state directory.',
          ),
        ),
      ),
    );
    token.focus();
  }

  async signOut() {
    try {
      await this.api.signOut();
    } catch (err) {
      this.showError(err, 'action');
      return;
    }
    this.showSignIn('You have signed out.');
  }

  route(userInitiated) {
    if (!this.signedIn) return;
    // In-page anchors that are not routes (none today) leave the view alone.
    if (location.hash && !location.hash.startsWith('#/')) return;
    let { name, param, query } = parseHash();
    if (!ROUTES[name]) {
      // replaceState, unlike assigning the hash, fires no hashchange and adds no history entry.
      history.replaceState(null, '', '#/overview');
      ({ name, param, query } = parseHash());
    }
    this.scope?.dispose();
    for (const key of [...this.errors.keys()]) if (key !== 'session') this.errors.delete(key);
    this.renderErrors();
    this.scope = new Scope(this);
    for (const link of document.querySelectorAll('.tabs a')) {
      if (link.dataset.route === name) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    document.title = `${ROUTES[name].title} \u00b7 ${PRODUCT}`;
    clear(this.main);
    ROUTES[name].mount(this.main, this, this.scope, { id: param, query });
    if (userInitiated) this.main.querySelector('h1')?.focus();
  }

  // Views call this with every status they fetch: the header shows the stanza and version.
  noteStatus(status) {
    const stanza = status?.repository?.stanza ?? null;
    if (stanza) {
      this.stanza = stanza;
      this.stanzaChip.textContent = `stanza ${stanza}`;
      this.stanzaChip.hidden = false;
    }
    const version = status?.supervisor?.version;
    if (version) this.versionText.textContent = `v${version}`;
  }

  showError(err, key = 'action') {
    this.errors.set(key, err);
    this.renderErrors();
  }

  clearError(key) {
    if (this.errors.delete(key)) this.renderErrors();
  }

  renderErrors() {
    const items = [...this.errors.entries()].map(([key, err]) => {
      const code = err.code ?? 'error';
      const jobId = err.detail?.job_id;
      return h(
        'div',
        { class: 'alert-item', key },
        icon('bad'),
        h(
          'div',
          { class: 'alert-text' },
          h('span', { class: 'alert-message', testid: 'error-message' }, err.message || 'the request failed'),
          ' ',
          h('code', { class: 'alert-code', testid: 'error-code' }, code),
          jobId ? [' ', h('a', { href: `#/jobs/${encodeURIComponent(jobId)}` }, `See job ${jobId}`)] : null,
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'btn-icon',
            'aria-label': 'Dismiss this message',
            testid: 'error-dismiss',
            onClick: () => this.clearError(key),
          },
          icon('close'),
        ),
      );
    });
    clear(this.banner, items);
    this.banner.hidden = items.length === 0;
  }

  toast(message, link) {
    clear(
      this.toastBox,
      h(
        'div',
        { class: 'toast-item' },
        icon('ok'),
        h('span', {}, message),
        link ? h('a', { href: link.href }, link.text) : null,
      ),
    );
    this.toastBox.hidden = false;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => {
      this.toastBox.hidden = true;
      this.toastBox.replaceChildren();
    }, 8000);
  }

  async startBackup(type, button) {
    if (button) button.disabled = true;
    try {
      const { job } = await this.api.startBackup(type);
      this.clearError('action');
      this.toast(`${TYPE_WORDS[type] ?? type} backup queued as job ${job.id}.`, {
        href: `#/jobs/${encodeURIComponent(job.id)}`,
        text: 'Follow its log',
      });
      this.scope?.refresh();
    } catch (err) {
      this.showError(err, 'action');
    } finally {
      if (button) button.disabled = false;
    }
  }

  async cancelJob(job) {
    try {
      await this.api.cancelJob(job.id);
      this.clearError('action');
      this.toast(`Cancelling job ${job.id}.`);
      this.scope?.refresh();
    } catch (err) {
      this.showError(err, 'action');
    }
  }
}

// The favicon doubles as the logo, so the mark is defined once, in index.html.
function logo() {
  const href = document.querySelector('link[rel="icon"]')?.href ?? '';
  return h('img', { class: 'logo', src: href, alt: '', width: 28, height: 28 });
}

new App().start();
