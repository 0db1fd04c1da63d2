// Duplicates in the browser: a resident asks on the public form; the same
// family rings the hotline; the operator, phone first, is shown the request
// already there as the number is typed, takes the call down, merges the two
// from the need's page (only once the box says it is the same need), and the
// resident's reference now leads to the need that stays.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, missingBrowser, newPage, signIn, startServer } from './server.mjs';

const skip = missingBrowser();

describe('duplicates', { timeout: 180_000 }, () => {
  let server;
  let browser;
  before(async () => {
    if (skip) return;
    server = await startServer();
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the hotline sees the request already there and merges it', { skip: skip ?? false }, async () => {
    const url = server.url;
    const resident = await newPage(browser, { viewport: { width: 360, height: 780 }, javaScriptEnabled: false });
    const desk = await newPage(browser, { viewport: { width: 1280, height: 900 } });
    try {
      const r = resident.page;
      await r.goto(`${url}/help`);
      await r.fill('#address', '西安市雁塔区小寨路街道大雁塔社区');
      await r.selectOption('#kind', 'medicine');
      await r.fill('#people', '1');
      await r.fill('#description', '父亲胰岛素只剩一天的量');
      await r.fill('#contact_name', '赵女士');
      await r.fill('#contact_phone', '139 1234 5678');
      await r.click('#help-form button[type="submit"]');
      await r.waitForURL(/\/help\/[0-9A-Z]{10}\?sent=1$/);
      const first = new URL(r.url()).pathname.split('/').pop();

      // The hotline: the phone field has the focus, and typing the number
      // shows the request already taken, phone masked.
      const d = desk.page;
      await signIn(d, url, 'operator');
      await d.goto(`${url}/needs/new`);
      assert.equal(await d.evaluate(() => document.activeElement?.id), 'contact_phone');
      await d.keyboard.type('13912345678');
      await d.locator('#similar-found').waitFor();
      const panel = await d.locator('#similar-found').innerText();
      assert.match(panel, /电话相同/);
      assert.doesNotMatch(panel, /13912345678/);
      // The panel's links stay out of the tab order (the call goes on).
      assert.equal(await d.locator('#similar-found a').first().getAttribute('tabindex'), '-1');
      await d.fill('#address', '西安市雁塔区小寨路街道大雁塔社区');
      await d.selectOption('#kind', 'medicine');
      await d.selectOption('#urgency', 'critical');
      await d.fill('#people', '1');
      await d.fill('#description', '女儿又打来电话：胰岛素明天就断');
      await d.fill('#contact_name', '赵女士');
      await d.click('#need-form button[type="submit"]');
      await d.waitForURL(/\/needs\/\d+\?notice=created$/);
      const kept = Number(new URL(d.url()).pathname.split('/').pop());

      // Its page lists the resident's request as possibly the same.
      const row = d.locator('#need-similar tr.similar').first();
      await row.waitFor();
      assert.match(await row.innerText(), /电话相同/);
      const other = Number(await row.getAttribute('data-id'));
      // Without the box ticked the browser will not send it; the server
      // would refuse it too.
      await row.locator(`#merge-from-${other}`).click();
      assert.match(d.url(), new RegExp(`/needs/${kept}\\?notice=created$`), 'nothing sent');
      await row.locator('input[name="confirm"]').check();
      await row.locator(`#merge-from-${other}`).click();
      await d.waitForURL(new RegExp(`/needs/${kept}\\?notice=merged$`));
      assert.match(await d.locator('.notice').first().innerText(), /已合并/);
      assert.match(await d.locator('#need-timeline').innerText(), /合并进一条重复需求/);
      await d.goto(`${url}/needs/${other}`);
      assert.match(await d.locator('#need-status').innerText(), /重复/);
      assert.match(await d.locator('#need-merged-into').innerText(), /已合并到/);

      // The resident's reference leads to the need that stays.
      await r.goto(`${url}/help/${first}`);
      await r.waitForURL(/\/help\/[0-9A-Z]{5}-[0-9A-Z]{5}\?merged=1$/);
      assert.match(await r.locator('#help-merged').innerText(), /已合并到这里/);
      assert.notEqual(new URL(r.url()).pathname.replace('-', ''), `/help/${first}`);
    } finally {
      await resident.ctx.close();
      await desk.ctx.close();
    }
  });
});
