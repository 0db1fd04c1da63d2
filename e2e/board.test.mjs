// The coordinator's board on the demo's city (a few hundred needs across
// Xi'an's 13 districts): moved through by keyboard, and kept up to date
// without a reload — a need taken by the hotline in another browser shows
// up on the open board, and on the open dashboard.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, missingBrowser, newPage, signIn, startServer } from './server.mjs';

const skip = missingBrowser();

describe('board', { timeout: 180_000 }, () => {
  let server;
  let browser;
  before(async () => {
    if (skip) return;
    server = await startServer(['--demo-needs', '400', '--demo-open', '100']);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const count = async (page) => {
    const text = await page.locator('#needs-count').innerText();
    return Number(text.match(/\d+/)[0]);
  };

  test('the board by keyboard', { skip: skip ?? false }, async () => {
    const url = server.url;
    const desk = await newPage(browser, { viewport: { width: 1280, height: 900 } });
    try {
      const d = desk.page;
      await signIn(d, url, 'coordinator');
      await d.goto(`${url}/needs`);
      // The city is there on first start: open needs in several districts.
      assert.ok(await count(d) >= 100, await d.locator('#needs-count').innerText());
      const districts = await d.locator('#needs tbody td:nth-child(3)').allInnerTexts();
      assert.ok(new Set(districts.map((t) => t.slice(0, 9))).size >= 5, districts.slice(0, 5).join(' | '));
      // j, j, k: on the first row's need; Enter opens it.
      await d.keyboard.press('j');
      await d.keyboard.press('j');
      await d.keyboard.press('k');
      const first = await d.locator('#needs tbody a[data-need]').first().getAttribute('href');
      assert.equal(await d.evaluate(() => document.activeElement.getAttribute('href')), first);
      await Promise.all([d.waitForURL(`${url}${first}`), d.keyboard.press('Enter')]);
      await d.waitForSelector('#need-title');
      // Back on the board, / goes to the search box; ] to the next page.
      await d.goto(`${url}/needs?status=all`);
      await d.keyboard.press('/');
      assert.equal(await d.evaluate(() => document.activeElement.id), 'f-q');
      await d.locator('#needs tbody a[data-need]').first().focus();
      await Promise.all([d.waitForURL(/page=2/), d.keyboard.press(']')]);
      // The area field offers divisions as a name is typed; a name is
      // taken as it is too.
      await d.goto(`${url}/needs`);
      await d.locator('#f-within').pressSequentially('雁塔区', { delay: 30 });
      await d.waitForFunction(() => [...document.querySelectorAll('#division-options-0 option')]
        .some((o) => o.value === '610113' && o.label.includes('西安市雁塔区')));
      await Promise.all([d.waitForURL(/within=/), d.click('#board-filter button[type=submit]')]);
      const places = await d.locator('#needs tbody td:nth-child(3)').allInnerTexts();
      assert.ok(places.length > 0 && places.every((t) => t.includes('雁塔区')), places.join(' | '));
    } finally {
      await desk.ctx.close();
    }
  });

  test('a new need shows up on an open board and dashboard', { skip: skip ?? false }, async () => {
    const url = server.url;
    const coord = await newPage(browser, { viewport: { width: 1280, height: 900 } });
    const head = await newPage(browser, { viewport: { width: 1280, height: 900 } });
    const hotline = await newPage(browser);
    try {
      const b = coord.page;
      await signIn(b, url, 'coordinator');
      await b.goto(`${url}/needs?sort=waiting`);
      await b.waitForFunction(() => document.querySelector('[data-live-status]').textContent.includes('实时'));
      const before = await count(b);
      await b.evaluate(() => { window.notReloaded = true; });

      const dash = head.page;
      await signIn(dash, url, 'coordinator');
      await dash.goto(`${url}/dashboard`);
      const collected = async () => Number((await dash.locator('#dash-collected').innerText()).replace(/\D/g, ''));
      const dashBefore = await collected();

      const h = hotline.page;
      await signIn(h, url, 'operator');
      await h.goto(`${url}/needs/new`);
      await h.fill('#contact_phone', '137 0000 2222');
      await h.fill('#address', '西安市雁塔区小寨路街道兴善社区');
      await h.selectOption('#kind', 'food');
      await h.fill('#people', '3');
      await h.fill('#description', '一家三口断粮两天，实时看板测试');
      await h.fill('#contact_name', '刘女士');
      await Promise.all([h.waitForURL(/\/needs\/\d+\?notice=created$/), h.click("#need-save")]);

      // The board counts one more, without a reload.
      await b.waitForFunction((n) => Number(document.querySelector('#needs-count').textContent.match(/\d+/)[0]) === n + 1,
        before, { timeout: 10_000 });
      assert.equal(await b.evaluate(() => window.notReloaded), true);
      // The dashboard within its few seconds' gap.
      await dash.waitForFunction((n) => Number(document.querySelector('#dash-collected').textContent.replace(/\D/g, '')) === n + 1,
        dashBefore, { timeout: 15_000 });
    } finally {
      await coord.ctx.close();
      await head.ctx.close();
      await hotline.ctx.close();
    }
  });
});
