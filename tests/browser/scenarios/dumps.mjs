// The Dumps page: run a dump, download a database's file, restore it into a new database, and
// replace the database it came from (consequences shown, the button locked until its name is
// typed, the content back as dumped); then delete the run.
//
// Makes its own database (DUMPED) with known rows, and drops what it made.

import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { BASE, api, eventually, psql } from '../lib/server.mjs';
import {
  assertNoErrorShown, assertNoPageErrors, byTestId, page, scenario, shot, takeShownErrors, testid,
  textOf, visible,
} from '../lib/browser.mjs';

// A database of this scenario's own, so that replacing it ends no one else's sessions. Its rows
// are known: after the dump they are changed, and the replace must bring back the dumped ones.
const DUMPED = 'browser_dumped';
const DUMPED_ROWS = 40;
const rowsOf = (database) => psql("select count(*) || ':' || count(*) filter (where v = 'dumped') || ':' || max(id) from items", { database }).out;

scenario('5d. dumps: run one, download a database, restore it into a new name, then replace it through the form', 300000, async (t) => {
  psql([`drop database if exists ${DUMPED}`, `create database ${DUMPED}`]);
  psql([
    'create table items (id int primary key, v text not null)',
    `insert into items select g, 'dumped' from generate_series(1, ${DUMPED_ROWS}) g`,
  ], { database: DUMPED });
  const dumpedRows = `${DUMPED_ROWS}:${DUMPED_ROWS}:${DUMPED_ROWS}`;
  assert.equal(rowsOf(DUMPED), dumpedRows);

  await testid('nav-dumps').click();
  await visible('dump-now-form');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="dump-db-choice"]').length > 0);
  assert.equal(await page.locator(`${byTestId('dump-db-choice')}[value="${DUMPED}"]`).isChecked(), true, `${DUMPED} is offered, ticked`);
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
  const db = DUMPED;
  assert.equal(run.databases.find((d) => d.name === db)?.tables, 1, `the run holds ${db} with its table: ${JSON.stringify(run.databases)}`);
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
  assert.equal(rowsOf(into), dumpedRows, `${into} holds the dumped rows`);

  // The same again: the name exists now, and the API's refusal is shown as its message.
  await testid('dump-restore-submit').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="error-code"]')?.textContent === 'conflict');
  assert.match(await textOf('error-message'), new RegExp(into));
  assert.equal((await takeShownErrors()).length, 1);
  await testid('error-dismiss').click();

  // The database changes after the dump: a replace must bring back the dumped content.
  psql([
    `delete from items where id > ${DUMPED_ROWS - 10}`,
    "update items set v = 'changed' where id <= 5",
    "insert into items values (1000, 'after the dump')",
  ], { database: DUMPED });
  assert.equal(rowsOf(db), `${DUMPED_ROWS - 9}:${DUMPED_ROWS - 15}:1000`);
  const oidBefore = psql(`select oid from pg_database where datname = '${db}'`).out;

  // Replace: the consequences are spelled out; the button waits for the exact name.
  await testid('dump-restore-replace').check();
  assert.equal(await testid('dump-restore-consequences').isVisible(), true, 'the consequences are shown');
  assert.match(await textOf('dump-restore-consequences'), /sessions? .*end/);
  assert.match(await textOf('dump-restore-consequences'), /replaced/);
  assert.equal(await testid('dump-restore-submit').isDisabled(), true, 'disabled with nothing typed');
  await testid('dump-restore-confirm').fill(db.slice(0, -1));
  assert.equal(await testid('dump-restore-submit').isDisabled(), true, 'disabled with part of the name');
  await testid('dump-restore-confirm').fill(db.toUpperCase());
  assert.equal(await testid('dump-restore-submit').isDisabled(), true, 'disabled with the name in other case');
  await testid('dump-restore-confirm').fill(`${db} `);
  assert.equal(await testid('dump-restore-submit').isDisabled(), true, 'disabled with a trailing space');
  await testid('dump-restore-confirm').fill(db);
  assert.equal(await testid('dump-restore-submit').isDisabled(), false, 'enabled once the name matches');
  assert.match(await textOf('dump-restore-submit'), new RegExp(`Replace ${db}`));
  await shot('05d-dumps-restore-replace');

  // Submit: the request names the database as "into" and as the confirmation; the job line
  // follows the job to its end.
  const answered = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/api/v1/dumps/${encodeURIComponent(run.id)}/restore`));
  await testid('dump-restore-submit').click();
  const started = await answered;
  assert.equal(started.status(), 202, await started.text());
  assert.deepEqual(JSON.parse(started.request().postData()), { database: db, into: db, confirm: db });
  const replaceJob = (await started.json()).job.id;
  const replaceLine = page.locator(`${byTestId('dump-restore')} ${byTestId('dump-job')}[data-job="${replaceJob}"]`);
  await page.waitForFunction(
    (sel) => ['succeeded', 'failed', 'cancelled'].includes(document.querySelector(sel)?.getAttribute('data-state')),
    `[data-testid="dump-restore"] [data-testid="dump-job"][data-job="${replaceJob}"]`,
    { timeout: 120000 },
  );
  assert.equal(await replaceLine.getAttribute('data-state'), 'succeeded', await replaceLine.textContent());
  assert.match(await replaceLine.textContent(), new RegExp(`Restore of ${db} into ${db}: job`));
  // Done, the form asks for the name again before another replace.
  assert.equal(await testid('dump-restore-confirm').inputValue(), '');
  assert.equal(await testid('dump-restore-submit').isDisabled(), true, 'a second replace needs the name again');
  await shot('05d-dumps-replaced');

  // The API: the job says it replaced the database with the manifest's rows, and the database
  // is still listed, with no scratch copy left beside it.
  const replaced = (await api('GET', `/api/v1/jobs/${encodeURIComponent(replaceJob)}`)).data;
  assert.equal(replaced.state, 'succeeded', replaced.message);
  assert.equal(replaced.kind, 'dump-restore', JSON.stringify(replaced));
  assert.deepEqual(
    { replaced: replaced.result?.replaced, into: replaced.result?.into, rows: replaced.result?.rows },
    { replaced: true, into: db, rows: DUMPED_ROWS },
    JSON.stringify(replaced.result),
  );
  const names = ((await api('GET', '/api/v1/databases')).data?.databases ?? []).map((d) => d.name);
  assert.ok(names.includes(db), `${db} is still listed: ${names.join(', ')}`);
  assert.deepEqual(names.filter((n) => n.startsWith('pgbr_restore_')), [], 'no scratch database is left');
  // Postgres: a new database under the same name, holding the rows as dumped.
  assert.notEqual(psql(`select oid from pg_database where datname = '${db}'`).out, oidBefore, 'a new database took the name');
  assert.equal(rowsOf(db), dumpedRows, `${db} holds the dumped rows again`);
  assert.equal(psql('select count(*) from items where id = 1000', { database: db }).out, '0', 'the row written after the dump is gone');

  // Delete the run: the button waits for its id.
  await testid('dump-restore-close').click();
  await row.locator(byTestId('dump-delete-open')).click();
  await visible('dump-delete-form');
  assert.equal(await testid('dump-delete-submit').isDisabled(), true);
  await testid('dump-delete-confirm').fill(run.id);
  await testid('dump-delete-submit').click();
  await row.waitFor({ state: 'detached', timeout: 30000 });
  assert.equal(((await api('GET', '/api/v1/dumps')).data?.dumps ?? []).length, before.length);
  psql([`drop database "${into}"`, `drop database ${DUMPED}`]);
  assertNoPageErrors();
  await assertNoErrorShown();
});
