// A need's life in the browser: a resident's request (no JavaScript, 360 px)
// verified by the operator's call from the need's page (the number in the
// clear for the caller alone, the need held against a second caller), a
// refusal that keeps the call and says why, and the resident's page telling each step in
// plain words — never who did it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, missingBrowser, newPage, signIn, startServer } from './server.mjs';

const skip = missingBrowser();

describe('lifecycle', { timeout: 180_000 }, () => {
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

  test('a resident asks, the operator calls and verifies, the resident sees each step', { skip: skip ?? false }, async () => {
    const url = server.url;
    const resident = await newPage(browser, { viewport: { width: 360, height: 780 }, javaScriptEnabled: false });
    const desk = await newPage(browser, { viewport: { width: 1280, height: 900 } });
    try {
      // 17:51: the village asks for instant food.
      const r = resident.page;
      await r.goto(`${url}/help`);
      await r.fill('#address', '西安市鄠邑区涝店镇龙窝村委会');
      await r.selectOption('#kind', 'food');
      await r.fill('#people', '300');
      await r.fill('#description', '全村封控，急需方便面、自热米饭、饼干、面包');
      await r.fill('#contact_name', '王书记');
      await r.fill('#contact_phone', '138 0918 5199');
      await r.check('#vulnerable-child');
      await r.check('#vulnerable-elderly_alone');
      await r.click('#help-form button[type="submit"]');
      await r.waitForURL(/\/help\/[0-9A-Z]{10}\?sent=1$/);
      const reference = new URL(r.url()).pathname.split('/').pop();
      assert.match(await r.locator('#help-steps').innerText(), /已收到您的求助/);

      // The operator finds it and calls.
      const d = desk.page;
      await signIn(d, url, 'operator');
      const needs = await (await d.request.get(`${url}/api/needs`)).json();
      const need = needs.find((n) => n.reference === reference);
      assert.ok(need, 'the request is on the operator\'s board');
      await d.goto(`${url}/needs/${need.id}`);
      assert.equal((await d.locator('#need-status').innerText()).trim(), '新登记');
      assert.match(await d.locator('#need-vulnerable').innerText(), /独居老人[\s\S]*儿童|儿童[\s\S]*独居老人/);
      // The call: the number in the clear for the caller, the need held.
      await d.click('#call-start');
      await d.waitForSelector('#call-form');
      assert.equal((await d.locator('#call-phone').innerText()).trim(), '13809185199');
      assert.equal((await d.locator('#need-status').innerText()).trim(), '核实中');
      // A coordinator opening it meanwhile sees who is calling, and no call button.
      const other = await newPage(browser, { viewport: { width: 1280, height: 900 } });
      try {
        await signIn(other.page, url, 'coordinator');
        await other.page.goto(`${url}/needs/${need.id}`);
        assert.match(await other.page.locator('#need-locked').innerText(), /正在通话/);
        assert.equal(await other.page.locator('#call-start').count(), 0);
      } finally {
        await other.ctx.close();
      }
      // Refusing without a reason keeps the call and says what is missing.
      // Refusing asks first (a confirm), then the server says what is missing.
      let asked = '';
      d.once('dialog', (dialog) => { asked = dialog.message(); dialog.accept(); });
      await d.click('#call-rejected');
      await d.waitForSelector('#call-reason-error:not(:empty)');
      assert.match(asked, /不受理/);
      assert.equal((await d.locator('#call-phone').innerText()).trim(), '13809185199');
      // Reached the cadre: 320 people, verified.
      await d.fill('#call-people', '320');
      await d.click('#call-verified');
      await d.waitForSelector('.notice >> text=通话结果已记录');
      assert.equal((await d.locator('#need-status').innerText()).trim(), '已核实');
      assert.equal(await d.locator('#call-phone').count(), 0, 'the number is gone with the call');
      const history = await d.locator('#need-timeline').innerText();
      for (const words of ['登记需求', '开始核实', '查看个人信息', '电话已接通', '通话中更正信息', '核实无误']) {
        assert.match(history, new RegExp(words));
      }
      assert.match(history, /verification call/);
      // The rest of the way is recorded by hand.
      await d.click('#move-matched');
      await d.waitForSelector('.notice >> text=已更新');
      assert.equal((await d.locator('#need-status').innerText()).trim(), '已对接');

      // Found again on the board by the reference as the resident reads it.
      await d.goto(`${url}/needs`);
      await d.fill('#f-q', `${reference.slice(0, 5)}-${reference.slice(5).toLowerCase()}`);
      await d.press('#f-q', 'Enter');
      await d.waitForURL(/q=/);
      assert.match(await d.locator('#needs-count').innerText(), /\b1\b/);
      assert.equal(await d.locator('#needs tbody tr').count(), 1);
      assert.match(await d.locator('#needs tbody tr').innerText(), /已对接/);

      // The resident's page, reloaded: the steps in order, no one named.
      await r.goto(`${url}/help/${reference}`);
      assert.equal((await r.locator('#help-status').innerText()).trim(), '已对接');
      const steps = await r.locator('#help-steps li').allInnerTexts();
      assert.equal(steps.length, 4, steps.join(' | '));
      assert.match(steps[0], /已收到您的求助/);
      assert.match(steps[1], /工作人员正在电话核实/);
      assert.match(steps[2], /情况已核实/);
      assert.match(steps[3], /已找到能帮助您的物资或人员/);
      const body = await r.locator('body').innerText();
      assert.ok(!/operator|王热线|王书记|5199/.test(body), 'nobody is named on the resident\'s page');
      const width = await r.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 360, `the page fits 360 px (scrollWidth ${width})`);
    } finally {
      await resident.ctx.close();
      await desk.ctx.close();
    }
  });
});
