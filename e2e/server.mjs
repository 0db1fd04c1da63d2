// Start `liandong serve --demo` on a free port with a fresh data directory,
// and launch Debian's chromium. Shared by the browser tests.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const PASSWORD = 'liandong-demo-2021';
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
/** Generous default for every wait in the browser tests. */
export const TIMEOUT = 30_000;

/** The server binary: $LIANDONG_BIN (absolute, or relative to the working directory), else ../target/debug/liandong. */
export function serverBin() {
  const env = process.env.LIANDONG_BIN;
  return env ? path.resolve(env) : path.resolve(here, '../target/debug/liandong');
}

/**
 * Why the browser tests cannot run here, or null. Under CI=true a missing
 * browser is an error, not a skip.
 */
export function missingBrowser() {
  if (existsSync(CHROMIUM)) return null;
  const msg = `${CHROMIUM} not found (apt-get install chromium fonts-wqy-microhei, or set CHROMIUM)`;
  if (process.env.CI === 'true') throw new Error(`browser tests cannot run under CI: ${msg}`);
  console.log(`NOTICE: browser tests skipped: ${msg}`);
  return `browser tests skipped: ${msg}`;
}

/** Start the demo server; resolves to {url, stop()} once it prints its listening line. */
/** Start `liandong serve --demo` on a free port; `extra` are more arguments (e.g. --settable-clock). */
export async function startServer(extra = []) {
  const bin = serverBin();
  if (!existsSync(bin)) throw new Error(`liandong binary not found at ${bin} (cargo build, or set LIANDONG_BIN)`);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'liandong-e2e-'));
  // The scenario alone, unless a test asks for the city's needs too.
  const city = extra.includes('--demo-needs') ? [] : ['--demo-needs', '0'];
  if (!extra.includes('--demo-volunteers')) city.push('--demo-volunteers', '0');
  if (!extra.includes('--demo-subjects')) city.push('--demo-subjects', '0');
  if (!extra.includes('--demo-care')) city.push('--demo-care', '0');
  const child = spawn(bin, ['serve', '--demo', ...city, '--listen', '127.0.0.1:0', '--data-dir', dataDir, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  // Both pipes stay drained for the server's whole life, so its logging never blocks.
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((r) => child.once('exit', r));
  const cleanup = () => {
    process.removeListener('exit', killOnExit);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`server did not start in 60 s:\n${out}\n${err}`)), 60_000);
      const look = () => {
        const m = out.match(/liandong listening on (http:\/\/127\.0\.0\.1:\d+)/);
        if (m) { clearTimeout(timer); resolve(m[1]); }
      };
      child.stdout.on('data', look);
      child.once('error', (e) => { clearTimeout(timer); reject(e); });
      exited.then((code) => { clearTimeout(timer); reject(new Error(`server exited (${code}) before listening:\n${out}\n${err}`)); });
    });
    return {
      url,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timer);
        }
        cleanup();
      },
    };
  } catch (e) {
    child.kill('SIGKILL');
    await exited;
    cleanup();
    throw e;
  }
}

/** Headless Debian chromium; never with a --user-data-dir of our own. */
export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A page in a fresh context with the generous timeouts. */
export async function newPage(browser, options) {
  const ctx = await browser.newContext({ locale: 'zh-CN', ...options });
  ctx.setDefaultTimeout(TIMEOUT);
  ctx.setDefaultNavigationTimeout(TIMEOUT);
  const page = await ctx.newPage();
  return { ctx, page };
}

/** Sign in through the form and wait for the home page. */
export async function signIn(page, url, username, password = PASSWORD) {
  await page.goto(`${url}/login`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([
    page.waitForURL(`${url}/`),
    page.click('form[action="/login"] button[type=submit]'),
  ]);
}

/** A resident ID number with its GB 11643 check character. */
export function residentId(first17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const s = [...first17].reduce((a, c, i) => a + Number(c) * w[i], 0);
  return first17 + '10X98765432'[s % 11];
}
