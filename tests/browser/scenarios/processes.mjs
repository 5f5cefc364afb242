// The processes page: Postgres restarted from its button, its log cleared and followed; then
// Postgres stopped through the API, and what the overview says meanwhile.
//
// Leaves Postgres running and archiving healthy.

import assert from 'node:assert/strict';
import { api, eventually, psql, status } from '../lib/server.mjs';
import {
  assertNoErrorShown, assertNoPageErrors, byTestId, page, recorded, scenario, shot, testid, textOf,
  visible, watch,
} from '../lib/browser.mjs';

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
