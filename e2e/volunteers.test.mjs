// A volunteer signs up on a 360 px phone with JavaScript off: the
// campaign's page, a wrong ID number named at the top and beside its field,
// then the application's page with its reference.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, missingBrowser, newPage, residentId, signIn, startServer } from './server.mjs';

const skip = missingBrowser();

describe('volunteers', { timeout: 180_000 }, () => {
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

  test('sign up on a phone without script', { skip: skip ?? false }, async () => {
    const url = server.url;
    const desk = await newPage(browser);
    const phone = await newPage(browser, { viewport: { width: 360, height: 740 }, javaScriptEnabled: false, isMobile: true });
    try {
      await signIn(desk.page, url, 'coordinator');
      const orgs = await (await desk.page.request.get(`${url}/api/orgs?q=西安市社会工作协会`)).json();
      const today = new Date();
      const day = (d) => new Date(today.getTime() + d * 86400000).toISOString().slice(0, 10);
      const res = await desk.page.request.post(`${url}/api/campaigns`, {
        data: { org_id: orgs[0].id, title: '雁塔区封控志愿者招募', division_code: '610113', starts_on: day(-1), ends_on: day(10),
          slots: [{ category: 'general', wanted: 200 }, { category: 'driver', wanted: 30 }] },
      });
      assert.equal(res.status(), 201);
      const campaign = await res.json();
      const p = phone.page;
      await p.goto(`${url}/join/${campaign.reference}`);
      assert.match(await p.locator('#campaign-title').innerText(), /雁塔区封控志愿者招募/);
      // Nothing wider than the phone.
      assert.ok(await p.evaluate(() => document.documentElement.scrollWidth <= 360));
      await p.fill('#name', '赵志愿');
      await p.fill('#phone', '139 1234 5600');
      await p.fill('#document_number', '61011319950505123');
      await p.fill('#address', '西安市雁塔区小寨路街道兴善社区2号楼');
      await p.check('input[name=category][value=general]');
      await p.check('input[name=skills][value=ppe_trained]');
      await p.check('input[name=availability][value=evening]');
      await p.click('#join-submit');
      await p.waitForSelector('#error-summary');
      assert.match(await p.locator('#error-summary').innerText(), /证件号码/);
      assert.equal(await p.inputValue('#name'), '赵志愿');
      await p.fill('#document_number', residentId('61011319950505123'));
      await Promise.all([p.waitForURL(/\/applications\/[0-9A-Z]{5}-[0-9A-Z]{5}\?sent=1$/), p.click('#join-submit')]);
      assert.match(await p.locator('#application-status').innerText(), /待审核/);
      assert.match(await p.locator('#application-reference').innerText(), /^[0-9A-Z]{5}-[0-9A-Z]{5}$/);
      // The reviewer finds it masked in the queue.
      const queue = await (await desk.page.request.get(`${url}/api/campaigns/${campaign.id}/applications`)).json();
      assert.equal(queue.length, 1);
      assert.equal(queue[0].phone, '139****5600');
      // The reviewer's page: the document shown with a reason, then accepted
      // by the row's own button; the account is shown once.
      const d = desk.page;
      await d.goto(`${url}/campaigns/${campaign.id}`);
      await d.fill('#reason', '核对身份');
      await d.click(`button[name=reveal][value="document_number:${queue[0].id}"]`);
      assert.match(await d.locator(`#application-${queue[0].id} .revealed`).innerText(), /^61011319950505123/);
      await d.click(`#accept-${queue[0].id}`);
      await d.waitForSelector('#new-accounts');
      assert.match(await d.locator('#new-accounts').innerText(), /v[0-9a-z]{10}/);
    } finally {
      await desk.ctx.close();
      await phone.ctx.close();
    }
  });
});
