// The dashboard, driven through a real Chromium against a real pgbr-supervisor (real PostgreSQL
// and pgBackRest), as a user would: sign in, watch a backup, read its log, restart Postgres,
// clear and follow a log, restore to a point in time, sign out, use it on a phone.
//
// Started by run.sh, which owns the supervisor and passes its coordinates in the environment.
// The tests share that one supervisor and run in order, each leaving it in the state the next
// one expects (signed in or not, Postgres running, no job running). Waiting is always for a
// condition with a deadline, never a fixed pause: the page polls the API every 2 s, so every
// check of what the page shows waits for the page to catch up.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: start the tests with tests/browser/run.sh`);
  return value;
}

const BASE = required('PGBR_URL');
const TOKEN = required('PGBR_TOKEN');
const PG_PORT = required('PGBR_PG_PORT');
const PG_SOCKET = required('PGBR_PG_SOCKET');
const PG_PASSWORD = required('PGBR_PG_PASSWORD');
const PGBIN = required('PGBR_PGBIN');
const PROFILE = required('PGBR_PROFILE');
const SHOTS = required('PGBR_SCREENSHOTS');
const CHROMIUM = process.env.PGBR_CHROMIUM || '/usr/bin/chromium';

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 800 };

let context;
let page;
const pageErrors = [];
// What the browser reported lately (console errors, failed requests), shown when a test fails.
const pageTrouble = [];
// The backup job scenario 3 started; scenario 4 opens its log.
let jobForLog = null;

// ------------------------------------------------------------------------------------ helpers

// The API as a script sees it: bearer token, JSON.
async function api(method, route, body) {
  const response = await fetch(new URL(route, BASE), {
    method,
    headers: {
      Authorization: `Bearer ${TOKEN}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  return { status: response.status, data };
}

async function status() {
  const answer = await api('GET', '/api/v1/status');
  assert.equal(answer.status, 200, `GET /api/v1/status answered ${answer.status}`);
  return answer.data;
}

// psql as the postgres user on the supervisor's socket. Returns stdout (unaligned, tuples only);
// throws with psql's output on failure unless `mayFail`.
function psql(statements, { mayFail = false } = {}) {
  const args = ['-u', 'postgres', '--', path.join(PGBIN, 'psql'), '-X', '-A', '-t', '-q',
    '-v', 'ON_ERROR_STOP=1', '-h', PG_SOCKET, '-p', PG_PORT, '-d', 'postgres'];
  for (const sql of [statements].flat()) args.push('-c', sql);
  const result = spawnSync('runuser', args, {
    cwd: '/tmp',
    encoding: 'utf8',
    env: { ...process.env, PGPASSWORD: PG_PASSWORD, PGCONNECT_TIMEOUT: '5' },
    timeout: 30000,
  });
  if (result.status !== 0 && !mayFail) {
    throw new Error(`psql failed (${result.status}): ${result.stderr || result.stdout}`);
  }
  return { ok: result.status === 0, out: result.stdout.trim(), err: result.stderr.trim() };
}

// Polls `check` (may be async) until it returns a truthy value; returns that value.
async function eventually(what, check, { timeout = 30000, step = 250 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, step));
  }
}

const byTestId = (id) => `[data-testid="${id}"]`;
const testid = (id) => page.locator(byTestId(id));

async function visible(id, timeout = 15000) {
  await testid(id).first().waitFor({ state: 'visible', timeout });
}

async function textOf(id) {
  return (await testid(id).first().textContent())?.trim() ?? '';
}

// The whole page, except with a modal dialog open: its backdrop and the fixed-position toast
// belong to the viewport, and a full-page capture would show them cut off mid-page.
async function shot(name, { fullPage = true } = {}) {
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}

// Records every value an element's attribute (or text) takes while the page changes: polls
// re-render in place, so a MutationObserver sees each render, even of a state that lasts less
// than the test's own polling would catch. recorded(key) returns the values, repeats collapsed.
async function watch(key, selector, attribute) {
  await page.evaluate(({ key, selector, attribute }) => {
    window.__watch ??= {};
    window.__watch[key]?.observer.disconnect();
    const seen = [];
    const sample = () => {
      const el = document.querySelector(selector);
      const value = el ? (attribute ? el.getAttribute(attribute) : el.textContent.trim()) : null;
      if (seen.at(-1) !== value) seen.push(value);
    };
    const observer = new MutationObserver(sample);
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    sample();
    window.__watch[key] = { observer, seen };
  }, { key, selector, attribute });
}
async function recorded(key) {
  return page.evaluate((key) => window.__watch?.[key]?.seen ?? [], key);
}

// fetch() from the page, so the browser's cookies (or their absence) are what the API sees.
async function pageFetch(requests) {
  return page.evaluate(async (list) => {
    const answers = [];
    for (const { method, route, body, headers } of list) {
      const controller = new AbortController();
      const response = await fetch(route, {
        method,
        headers: { Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}), ...(headers ?? {}) },
        body: body ? JSON.stringify(body) : undefined,
        credentials: 'same-origin',
        cache: 'no-store',
        signal: controller.signal,
      });
      let error = null;
      if (response.headers.get('content-type')?.includes('application/json')) {
        error = (await response.json().catch(() => null))?.error ?? null;
      }
      // A follow route that wrongly answered would stream forever.
      controller.abort();
      answers.push({ method, route, status: response.status, error });
    }
    return answers;
  }, requests);
}

function assertNoPageErrors() {
  assert.deepEqual(pageErrors.splice(0), [], 'the page threw uncaught errors');
}

// The error banners the page showed since the last call (recorded by the init script in
// before(), so a banner that came and went between two checks is not missed).
async function takeShownErrors() {
  return page.evaluate(() => (window.__shownErrors ?? []).splice(0));
}
async function assertNoErrorShown() {
  assert.deepEqual(await takeShownErrors(), [], 'the page showed an error banner');
}

async function goto(route) {
  await page.evaluate((hash) => {
    location.hash = hash;
  }, route);
}

async function signInThroughForm(token) {
  await visible('signin-form');
  await testid('signin-token').fill(token);
  await testid('signin-submit').click();
}

// The routes the dashboard calls, with harmless bodies: each must be refused before it runs.
function dashboardRoutes(jobId) {
  const job = encodeURIComponent(jobId);
  return [
    { method: 'GET', route: '/api/v1/status' },
    { method: 'GET', route: '/api/v1/backups' },
    { method: 'GET', route: '/api/v1/jobs?limit=50' },
    { method: 'GET', route: `/api/v1/jobs/${job}` },
    { method: 'GET', route: `/api/v1/jobs/${job}/log?tail=1000` },
    { method: 'GET', route: `/api/v1/jobs/${job}/log?follow=1&after=0` },
    { method: 'GET', route: '/api/v1/processes' },
    { method: 'GET', route: '/api/v1/logs' },
    { method: 'GET', route: '/api/v1/logs/postgres?tail=500' },
    { method: 'GET', route: '/api/v1/logs/postgres?follow=1&after=0' },
    { method: 'GET', route: '/api/v1/schedule' },
    { method: 'GET', route: '/api/v1/config' },
    { method: 'POST', route: '/api/v1/backups', body: { type: 'incr' } },
    { method: 'POST', route: `/api/v1/jobs/${job}/cancel`, body: {} },
    { method: 'POST', route: '/api/v1/restore', body: { type: 'delta', confirm: 'not-the-stanza' } },
    { method: 'POST', route: '/api/v1/processes/postgres/start', body: {} },
    { method: 'DELETE', route: '/api/v1/logs/supervisor' },
  ];
}

function assertAllRefused(answers, why) {
  const wrong = answers.filter((a) => a.status !== 401 || a.error?.code !== 'unauthorized');
  assert.deepEqual(wrong, [], `${why}: every route must answer 401 unauthorized`);
}

async function anyJobId() {
  const { data } = await api('GET', '/api/v1/jobs?limit=1');
  assert.ok(data.jobs.length > 0, 'the start-up jobs are listed');
  return data.jobs[0].id;
}

// One scenario: a node:test test that, when it fails, leaves a screenshot (failed-<n>.png), what
// the page showed and what the browser reported, so a failure on a CI machine can be understood.
function scenario(name, timeout, fn) {
  test(name, { timeout }, async (t) => {
    pageTrouble.length = 0;
    pageErrors.length = 0;
    try {
      await fn(t);
    } catch (err) {
      const file = await shot(`failed-${name.split('.')[0]}`).catch(() => 'none');
      const main = await page.locator('main').innerText({ timeout: 2000 }).catch(() => '(unreadable)');
      t.diagnostic(`failed at ${page.url()}; screenshot ${file}; the page shows: ${main.replace(/\s+/g, ' ').slice(0, 400)}`);
      for (const line of pageTrouble) t.diagnostic(line);
      throw err;
    }
  });
}

// ------------------------------------------------------------------------------------ set-up

before(async () => {
  context = await chromium.launchPersistentContext(PROFILE, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    viewport: DESKTOP,
    // The restore form takes local time; UTC makes "local" the same as the server's RFC 3339.
    timezoneId: 'UTC',
  });
  context.setDefaultTimeout(15000);
  // Every error banner the page shows, with its text, whenever it appears.
  await context.addInitScript(() => {
    window.__shownErrors = [];
    const seen = new WeakSet();
    new MutationObserver(() => {
      for (const el of document.querySelectorAll('[data-testid="error-message"]')) {
        if (!seen.has(el)) {
          seen.add(el);
          window.__shownErrors.push(el.textContent);
        }
      }
    }).observe(document, { childList: true, subtree: true, characterData: true });
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (err) => pageErrors.push(String(err?.stack ?? err)));
  const note = (line) => {
    pageTrouble.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
    if (pageTrouble.length > 60) pageTrouble.shift();
  };
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') note(`console ${message.type()}: ${message.text()}`);
  });
  page.on('requestfailed', (request) => note(`request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText}`));
  page.on('request', (request) => note(`-> ${request.method()} ${request.url().replace(BASE, '/')}`));
  page.on('response', (response) => note(`<- ${response.status()} ${response.url().replace(BASE, '/')}`));
});

after(async () => {
  await context?.close();
});

// ------------------------------------------------------------------------------------ scenarios

scenario('1. signed out: only the sign-in page, the API refuses, a wrong token shows the API error', 60000, async () => {
  await page.goto(BASE);
  await visible('signin-form');
  // Nothing but the sign-in card: no navigation, no data.
  assert.equal(await page.locator('#topbar').isVisible(), false, 'the top bar is hidden');
  assert.equal(await testid('nav-overview').isVisible(), false, 'no navigation while signed out');
  assert.equal(await page.locator('main > *').count(), 1, 'main holds only the sign-in section');
  assert.equal(await page.locator('main section.signin').count(), 1);
  for (const id of ['postgres-card', 'archive-card', 'backups-table', 'jobs-table', 'processes-table', 'restore-form']) {
    assert.equal(await testid(id).count(), 0, `${id} is not on the sign-in page`);
  }
  assert.match(await page.title(), /^Sign in/);

  const session = await pageFetch([{ method: 'GET', route: '/api/v1/session' }]);
  assert.equal(session[0].status, 200);
  assertAllRefused(await pageFetch(dashboardRoutes(await anyJobId())), 'without the session cookie');

  // A wrong token: the banner shows exactly what the API says.
  const wrong = 'wrong-token-0123456789abcdef';
  const direct = await fetch(new URL('/api/v1/session', BASE), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token: wrong }),
  });
  assert.equal(direct.status, 401);
  const apiError = (await direct.json()).error;
  await signInThroughForm(wrong);
  await visible('error-banner');
  await page.waitForFunction(
    (text) => document.querySelector('[data-testid="error-message"]')?.textContent === text,
    apiError.message,
  );
  assert.equal(await textOf('error-code'), apiError.code);
  assert.equal(await page.locator('#topbar').isVisible(), false, 'still signed out');
  assert.equal((await context.cookies()).filter((c) => c.name === 'pgbr_session').length, 0, 'no session cookie');
  await shot('01-signin-wrong-token');
  assertNoPageErrors();
});

scenario('2. sign in: Postgres RUNNING and archiving healthy after a WAL switch', 60000, async () => {
  await testid('signin-token').fill(TOKEN);
  await testid('signin-submit').click();
  await visible('postgres-card');
  assert.equal(await page.locator('#topbar').isVisible(), true);
  assert.equal(await testid('error-banner').isVisible(), false, 'the wrong-token error is gone');
  await takeShownErrors(); // scenario 1's banners, expected there
  assert.equal(await testid('signin-form').count(), 0);
  const cookies = Object.fromEntries((await context.cookies()).map((c) => [c.name, c]));
  assert.ok(cookies.pgbr_session?.httpOnly, 'the session cookie is HttpOnly');
  assert.equal(cookies.pgbr_session?.sameSite, 'Strict');
  assert.ok(cookies.pgbr_csrf && !cookies.pgbr_csrf.httpOnly, 'the CSRF cookie is readable');

  await page.waitForFunction(() => document.querySelector('[data-testid="pg-state"]')?.textContent.trim() === 'RUNNING');

  // A segment switched now must show up on the page as archived, with archiving healthy.
  const { out: segment } = psql([
    'create table if not exists browser_wal_probe (at timestamptz default now())',
    'insert into browser_wal_probe default values',
    'select pg_walfile_name(pg_switch_wal())',
  ]);
  assert.match(segment, /^[0-9A-F]{24}$/, `pg_switch_wal gave ${segment}`);
  await page.waitForFunction(
    (wal) => {
      const card = document.querySelector('[data-testid="archive-card"]');
      const health = card?.querySelector('[data-testid="archive-health"]');
      return health?.getAttribute('data-healthy') === 'true' && card.textContent.includes(wal);
    },
    segment,
    { timeout: 30000 },
  );
  assert.match(await textOf('archive-health'), /Archiving is healthy/);
  assert.match(await textOf('safety-summary'), /Your data is safe/);
  assert.match(await textOf('stanza-chip'), /stanza \S+/);
  await shot('02-overview');
  assertNoPageErrors();
  await assertNoErrorShown();
});

scenario('3. a full backup from the button: running job with progress, then in the table and chart', 120000, async (t) => {
  await goto('#/backups');
  await visible('backups-table');
  await visible('chart-duration-svg');
  const rowsBefore = await testid('backup-row').count();
  const markers = (id) => page.locator(`${byTestId(id)} .chart-markers > *`).count();
  const durationMarksBefore = await markers('chart-duration-svg');
  const sizeMarksBefore = await markers('chart-size-svg');
  assert.equal(durationMarksBefore, rowsBefore, 'one duration mark per backup');
  assert.equal(sizeMarksBefore, 2 * rowsBefore, 'two size marks (size, stored) per backup');

  await goto('#/overview');
  await visible('running-job');
  await watch('job-state', byTestId('running-job'), 'data-state');
  await watch('job-progress', byTestId('running-job-progress'), 'aria-valuetext');
  await testid('backup-full').first().click();
  await visible('toast');
  const toast = await textOf('toast');
  const jobId = /job (\S+)\./.exec(toast)?.[1];
  assert.ok(jobId, `the toast names the job: ${toast}`);

  // The running job shows on the overview, then the card goes back to idle.
  await page.waitForFunction(
    (id) => document.querySelector('[data-testid="running-job"]')?.getAttribute('data-job-id') === id,
    jobId,
    { timeout: 20000 },
  );
  await page.waitForFunction(
    () => document.querySelector('[data-testid="running-job"]')?.getAttribute('data-state') === 'idle',
    null,
    { timeout: 90000 },
  );
  const states = await recorded('job-state');
  // The bar says "progress not known yet" until pgBackRest reports, then "N %". A small backup
  // takes about one poll, so the page may show either; whatever it shows must make sense.
  const progress = (await recorded('job-progress')).filter((v) => v !== null);
  const percents = progress.filter((v) => /^\d+ %$/.test(v)).map((v) => Number.parseInt(v, 10));
  t.diagnostic(`running-job states: ${states.join(' -> ')}; progress shown: ${progress.join(', ')}`);
  assert.ok(states.includes('running'), `the job was seen running (states: ${states.join(', ')})`);
  assert.ok(progress.length > 0, 'a progress bar was shown while the job ran');
  assert.deepEqual(progress.filter((v) => v !== 'progress not known yet' && !/^\d+ %$/.test(v)), [], 'progress texts');
  assert.ok(percents.every((v, i) => v >= 0 && v <= 100 && (i === 0 || v >= percents[i - 1])),
    `progress stays within 0-100 % and never goes back (${percents.join(', ')})`);

  const job = (await api('GET', `/api/v1/jobs/${encodeURIComponent(jobId)}`)).data;
  assert.equal(job.state, 'succeeded', `backup job ${jobId}: ${job.message}`);
  assert.equal(job.kind, 'backup');
  assert.equal(job.params?.type, 'full');
  assert.match(job.backup_label ?? '', /F$/);

  await goto('#/backups');
  await page.waitForFunction(
    (label) => document.querySelector(`[data-testid="backup-row"][data-label="${label}"]`),
    job.backup_label,
    { timeout: 30000 },
  );
  assert.equal(await testid('backup-row').count(), rowsBefore + 1, 'one more row');
  assert.equal(await testid('backup-row').first().getAttribute('data-label'), job.backup_label, 'newest first');
  await eventually('the charts to draw the new backup', async () => (await markers('chart-duration-svg')) === durationMarksBefore + 1);
  assert.equal(await markers('chart-size-svg'), sizeMarksBefore + 2);
  await shot('03-backups');
  jobForLog = jobId;
  assertNoPageErrors();
  await assertNoErrorShown();
});

scenario('4. the job log from the jobs page shows pgBackRest lines', 60000, async () => {
  const jobId = jobForLog ?? (await api('GET', '/api/v1/jobs?limit=50')).data.jobs.find((j) => j.kind === 'backup')?.id;
  assert.ok(jobId, 'a backup job to open');
  await testid('nav-jobs').click();
  await visible('jobs-table');
  const row = page.locator(`${byTestId('job-row')}[data-job-id="${jobId}"]`);
  await row.waitFor();
  assert.equal(await row.getAttribute('data-state'), 'succeeded');
  await row.locator('a').first().click();
  await page.waitForFunction((id) => location.hash === `#/jobs/${id}`, jobId);
  await visible('job-detail');
  assert.equal(await testid('job-detail').getAttribute('data-job-id'), jobId);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="job-log"] .log-line').length > 10);
  const log = await testid('job-log').textContent();
  assert.match(log, /P00 +INFO: backup command begin 2\.45/);
  assert.match(log, /INFO: full backup size = /);
  assert.match(log, /P00 +INFO: backup command end: completed successfully/);
  assert.match(await textOf('job-state'), /succeeded/);
  await shot('04-job-log');
  assertNoPageErrors();
  await assertNoErrorShown();
});

scenario('5. processes: restart Postgres, clear its log, follow new lines', 90000, async (t) => {
  await testid('nav-processes').click();
  const row = byTestId('process-row-postgres');
  await page.locator(row).waitFor();
  await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('data-state') === 'RUNNING', row);
  const pidBefore = (await page.locator(`${row} ${byTestId('process-pid')}`).textContent()).trim();
  assert.match(pidBefore, /^\d+$/);
  const apiPid = (await api('GET', '/api/v1/processes')).data.processes.find((p) => p.name === 'postgres').pid;
  assert.equal(pidBefore, String(apiPid), 'the page shows the pid the API reports');

  await watch('pg-state', row, 'data-state');
  await page.locator(`${row} ${byTestId('process-restart')}`).click();
  await visible('toast');
  await page.waitForFunction(
    ({ sel, pid }) => {
      const el = document.querySelector(sel);
      const shown = el?.querySelector('[data-testid="process-pid"]')?.textContent.trim();
      return el?.getAttribute('data-state') === 'RUNNING' && /^\d+$/.test(shown) && shown !== pid;
    },
    { sel: row, pid: pidBefore },
    { timeout: 60000 },
  );
  const states = await recorded('pg-state');
  t.diagnostic(`postgres states: ${states.join(' -> ')}`);
  assert.ok(states.some((s) => s === 'STOPPING' || s === 'STARTING'), `a transition was shown (states: ${states.join(' -> ')})`);
  assert.equal(states.at(-1), 'RUNNING');
  const pidAfter = (await page.locator(`${row} ${byTestId('process-pid')}`).textContent()).trim();
  const apiAfter = (await api('GET', '/api/v1/processes')).data.processes.find((p) => p.name === 'postgres');
  assert.equal(pidAfter, String(apiAfter.pid));
  assert.ok(apiAfter.restarts >= 0);
  // Postgres accepts connections again before the log is cleared, so no start-up line lands after.
  await eventually('postgres to accept connections', async () => (await status()).postgres.ready === true);
  psql('select 1');

  // Clear the postgres log, through the confirmation dialog.
  await visible('log-view');
  assert.equal(await testid('log-select').inputValue(), 'postgres');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="log-view"] .log-line').length > 0);
  await testid('log-clear').click();
  await visible('confirm-dialog');
  assert.match(await testid('confirm-dialog').textContent(), /Clear the postgres log\?/);
  await shot('05-processes-clear-dialog', { fullPage: false });
  await testid('confirm-ok').click();
  await page.waitForFunction(() => {
    const view = document.querySelector('[data-testid="log-view"]');
    return view && view.querySelectorAll('.log-line').length === 0 && /The postgres log is empty\./.test(view.textContent);
  });
  const cleared = (await api('GET', '/api/v1/logs/postgres?tail=100')).data;
  assert.deepEqual(cleared.lines, [], 'the API agrees the log is empty');

  // Follow, then make Postgres write something.
  await testid('log-follow').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="log-follow"]')?.getAttribute('aria-pressed') === 'true');
  await page.waitForFunction(() => /^Following postgres live/.test(document.querySelector('[data-testid="log-status"]')?.textContent ?? ''));
  const table = `no_such_table_${Date.now()}`;
  const failing = psql(`select * from ${table}`, { mayFail: true });
  assert.equal(failing.ok, false, 'the statement fails');
  await page.waitForFunction(
    (name) => {
      const text = document.querySelector('[data-testid="log-view"]')?.textContent ?? '';
      return text.includes(`ERROR:  relation "${name}" does not exist`) && text.includes(`STATEMENT:  select * from ${name}`);
    },
    table,
    { timeout: 20000 },
  );
  await shot('05-processes');
  // Stop following before leaving, as a user would; leaving the page closes the stream anyway.
  await testid('log-follow').click();
  assertNoPageErrors();
  await assertNoErrorShown();
});

scenario('5b. Postgres stopped: the window stays as the repository says, archiving is unknown', 90000, async () => {
  await eventually('a recoverable window', async () => Boolean((await api('GET', '/api/v1/backups')).data.recoverable?.to));
  const before = (await api('GET', '/api/v1/backups')).data.recoverable;
  const stop = await api('POST', '/api/v1/processes/postgres/stop');
  assert.equal(stop.status, 202);
  await eventually('postgres stopped and archiving unknown', async () => {
    const s = await status();
    return s.postgres.state === 'STOPPED' && s.archive.state === 'unknown';
  });
  const stopped = await status();
  assert.equal(stopped.archive.last_known?.state, 'healthy', JSON.stringify(stopped.archive));
  const during = (await api('GET', '/api/v1/backups')).data.recoverable;
  assert.equal(during.from, before.from);
  assert.ok(Date.parse(during.to) >= Date.parse(before.to), `the window's end stays: ${before.to} -> ${during.to}`);

  await testid('nav-overview').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="archive-health"]')?.getAttribute('data-state') === 'unknown');
  assert.match(await textOf('archive-health'), /Archiving state is unknown while Postgres is stopped \(last known: healthy/);
  const summary = await textOf('safety-summary');
  assert.doesNotMatch(summary, /Archiving is healthy|archiving is failing/i);
  assert.match(summary, /Postgres is stopped\./);
  assert.match(summary, /Restorable to any moment from/);
  await shot('05b-postgres-stopped');

  const start = await api('POST', '/api/v1/processes/postgres/start');
  assert.equal(start.status, 202);
  await eventually('postgres ready again', async () => (await status()).postgres.ready === true);
  await page.waitForFunction(() => document.querySelector('[data-testid="archive-health"]')?.getAttribute('data-state') === 'healthy', null, { timeout: 30000 });
  assertNoPageErrors();
  await assertNoErrorShown();
});

scenario('5c. a restore drill from the Drills page passes, and the overview says so', 180000, async () => {
  await testid('nav-drills').click();
  await visible('drill-now');
  await testid('drill-now').click();
  // The toast links the queued drill; its report opens from the list once it finished.
  const drill = await eventually('the drill to finish', async () => {
    const { drills = [] } = (await api('GET', '/api/v1/drills?limit=5')).data ?? {};
    const last = drills[0];
    return last && last.result && last.result !== 'running' && (await status()).running_job === null ? last : null;
  }, { timeout: 150000, step: 1000 });
  assert.equal(drill.result, 'passed', JSON.stringify(drill));
  await page.waitForFunction(() => document.querySelector('[data-testid="drill-row"][data-result="passed"]') !== null, null, { timeout: 30000 });
  // The whole row opens the report (its cells, not only the link in the first one).
  await testid('drill-row').first().locator('td').first().click();
  await visible('drill-detail');
  assert.match(await textOf('drill-result'), /passed/i);
  assert.ok(await testid('drill-table-row').count() > 0, 'the report lists the tables with their row counts');
  await shot('05c-drill-report');

  await testid('nav-overview').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="drill-line"]')?.getAttribute('data-result') === 'passed', null, { timeout: 30000 });
  assert.match(await textOf('drill-line'), /^Last drill: passed .*, restore \d/);
  assert.equal(await testid('drill-alarm').count(), 0, 'no alarm for a passed drill');
  assertNoPageErrors();
  await assertNoErrorShown();
});

scenario('5d. a restore point made for a deploy while the form is open is offered by it', 90000, async () => {
  await testid('nav-restore').click();
  await visible('restore-form');
  await testid('restore-type').selectOption('name');
  assert.equal(await page.locator(`${byTestId('restore-points-list')} option`).count(), 0);
  // The deploy script's point arrives while the form is open: the form's own refresh (every
  // 30 s) offers it.
  const made = await api('POST', '/api/v1/restore-points', { name: 'before-deploy-ui' });
  assert.equal(made.status, 201, JSON.stringify(made.data));
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="restore-points-list"] option')].some((o) => o.value === 'before-deploy-ui'), null, { timeout: 45000 });
  await testid('restore-type').selectOption('time');
  await testid('restore-type').selectOption('name');
  assert.equal(await testid('restore-target').getAttribute('list'), 'restore-points-list');
  assert.match(await textOf('restore-window'), /^Pick the restore point recorded by the supervisor \(before-deploy-ui, /);
  await shot('05d-restore-point-offered');
  // Scenario 6 opens the form afresh (its window read anew), as a user coming from elsewhere.
  await testid('nav-overview').click();
  await visible('postgres-card');
  assertNoPageErrors();
  await assertNoErrorShown();
});

scenario('5e. dumps: run one, download a database, restore it into a new name, replace needs the name', 240000, async (t) => {
  await testid('nav-dumps').click();
  await visible('dump-now-form');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="dump-db-choice"]').length > 0);
  assert.match(await textOf('dumps-store'), /dumps/, 'the store names the dumps folder');
  const before = (await api('GET', '/api/v1/dumps')).data?.dumps ?? [];

  // Run a dump of every database with an annotation; the page follows the job to its end.
  await testid('dump-annotation').fill('browser test');
  await testid('dump-now').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="dump-job"]')?.getAttribute('data-state') === 'succeeded', null, { timeout: 180000 });
  const jobHref = await testid('dump-job-link').getAttribute('href');
  assert.match(jobHref, /^#\/jobs\/.+/, 'the job line links the job page');
  const run = await eventually('the new run in the API', async () => {
    const { dumps = [] } = (await api('GET', '/api/v1/dumps')).data ?? {};
    return dumps.length === before.length + 1 && dumps[0].annotation === 'browser test' ? dumps[0] : null;
  });
  assert.ok(run.databases.length > 0 && run.databases.every((db) => db.size > 0), JSON.stringify(run));
  const db = run.databases[0].name;
  const row = page.locator(`${byTestId('dump-row')}[data-id="${run.id}"]`);
  await row.waitFor({ state: 'visible', timeout: 30000 });
  const item = row.locator(`${byTestId('dump-db')}[data-db="${db}"]`);
  assert.equal(await row.locator(byTestId('dump-db')).count(), run.databases.length, 'every database of the run is listed');
  assert.match(await item.textContent(), /\d+(\.\d)? (B|KiB|MiB) \u00b7 \d+ tables?/, 'size and table count');
  assert.match(await row.textContent(), /browser test/);

  // Download: a plain link, authenticated by the session cookie.
  const href = await item.locator(byTestId('dump-download')).getAttribute('href');
  const [download] = await Promise.all([page.waitForEvent('download'), item.locator(byTestId('dump-download')).click()]);
  assert.equal(await download.failure(), null, 'the download completed');
  const saved = await stat(await download.path());
  const answer = await page.request.get(new URL(href, BASE).href);
  assert.equal(answer.status(), 200);
  const length = Number(answer.headers()['content-length']);
  assert.ok(length > 0 && length === saved.size, `Content-Length ${length}, saved ${saved.size} bytes`);
  assert.equal((await answer.body()).subarray(0, 5).toString('latin1'), 'PGDMP', 'a pg_dump custom-format file');
  t.diagnostic(`downloaded ${db}: ${saved.size} bytes`);

  // Restore into the default new name; the job line follows it to success.
  await item.locator(byTestId('dump-restore-open')).click();
  await visible('dump-restore-form');
  const into = `${db}_${run.id.slice(0, 8)}_${run.id.slice(9, 15)}`;
  assert.equal(await textOf('dump-restore-into'), into);
  assert.equal(await testid('dump-restore-consequences').isVisible(), false, 'no warning for a new name');
  await testid('dump-restore-submit').click();
  const restoreJob = page.locator(`${byTestId('dump-restore')} ${byTestId('dump-job')}`);
  await page.waitForFunction(() => ['succeeded', 'failed'].includes(document.querySelector('[data-testid="dump-restore"] [data-testid="dump-job"]')?.getAttribute('data-state')), null, { timeout: 120000 });
  assert.equal(await restoreJob.getAttribute('data-state'), 'succeeded', await restoreJob.textContent());
  assert.equal(psql(`select count(*) from pg_database where datname = '${into}'`).out, '1', `database ${into} exists`);

  // The same again: the name exists now, and the API's refusal is shown as its message.
  await testid('dump-restore-submit').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="error-code"]')?.textContent === 'conflict');
  assert.match(await textOf('error-message'), new RegExp(into));
  assert.equal((await takeShownErrors()).length, 1);
  await testid('error-dismiss').click();

  // Replace: the consequences are spelled out; the button waits for the exact name.
  await testid('dump-restore-replace').check();
  assert.match(await textOf('dump-restore-consequences'), /sessions? .*end/);
  assert.match(await textOf('dump-restore-consequences'), /replaced/);
  assert.equal(await testid('dump-restore-submit').isDisabled(), true, 'disabled with nothing typed');
  await testid('dump-restore-confirm').fill(db.slice(0, -1));
  assert.equal(await testid('dump-restore-submit').isDisabled(), true, 'disabled with part of the name');
  await testid('dump-restore-confirm').fill(db);
  assert.equal(await testid('dump-restore-submit').isDisabled(), false, 'enabled once the name matches');
  assert.match(await textOf('dump-restore-submit'), new RegExp(`Replace ${db}`));
  await shot('05e-dumps-restore-replace');

  // Delete the run: the button waits for its id.
  await testid('dump-restore-close').click();
  await row.locator(byTestId('dump-delete-open')).click();
  await visible('dump-delete-form');
  assert.equal(await testid('dump-delete-submit').isDisabled(), true);
  await testid('dump-delete-confirm').fill(run.id);
  await testid('dump-delete-submit').click();
  await row.waitFor({ state: 'detached', timeout: 30000 });
  assert.equal(((await api('GET', '/api/v1/dumps')).data?.dumps ?? []).length, before.length);
  psql(`drop database "${into}"`);
  assertNoPageErrors();
  await assertNoErrorShown();
});

scenario('6. point-in-time restore through the form brings the rows back as they were', 150000, async (t) => {
  psql([
    'drop table if exists pitr_check',
    'create table pitr_check (id int primary key, v text not null)',
    "insert into pitr_check select g, 'before' from generate_series(1, 5) g",
  ]);
  // The target: the next whole second after the insert committed (the form has one-second
  // steps), and the changes to undo committed only after it has passed.
  const target = Math.floor(Date.now() / 1000) * 1000 + 1000;
  await eventually('the target second to pass', () => Date.now() > target + 700, { step: 50 });
  psql([
    "update pitr_check set v = 'after'",
    'delete from pitr_check where id = 5',
    "insert into pitr_check values (6, 'after')",
  ]);
  // Close the segment holding the changes. The window's end is the archive time in whole
  // seconds, and archive_timeout may already have switched (and archived) that segment within
  // the target second, leaving an empty one behind that no switch will close; so while the
  // window has not passed the target, write a row elsewhere and switch again.
  psql('create table if not exists pitr_nudge (at timestamptz not null default now())');
  const nudge = () => psql(['insert into pitr_nudge default values', 'select pg_walfile_name(pg_switch_wal())']).out;
  let segment = nudge();
  let nudged = Date.now();
  let seen = null;
  const archived = await eventually(`segment ${segment} to be archived and the window to pass the target`, async () => {
    const s = await status();
    seen = { segment, archive: s.archive, recoverable: s.repository?.recoverable };
    const to = Date.parse(s.repository?.recoverable?.to ?? '');
    if (s.archive.last_archived_wal >= segment && s.archive.waiting === 0 && to > target) return s;
    if (Date.now() - nudged > 3000) {
      segment = nudge();
      nudged = Date.now();
    }
    return null;
  }, { timeout: 60000, step: 500 }).catch((err) => {
    throw new Error(`${err.message}; last status: ${JSON.stringify(seen)}`);
  });
  const stanza = archived.repository.stanza;

  await testid('nav-restore').click();
  await visible('restore-form');
  await testid('restore-type').selectOption('time');
  const input = testid('restore-target');
  assert.equal(await input.getAttribute('type'), 'datetime-local');
  // Local time is UTC here (timezoneId); Chromium leaves ":00" seconds out of the value.
  let local = new Date(target).toISOString().slice(0, 19);
  if (local.endsWith(':00')) local = local.slice(0, 16);
  // A time pasted as psql prints it fills the picker; without its offset it is refused.
  const pasted = testid('restore-target-text');
  await pasted.fill(new Date(target).toISOString().slice(0, 19).replace('T', ' '));
  assert.match(await textOf('restore-problem'), /offset from UTC/);
  await pasted.fill(new Date(target).toISOString().replace('T', ' ').replace('Z', '+00'));
  assert.equal(await input.inputValue(), local);
  await input.fill(local);
  assert.equal(await input.inputValue(), local);
  assert.equal(await testid('restore-submit').isDisabled(), true, 'locked until the stanza is typed');
  assert.match(await textOf('restore-problem'), new RegExp(`type ${stanza}`));
  assert.equal(await textOf('restore-stanza'), stanza);
  await testid('restore-confirm').fill(stanza);
  await page.waitForFunction(() => !document.querySelector('[data-testid="restore-submit"]').disabled);
  const targetIso = new Date(target).toISOString().replace('.000Z', 'Z');
  assert.ok((await textOf('restore-consequences')).includes(targetIso.replace('T', ' ').replace('Z', ' UTC')),
    'the consequences name the target in UTC');
  await shot('06-restore-form');

  // The restore's log arrives as a burst of ~1000 lines; the page must stay responsive meanwhile.
  // It once froze for 4 s here (a layout per line), which held back its polling; a sound page
  // stays under 50 ms per task, so the bound leaves room for a slow machine.
  await page.evaluate(() => {
    window.__longestTask = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longestTask = Math.max(window.__longestTask, entry.duration);
    }).observe({ entryTypes: ['longtask'] });
  });
  await watch('restore-pg', byTestId('restore-pg-state'));
  const submitted = page.waitForRequest((r) => r.url().endsWith('/api/v1/restore') && r.method() === 'POST');
  await testid('restore-submit').click();
  const body = JSON.parse((await submitted).postData());
  assert.deepEqual(
    { type: body.type, target: body.target, confirm: body.confirm, target_action: body.target_action },
    { type: 'time', target: targetIso, confirm: stanza, target_action: 'promote' },
  );

  await visible('restore-progress');
  const jobId = await testid('restore-progress').getAttribute('data-job-id');
  await visible('restore-done', 120000);
  const pgStates = (await recorded('restore-pg')).filter(Boolean);
  t.diagnostic(`postgres during the restore: ${pgStates.join(' -> ')}`);
  const longest = await page.evaluate(() => Math.round(window.__longestTask));
  const logLines = await page.locator(`${byTestId('restore-log')} .log-line`).count();
  t.diagnostic(`restore log: ${logLines} lines; longest main-thread task meanwhile: ${longest} ms`);
  assert.ok(logLines > 100, `the restore's log was shown (${logLines} lines)`);
  assert.ok(longest < 2000, `the page stayed responsive while the log streamed (longest task ${longest} ms)`);
  assert.ok(pgStates.some((s) => s !== 'RUNNING'), `Postgres was seen down during the restore (${pgStates.join(' -> ')})`);
  assert.equal(await textOf('restore-pg-state'), 'RUNNING');
  assert.match(await textOf('restore-job-state'), /succeeded/);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="restore-log"] .log-line').length > 0);
  assert.match(await testid('restore-log').textContent(), /restore command (begin|end)/);
  await shot('06-restore-done');

  const job = (await api('GET', `/api/v1/jobs/${encodeURIComponent(jobId)}`)).data;
  assert.equal(job.kind, 'restore');
  assert.equal(job.state, 'succeeded', job.message);
  const rows = psql('select id || \':\' || v from pitr_check order by id').out.split('\n');
  assert.deepEqual(rows, ['1:before', '2:before', '3:before', '4:before', '5:before'], 'the rows as they were at the target');
  assert.equal(psql('select pg_is_in_recovery()').out, 'f', 'promoted: open for writes');
  assertNoPageErrors();
  await assertNoErrorShown();
});

scenario('7. signed out again: every page and action is refused', 60000, async () => {
  await goto('#/overview');
  await visible('postgres-card');
  const before = Object.fromEntries((await context.cookies()).map((c) => [c.name, c.value]));
  assert.ok(before.pgbr_session && before.pgbr_csrf);

  await testid('signout').click();
  await visible('signin-form');
  assert.match(await textOf('signin-notice'), /signed out/);
  assert.equal(await page.locator('#topbar').isVisible(), false);
  const left = (await context.cookies()).filter((c) => c.name === 'pgbr_session' || c.name === 'pgbr_csrf');
  assert.deepEqual(left, [], 'the cookies are cleared');

  for (const route of ['#/overview', '#/backups', '#/jobs', '#/processes', '#/restore']) {
    await page.goto(new URL(route, BASE).href);
    await page.reload();
    await visible('signin-form');
    assert.equal(await page.locator('main > *').count(), 1, `${route}: only the sign-in page`);
    assert.equal(await testid('nav-jobs').isVisible(), false);
  }
  await goto('#/jobs');
  await visible('signin-form');
  assert.equal(await testid('jobs-table').count(), 0, '#/jobs shows the sign-in page');

  const jobId = await anyJobId();
  assertAllRefused(await pageFetch(dashboardRoutes(jobId)), 'after signing out');

  // The old session, replayed: ended on the server, not just forgotten by the browser.
  await context.addCookies([{ name: 'pgbr_session', value: before.pgbr_session, url: BASE }]);
  assertAllRefused(
    await pageFetch([
      { method: 'GET', route: '/api/v1/status' },
      { method: 'POST', route: '/api/v1/backups', body: { type: 'incr' }, headers: { 'X-CSRF-Token': before.pgbr_csrf } },
    ]),
    'with the signed-out session cookie',
  );
  await context.clearCookies();

  // A valid session cookie without the CSRF header (what a forged cross-site form would send).
  const signIn = await pageFetch([{ method: 'POST', route: '/api/v1/session', body: { token: TOKEN } }]);
  assert.equal(signIn[0].status, 200);
  const fresh = Object.fromEntries((await context.cookies()).map((c) => [c.name, c.value]));
  assert.ok(fresh.pgbr_session && fresh.pgbr_csrf);
  const jobsBefore = (await api('GET', '/api/v1/jobs?limit=1')).data.jobs[0].id;
  const csrf = await pageFetch([
    { method: 'GET', route: '/api/v1/status' },
    { method: 'POST', route: '/api/v1/backups', body: { type: 'incr' } },
    { method: 'POST', route: '/api/v1/backups', body: { type: 'incr' }, headers: { 'X-CSRF-Token': 'not-the-csrf-token' } },
    { method: 'POST', route: '/api/v1/processes/postgres/restart', body: {} },
    { method: 'DELETE', route: '/api/v1/logs/postgres' },
  ]);
  assert.equal(csrf[0].status, 200, 'the cookie alone is enough to read');
  const notRefused = csrf.slice(1).filter((a) => a.status !== 403 || a.error?.code !== 'csrf_failed');
  assert.deepEqual(notRefused, [], 'with the cookie but without the right X-CSRF-Token: 403 csrf_failed');
  assert.match(csrf[1].error.message, /X-CSRF-Token/);
  assert.equal((await api('GET', '/api/v1/jobs?limit=1')).data.jobs[0].id, jobsBefore, 'no job was started');
  const ended = await pageFetch([{ method: 'DELETE', route: '/api/v1/session' }]);
  assert.equal(ended[0].status, 200);
  assertNoPageErrors();
});

scenario('8. phone width: the overview fits 375 px and the navigation works by keyboard', 60000, async (t) => {
  await page.setViewportSize(PHONE);
  // Signed out whatever the previous scenario left.
  await context.clearCookies();
  await page.goto(new URL('#/overview', BASE).href);
  await page.reload();
  await signInThroughForm(TOKEN);
  await visible('postgres-card');
  await visible('schedule-card');
  // Schedules are disabled here: no row may claim a backup is "on time".
  for (const type of ['full', 'diff', 'incr']) {
    const row = await textOf(`schedule-row-${type}`);
    assert.match(row, /disabled/, `the ${type} row says it is disabled: ${row}`);
    assert.match(row, /not scheduled/, `the ${type} row: ${row}`);
    assert.doesNotMatch(row, /on time/, `the ${type} row: ${row}`);
  }
  await page.waitForFunction(() => document.querySelector('[data-testid="pg-state"]')?.textContent.trim() === 'RUNNING');
  const width = await page.evaluate(() => document.scrollingElement.scrollWidth);
  assert.ok(width <= PHONE.width + 2, `the page is ${width} px wide at ${PHONE.width} px`);
  await shot('08-overview-375');

  // From the top of the page, Tab reaches the navigation; Enter opens the page.
  await page.evaluate(() => {
    document.activeElement?.blur();
    window.scrollTo(0, 0);
  });
  await page.locator('body').focus();
  const reached = [];
  for (let i = 0; i < 25; i += 1) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName);
    reached.push(id);
    if (id === 'nav-backups') break;
  }
  assert.equal(reached.at(-1), 'nav-backups', `Tab order: ${reached.join(', ')}`);
  assert.ok(reached.includes('nav-overview'), 'the overview link comes first');
  assert.equal(await testid('nav-backups').isVisible(), true, 'the focused link is on screen');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => location.hash === '#/backups');
  await visible('backups-summary');
  assert.equal(await page.locator('main h1').textContent(), 'Backups');
  // Opening a page moves the focus to its heading, so the next Tab continues from there.
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1');

  // The other pages fit too (wide tables scroll inside their own region).
  const widths = {};
  for (const [route, ready] of [['#/backups', 'backups-table'], ['#/jobs', 'jobs-table'],
    ['#/processes', 'processes-table'], ['#/restore', 'restore-form'], ['#/dumps', 'dump-now-form']]) {
    await goto(route);
    await visible(ready);
    widths[route] = await page.evaluate(() => document.scrollingElement.scrollWidth);
    await shot(`08-${route.slice(2)}-375`);
  }
  t.diagnostic(`page widths at ${PHONE.width} px: ${JSON.stringify(widths)}`);
  const tooWide = Object.entries(widths).filter(([, w]) => w > PHONE.width + 2);
  assert.deepEqual(tooWide, [], 'pages wider than the phone');
  await page.setViewportSize(DESKTOP);
  assertNoPageErrors();
});
