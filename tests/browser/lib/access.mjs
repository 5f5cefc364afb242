// What a browser without a valid session may do: nothing. The routes the dashboard calls, and
// the check that each refused them, shared by the signed-out scenarios (before signing in and
// after signing out).

import assert from 'node:assert/strict';

// The routes the dashboard calls, with harmless bodies: each must be refused before it runs.
export function dashboardRoutes(jobId) {
  const job = encodeURIComponent(jobId);
  return [
    { method: 'GET', route: '/api/v1/status' },
    { method: 'GET', route: '/api/v1/backups' },
    { method: 'GET', route: '/api/v1/jobs?limit=50' },
    { method: 'GET', route: `/api/v1/jobs/${job}` },
    { method: 'GET', route: `/api/v1/jobs/${job}/log?tail=1000` },
    { method: 'GET', route: `/api/v1/jobs/${job}/log?follow=1&after=0` },
    { method: 'GET', route: '/api/v1/processes' },
    { method: 'GET', route: '/api/v1/logs' },
    { method: 'GET', route: '/api/v1/logs/postgres?tail=500' },
    { method: 'GET', route: '/api/v1/logs/postgres?follow=1&after=0' },
    { method: 'GET', route: '/api/v1/schedule' },
    { method: 'GET', route: '/api/v1/config' },
    { method: 'POST', route: '/api/v1/backups', body: { type: 'incr' } },
    { method: 'POST', route: `/api/v1/jobs/${job}/cancel`, body: {} },
    { method: 'POST', route: '/api/v1/restore', body: { type: 'delta', confirm: 'not-the-stanza' } },
    { method: 'POST', route: '/api/v1/processes/postgres/start', body: {} },
    { method: 'DELETE', route: '/api/v1/logs/supervisor' },
  ];
}

export function assertAllRefused(answers, why) {
  const wrong = answers.filter((a) => a.status !== 401 || a.error?.code !== 'unauthorized');
  assert.deepEqual(wrong, [], `${why}: every route must answer 401 unauthorized`);
}
