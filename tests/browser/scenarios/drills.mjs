// The Drills page: a restore drill started from its button passes (it restores the latest
// backup elsewhere and counts the rows), its report opens, and the overview says so.

import assert from 'node:assert/strict';
import { api, eventually, status } from '../lib/server.mjs';
import {
  assertNoErrorShown, assertNoPageErrors, page, scenario, shot, testid, textOf, visible,
} from '../lib/browser.mjs';

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
