#!/usr/bin/env node
// End-to-end browser test for coproduce.
//
// Usage: node tests/browser/e2e.mjs path/to/coproduce
//
// Seeds a throwaway SQLite database with `coproduce demo`, starts the real
// server on a free port, and drives Debian's Chromium (through playwright-core)
// over every page linked from the header navigation plus a 404 probe. Each page
// must load without errors, have a sane document structure, a working skip
// link, and no serious or critical axe-core violations. Screenshots go to
// target/screenshots/, and the server's OpenAPI document to target/openapi.json
// (validated afterwards by scripts/test).
//
// Exits 0 with one line per page on success; non-zero with a readable report
// on any failure. The server and the browser are always stopped.

import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve('axe-core/axe.min.js');
const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '..', '..');
const OUT_DIR = path.join(REPO_ROOT, 'target');
const SCREENSHOT_DIR = path.join(OUT_DIR, 'screenshots');
const OPENAPI_OUT = path.join(OUT_DIR, 'openapi.json');

const CHROMIUM_PATH = process.env.COPRODUCE_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];
const LISTEN_TIMEOUT_MS = 60_000;
const DEMO_TIMEOUT_MS = 300_000;
const SHUTDOWN_TIMEOUT_MS = 10_000;
const NAV_TIMEOUT_MS = 30_000;
const NOT_FOUND_PATH = '/this-page-does-not-exist';
const TAIL_BYTES = 16 * 1024;

const failures = [];
const fail = (where, message) => failures.push({ where, message });
const rel = (p) => {
  const r = path.relative(REPO_ROOT, p);
  return r.startsWith('..') || path.isAbsolute(r) ? p : r || '.';
};

/** Keeps only the last `limit` characters of a growing text. */
class Tail {
  constructor(limit = TAIL_BYTES) {
    this.limit = limit;
    this.text = '';
  }
  push(chunk) {
    this.text += chunk;
    if (this.text.length > this.limit * 2) this.text = this.text.slice(-this.limit);
  }
  toString() {
    const t = this.text.length > this.limit ? `…${this.text.slice(-this.limit)}` : this.text;
    return t.trimEnd() || '(empty)';
  }
}

const indent = (text, pad = '      ') =>
  String(text)
    .split('\n')
    .map((line) => pad + line)
    .join('\n');

// ---------------------------------------------------------------------------
// Processes

/** Runs a command to completion, with a timeout; never rejects. */
function run(bin, args, timeoutMs) {
  return new Promise((resolve) => {
    const stdout = new Tail();
    const stderr = new Tail();
    const child = spawn(bin, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8').on('data', (d) => stdout.push(d));
    child.stderr.setEncoding('utf8').on('data', (d) => stderr.push(d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, error, timedOut, stdout, stderr });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, error: null, timedOut, stdout, stderr });
    });
  });
}

/**
 * Starts `coproduce serve` and resolves with its base URL once it prints
 * "listening on http://HOST:PORT". Output keeps being collected afterwards.
 */
function startServer(bin, databaseUrl) {
  const server = {
    child: null,
    stdout: new Tail(),
    stderr: new Tail(),
    listening: false,
    exit: null, // { code, signal } once exited
    exited: null, // promise
  };
  const args = ['serve', '--database-url', databaseUrl, '--addr', '127.0.0.1:0'];
  const child = spawn(bin, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  server.child = child;
  server.exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      server.exit = { code, signal };
      resolve(server.exit);
    });
  });
  child.stderr.setEncoding('utf8').on('data', (d) => server.stderr.push(d));

  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new Error(
          `the server did not print "listening on http://…" within ${LISTEN_TIMEOUT_MS / 1000} s.\n` +
            `    stdout:\n${indent(server.stdout)}\n    stderr:\n${indent(server.stderr)}`,
        ),
      );
    }, LISTEN_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`could not start ${bin}: ${error.message}`));
    });
    // 'close' (not 'exit') so that all of its output has been read.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(
          `the server exited before listening (${describeExit({ code, signal })}).\n` +
            `    stdout:\n${indent(server.stdout)}\n    stderr:\n${indent(server.stderr)}`,
        ),
      );
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      server.stdout.push(`${line}\n`);
      if (!line.includes('listening on http://')) return;
      const match = line.match(/http:\/\/[0-9.]+:[0-9]+/);
      if (match) {
        clearTimeout(timer);
        server.listening = true;
        resolve(match[0]);
      }
    });
  });
  return { server, ready };
}

function describeExit({ code, signal }) {
  return signal ? `killed by ${signal}` : `exit status ${code}`;
}

/** SIGTERM, then require a clean exit within SHUTDOWN_TIMEOUT_MS. */
async function stopServer(server) {
  if (!server?.child) return;
  if (server.exit) {
    if (!server.listening) return; // already reported by startServer
    fail('server', `exited on its own during the test (${describeExit(server.exit)})`);
    return;
  }
  const started = Date.now();
  server.child.kill('SIGTERM');
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve(null), SHUTDOWN_TIMEOUT_MS);
  });
  const result = await Promise.race([server.exited, timeout]);
  clearTimeout(timer);
  if (result === null) {
    server.child.kill('SIGKILL');
    await server.exited;
    fail('server shutdown', `did not exit within ${SHUTDOWN_TIMEOUT_MS / 1000} s of SIGTERM (killed)`);
  } else if (result.signal) {
    fail(
      'server shutdown',
      `was killed by ${result.signal} instead of shutting down gracefully (is SIGTERM handled?)`,
    );
  } else if (result.code !== 0) {
    fail('server shutdown', `exited with status ${result.code} after SIGTERM`);
  } else {
    console.log(`server stopped gracefully in ${Date.now() - started} ms`);
  }
}

// ---------------------------------------------------------------------------
// Plain HTTP checks

async function checkHttp(base) {
  try {
    const res = await fetch(`${base}/healthz`);
    if (res.status !== 200) fail('/healthz', `status ${res.status}, expected 200`);
  } catch (error) {
    fail('/healthz', `request failed: ${error.message}`);
  }

  const where = '/api/v1/openapi.json';
  await rm(OPENAPI_OUT, { force: true });
  try {
    const res = await fetch(`${base}${where}`);
    const body = await res.text();
    if (res.status !== 200) {
      fail(where, `status ${res.status}, expected 200`);
      return;
    }
    let doc;
    try {
      doc = JSON.parse(body);
    } catch (error) {
      fail(where, `body is not JSON: ${error.message}`);
      return;
    }
    if (typeof doc?.openapi !== 'string' || !doc.openapi.startsWith('3.1')) {
      fail(where, `"openapi" field is ${JSON.stringify(doc?.openapi)}, expected "3.1.x"`);
    }
    await writeFile(OPENAPI_OUT, body);
    console.log(`wrote ${rel(OPENAPI_OUT)} (openapi ${doc?.openapi}, ${body.length} bytes)`);
  } catch (error) {
    fail(where, `request failed: ${error.message}`);
  }
}

// ---------------------------------------------------------------------------
// Browser checks

function slugFor(url, isProbe) {
  if (isProbe) return 'not-found';
  const u = new URL(url);
  const slug = `${u.pathname}${u.search}`
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase();
  return slug || 'home';
}

/** Listens to everything that can go wrong on a page while it is open. */
function watch(page) {
  const seen = { consoleErrors: [], pageErrors: [], failedRequests: [], badResponses: [] };
  page.on('console', (msg) => {
    if (msg.type() === 'error') seen.consoleErrors.push({ text: msg.text(), url: msg.location()?.url });
  });
  page.on('pageerror', (error) => seen.pageErrors.push(error.stack || error.message));
  page.on('requestfailed', (req) =>
    seen.failedRequests.push(`${req.method()} ${req.url()}: ${req.failure()?.errorText ?? 'failed'}`),
  );
  page.on('response', (res) => {
    const req = res.request();
    const isDocument = req.isNavigationRequest() && req.frame() === page.mainFrame();
    if (!isDocument && res.status() >= 400) {
      seen.badResponses.push(`${req.method()} ${res.url()}: status ${res.status()}`);
    }
  });
  return seen;
}

async function gotoSettled(page, url) {
  const response = await page.goto(url, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
  // Let late scripts and fetches run so that their errors are seen too.
  await page.waitForLoadState('networkidle', { timeout: 10_000 }).catch(() => {});
  return response;
}

/**
 * Loads the page with the server's real CSP in force (so CSP violations show
 * up as console errors), checks structure and keyboard access, screenshots it.
 */
async function checkPage(context, url, isProbe) {
  const where = new URL(url).pathname + new URL(url).search;
  const result = { where, status: null, screenshot: null, axe: null, ok: true };
  const before = failures.length;
  const page = await context.newPage();
  const seen = watch(page);
  try {
    const response = await gotoSettled(page, url);
    result.status = response?.status() ?? null;
    const contentType = response?.headers()['content-type'] ?? '';

    if (isProbe) {
      if (result.status !== 404) fail(where, `status ${result.status}, expected 404`);
      if (!contentType.startsWith('text/html')) {
        fail(where, `content-type ${JSON.stringify(contentType)}, expected an HTML page`);
      }
    } else if (result.status === null || result.status >= 400) {
      fail(where, `status ${result.status}, expected < 400`);
    }

    const info = await page.evaluate(() => ({
      lang: document.documentElement.getAttribute('lang'),
      mains: document.querySelectorAll('main').length,
      h1s: document.querySelectorAll('h1').length,
      mainH1: document.querySelector('main h1') !== null,
      headerNav: document.querySelector('header nav') !== null,
      mainTarget: document.getElementById('main') !== null,
    }));
    if (!info.lang?.trim()) fail(where, '<html> has no lang attribute');
    if (info.mains !== 1) fail(where, `found ${info.mains} <main> elements, expected exactly 1`);
    if (info.h1s !== 1) fail(where, `found ${info.h1s} <h1> elements, expected exactly 1`);
    if (isProbe) {
      if (!info.mainH1) fail(where, 'the 404 page has no "main h1"');
      if (!info.headerNav) fail(where, 'the 404 page is not in the site layout (no "header nav")');
    }

    result.screenshot = path.join(SCREENSHOT_DIR, `${slugFor(url, isProbe)}.png`);
    await page.screenshot({ path: result.screenshot, fullPage: true });

    // Keyboard: the first Tab must land on the skip link.
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement;
      return el ? { tag: el.tagName, href: el.getAttribute('href'), text: el.textContent?.trim() } : null;
    });
    if (focused?.tag !== 'A' || focused.href !== '#main') {
      fail(
        where,
        `the first Tab focused ${focused ? `<${focused.tag.toLowerCase()}> href=${JSON.stringify(focused.href)} "${focused.text ?? ''}"` : 'nothing'}, expected the skip link (href="#main")`,
      );
    } else if (!info.mainTarget) {
      fail(where, 'the skip link points to #main but no element has id="main"');
    }
  } catch (error) {
    fail(where, `could not check the page: ${error.message}`);
  } finally {
    await page.close().catch(() => {});
  }
  reportSeen(where, seen, isProbe ? url : null);
  result.ok = failures.length === before;
  return result;
}

function reportSeen(where, seen, probeUrl) {
  for (const { text, url } of seen.consoleErrors) {
    // The 404 probe's own document load is expected to log a 404 resource error.
    const expected =
      probeUrl !== null &&
      url === probeUrl &&
      /Failed to load resource: .*status of 404/.test(text);
    if (!expected) fail(where, `console error: ${text}${url ? ` (at ${url})` : ''}`);
  }
  for (const e of seen.pageErrors) fail(where, `page error: ${e}`);
  for (const r of seen.failedRequests) fail(where, `request failed: ${r}`);
  for (const r of seen.badResponses) fail(where, `subresource error: ${r}`);
}

/** Runs axe-core on the page (in the bypassCSP context, so it can be injected). */
async function checkAxe(context, url, result) {
  const where = result.where;
  const before = failures.length;
  const page = await context.newPage();
  try {
    await gotoSettled(page, url);
    await page.addScriptTag({ path: AXE_PATH });
    const { violations } = await page.evaluate(() => window.axe.run());
    const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    const minor = violations.filter((v) => !blocking.includes(v));
    for (const v of blocking) {
      const targets = v.nodes.map((n) => `        - ${n.target.join(' ')}`).join('\n');
      fail(where, `axe ${v.id} (${v.impact}): ${v.help}\n      ${v.helpUrl}\n${targets}`);
    }
    result.axe = {
      blocking: blocking.length,
      other: minor.map((v) => `${v.id} (${v.impact}, ${v.nodes.length})`),
    };
  } catch (error) {
    fail(where, `could not run axe-core: ${error.message}`);
  } finally {
    await page.close().catch(() => {});
  }
  if (failures.length !== before) result.ok = false;
}

async function collectNavLinks(context, base) {
  const page = await context.newPage();
  try {
    await page.goto(`${base}/`, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
    const hrefs = await page.$$eval('header nav a[href^="/"]', (as) => as.map((a) => a.href));
    const origin = new URL(base).origin;
    const urls = [`${base}/`];
    for (const href of hrefs) {
      const u = new URL(href);
      if (u.origin !== origin) continue;
      u.hash = '';
      if (!urls.includes(u.href)) urls.push(u.href);
    }
    if (hrefs.length === 0) fail('/', 'no links found in "header nav a[href^="/"]"');
    // Beyond the navigation: one page of each kind that a person reaches by
    // following a link from the home page (a project, an event), and a
    // filtered list, so that every template is visited.
    for (const prefix of ['/projects/', '/events/']) {
      const href = await page
        .$eval(`main a[href^="${prefix}"]`, (a) => a.href)
        .catch(() => null);
      if (href) {
        if (!urls.includes(href)) urls.push(href);
        // The project pack is a page a funder or volunteer is sent to.
        if (prefix === '/projects/') {
          urls.push(`${href}/pack`);
          // The register is public: checks, risks and who holds each liability.
          for (const part of ['checks', 'risks', 'liability']) urls.push(`${href}/${part}`);
          // Money is public too: the budget and where it went.
          for (const part of ['budget', 'money']) urls.push(`${href}/${part}`);
        }
      } else {
        fail('/', `the demo home page links to no ${prefix}… page`);
      }
    }
    urls.push(`${base}/projects?stage=delivery`);
    urls.push(`${base}/projects?lone_lead=1&theme=food`);
    urls.push(`${base}/risk/catalogue`);
    urls.push(`${base}/fund-holders`);
    // The shared pool: a filtered list and one resource with its booked times.
    urls.push(`${base}/resources?kind=equipment`);
    urls.push(`${base}/resources/1`);
    urls.push(`${base}/sign-up`);
    urls.push(`${base}/password/forgot`);
    return urls;
  } finally {
    await page.close().catch(() => {});
  }
}

const DEMO_EMAIL = 'resident@example.org';
const DEMO_PASSWORD = 'demo-password-2026';
const DEMO_ADMIN_EMAIL = 'admin@example.org';
const DEMO_TREASURER_EMAIL = 'treasurer@example.org';

/** Signs in through the sign-in form and requires landing on /account. */
async function signIn(context, base, email, password) {
  const where = '/sign-in';
  const page = await context.newPage();
  try {
    await page.goto(`${base}/sign-in`, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
    await page.fill('#email', email);
    await page.fill('#password', password);
    await Promise.all([
      page.waitForURL(`${base}/account`, { timeout: NAV_TIMEOUT_MS }),
      page.click('main button[type="submit"]'),
    ]);
    const heading = await page.textContent('main h1');
    if (!heading?.includes('Your account')) fail(where, `after signing in the page says "${heading}", expected "Your account"`);
  } catch (error) {
    fail(where, `could not sign in as ${email}: ${error.message}`);
  } finally {
    await page.close().catch(() => {});
  }
}

async function browse(base) {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  try {
    const contextOptions = { viewport: { width: 1280, height: 800 }, locale: 'en-GB' };
    const strict = await browser.newContext(contextOptions);
    const axeContext = await browser.newContext({ ...contextOptions, bypassCSP: true });
    strict.setDefaultTimeout(NAV_TIMEOUT_MS);
    axeContext.setDefaultTimeout(NAV_TIMEOUT_MS);

    const urls = await collectNavLinks(strict, base);
    const pages = [...urls.map((url) => ({ url, isProbe: false })), { url: `${base}${NOT_FOUND_PATH}`, isProbe: true }];
    const results = [];
    for (const { url, isProbe } of pages) {
      const started = Date.now();
      const result = await checkPage(strict, url, isProbe);
      await checkAxe(axeContext, url, result);
      result.ms = Date.now() - started;
      results.push(result);
    }

    // Signed in, as a demo resident would be: through the real form, in both
    // contexts, then the pages only a signed-in person sees.
    for (const context of [strict, axeContext]) {
      await signIn(context, base, DEMO_EMAIL, DEMO_PASSWORD);
    }
    const visitSignedIn = async (urls, who) => {
      for (const url of urls) {
        const started = Date.now();
        const result = await checkPage(strict, url, false);
        result.where = `${result.where} (${who})`;
        await checkAxe(axeContext, url, result);
        result.ms = Date.now() - started;
        results.push(result);
      }
    };
    await visitSignedIn(
      ['/account', '/account/password', '/account/privacy', '/account/tokens', '/account/erase', '/people/1', '/dashboard', '/projects/new', '/resources/new', '/resources/1'].map((p) => `${base}${p}`),
      'resident',
    );

    // Skills in the resident's own words, through the page's forms: what
    // they do, the suggestions it gives, one confirmed; then the page with
    // suggestions, confirmed skills and a search, checked with axe.
    const skilling = await strict.newPage();
    try {
      await skilling.goto(`${base}/account/skills`, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
      await skilling.fill('#about', 'I fix bikes for the kids on the estate, and I cook for the lunch club on Fridays.');
      await Promise.all([
        skilling.waitForURL(/saved=1/, { timeout: NAV_TIMEOUT_MS }),
        skilling.click('main form[action="/account/skills/about"] button[type="submit"]'),
      ]);
      const confirm = skilling.locator('#suggestions ~ table button[value="confirm"]').first();
      const label = (await skilling.locator('#suggestions ~ table tbody tr td').first().textContent())?.split('(')[0].trim();
      await Promise.all([
        skilling.waitForURL(/#your-skills$/, { timeout: NAV_TIMEOUT_MS }),
        confirm.click(),
      ]);
      const confirmed = await skilling.textContent('#your-skills + ul');
      if (!label || !confirmed?.includes(label)) {
        fail('/account/skills', `after confirming "${label}" the list of skills reads "${confirmed}"`);
      }
    } catch (error) {
      fail('/account/skills', `could not describe skills and confirm one through the forms: ${error.message}`);
    } finally {
      await skilling.close().catch(() => {});
    }
    await visitSignedIn([`${base}/account/skills`, `${base}/account/skills?q=first+aid`, `${base}/account/invitations`], 'resident');

    // The action learning set, as the demo resident sees it: a partner in the
    // demo's first set, who writes in its log through the form (a mistake
    // first, which keeps what was typed), then reads the set, a session's
    // digest, the log and the toolkit.
    const learningUrls = [`${base}/learning/1`, `${base}/learning/1/log`, `${base}/learning/1/log?tag=risk`, `${base}/toolkit`, `${base}/toolkit/new`];
    const logging = await strict.newPage();
    try {
      await logging.goto(`${base}/learning/1/log`, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
      await logging.fill('#body', 'The crèche brought three new parents to our garden day.');
      await logging.click('main form[method="post"][action$="/log"] button[type="submit"]');
      await logging.waitForSelector('.error-summary', { timeout: NAV_TIMEOUT_MS });
      if ((await logging.inputValue('#body')) !== 'The crèche brought three new parents to our garden day.') {
        fail('/learning/1/log', 'after a mistake the entry typed is gone');
      }
      await logging.check('#kind-success');
      await logging.fill('#tags', 'creche, inclusion');
      await logging.check('#visibility-partners');
      await Promise.all([
        logging.waitForURL(/done=written/, { timeout: NAV_TIMEOUT_MS }),
        logging.click('main form[method="post"][action$="/log"] button[type="submit"]'),
      ]);
      const entries = await logging.textContent('#entries + .cards');
      if (!entries?.includes('three new parents')) fail('/learning/1/log', 'the entry written is not in the log');
      await logging.goto(`${base}/learning/1`, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
      const session = await logging.$eval('#sessions ~ table a[href*="/sessions/"]', (a) => a.href).catch(() => null);
      if (session) learningUrls.push(session);
      else fail('/learning/1', 'the demo set lists no session');
      await logging.goto(`${base}/toolkit`, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
      const article = await logging.$eval('main .cards a[href^="/toolkit/"]', (a) => a.href).catch(() => null);
      if (article) learningUrls.push(article);
      else fail('/toolkit', 'the toolkit lists no article');
    } catch (error) {
      fail('/learning/1/log', `could not write in the learning log through the form: ${error.message}`);
    } finally {
      await logging.close().catch(() => {});
    }
    await visitSignedIn(learningUrls, 'partner');

    // A project the demo resident leads, found from their dashboard: its page
    // with the lead's forms, its pack and its mandate.
    let ledProject = null;
    const dashboard = await strict.newPage();
    try {
      await dashboard.goto(`${base}/dashboard`, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
      ledProject = await dashboard.$eval('main .cards a[href^="/projects/"]', (a) => a.href).catch(() => null);
    } finally {
      await dashboard.close().catch(() => {});
    }
    if (ledProject) {
      await visitSignedIn(
        [ledProject, `${ledProject}/pack`, `${ledProject}/mandate`].concat(
          ['checks', 'risks', 'liability', 'visits', 'budget', 'expenses'].map((part) => `${ledProject}/${part}`),
        ),
        'lead',
      );
      // One of the project's expenses, with the forms its lead may use.
      const expenses = await strict.newPage();
      try {
        await expenses.goto(`${ledProject}/expenses`, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
        const href = await expenses.$eval('main table a[href*="/expenses/"]', (a) => a.href).catch(() => null);
        if (href) await visitSignedIn([href], 'lead');
        else fail('/projects/…/expenses', 'the demo resident\'s project lists no expense');
      } finally {
        await expenses.close().catch(() => {});
      }
      // Evidence submitted through the checks page's own form, with a file,
      // as a lead would: the check then waits for an officer.
      const submitting = await strict.newPage();
      try {
        await submitting.goto(`${ledProject}/checks`, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
        // The form sits folded under "Submit evidence", as a person finds it.
        await submitting
          .locator('details:has(form[action$="/checks/allergen-information"]) > summary')
          .click();
        const form = submitting.locator('form[action$="/checks/allergen-information"]');
        await form.locator('input[type="file"]').setInputFiles({
          name: 'allergens.pdf',
          mimeType: 'application/pdf',
          buffer: Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n'),
        });
        await Promise.all([
          submitting.waitForURL(/#check-allergen-information$/, { timeout: NAV_TIMEOUT_MS }),
          form.locator('button[type="submit"]').click(),
        ]);
        const state = await submitting.textContent('#check-allergen-information-title .tag');
        if (!state?.includes('Waiting to be verified')) {
          fail('/projects/…/checks', `after submitting evidence the check reads "${state}"`);
        }
      } catch (error) {
        fail('/projects/…/checks', `could not submit evidence through the form: ${error.message}`);
      } finally {
        await submitting.close().catch(() => {});
      }
    } else {
      fail('/dashboard', 'the demo resident\'s dashboard lists no project');
    }

    // Starting a project through the form, as a resident would.
    const starting = await strict.newPage();
    let startedUrl = null;
    try {
      await starting.goto(`${base}/projects/new`, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
      await starting.fill('#title', 'Seed library at the Tate');
      await starting.fill('#summary', 'A cupboard of seeds that neighbours borrow and return after harvest');
      await starting.check('#themes');
      await Promise.all([
        starting.waitForURL(/\/projects\/\d+/, { timeout: NAV_TIMEOUT_MS }),
        starting.click('main button[type="submit"]'),
      ]);
      const heading = await starting.textContent('main h1');
      if (!heading?.includes('Seed library at the Tate')) fail('/projects/new', `after starting a project the page says "${heading}"`);
      startedUrl = starting.url().split('#')[0];
    } catch (error) {
      fail('/projects/new', `could not start a project: ${error.message}`);
    } finally {
      await starting.close().catch(() => {});
    }
    if (startedUrl) await visitSignedIn([startedUrl], 'new lead');

    // The administrators' area, as the demo administrator.
    for (const context of [strict, axeContext]) {
      await signIn(context, base, DEMO_ADMIN_EMAIL, DEMO_PASSWORD);
    }
    const adminUrls = [`${base}/admin/people`, `${base}/invitations`, `${base}/risk/readiness`, `${base}/risk/catalogue`, `${base}/money`, `${base}/fund-holders/1/reconciliation`, `${base}/asset-map`, `${base}/asset-map/brixton-windrush`];
    if (ledProject) {
      // An officer's view: verify, waive and schedule forms.
      adminUrls.push(`${ledProject}/edit`, `${ledProject}/matches`, `${ledProject}/checks`, `${ledProject}/visits`, `${ledProject}/liability`, `${ledProject}/risks`, `${ledProject}/budget`, `${ledProject}/expenses`);
    }
    const listPage = await strict.newPage();
    try {
      await listPage.goto(`${base}/admin/people`, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
      const href = await listPage.$eval('main a[href^="/admin/people/"]', (a) => a.href).catch(() => null);
      if (href) adminUrls.push(href);
      else fail('/admin/people', 'the list of people links to no person');
    } finally {
      await listPage.close().catch(() => {});
    }
    await visitSignedIn(adminUrls, 'admin');

    // An event put on the calendar through the form by an officer (a monthly
    // meetup with a crèche and two places), answered with a crèche need, the
    // QR code on the answer, the organisers' pages, and the door list on a
    // phone-sized screen, where a person is checked in.
    const eventing = await strict.newPage();
    let eventUrl = null;
    let roundUrl = null;
    let openRoundChecked = false;
    try {
      await eventing.goto(`${base}/events/new`, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
      await eventing.selectOption('#kind', 'meetup');
      await eventing.fill('#title', 'Evening drop-in at the Oval');
      await eventing.fill('#starts_at', '2031-01-01T18:00');
      await eventing.fill('#ends_at', '2031-01-01T20:00');
      await eventing.selectOption('#repeats', 'monthly');
      await eventing.fill('#times', '6');
      await eventing.fill('#venue', 'Oval House, 52 Kennington Oval, SE11 5SW');
      await eventing.fill('#capacity', '2');
      await eventing.fill('#creche_capacity', '4');
      const ledId = ledProject?.match(/\/projects\/(\d+)/)?.[1];
      if (ledId) await eventing.fill('#projects', ledId);
      await Promise.all([
        eventing.waitForURL(/\/events\/\d+\?saved=created/, { timeout: NAV_TIMEOUT_MS }),
        eventing.click('main form[action="/events/new"] button[type="submit"]'),
      ]);
      eventUrl = eventing.url().split('?')[0];
      await eventing.check('#response');
      await eventing.fill('#creche_children', '1');
      await eventing.fill('#creche_ages', '3');
      await eventing.check('#share_needs');
      await Promise.all([
        eventing.waitForURL(/saved=going/, { timeout: NAV_TIMEOUT_MS }),
        eventing.click('main form[action$="/rsvp"] button[type="submit"]'),
      ]);
      if (!(await eventing.$('.qr svg'))) fail('/events/…', 'a confirmed answer shows no QR code');
      const repeats = await eventing.textContent('main');
      if (!repeats?.includes('first Wednesday')) fail('/events/…', 'the monthly meetup does not say it repeats on the first Wednesday');
      if (ledId) {
        // Feet, not talk: standing at the project's table from the board.
        await eventing.goto(`${eventUrl}/tables`, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
        await Promise.all([
          eventing.waitForURL(/\/tables#tables$/, { timeout: NAV_TIMEOUT_MS }),
          eventing.click('main form[action$="/tables"] button[type="submit"]'),
        ]);
        const here = await eventing.textContent('#tables');
        if (!here?.includes('You are at this table') || !here.includes('1 person')) fail('/events/…/tables', 'after standing at a table the board does not show it');
      }
      // Choosing the next projects: a round opened, voted on, closed and
      // decided through its forms.
      await eventing.goto(`${eventUrl}/selection/new`, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
      await eventing.fill('#title', 'Our next projects');
      await eventing.fill('#ideas', 'Tool library: lend drills and ladders\nSeed swap: spring and autumn');
      await eventing.fill('#dots', '3');
      await Promise.all([
        eventing.waitForURL(/\/selection\/\d+$/, { timeout: NAV_TIMEOUT_MS }),
        eventing.click('main form[action$="/selection"] button[type="submit"]'),
      ]);
      roundUrl = eventing.url();
      await eventing.fill('#ballot-fields input >> nth=0', '2');
      await eventing.fill('#ballot-fields input >> nth=1', '1');
      await Promise.all([
        eventing.waitForURL(/#ballot$/, { timeout: NAV_TIMEOUT_MS }),
        eventing.click('main form[action$="/vote"] button[type="submit"]'),
      ]);
      openRoundChecked = true;
      const ics = await eventing.request.get(`${base}/events.ics`);
      if (!(ics.headers()['content-type'] ?? '').startsWith('text/calendar')) fail('/events.ics', `content-type ${ics.headers()['content-type']}`);
    } catch (error) {
      fail('/events/new', `could not add and answer an event through the forms: ${error.message}`);
    } finally {
      await eventing.close().catch(() => {});
    }
    if (eventUrl) {
      if (roundUrl && openRoundChecked) {
        await visitSignedIn([roundUrl, `${eventUrl}/selection/new`], 'organiser, round open');
        const deciding = await strict.newPage();
        try {
          await deciding.goto(roundUrl, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
          await Promise.all([
            deciding.waitForURL(/#results$/, { timeout: NAV_TIMEOUT_MS }),
            deciding.click('main form[action$="/close"] button[type="submit"]'),
          ]);
          await visitSignedIn([roundUrl], 'organiser, round closed');
          await deciding.check('main form[action$="/decide"] input[name="chosen"] >> nth=0');
          await Promise.all([
            deciding.waitForURL(/#results$/, { timeout: NAV_TIMEOUT_MS }),
            deciding.click('main form[action$="/decide"] button[type="submit"]'),
          ]);
          const outcome = await deciding.textContent('main table');
          if (!outcome?.includes('Chosen: now a project')) fail('/events/…/selection/…', 'after deciding, no idea reads as chosen');
        } catch (error) {
          fail('/events/…/selection/…', `could not close and decide the round: ${error.message}`);
        } finally {
          await deciding.close().catch(() => {});
        }
      }
      await visitSignedIn([eventUrl, `${eventUrl}/edit`, `${eventUrl}/answers`, `${eventUrl}/door`, `${eventUrl}/tables`, `${base}/events/new`, `${base}/account/calendar`], 'organiser');
      const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB', isMobile: true, hasTouch: true });
      const phoneAxe = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB', bypassCSP: true });
      try {
        for (const context of [phone, phoneAxe]) await signIn(context, base, DEMO_ADMIN_EMAIL, DEMO_PASSWORD);
        const door = await phone.newPage();
        try {
          await door.goto(`${eventUrl}/door`, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
          await Promise.all([
            door.waitForURL(/done=in/, { timeout: NAV_TIMEOUT_MS }),
            door.click('main form[action$="/door/check-in"] button[type="submit"]'),
          ]);
          const status = await door.textContent('.door-list');
          if (!status?.includes('In at')) fail('/events/…/door (390 px)', 'after checking in, the door list shows no time in');
          const wide = await door.evaluate(() => document.documentElement.scrollWidth);
          if (wide > 390) fail('/events/…/door (390 px)', `the page is ${wide}px wide on a 390px screen: it scrolls sideways`);
        } finally {
          await door.close().catch(() => {});
        }
        const started = Date.now();
        const result = await checkPage(phone, `${eventUrl}/door`, false);
        result.where = `${result.where} (organiser, 390 px)`;
        result.screenshot = path.join(SCREENSHOT_DIR, 'door-list-390px.png');
        const shot = await phone.newPage();
        try {
          await gotoSettled(shot, `${eventUrl}/door`);
          await shot.screenshot({ path: result.screenshot, fullPage: true });
        } finally {
          await shot.close().catch(() => {});
        }
        await checkAxe(phoneAxe, `${eventUrl}/door`, result);
        result.ms = Date.now() - started;
        results.push(result);
      } finally {
        await phone.close().catch(() => {});
        await phoneAxe.close().catch(() => {});
      }
    }

    // A learning set started through the forms by an officer, with a
    // session; a resident asks to join it and the officer accepts.
    const setting = await strict.newPage();
    let setUrl = null;
    let sessionUrl = null;
    try {
      await setting.goto(`${base}/learning/new`, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
      await setting.fill('#title', 'Parks and estates learning set');
      await setting.fill('#purpose', 'Officers from parks and housing with the groups who use the spaces.');
      await Promise.all([
        setting.waitForURL(/\/learning\/\d+$/, { timeout: NAV_TIMEOUT_MS }),
        setting.click('main form[action="/learning/new"] button[type="submit"]'),
      ]);
      setUrl = setting.url();
      await setting.goto(`${setUrl}/sessions/new`, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
      await setting.fill('#theme', 'Who looks after a space once the project ends');
      await setting.fill('#starts_at', '2031-02-05T14:00');
      await setting.fill('#ends_at', '2031-02-05T16:30');
      await setting.fill('#venue', 'Brockwell Hall, Brockwell Park, SE24 9BN');
      await Promise.all([
        setting.waitForURL(/done=session/, { timeout: NAV_TIMEOUT_MS }),
        setting.click('main form[action$="/sessions/new"] button[type="submit"]'),
      ]);
      sessionUrl = await setting.$eval('#sessions ~ table a[href*="/sessions/"]', (a) => a.href);
    } catch (error) {
      fail('/learning/new', `could not start a set and add a session through the forms: ${error.message}`);
    } finally {
      await setting.close().catch(() => {});
    }
    if (setUrl && sessionUrl) {
      await visitSignedIn([setUrl, sessionUrl, `${setUrl}/sessions/new`, `${setUrl}/edit`, `${base}/learning/new`], 'set organiser');
      for (const context of [strict, axeContext]) await signIn(context, base, DEMO_EMAIL, DEMO_PASSWORD);
      const asking = await strict.newPage();
      try {
        await asking.goto(sessionUrl, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
        await asking.fill('#organisation', 'Brixton Windrush Tenants\' Association');
        await Promise.all([
          asking.waitForURL(/done=asked/, { timeout: NAV_TIMEOUT_MS }),
          asking.click('main form[action$="/ask"] button[type="submit"]'),
        ]);
      } catch (error) {
        fail('/learning/…/sessions/…', `could not ask to join a session through the form: ${error.message}`);
      } finally {
        await asking.close().catch(() => {});
      }
      await visitSignedIn([setUrl, sessionUrl], 'partner who asked');
      for (const context of [strict, axeContext]) await signIn(context, base, DEMO_ADMIN_EMAIL, DEMO_PASSWORD);
      await visitSignedIn([setUrl], 'set organiser, a request waiting');
      const answering = await strict.newPage();
      try {
        await answering.goto(setUrl, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
        await Promise.all([
          answering.waitForURL(/done=accepted/, { timeout: NAV_TIMEOUT_MS }),
          answering.click('#requests ~ ul button[value="accept"]'),
        ]);
        const members = await answering.textContent('#members ~ table');
        if (!members?.includes('Partner')) fail('/learning/…', 'after accepting, no partner is listed');
      } catch (error) {
        fail('/learning/…', `could not accept a request through the form: ${error.message}`);
      } finally {
        await answering.close().catch(() => {});
      }
    }

    // An invitation made through the form, then opened by the invitee, who
    // is not signed in: the page a partner first sees.
    const inviting = await strict.newPage();
    let invitationUrl = null;
    try {
      await inviting.goto(`${base}/invitations`, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
      await inviting.fill('#email', 'new.treasurer@example.org');
      await Promise.all([
        inviting.waitForLoadState('load'),
        inviting.click('main form[action="/invitations"] button[type="submit"]'),
      ]);
      await inviting.waitForSelector('code.secret', { timeout: NAV_TIMEOUT_MS });
      invitationUrl = (await inviting.textContent('code.secret'))?.trim() ?? null;
    } catch (error) {
      fail('/invitations', `could not make an invitation through the form: ${error.message}`);
    } finally {
      await inviting.close().catch(() => {});
    }
    if (invitationUrl) {
      const anonymous = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
      const anonymousAxe = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', bypassCSP: true });
      try {
        const started = Date.now();
        const result = await checkPage(anonymous, invitationUrl, false);
        result.where = '/invitations/… (invitee)';
        await checkAxe(anonymousAxe, invitationUrl, result);
        result.ms = Date.now() - started;
        results.push(result);
      } finally {
        await anonymous.close().catch(() => {});
        await anonymousAxe.close().catch(() => {});
      }
    }

    // The trust's treasurer: managing the fund holder, reconciling, and an
    // expense waiting to be paid, reached from their dashboard.
    for (const context of [strict, axeContext]) {
      await signIn(context, base, DEMO_TREASURER_EMAIL, DEMO_PASSWORD);
    }
    const treasurerUrls = [`${base}/dashboard`, `${base}/fund-holders/1`, `${base}/fund-holders/1/manage`, `${base}/fund-holders/1/reconciliation`];
    const treasurerDashboard = await strict.newPage();
    try {
      await treasurerDashboard.goto(`${base}/dashboard`, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
      const href = await treasurerDashboard.$eval('main a[href*="/expenses/"]', (a) => a.href).catch(() => null);
      if (href) treasurerUrls.push(href);
      else fail('/dashboard', 'the demo treasurer\'s dashboard lists no expense waiting');
    } finally {
      await treasurerDashboard.close().catch(() => {});
    }
    await visitSignedIn(treasurerUrls, 'treasurer');
    return results;
  } finally {
    await browser.close().catch(() => {});
  }
}

// ---------------------------------------------------------------------------

function printReport(results, elapsedMs) {
  console.log('');
  for (const r of results) {
    const axe = r.axe
      ? `axe: ${r.axe.blocking} serious/critical` + (r.axe.other.length ? `, other: ${r.axe.other.join(', ')}` : '')
      : 'axe: not run';
    const shot = r.screenshot ? rel(r.screenshot) : '-';
    console.log(
      `${r.ok ? 'ok  ' : 'FAIL'} ${String(r.status ?? '---')} ${r.where.padEnd(28)} ${axe}; ${shot} (${(r.ms / 1000).toFixed(1)} s)`,
    );
  }
  const secs = (elapsedMs / 1000).toFixed(1);
  if (failures.length === 0) {
    console.log(`\ne2e: PASS (${results.length} pages, ${secs} s)`);
    return;
  }
  console.log(`\ne2e: FAIL, ${failures.length} problem(s) (${secs} s):`);
  for (const { where, message } of failures) console.log(`  ✗ ${where}: ${message}`);
}

async function main() {
  const started = Date.now();
  const bin = process.argv[2];
  if (!bin) {
    console.error('usage: node tests/browser/e2e.mjs PATH_TO_COPRODUCE_BINARY');
    return 2;
  }
  const binPath = path.resolve(bin);
  try {
    accessSync(binPath, fsConstants.X_OK);
  } catch {
    console.error(`e2e: ${binPath} is not an executable file (build it with: cargo build -p coproduce)`);
    return 2;
  }
  try {
    accessSync(CHROMIUM_PATH, fsConstants.X_OK);
  } catch {
    console.error(`e2e: ${CHROMIUM_PATH} not found (install Debian's chromium package)`);
    return 2;
  }
  await mkdir(SCREENSHOT_DIR, { recursive: true });

  const tmp = await mkdtemp(path.join(tmpdir(), 'coproduce-e2e-'));
  const databaseUrl = `sqlite://${path.join(tmp, 'demo.db')}`;
  let server = null;
  let results = [];
  const onSignal = (signal) => {
    server?.child?.kill('SIGKILL');
    console.error(`e2e: interrupted by ${signal}`);
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', () => {
    if (server?.child && !server.exit) server.child.kill('SIGKILL');
  });

  try {
    console.log(`seeding demo data: ${rel(binPath)} demo --scale small --no-serve --database-url ${databaseUrl}`);
    const demo = await run(
      binPath,
      ['demo', '--scale', 'small', '--no-serve', '--database-url', databaseUrl],
      DEMO_TIMEOUT_MS,
    );
    if (demo.error || demo.timedOut || demo.code !== 0) {
      const how = demo.error
        ? demo.error.message
        : demo.timedOut
          ? `timed out after ${DEMO_TIMEOUT_MS / 1000} s`
          : describeExit(demo);
      fail('demo', `\`coproduce demo\` failed (${how})\n    stdout:\n${indent(demo.stdout)}\n    stderr:\n${indent(demo.stderr)}`);
      return 1;
    }

    const started_ = startServer(binPath, databaseUrl);
    server = started_.server;
    let base;
    try {
      base = await started_.ready;
    } catch (error) {
      fail('serve', error.message);
      return 1;
    }
    console.log(`server listening on ${base}`);

    await checkHttp(base);
    results = await browse(base);
  } catch (error) {
    fail('e2e', error.stack || error.message);
  } finally {
    await stopServer(server);
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
    printReport(results, Date.now() - started);
    if (failures.length > 0 && server?.listening) {
      console.log(`\nserver stderr (tail):\n${indent(server.stderr, '  ')}`);
    }
  }
  return failures.length === 0 ? 0 : 1;
}

process.exitCode = await main();
