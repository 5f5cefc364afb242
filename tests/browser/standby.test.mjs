// Streaming standbys in the dashboard, driven through a real Chromium against two real
// pgbr-supervisors sharing one local pgBackRest repository: a primary, and a standby made from
// the primary's first backup (PGBR_STANDBY_PRIMARY) that streams from it. The standby's overview
// shows the Replication card streaming, the primary's lists the standby; the primary is stopped,
// the standby's card says it no longer streams, and the standby is promoted from its card:
// writable, no card any more, and a first backup of its new timeline.
//
//   node --test --test-reporter=spec tests/browser/standby.test.mjs
//
// Self-contained (run.sh starts a single supervisor): it starts both supervisors, configured like
// run.sh's plus the replication credentials and PGBACKREST_REPO1_PATH, in a temporary folder, and
// stops them afterwards. Runs as root. Environment: PGBR_SUPERVISOR_BINARY (default
// build/pgbr-supervisor), PGBR_SCREENSHOTS (default tests/browser/screenshots), PGBR_CHROMIUM,
// PGBR_BROWSER_KEEP=1 (keep the folder). Waiting is for a condition with a deadline, never a
// fixed pause.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { apiCall, freePort, startChild, stopChild } from './lib/children.mjs';
import { eventually } from './lib/wait.mjs';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const BINARY = path.resolve(process.env.PGBR_SUPERVISOR_BINARY || path.join(ROOT, 'build/pgbr-supervisor'));
const SHOTS = path.resolve(process.env.PGBR_SCREENSHOTS || path.join(HERE, 'screenshots'));
const CHROMIUM = process.env.PGBR_CHROMIUM || '/usr/bin/chromium';
const REPLICATION_PASSWORD = 'browser-repl-pw-Xk39';

const work = mkdtempSync('/tmp/pgbr-standby-browser-');
chmodSync(work, 0o755);
const children = [];
let browser;
let primary;
let standby;
// One browser context per server: both listen on 127.0.0.1, and cookies do not tell ports
// apart, so one context's sign-in on the second server would replace the first one's session.
const views = {};
let current;

// ------------------------------------------------------------------------------------ helpers

const start = (name, argv, env) => startChild(work, children, name, argv, env);
const stop = stopChild;

// A supervisor in work/<name>, configured like run.sh's, with the shared repository and the
// replication credentials; `more` adds to its environment. Returns its coordinates and API.
async function startSupervisor(name, more = {}) {
  const dir = path.join(work, name);
  const run = path.join(dir, 'run');
  mkdirSync(run, { recursive: true });
  mkdirSync(path.join(dir, 'initdb.d'));
  const ids = (flag) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  chownSync(run, ids('-u'), ids('-g'));
  const pgPort = await freePort();
  const apiPort = await freePort();
  const token = `browser-token-${name}-0123456789`;
  const child = start(name, [BINARY, 'postgres', '-c', `port=${pgPort}`, '-c', `unix_socket_directories=${run}`], {
    POSTGRES_PASSWORD: 'browser-secret-pw',
    POSTGRES_REPLICATION_USER: 'replicator',
    POSTGRES_REPLICATION_PASSWORD: REPLICATION_PASSWORD,
    PGDATA: path.join(dir, 'pgdata'),
    PGBR_STATE_DIR: path.join(dir, 'state'),
    PGBACKREST_REPO1_PATH: path.join(work, 'repo'),
    PGBR_API_LISTEN: `127.0.0.1:${apiPort}`,
    PGBR_API_TOKEN: token,
    PGBR_INITDB_DIR: path.join(dir, 'initdb.d'),
    PGBR_SCHEDULE_FULL: '',
    PGBR_SCHEDULE_DIFF: '',
    PGBR_SCHEDULE_INCR: '',
    PATH: process.env.PATH,
    LANG: 'C.UTF-8',
    ...more,
  });
  const base = `http://127.0.0.1:${apiPort}/`;
  const server = { name, child, base, token, pgPort };
  server.api = (method, route, body) => apiCall(base, token, method, route, body);
  server.status = async () => {
    assert.equal(child.exitCode, null, `the ${name} exited:\n${child.output().slice(-3000)}`);
    const { status, data } = await server.api('GET', '/api/v1/status');
    return status === 200 ? data : null;
  };
  return server;
}

// A signed-in page of `server` in a browser context of its own, collecting what went wrong.
async function openDashboard(server) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: 'UTC' });
  context.setDefaultTimeout(15000);
  const page = await context.newPage();
  const view = { server, context, page, errors: [] };
  page.on('pageerror', (err) => view.errors.push(`page error: ${String(err?.stack ?? err)}`));
  page.on('console', (message) => {
    if (message.type() === 'error') view.errors.push(`console error: ${message.text()}`);
  });
  await page.goto(server.base);
  await page.locator('[data-testid="signin-form"]').waitFor({ state: 'visible' });
  await page.locator('[data-testid="signin-token"]').fill(server.token);
  await page.locator('[data-testid="signin-submit"]').click();
  await page.locator('[data-testid="postgres-card"]').waitFor({ state: 'visible' });
  views[server.name] = view;
  return view;
}

const testid = (id) => current.page.locator(`[data-testid="${id}"]`);
const card = () => testid('replication-card');
const replicationAlert = () => current.page.locator('[data-testid="overview-alerts"] [data-testid="alert"][data-condition="replication"]');
async function textOf(locator) {
  return ((await locator.first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
}
async function shot(name) {
  await current.page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}
// At phone width the page is no wider than the screen (the standbys' table scrolls in its card);
// the card is captured as `name`.
async function fitsPhone(name) {
  await current.page.setViewportSize({ width: 375, height: 800 });
  try {
    await card().scrollIntoViewIfNeeded();
    const width = await current.page.evaluate(() => document.scrollingElement.scrollWidth);
    assert.ok(width <= 377, `the page is ${width} px wide at 375 px`);
    await card().screenshot({ path: path.join(SHOTS, `${name}.png`) });
  } finally {
    await current.page.setViewportSize({ width: 1280, height: 800 });
  }
}
// The Postgres card's "Mode" value.
async function postgresMode() {
  const row = testid('postgres-card').locator('.kv-row', { has: current.page.locator('dt', { hasText: /^Mode$/ }) });
  return textOf(row.locator('dd'));
}

function scenario(name, timeout, fn) {
  test(name, { timeout }, async (t) => {
    for (const view of Object.values(views)) view.errors.length = 0;
    try {
      await fn(t);
      for (const view of Object.values(views)) assert.deepEqual(view.errors.splice(0), [], `the ${view.server.name}'s page reported errors`);
    } catch (err) {
      if (current) {
        await current.page.screenshot({ path: path.join(SHOTS, `failed-standby-${name.split('.')[0]}.png`), fullPage: true }).catch(() => {});
        const main = await current.page.locator('main').innerText({ timeout: 2000 }).catch(() => '(unreadable)');
        t.diagnostic(`failed at ${current.page.url()}; the page shows: ${main.replace(/\s+/g, ' ').slice(0, 500)}`);
      }
      for (const server of [primary, standby].filter(Boolean)) {
        t.diagnostic(`the ${server.name}'s last output:\n${server.child.output().split('\n').slice(-25).join('\n')}`);
      }
      throw err;
    }
  });
}

// ------------------------------------------------------------------------------------ set-up

before(async () => {
  assert.equal(process.getuid(), 0, 'must run as root (the supervisor starts as root and drops to postgres)');
  assert.ok(existsSync(BINARY), `no supervisor binary at ${BINARY}; set PGBR_SUPERVISOR_BINARY`);
  mkdirSync(SHOTS, { recursive: true });
  for (const name of ['standby-overview', 'standby-card-375', 'primary-with-standby', 'primary-card-375', 'standby-primary-gone', 'standby-promoted']) {
    rmSync(path.join(SHOTS, `${name}.png`), { force: true });
  }

  // The primary: its start-up jobs (stanza-create, check, the first full backup) done.
  primary = await startSupervisor('primary');
  await eventually('the primary\'s start-up jobs to finish', async () => {
    const s = await primary.status();
    return s?.supervisor?.startup_done === true && s.running_job === null;
  }, { timeout: 300000, step: 500 });

  // The standby, restored from that backup, ready and streaming.
  // A full backup schedule on the standby (03:00, never reached here): shown as waiting for the
  // promotion, without a next run.
  // PGBR_NOTIFY_STANDBY_S: the replication alert 10 s after streaming stops, not 120 s.
  standby = await startSupervisor('standby', { PGBR_STANDBY_PRIMARY: `127.0.0.1:${primary.pgPort}`, PGBR_SCHEDULE_FULL: '0 3 * * *', PGBR_NOTIFY_STANDBY_S: '10' });
  await eventually('the standby to be ready', async () => {
    assert.equal(standby.child.exitCode, null, `the standby exited:\n${standby.child.output().slice(-3000)}`);
    return (await fetch(new URL('/readyz', standby.base))).status === 200;
  }, { timeout: 240000, step: 500 });
  await eventually('the standby to stream', async () => (await standby.status())?.replication?.streaming === true,
    { timeout: 90000, step: 500 });

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
});

after(async () => {
  await browser?.close();
  for (const child of children.reverse()) await stop(child);
  if (process.env.PGBR_BROWSER_KEEP === '1') console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
});

// ------------------------------------------------------------------------------------ scenarios

scenario('1. the standby\'s overview: the replication card streams, the other cards as ever', 120000, async () => {
  current = await openDashboard(standby);
  await card().waitFor({ state: 'visible' });
  assert.equal(await card().getAttribute('data-role'), 'standby');
  await eventually('the badge to say Streaming', async () => (await textOf(testid('replication-state'))) === 'Streaming');
  assert.match(await textOf(card()), new RegExp(`Standby of 127\\.0\\.0\\.1:${primary.pgPort}\\.`));
  const lag = await eventually('a lag', async () => {
    const text = await textOf(testid('replication-lag').locator('dd'));
    return /\d/.test(text) ? text : null;
  });
  assert.match(lag, /^\d+(\.\d+)? [KMG]?i?B(, .+)?$/, `the lag reads as an amount: ${lag}`);
  assert.equal(await testid('replication-error').count(), 0, 'no error while it streams');
  assert.ok(await testid('promote').isEnabled(), 'Promote is offered');
  for (const id of ['safety-summary', 'postgres-card', 'archive-card', 'repo-card', 'running-job', 'schedule-card']) {
    assert.ok(await testid(id).isVisible(), `${id} is shown`);
  }
  // The mode is "—" until the monitor's next read of Postgres succeeds: wait for it.
  await eventually('the Postgres card to say read-only', async () => (await postgresMode()) === 'In recovery (read-only)', { timeout: 30000 });
  assert.match(await textOf(testid('archive-health')), /^A standby does not archive: its primary does/);
  const full = await textOf(testid('schedule-row-full'));
  assert.match(full, /runs once promoted/, full);
  assert.doesNotMatch(full, /on time|Overdue/, full);
  // A backup asked of the standby is refused with the reason, shown on the page.
  await testid('backup-incr').click();
  await testid('error-message').waitFor({ state: 'visible' });
  assert.match(await textOf(testid('error-message')), /this server is a standby/);
  assert.equal(await textOf(testid('error-code')), 'conflict');
  await testid('error-dismiss').click();
  await testid('error-message').waitFor({ state: 'hidden' });
  // Chromium logs the refused request itself as a console error: that one was asked for.
  current.errors = current.errors.filter((e) => !/status of 409/.test(e));
  await shot('standby-overview');
  await fitsPhone('standby-card-375');
});

scenario('2. the primary\'s overview lists its standby', 120000, async () => {
  current = await openDashboard(primary);
  await eventually('the primary\'s replication card', async () =>
    (await card().count()) === 1 && (await card().getAttribute('data-role')) === 'primary', { timeout: 30000 });
  const rows = await eventually('the standby in the table', async () => {
    const cells = await testid('standby-table').locator('tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [...tr.cells].map((td) => td.textContent.trim())));
    return cells.length > 0 ? cells : null;
  });
  assert.equal(rows.length, 1, `one standby: ${JSON.stringify(rows)}`);
  const [, address, state, lag] = rows[0];
  assert.equal(address, '127.0.0.1');
  assert.equal(state, 'streaming');
  assert.ok(lag.length > 0, 'a lag cell');
  assert.match(await textOf(card()), /Primary with 1 streaming standby\./);
  await eventually('the Postgres card to say primary', async () => (await postgresMode()) === 'Primary (read-write)', { timeout: 30000 });
  await shot('primary-with-standby');
  await fitsPhone('primary-card-375');
  // Its page goes before its server: polling a stopped server is an error in the console.
  await current.context.close();
  delete views.primary;
});

scenario('3. the primary stops: the standby no longer streams and says why', 120000, async () => {
  const code = await stop(primary.child);
  assert.equal(code, 0, `the primary stopped cleanly:\n${primary.child.output().slice(-2000)}`);
  current = views.standby;
  await eventually('the badge to say Not streaming', async () => (await textOf(testid('replication-state'))) === 'Not streaming',
    { timeout: 30000 });
  assert.equal(await card().getAttribute('data-role'), 'standby');
  // The primary is probed every 15 s: what it answered is shown under the badge.
  // A probe during the primary's shutdown reads "the database system is shutting down"; the
  // next one, 15 s later, the refused connection.
  let error = '';
  const refused = await eventually('the reason to name the refused connection', async () => {
    error = (await testid('replication-error').count()) ? await textOf(testid('replication-error')) : '';
    return /refused/.test(error);
  }, { timeout: 40000 }).catch(() => false);
  assert.ok(refused, `the reason names the refused connection: ${error}`);
  // Still a standby, it alerts that it does not stream: the overview lists it.
  const alert = replicationAlert();
  await eventually('the replication alert on the overview', async () => (await alert.count()) === 1, { timeout: 30000 });
  assert.equal(await alert.getAttribute('data-severity'), 'warning');
  assert.match(await textOf(alert), /has not streamed from its primary 127\.0\.0\.1:\d+/);
  await shot('standby-primary-gone');
});

scenario('4. promoted from its card: asked first, then a primary with a backup of its timeline', 400000, async () => {
  const page = current.page;
  // Cancel: nothing happens.
  await testid('promote').click();
  await testid('confirm-dialog').waitFor({ state: 'visible' });
  assert.match(await textOf(testid('confirm-dialog')), /Promote this standby\?.*Stop the old primary first/);
  await testid('confirm-cancel').click();
  await testid('confirm-dialog').waitFor({ state: 'detached' });
  const jobs = await standby.api('GET', '/api/v1/jobs?limit=50');
  assert.deepEqual(jobs.data.jobs, [], 'no job after Cancel');
  assert.equal(await card().getAttribute('data-role'), 'standby');

  // Confirmed: the request names the stanza, the toast the job.
  await testid('promote').click();
  await testid('confirm-dialog').waitFor({ state: 'visible' });
  const [request] = await Promise.all([
    page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/promote'),
    testid('confirm-ok').click(),
  ]);
  assert.deepEqual(request.postDataJSON(), { confirm: 'main' });
  await testid('toast').waitFor({ state: 'visible' });
  const toast = await textOf(testid('toast'));
  const id = /job (\S+)\./.exec(toast)?.[1];
  assert.ok(id, `the toast names the job: ${toast}`);
  assert.equal(await testid('toast').locator('a').getAttribute('href'), `#/jobs/${encodeURIComponent(id)}`);

  const job = await eventually(`job ${id} to finish`, async () => {
    const { data } = await standby.api('GET', `/api/v1/jobs/${encodeURIComponent(id)}`);
    return ['succeeded', 'failed', 'cancelled'].includes(data?.state) ? data : null;
  }, { timeout: 120000, step: 500 });
  assert.equal(job.kind, 'promote');
  assert.equal(job.state, 'succeeded', JSON.stringify(job));

  // A primary without standbys shows no replication card.
  await card().waitFor({ state: 'detached', timeout: 30000 });
  await eventually('the Postgres card to say primary', async () => (await postgresMode()) === 'Primary (read-write)', { timeout: 30000 });
  assert.equal((await standby.status()).replication?.role, 'primary');
  // The toast (fixed, over the running job) is gone before the picture.
  await testid('toast').waitFor({ state: 'hidden', timeout: 15000 });
  // A primary now: the replication alert is resolved.
  await eventually('the replication alert to go', async () => (await replicationAlert().count()) === 0, { timeout: 30000 });
  await shot('standby-promoted');

  // The new timeline's first backup: a job with trigger "restore", which succeeds.
  const backup = await eventually('the new timeline\'s backup to finish', async () => {
    const { data } = await standby.api('GET', '/api/v1/jobs?limit=50');
    const found = data?.jobs?.find((j) => j.kind === 'backup' && j.trigger === 'restore');
    return found && ['succeeded', 'failed', 'cancelled'].includes(found.state) ? found : null;
  }, { timeout: 300000, step: 1000 });
  assert.equal(backup.state, 'succeeded', JSON.stringify(backup));
  await eventually('the overview to show the backup finished', async () =>
    (await testid('running-job').getAttribute('data-state')) === 'idle', { timeout: 30000 });
});
