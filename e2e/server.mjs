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

/** Why the browser tests cannot run here, or null. Under CI=true a missing browser is an error. */
export function missingBrowser() {
  if (existsSync(CHROMIUM)) return null;
  const msg = `${CHROMIUM} not found (apt-get install chromium fonts-wqy-microhei)`;
  if (process.env.CI === 'true') throw new Error(msg);
  console.log(`NOTICE: browser tests skipped: ${msg}`);
  return msg;
}

export async function startServer() {
  const bin = path.resolve(here, process.env.LIANDONG_BIN || '../target/debug/liandong');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'liandong-e2e-'));
  const child = spawn(bin, ['serve', '--demo', '--listen', '127.0.0.1:0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s:\n${out}\n${stderr}`)), 60_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[0-9.:]+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}:\n${out}\n${stderr}`)); });
  });
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.on('exit', r)));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function signIn(page, url, username) {
  await page.goto(`${url}/login`);
  await page.fill('#username', username);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL(`${url}/`), page.click('form[action="/login"] button[type=submit]')]);
}
