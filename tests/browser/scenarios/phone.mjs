// At a phone's width (375 px): the overview and every page fit without scrolling sideways, and
// the navigation works by keyboard.

import assert from 'node:assert/strict';
import { BASE, TOKEN } from '../lib/server.mjs';
import {
  DESKTOP, PHONE, assertNoPageErrors, context, goto, page, scenario, shot, signInThroughForm, testid,
  textOf, visible,
} from '../lib/browser.mjs';

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
    ['#/processes', 'processes-table'], ['#/restore', 'restore-form'], ['#/dumps', 'dump-now-form'],
    ['#/notifications', 'notify-no-channels']]) {
    await goto(route);
    await visible(ready);
    widths[route] = await page.evaluate(() => document.scrollingElement.scrollWidth);
    await shot(`08-${route.slice(2)}-375`);
  }
  // run.sh configures no channel: the notifications page says so, with the settings to set.
  assert.match(await textOf('notify-no-channels'), /No notification channel is configured/);
  assert.match(await textOf('notify-no-channels'), /PGBR_NOTIFY_WEBHOOK_URLS/);
  t.diagnostic(`page widths at ${PHONE.width} px: ${JSON.stringify(widths)}`);
  const tooWide = Object.entries(widths).filter(([, w]) => w > PHONE.width + 2);
  assert.deepEqual(tooWide, [], 'pages wider than the phone');
  await page.setViewportSize(DESKTOP);
  assertNoPageErrors();
});
