// Runs a real accordd for the web desk's browser tests: a fresh data folder,
// a token file with a logger, an auditor and an admin, the HTTP door on any
// free port (read from the server's log), and a stop that waits for it to
// exit. Also the browser: Debian's chromium, never a downloaded one.
import {spawn, execFileSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {chromium} from 'playwright-core';

export const kChromium = '/usr/bin/chromium';

// The accordd binary: $ACCORDD (CTest passes it), else the build folder's.
export function accorddPath() {
  const fromEnv = process.env.ACCORDD;
  if (fromEnv) return fromEnv;
  return path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../build/tools/accordd');
}

// Starts accordd with three users; resolves once its HTTP door listens.
// options.args: more flags (--web-dir). Returns {url, tokens, stop, folder, log}.
export async function startAccordd(options = {}) {
  const binary = accorddPath();
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'accord-web-'));
  const tokensFile = path.join(folder, 'tokens');
  const tokens = {};
  for (const [user, role] of [['lena', 'logger'], ['arno', 'auditor'], ['ada', 'admin']]) {
    const out = execFileSync(binary, ['--tokens', tokensFile, '--add-user', user, '--role', role],
      {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
    tokens[role] = out.trim().split('\n').pop().trim();
  }
  const args = ['--data', path.join(folder, 'data'), '--tokens', tokensFile, '--port', '0',
    '--http-port', 'any', ...(options.args || [])];
  const child = spawn(binary, args, {stdio: ['ignore', 'pipe', 'pipe']});
  let log = '';
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({code, signal})));
  const url = await new Promise((resolve, reject) => {
    const onData = (chunk) => {
      log += chunk.toString();
      const match = log.match(/serving HTTP at (http:\/\/[0-9.]+:[0-9]+)\//);
      if (match) resolve(match[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    exited.then(({code, signal}) => reject(new Error(`accordd exited (${code ?? signal}) before serving HTTP:\n${log}`)));
  });
  return {
    url,
    tokens,
    folder,
    log: () => log,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      fs.rmSync(folder, {recursive: true, force: true});
    },
  };
}

export function launchBrowser() {
  if (!fs.existsSync(kChromium)) {
    throw new Error(`${kChromium} is missing: run scripts/setup (it installs Debian's chromium)`);
  }
  return chromium.launch({
    executablePath: kChromium,
    args: ['--no-sandbox', '--disable-background-networking', '--headless=new'],
  });
}

// A new browser context signed in as `role` through the sign-in page (the
// server's token for that role), on the desk: what a person does first.
export async function signIn(browser, server, role, {width = 1280, timeout = 15_000} = {}) {
  const context = await browser.newContext({viewport: {width, height: 900}, acceptDownloads: true});
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  page.on('pageerror', (error) => console.error(`page error (${role}):`, error.message));
  await page.goto(`${server.url}/`);
  await page.getByLabel('Token').fill(server.tokens[role]);
  await page.getByRole('button', {name: 'Sign in'}).click();
  await page.getByRole('heading', {level: 1, name: 'Desk'}).waitFor();
  return page;
}

// JSON from the API with a bearer token (what a script would do), outside the browser.
export async function apiGet(server, token, route) {
  const response = await fetch(`${server.url}${route}`, {headers: {Authorization: `Bearer ${token}`}});
  if (!response.ok) throw new Error(`GET ${route}: ${response.status} ${await response.text()}`);
  return response.json();
}

export async function logPosition(server) {
  const health = await apiGet(server, server.tokens.admin, '/api/v1/health');
  return Number(health.logPosition);
}

// Runs axe-core in the page; resolves to its violations.
export async function axeViolations(page) {
  const axePath = path.resolve(path.dirname(new URL(import.meta.url).pathname), 'node_modules/axe-core/axe.min.js');
  // Evaluated through the DevTools protocol: the page's Content-Security-Policy
  // (script-src 'self') refuses the inline script addScriptTag would insert.
  await page.evaluate(fs.readFileSync(axePath, 'utf8'));
  const results = await page.evaluate(() => window.axe.run(document, {resultTypes: ['violations']}));
  return results.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5)}));
}
