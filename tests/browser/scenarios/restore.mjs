// The Restore page: a restore point made while the form is open is offered by it; then a
// point-in-time restore through the form, followed to its end, brings the rows back as they were.
//
// The restore replaces the whole cluster: it comes after every scenario that writes data it
// checks later.

import assert from 'node:assert/strict';
import { api, eventually, psql, status } from '../lib/server.mjs';
import {
  assertNoErrorShown, assertNoPageErrors, byTestId, page, recorded, scenario, shot, testid, textOf,
  visible, watch,
} from '../lib/browser.mjs';

scenario('5e. a restore point made for a deploy while the form is open is offered by it', 90000, async () => {
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
  await shot('05e-restore-point-offered');
  // Scenario 6 opens the form afresh (its window read anew), as a user coming from elsewhere.
  await testid('nav-overview').click();
  await visible('postgres-card');
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
