// What the self-contained browser tests (notifications, standby) share to run their own servers:
// a free loopback port, child processes whose output is kept (and written to <work>/<name>.out
// when they exit), a stop that escalates to SIGKILL, and a JSON client of the API.

import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Starts argv[0] with `env`; the child is added to `children` and has output() (all it printed).
export function startChild(work, children, name, argv, env) {
  const log = path.join(work, `${name}.out`);
  const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks = [];
  child.stdout.on('data', (d) => chunks.push(d));
  child.stderr.on('data', (d) => chunks.push(d));
  child.on('exit', () => writeFileSync(log, Buffer.concat(chunks)));
  child.output = () => Buffer.concat(chunks).toString();
  children.push(child);
  return child;
}

// SIGTERM, then SIGKILL after `timeout` ms. Resolves to the exit code (or signal name), or null
// when the child had already exited.
export async function stopChild(child, timeout = 30000) {
  if (child.exitCode !== null || child.signalCode !== null) return null;
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
  const result = await exited;
  clearTimeout(timer);
  return result;
}

// A request to the API at `base` with `token`: { status, data (parsed JSON, else the text), text }.
export async function apiCall(base, token, method, route, body) {
  const response = await fetch(new URL(route, base), {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let data = text;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: kept as text
  }
  return { status: response.status, data, text };
}
