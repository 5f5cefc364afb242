// The one Chromium the scenarios share (a persistent profile from run.sh, time zone UTC), its
// page, and the helpers that read and drive that page. Importing this module registers the
// node:test hooks that start the browser before the first scenario and close it after the last.
//
// `page` and `context` are live bindings: they are set by the before() hook, so read them inside
// a scenario, never at a module's top level.

import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { createRequire } from 'node:module';
import { BASE, CHROMIUM, PROFILE, SHOTS } from './server.mjs';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 800 };

export let context;
export let page;
const pageErrors = [];
// What the browser reported lately (console errors, failed requests), shown when a test fails.
const pageTrouble = [];

// ------------------------------------------------------------------------------------ set-up

before(async () => {
  context = await chromium.launchPersistentContext(PROFILE, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    viewport: DESKTOP,
    // The restore form takes local time; UTC makes "local" the same as the server's RFC 3339.
    timezoneId: 'UTC',
  });
  context.setDefaultTimeout(15000);
  // Every error banner the page shows, with its text, whenever it appears.
  await context.addInitScript(() => {
    window.__shownErrors = [];
    const seen = new WeakSet();
    new MutationObserver(() => {
      for (const el of document.querySelectorAll('[data-testid="error-message"]')) {
        if (!seen.has(el)) {
          seen.add(el);
          window.__shownErrors.push(el.textContent);
        }
      }
    }).observe(document, { childList: true, subtree: true, characterData: true });
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (err) => pageErrors.push(String(err?.stack ?? err)));
  const note = (line) => {
    pageTrouble.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
    if (pageTrouble.length > 60) pageTrouble.shift();
  };
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') note(`console ${message.type()}: ${message.text()}`);
  });
  page.on('requestfailed', (request) => note(`request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText}`));
  page.on('request', (request) => note(`-> ${request.method()} ${request.url().replace(BASE, '/')}`));
  page.on('response', (response) => note(`<- ${response.status()} ${response.url().replace(BASE, '/')}`));
});

after(async () => {
  await context?.close();
});

// ------------------------------------------------------------------------------------ the page

export const byTestId = (id) => `[data-testid="${id}"]`;
export const testid = (id) => page.locator(byTestId(id));

export async function visible(id, timeout = 15000) {
  await testid(id).first().waitFor({ state: 'visible', timeout });
}

export async function textOf(id) {
  return (await testid(id).first().textContent())?.trim() ?? '';
}

// The whole page, except with a modal dialog open: its backdrop and the fixed-position toast
// belong to the viewport, and a full-page capture would show them cut off mid-page.
export async function shot(name, { fullPage = true } = {}) {
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}

// Records every value an element's attribute (or text) takes while the page changes: polls
// re-render in place, so a MutationObserver sees each render, even of a state that lasts less
// than the test's own polling would catch. recorded(key) returns the values, repeats collapsed.
export async function watch(key, selector, attribute) {
  await page.evaluate(({ key, selector, attribute }) => {
    window.__watch ??= {};
    window.__watch[key]?.observer.disconnect();
    const seen = [];
    const sample = () => {
      const el = document.querySelector(selector);
      const value = el ? (attribute ? el.getAttribute(attribute) : el.textContent.trim()) : null;
      if (seen.at(-1) !== value) seen.push(value);
    };
    const observer = new MutationObserver(sample);
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    sample();
    window.__watch[key] = { observer, seen };
  }, { key, selector, attribute });
}
export async function recorded(key) {
  return page.evaluate((key) => window.__watch?.[key]?.seen ?? [], key);
}

// fetch() from the page, so the browser's cookies (or their absence) are what the API sees.
export async function pageFetch(requests) {
  return page.evaluate(async (list) => {
    const answers = [];
    for (const { method, route, body, headers } of list) {
      const controller = new AbortController();
      const response = await fetch(route, {
        method,
        headers: { Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}), ...(headers ?? {}) },
        body: body ? JSON.stringify(body) : undefined,
        credentials: 'same-origin',
        cache: 'no-store',
        signal: controller.signal,
      });
      let error = null;
      if (response.headers.get('content-type')?.includes('application/json')) {
        error = (await response.json().catch(() => null))?.error ?? null;
      }
      // A follow route that wrongly answered would stream forever.
      controller.abort();
      answers.push({ method, route, status: response.status, error });
    }
    return answers;
  }, requests);
}

export function assertNoPageErrors() {
  assert.deepEqual(pageErrors.splice(0), [], 'the page threw uncaught errors');
}

// The error banners the page showed since the last call (recorded by the init script in
// before(), so a banner that came and went between two checks is not missed).
export async function takeShownErrors() {
  return page.evaluate(() => (window.__shownErrors ?? []).splice(0));
}
export async function assertNoErrorShown() {
  assert.deepEqual(await takeShownErrors(), [], 'the page showed an error banner');
}

export async function goto(route) {
  await page.evaluate((hash) => {
    location.hash = hash;
  }, route);
}

export async function signInThroughForm(token) {
  await visible('signin-form');
  await testid('signin-token').fill(token);
  await testid('signin-submit').click();
}

// One scenario: a node:test test that, when it fails, leaves a screenshot (failed-<n>.png), what
// the page showed and what the browser reported, so a failure on a CI machine can be understood.
export function scenario(name, timeout, fn) {
  test(name, { timeout }, async (t) => {
    pageTrouble.length = 0;
    pageErrors.length = 0;
    try {
      await fn(t);
    } catch (err) {
      const file = await shot(`failed-${name.split('.')[0]}`).catch(() => 'none');
      const main = await page.locator('main').innerText({ timeout: 2000 }).catch(() => '(unreadable)');
      t.diagnostic(`failed at ${page.url()}; screenshot ${file}; the page shows: ${main.replace(/\s+/g, ' ').slice(0, 400)}`);
      for (const line of pageTrouble) t.diagnostic(line);
      throw err;
    }
  });
}
