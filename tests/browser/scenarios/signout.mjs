// Signing out: the cookies are cleared, every page shows the sign-in card, every route is
// refused, also with the old session cookie replayed; a valid session cookie without the CSRF
// header cannot change anything.
//
// Leaves the browser signed out.

import assert from 'node:assert/strict';
import { BASE, TOKEN, anyJobId, api } from '../lib/server.mjs';
import { assertAllRefused, dashboardRoutes } from '../lib/access.mjs';
import {
  assertNoPageErrors, context, goto, page, pageFetch, scenario, testid, textOf, visible,
} from '../lib/browser.mjs';

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
