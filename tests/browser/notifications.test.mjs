// The dashboard's notifications, driven through a real Chromium against a real pgbr-supervisor
// that sends to real receivers: the HTTPS webhook receiver (tests/support/notify-receiver.py,
// a CA of its own) and the SMTP server with STARTTLS and AUTH (tests/support/smtp-server.py).
// What the page shows is checked against what the receivers got.
//
//   node --test --test-reporter=spec tests/browser/notifications.test.mjs
//
// Self-contained (run.sh starts a supervisor without notification channels): it starts the two
// receivers and its own supervisor, configured like run.sh's plus PGBR_NOTIFY_*, in a temporary
// folder, and stops them all afterwards. Runs as root. Environment: PGBR_SUPERVISOR_BINARY
// (default build/pgbr-supervisor), PGBR_SCREENSHOTS (default tests/browser/screenshots),
// PGBR_CHROMIUM, PGBR_BROWSER_KEEP=1 (keep the folder). Waiting is for a condition with a
// deadline, never a fixed pause.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const TOKEN = 'browser-token-notify-0123456789';
// Distinctive values: finding one in the page or an API answer is a leak.
const HOOK_PATH_SECRET = 'hook-path-Qz71Vw';
const HMAC_SECRET = 'hmac-secret-Lp40Xe';
const SMTP_USER = 'alerts@example.test';
const SMTP_PASSWORD = 'smtp-pw-Rt58Km';

const work = mkdtempSync('/tmp/pgbr-notify-browser-');
chmodSync(work, 0o755);
const children = [];
let supervisor;
let base;
let context;
let page;
const pageErrors = [];

// ------------------------------------------------------------------------------------ helpers

const start = (name, argv, env) => startChild(work, children, name, argv, env);
const stop = stopChild;
const api = (method, route, body) => apiCall(base, TOKEN, method, route, body);

async function waitJob(id, timeout = 180000) {
  return eventually(`job ${id} to finish`, async () => {
    const { data } = await api('GET', `/api/v1/jobs/${encodeURIComponent(id)}`);
    return ['succeeded', 'failed', 'cancelled'].includes(data?.state) ? data : null;
  }, { timeout, step: 500 });
}

async function backup(type) {
  const answer = await api('POST', '/api/v1/backups', { type });
  assert.equal(answer.status, 202, `POST /api/v1/backups: ${answer.text}`);
  return waitJob(answer.data.job.id);
}

// What the webhook receiver recorded (requests.jsonl), each with its body parsed.
function webhookRequests() {
  const file = path.join(work, 'hook', 'requests.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => {
    const entry = JSON.parse(line);
    try {
      entry.json = JSON.parse(entry.body);
    } catch {
      entry.json = null;
    }
    return entry;
  });
}

function mails() {
  const dir = path.join(work, 'smtp', 'messages');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => n.endsWith('.eml')).sort().map((n) => readFileSync(path.join(dir, n), 'utf8'));
}

// The Subject header, unfolded and with its RFC 2047 encoded words decoded.
function decodeSubject(mail) {
  const headers = mail.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
  const raw = /^Subject: (.*)$/m.exec(headers)?.[1] ?? '';
  const words = raw.replace(/\?=\s+=\?/g, '?==?');
  const decoded = words.replace(/=\?UTF-8\?B\?([^?]*)\?=/gi, (_, b64) => `\u0000${b64}\u0000`);
  // Encoded words may split a character: join their bytes before decoding them as UTF-8.
  const parts = decoded.split('\u0000').map((part, i) => (i % 2 ? Buffer.from(part, 'base64') : Buffer.from(part)));
  return Buffer.concat(parts).toString('utf8');
}

const testid = (id) => page.locator(`[data-testid="${id}"]`);
async function visible(id, timeout = 15000) {
  await testid(id).first().waitFor({ state: 'visible', timeout });
}
async function shot(name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}
async function openTab(name) {
  await testid(`nav-${name}`).click();
  await page.waitForFunction((hash) => location.hash === hash, `#/${name}`);
}

function assertNoSecret(text, where) {
  for (const secret of [HOOK_PATH_SECRET, HMAC_SECRET, SMTP_PASSWORD]) {
    assert.ok(!text.includes(secret), `${where} shows the secret ${secret}`);
  }
}

function scenario(name, timeout, fn) {
  test(name, { timeout }, async (t) => {
    pageErrors.length = 0;
    try {
      await fn(t);
      assert.deepEqual(pageErrors.splice(0), [], 'the page threw uncaught errors');
    } catch (err) {
      await shot(`failed-notifications-${name.split('.')[0]}`).catch(() => {});
      const main = await page.locator('main').innerText({ timeout: 2000 }).catch(() => '(unreadable)');
      t.diagnostic(`failed at ${page.url()}; the page shows: ${main.replace(/\s+/g, ' ').slice(0, 500)}`);
      throw err;
    }
  });
}

// ------------------------------------------------------------------------------------ set-up

before(async () => {
  assert.equal(process.getuid(), 0, 'must run as root (the supervisor starts as root and drops to postgres)');
  assert.ok(existsSync(BINARY), `no supervisor binary at ${BINARY}; set PGBR_SUPERVISOR_BINARY`);
  mkdirSync(SHOTS, { recursive: true });
  const tls = path.join(work, 'tls');
  const hookPort = await freePort();
  const smtpPort = await freePort();
  start('receiver', [PYTHON, path.join(ROOT, 'tests/support/notify-receiver.py'), 'serve',
    '--dir', path.join(work, 'hook'), '--tls-dir', tls, '--port', String(hookPort)], process.env);
  start('smtp', [PYTHON, path.join(ROOT, 'tests/support/smtp-server.py'), '--dir', path.join(work, 'smtp'),
    '--tls-dir', tls, '--port', String(smtpPort), '--user', SMTP_USER, '--password', SMTP_PASSWORD], process.env);
  await eventually('the receivers', () => existsSync(path.join(work, 'hook', 'port')) && existsSync(path.join(work, 'smtp', 'port')), { timeout: 60000 });

  const pgPort = await freePort();
  const apiPort = await freePort();
  const run = path.join(work, 'run');
  mkdirSync(run);
  mkdirSync(path.join(work, 'initdb.d'));
  const ids = (flag) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  chownSync(run, ids('-u'), ids('-g'));
  base = `http://127.0.0.1:${apiPort}/`;
  supervisor = start('supervisor', [BINARY, 'postgres', '-c', `port=${pgPort}`, '-c', `unix_socket_directories=${run}`], {
    POSTGRES_PASSWORD: 'browser-secret-pw',
    PGDATA: path.join(work, 'pgdata'),
    PGBR_STATE_DIR: path.join(work, 'state'),
    PGBR_API_LISTEN: `127.0.0.1:${apiPort}`,
    PGBR_API_TOKEN: TOKEN,
    PGBR_INITDB_DIR: path.join(work, 'initdb.d'),
    PGBR_SCHEDULE_FULL: '',
    PGBR_SCHEDULE_DIFF: '',
    PGBR_SCHEDULE_INCR: '',
    PGBR_NOTIFY_WEBHOOK_URLS: `json+https://127.0.0.1:${hookPort}/hooks/${HOOK_PATH_SECRET}`,
    PGBR_NOTIFY_WEBHOOK_SECRET: HMAC_SECRET,
    PGBR_NOTIFY_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    PGBR_NOTIFY_SMTP_USER: SMTP_USER,
    PGBR_NOTIFY_SMTP_PASSWORD: SMTP_PASSWORD,
    PGBR_NOTIFY_EMAIL_FROM: 'pgbr <alerts@example.test>',
    PGBR_NOTIFY_EMAIL_TO: 'ops@example.test',
    PGBR_NOTIFY_CA_FILE: path.join(tls, 'ca.pem'),
    PATH: process.env.PATH,
    LANG: 'C.UTF-8',
  });
  await eventually('the start-up jobs to finish', async () => {
    assert.equal(supervisor.exitCode, null, `the supervisor exited:\n${supervisor.output().slice(-3000)}`);
    const { status, data } = await api('GET', '/api/v1/status');
    return status === 200 && data.supervisor?.startup_done === true && data.running_job === null;
  }, { timeout: 300000, step: 500 });

  context = await chromium.launchPersistentContext(path.join(work, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    viewport: { width: 1280, height: 800 },
    timezoneId: 'UTC',
  });
  context.setDefaultTimeout(15000);
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (err) => pageErrors.push(String(err?.stack ?? err)));
});

after(async () => {
  await context?.close();
  for (const child of children.reverse()) await stop(child);
  if (process.env.PGBR_BROWSER_KEEP === '1') console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
});

// ------------------------------------------------------------------------------------ scenarios

scenario('1. the channels, then a test that reaches each of them', 120000, async () => {
  await page.goto(base);
  await visible('signin-form');
  await testid('signin-token').fill(TOKEN);
  await testid('signin-submit').click();
  await visible('postgres-card');
  assert.equal(await testid('overview-alerts').count(), 0, 'no alert is shown while none is active');

  await openTab('notifications');
  await eventually('two channels', async () => (await testid('notify-channel').count()) === 2);
  const kinds = await testid('notify-channel').evaluateAll((els) => els.map((el) => el.dataset.kind).sort());
  assert.deepEqual(kinds, ['email', 'webhook']);
  assertNoSecret(await page.locator('main').innerText(), 'the notifications page');
  assertNoSecret((await api('GET', '/api/v1/notifications')).text, 'GET /api/v1/notifications');

  const before = webhookRequests().length;
  await testid('notify-test').click();
  await eventually('both results', async () => (await testid('notify-test-result').count()) === 2, { timeout: 60000 });
  const results = await testid('notify-test-result').evaluateAll((els) => els.map((el) => [el.dataset.channel, el.dataset.ok]));
  assert.ok(results.every(([, ok]) => ok === 'true'), `every channel took the test: ${JSON.stringify(results)}`);

  const posted = webhookRequests().slice(before);
  assert.equal(posted.length, 1, 'one POST per test');
  const signature = `sha256=${createHmac('sha256', HMAC_SECRET).update(posted[0].body).digest('hex')}`;
  assert.equal(posted[0].headers['x-pgbr-signature-256'], signature, 'the HMAC signature verifies');
  assert.equal(posted[0].path, `/hooks/${HOOK_PATH_SECRET}`);
  const mail = await eventually('the test mail', () => mails().at(-1));
  assert.match(mail, /^Subject: .+/m);

  await eventually('the delivery log shows the test', async () => (await page.locator('[data-testid="delivery-row"][data-state="delivered"]').count()) >= 2);
  await shot('n1-notifications-test');
});

scenario('2. a failing receiver is reported by the test, with its answer', 120000, async () => {
  writeFileSync(path.join(work, 'hook', 'status'), '500\n');
  try {
    await testid('notify-test').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="notify-test-result"][data-ok="false"]'), null, { timeout: 60000 });
    const error = await testid('notify-test-error').first().innerText();
    assert.match(error, /500/, `the webhook's error names the status: ${error}`);
    assert.equal(await page.locator('[data-testid="notify-test-result"][data-ok="true"]').count(), 1, 'the mail still went');
    await shot('n2-notifications-test-failing');
  } finally {
    rmSync(path.join(work, 'hook', 'status'), { force: true });
  }
});

scenario('3. a failed backup is an alert at the top of the overview, and goes to the channels', 400000, async () => {
  const backups = path.join(work, 'state', 'repo', 'backup', 'main');
  const mode = statSync(backups).mode & 0o7777;
  chmodSync(backups, 0o555);  // pgbackrest (as postgres) cannot create the backup's folder
  let failed;
  try {
    failed = await backup('full');
  } finally {
    chmodSync(backups, mode);
  }
  assert.equal(failed.state, 'failed', 'the backup failed as arranged');

  await openTab('overview');
  await visible('overview-alerts', 30000);
  const alert = page.locator('[data-testid="overview-alerts"] [data-testid="alert"]').first();
  const condition = await alert.getAttribute('data-condition');
  assert.match(condition, /^job-failed/, `the alert's condition: ${condition}`);
  assert.match(await alert.innerText(), /since/);
  assert.equal(await alert.locator('[data-testid="alert-job"]').getAttribute('href'), `#/jobs/${encodeURIComponent(failed.id)}`);
  const firing = await eventually('the firing alert at the receiver', () =>
    webhookRequests().find((r) => r.json?.condition === condition && r.json?.state === 'firing'), { timeout: 20000 });
  assert.equal(firing.headers['x-pgbr-signature-256'], `sha256=${createHmac('sha256', HMAC_SECRET).update(firing.body).digest('hex')}`);
  const mail = await eventually('the firing alert by mail', () => mails().find((m) => m.includes(`Condition: ${condition}`) && m.includes('State: firing')), { timeout: 20000 });
  const subject = decodeSubject(mail);
  assert.match(subject, /main/, `the subject names the stanza: ${subject}`);
  assert.match(subject, /full backup failed/, `the subject names the problem: ${subject}`);
  await shot('n3-overview-alert');

  await openTab('notifications');
  await eventually('the alert on the notifications page', async () =>
    (await page.locator(`[data-testid="notify-alerts"] [data-condition="${condition}"]`).count()) === 1);
  await eventually('its delivery in the log', async () =>
    (await page.locator('[data-testid="delivery-row"]').allInnerTexts()).some((text) => text.includes(condition)));
  await shot('n3-notifications-alert');

  const fixed = await backup('full');
  assert.equal(fixed.state, 'succeeded');
  await eventually('the resolved notification', () =>
    webhookRequests().find((r) => r.json?.condition === condition && r.json?.state === 'resolved'), { timeout: 20000 });
  await eventually('no active alert on the page', async () => (await page.locator('[data-testid="notify-no-alerts"]').count()) === 1);
  await openTab('overview');
  await visible('postgres-card');
  assert.equal(await testid('overview-alerts').count(), 0, 'the overview shows no alert once resolved');
});

scenario('4. phone width: the notifications page fits', 60000, async () => {
  await page.setViewportSize({ width: 375, height: 800 });
  await openTab('notifications');
  await visible('notify-deliveries');
  const width = await page.evaluate(() => document.scrollingElement.scrollWidth);
  assert.ok(width <= 377, `the page is ${width} px wide at 375 px`);
  await shot('n4-notifications-375');
  await page.setViewportSize({ width: 1280, height: 800 });
});
