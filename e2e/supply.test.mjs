// The Shaanxi night (mission §1) up to the goods in the depot, on a server
// whose clock the test moves: at 17:51 a village asks for instant food on
// the public form; the operator calls and reaches the cadre, verified at
// 18:10; the coordinator publishes an appeal from the need (WeChat text,
// QR code, public page); the catering association pledges noodles,
// self-heating rice, biscuits and bread; overnight the goods arrive at the
// depot; the resident's page shows each step at its time.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, missingBrowser, newPage, signIn, startServer } from './server.mjs';

const skip = missingBrowser();

describe('supply', { timeout: 240_000 }, () => {
  let server;
  let browser;
  before(async () => {
    if (skip) return;
    server = await startServer(['--settable-clock']);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('a village\'s request for food becomes an appeal, pledges and goods in the depot', { skip: skip ?? false }, async () => {
    const url = server.url;
    const admin = await newPage(browser, { viewport: { width: 1280, height: 900 } });
    const resident = await newPage(browser, { viewport: { width: 360, height: 780 }, javaScriptEnabled: false });
    const desk = await newPage(browser, { viewport: { width: 1280, height: 900 } });
    const coord = await newPage(browser, { viewport: { width: 1280, height: 900 } });
    const assoc = await newPage(browser, { viewport: { width: 1280, height: 900 } });
    const setClock = async (at) => {
      const res = await admin.page.request.put(`${url}/api/clock`, { data: { at } });
      assert.equal(res.status(), 200, await res.text());
    };
    try {
      await signIn(admin.page, url, 'admin');
      await setClock('2021-12-28T17:51:00+08:00');

      // 17:51, the village cadre on a cheap phone.
      const r = resident.page;
      await r.goto(`${url}/help`);
      await r.fill('#address', '西安市鄠邑区涝店镇龙窝村委会');
      await r.selectOption('#kind', 'food');
      await r.selectOption('#urgency', 'urgent');
      await r.fill('#people', '60');
      await r.fill('#description', '全村封控第六天，小卖部空了，急需方便面、自热米饭、饼干、面包');
      await r.fill('#contact_name', '王书记');
      await r.fill('#contact_phone', '137 0918 5188');
      await r.click('#help-form button[type="submit"]');
      await r.waitForURL(/\/help\/[0-9A-Z]{10}\?sent=1$/);
      const reference = new URL(r.url()).pathname.split('/').pop();

      // The operator calls and reaches the cadre; verified at 18:10.
      const d = desk.page;
      await signIn(d, url, 'operator');
      const need = (await (await d.request.get(`${url}/api/needs?kind=food`)).json())
        .find((n) => n.reference === reference);
      assert.ok(need, 'on the board');
      await setClock('2021-12-28T18:02:00+08:00');
      await d.goto(`${url}/needs/${need.id}`);
      await d.click('#call-start');
      await d.waitForSelector('#call-form');
      await setClock('2021-12-28T18:10:00+08:00');
      await d.click('#call-verified');
      await d.waitForSelector('.notice >> text=通话结果已记录');
      assert.equal((await d.locator('#need-status').innerText()).trim(), '已核实');

      // The coordinator publishes an appeal from the need.
      const c = coord.page;
      await signIn(c, url, 'coordinator');
      await setClock('2021-12-28T18:14:00+08:00');
      await c.goto(`${url}/needs/${need.id}`);
      await c.click('#appeal-for-need');
      await c.waitForURL(`${url}/supply/appeals/new?need=${need.id}`);
      assert.match(await c.inputValue('#title'), /龙窝村/);
      assert.equal(await c.inputValue('#needed_by'), '2021-12-29T00:14');
      await c.fill('#title', '龙窝村方便食品（60 户）');
      const lines = [['方便面 · 箱', '200'], ['自热米饭 · 箱', '100'], ['饼干 · 箱', '100'], ['面包 · 箱', '100']];
      // A line without its quantity is not an appeal: the lines are named.
      await c.click('#publish-appeal');
      await c.waitForSelector('#lines-error:not(:empty)');
      for (const [i, [label, q]] of lines.entries()) {
        await c.selectOption(`#line-item-${i + 1}`, { label });
        await c.fill(`#line-quantity-${i + 1}`, q);
      }
      await c.click('#publish-appeal');
      await c.waitForURL(/\/supply\/appeals\/\d+\?notice=created$/);
      const appealUrl = c.url().replace(/\?.*$/, '');
      const wechat = await c.inputValue('#wechat-text');
      assert.match(wechat, /^【征集】龙窝村方便食品（60 户）\n鄠邑区龙窝村委会急需（截至 2021-12-29 00:14）：/);
      assert.match(wechat, /方便面 200箱（尚缺 200箱）/);
      const link = await c.locator('#appeal-link').innerText();
      assert.ok(wechat.endsWith(link), wechat);
      assert.doesNotMatch(wechat, /王书记|13709185188|5188/);
      const qrWidth = await c.locator('#appeal-qr').evaluate((img) => img.complete && img.naturalWidth);
      assert.ok(qrWidth > 0, 'the QR code is drawn');

      // The public page the link opens, on a phone without script.
      await r.goto(link);
      assert.match(await r.locator('#appeal-title').innerText(), /龙窝村方便食品/);
      assert.doesNotMatch(await r.locator('main').innerText(), /王书记|5188/);

      // The catering association pledges all four, to 鄠邑区's depot.
      const a = assoc.page;
      await signIn(a, url, 'association');
      await setClock('2021-12-28T19:30:00+08:00');
      await a.goto(appealUrl);
      const items = await (await a.request.get(`${url}/api/items`)).json();
      const id = (code) => items.find((i) => i.code === code).id;
      for (const [code, q] of [['instant_noodles', '200'], ['self_heating_rice', '100'], ['biscuits', '100'], ['bread', '100']]) {
        await a.fill(`#pledge-${id(code)}`, q);
      }
      await a.selectOption('#pledge-depot', { label: '鄠邑区应急物资库' });
      await a.fill('#pledge-contact', '吴会长');
      await a.fill('#pledge-phone', '13991100009');
      await a.click('#pledge');
      await a.waitForSelector('#notice >> text=认捐已登记');
      assert.equal(await a.locator('#pledges tr.pledge').count(), 4);
      assert.doesNotMatch(await a.locator('#pledges').innerText(), /13991100009/);

      // Overnight the van brings them in: arrival confirmed line by line.
      await setClock('2021-12-28T23:30:00+08:00');
      await c.goto(appealUrl);
      for (let n = 0; n < 4; n++) {
        await c.locator('#pledges tr.pledge button[id^="receive-"]').first().click();
        await c.waitForSelector('#notice >> text=已确认到货');
      }
      const received = await c.locator('.appeal-lines td.received').allInnerTexts();
      assert.deepEqual(received.map((t) => t.trim()), ['200', '100', '100', '100']);
      await c.goto(`${url}/supply`);
      await c.click('#depots a >> text=鄠邑区应急物资库');
      assert.match(await c.locator('#stock tr[data-item="instant_noodles"] .on-hand').innerText(), /^200 箱/);
      assert.match(await c.locator('#movements').innerText(), /23:30\s+入库\s+方便面\s+200/);

      // The office head's dashboard counts the night: 鄠邑区 has the
      // village's two requests (the demo's and tonight's), both verified,
      // and tonight's verification took 19 minutes.
      await c.goto(`${url}/dashboard`);
      const huyi = await c.locator('#dash-areas tr[data-code="610118"] td').allInnerTexts();
      assert.deepEqual(huyi.slice(0, 3), ['陕西省西安市鄠邑区', '2', '2'], huyi.join(' | '));
      assert.equal(await c.locator('#chart-verify rect').count(), 8);
      assert.match(await c.locator('#dash-times').innerText(), /从登记到核实\s+2\s/);

      // The resident's page: each step in plain words at its Beijing time.
      await r.goto(`${url}/help/${reference}`);
      const steps = await r.locator('#help-steps').innerText();
      for (const step of [/17:51[\s\S]*已收到您的求助/, /18:10[\s\S]*情况已核实/, /18:14[\s\S]*已发布物资征集/, /23:30[\s\S]*筹集的物资已到仓库/]) {
        assert.match(steps, step);
      }
      assert.doesNotMatch(steps, /吴会长|李协调|王热线/);
    } finally {
      for (const p of [admin, resident, desk, coord, assoc]) await p.ctx.close();
    }
  });
});
