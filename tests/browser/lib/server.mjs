// The supervisor under test, as a script sees it: its coordinates (from run.sh's environment),
// its API with the bearer token, psql on its Postgres socket, and the one way the tests wait for
// anything (a condition polled until a deadline, never a fixed pause).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

import { apiCall } from './children.mjs';

export { eventually } from './wait.mjs';

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: start the tests with tests/browser/run.sh`);
  return value;
}

export const BASE = required('PGBR_URL');
export const TOKEN = required('PGBR_TOKEN');
const PG_PORT = required('PGBR_PG_PORT');
const PG_SOCKET = required('PGBR_PG_SOCKET');
const PG_PASSWORD = required('PGBR_PG_PASSWORD');
const PGBIN = required('PGBR_PGBIN');
export const PROFILE = required('PGBR_PROFILE');
export const SHOTS = required('PGBR_SCREENSHOTS');
export const CHROMIUM = process.env.PGBR_CHROMIUM || '/usr/bin/chromium';

// The API as a script sees it: bearer token, JSON.
export async function api(method, route, body) {
  const { status, data } = await apiCall(BASE, TOKEN, method, route, body);
  return { status, data };
}

export async function status() {
  const answer = await api('GET', '/api/v1/status');
  assert.equal(answer.status, 200, `GET /api/v1/status answered ${answer.status}`);
  return answer.data;
}

export async function anyJobId() {
  const { data } = await api('GET', '/api/v1/jobs?limit=1');
  assert.ok(data.jobs.length > 0, 'the start-up jobs are listed');
  return data.jobs[0].id;
}

// psql as the postgres user on the supervisor's socket, connected to `database`. Returns stdout
// (unaligned, tuples only); throws with psql's output on failure unless `mayFail`. Each
// statement is its own -c, so each commits on its own (CREATE DATABASE cannot run in a
// transaction block).
export function psql(statements, { mayFail = false, database = 'postgres' } = {}) {
  const args = ['-u', 'postgres', '--', path.join(PGBIN, 'psql'), '-X', '-A', '-t', '-q',
    '-v', 'ON_ERROR_STOP=1', '-h', PG_SOCKET, '-p', PG_PORT, '-d', database];
  for (const sql of [statements].flat()) args.push('-c', sql);
  const result = spawnSync('runuser', args, {
    cwd: '/tmp',
    encoding: 'utf8',
    env: { ...process.env, PGPASSWORD: PG_PASSWORD, PGCONNECT_TIMEOUT: '5' },
    timeout: 30000,
  });
  if (result.status !== 0 && !mayFail) {
    throw new Error(`psql failed (${result.status}): ${result.stderr || result.stdout}`);
  }
  return { ok: result.status === 0, out: result.stdout.trim(), err: result.stderr.trim() };
}

