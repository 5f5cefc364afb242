// Signing in: signed out, only the sign-in card shows and the API refuses every route the
// dashboard calls; a wrong token shows the API's own error; the right one opens the overview with
// Postgres running and a freshly switched WAL segment shown as archived.
//
// Leaves the browser signed in, on the overview.

import assert from 'node:assert/strict';
import { BASE, TOKEN, anyJobId, psql } from '../lib/server.mjs';
import { assertAllRefused, dashboardRoutes } from '../lib/access.mjs';
import {
  assertNoErrorShown, assertNoPageErrors, context, page, pageFetch, scenario, shot, signInThroughForm,
  takeShownErrors, testid, textOf, visible,
} from '../lib/browser.mjs';

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
