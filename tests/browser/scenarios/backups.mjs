// The overview, the backups page and the jobs page around one full backup started from the
// overview's button: the running job with its progress, the new row and chart marks, then the
// job's page with pgBackRest's log.
//
// Leaves one more full backup in the repository: the later scenarios (drill, restore) use it.

import assert from 'node:assert/strict';
import { api, eventually } from '../lib/server.mjs';
import {
  assertNoErrorShown, assertNoPageErrors, byTestId, goto, page, recorded, scenario, shot, testid,
  textOf, visible, watch,
} from '../lib/browser.mjs';

// The backup job scenario 3 started; scenario 4 opens its log.
let jobForLog = null;

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
