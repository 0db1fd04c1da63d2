// An escalation in the browser, on a server whose clock the test moves: at
// 17:51 a resident asks for insulin (critical: to be verified within 15
// minutes); nobody calls; at 18:08 the need has escalated by itself — it
// leads the operator's board with how late it is, stands on the lead
// organisation's escalations list, and its timeline says the system did it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, missingBrowser, newPage, signIn, startServer } from './server.mjs';

const skip = missingBrowser();

describe('escalation', { timeout: 180_000 }, () => {
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

  test('a critical need nobody verified in 15 minutes rises to the top by itself', { skip: skip ?? false }, async () => {
    const url = server.url;
    const admin = await newPage(browser, { viewport: { width: 1280, height: 900 } });
    const resident = await newPage(browser, { viewport: { width: 360, height: 780 }, javaScriptEnabled: false });
    const desk = await newPage(browser, { viewport: { width: 1280, height: 900 } });
    const setClock = async (at) => {
      const res = await admin.page.request.put(`${url}/api/clock`, { data: { at } });
      assert.equal(res.status(), 200, await res.text());
      return res.json();
    };
    try {
      await signIn(admin.page, url, 'admin');
      await setClock('2021-12-23T17:51:00+08:00');
      const r = resident.page;
      await r.goto(`${url}/help`);
      await r.fill('#address', '西安市雁塔区小寨路街道大雁塔社区');
      await r.selectOption('#kind', 'medicine');
      await r.selectOption('#urgency', 'critical');
      await r.fill('#people', '1');
      await r.fill('#description', '父亲胰岛素今晚就断，家里出不去');
      await r.fill('#contact_name', '赵女士');
      await r.fill('#contact_phone', '139 1234 5678');
      await r.click('#help-form button[type="submit"]');
      await r.waitForURL(/\/help\/[0-9A-Z]{10}\?sent=1$/);
      assert.match(await r.locator('#help-steps').innerText(), /17:51/);
      const reference = new URL(r.url()).pathname.split('/').pop();

      const d = desk.page;
      await signIn(d, url, 'operator');
      const need = (await (await d.request.get(`${url}/api/needs?urgency=critical`)).json())
        .find((n) => n.reference === reference);
      assert.ok(need, 'on the board');
      await d.goto(`${url}/needs/${need.id}`);
      assert.match(await d.locator('#need-due').innerText(), /应核实于\s*2021-12-23 18:06/);
      assert.equal(await d.locator('#need-escalated').count(), 0);

      // 18:08: seventeen minutes and no call.
      const swept = await setClock('2021-12-23T18:08:00+08:00');
      assert.ok(swept.escalated >= 1, JSON.stringify(swept));
      await d.goto(`${url}/needs`);
      const first = d.locator('#needs tbody tr').first();
      assert.match(await first.innerText(), /危急/);
      const row = d.locator('#needs tbody tr', { has: d.locator(`a[href="/needs/${need.id}"]`) });
      assert.match(await row.innerText(), /已升级督办/, await row.innerText());
      assert.match(await row.locator('.late').innerText(), /已超时\s*[23] 分钟/);
      // The operator's organisation leads the working group that answers
      // for every kind: the need is on its escalations list.
      await d.click('#escalations-link');
      await d.waitForURL(`${url}/needs/escalations`);
      assert.equal(await d.locator(`#escalations a[href="/needs/${need.id}"]`).count(), 1);
      // Its timeline: the system escalated it, at 18:08.
      await d.goto(`${url}/needs/${need.id}`);
      const timeline = await d.locator('#need-timeline').innerText();
      assert.match(timeline, /18:08\s+超过服务时限，自动升级督办\s+系统/);
      // Service levels are read in words; only the admin changes them.
      await d.click('a[href="/needs"]');
      await d.click('#levels-link');
      assert.match(await d.locator('#levels-form').innerText(), /15 分钟/);
      assert.equal(await d.locator('#save-levels').count(), 0);
      await admin.page.goto(`${url}/needs/service-levels`);
      await admin.page.fill('[id="critical.verify_minutes"]', '10');
      await admin.page.click('#save-levels');
      await admin.page.locator('#levels-saved').waitFor();
      assert.equal(await admin.page.inputValue('[id="critical.verify_minutes"]'), '10');
    } finally {
      await admin.ctx.close();
      await resident.ctx.close();
      await desk.ctx.close();
    }
  });
});
