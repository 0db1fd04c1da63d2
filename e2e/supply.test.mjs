// The whole Shaanxi night (mission §1–2), on a server whose clock the test
// moves: at 17:51 a village asks for instant food on the public form; the
// operator calls and reaches the cadre, verified at 18:10; the coordinator
// publishes an appeal from the need (WeChat text, QR code, public page);
// the catering association pledges noodles, self-heating rice, biscuits
// and bread; overnight the goods arrive at the depot. Then the village is
// sealed: the matching proposes the district's vehicle team to the gate
// and the village's own squad inside; the coordinator confirms; on their
// phones the vehicle team drives to the gate and hands off, the inside
// squad delivers with the code the cadre reads from the tracking page;
// both come home and the need closes. The tracking page, the dashboard
// and the ledger show every step.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, missingBrowser, newPage, residentId, signIn, startServer } from './server.mjs';

const skip = missingBrowser();

describe('supply', { timeout: 360_000 }, () => {
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
    const opened = [];
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

      // 23:40 the village is sealed. Ready to go: a vehicle team of
      // 甘亭街道 and a squad of the village's own people, PPE-trained.
      await setClock('2021-12-28T23:40:00+08:00');
      const api = async (page, path, data, ok = 300) => {
        const res = await page.request.post(`${url}${path}`, { data });
        assert.ok(res.status() < ok, `${path}: ${res.status()} ${await res.text()}`);
        return res.json();
      };
      await api(admin.page, '/api/zones', { division_code: need.division_code, compound: '', level: 'sealed', reason: '龙窝村全村封控' });
      const org = (await (await c.request.get(`${url}/api/orgs?q=${encodeURIComponent('西安市社会工作协会')}`)).json())[0].id;
      const recruit = async (n, address, seed) => {
        const campaign = await api(c, '/api/campaigns', { org_id: org, title: `鄠邑区封控志愿者（第${seed}批）`, division_code: '610118',
          starts_on: '2021-12-20', ends_on: '2022-01-31', slots: [{ category: 'general', wanted: 100 }] });
        for (let i = 0; i < n; i++) {
          await api(c, `/api/campaigns/public/${campaign.reference}/applications`, {
            name: `志愿者${seed}${i}`, phone: `1399118${seed}${i}00`.slice(0, 11), address,
            document_number: residentId(`61011819900101${seed}${i}1`),
            category: 'general', skills: ['ppe_trained'], availability: ['evening'], idempotency_key: `night-${seed}-${i}`,
          });
        }
        const queue = await (await c.request.get(`${url}/api/campaigns/${campaign.id}/applications`)).json();
        const decided = await api(c, '/api/applications/decisions', { ids: queue.map((a) => a.id), decision: 'accept' });
        return decided.volunteers;
      };
      const drivers = await recruit(3, '西安市鄠邑区甘亭街道', 1);
      const villagers = await recruit(3, '西安市鄠邑区涝店镇龙窝村委会', 2);
      const training = await api(c, '/api/trainings', { org_id: org, title: '防护服穿脱', division_code: '610118', credential: 'ppe',
        place: '涝店镇卫生院', starts_at: '2021-12-28T20:00:00+08:00', ends_at: '2021-12-28T21:00:00+08:00', capacity: 10 });
      for (const v of villagers) await api(c, `/api/trainings/${training.id}/enrolments`, { volunteer_id: v.volunteer_id });
      await api(c, `/api/trainings/${training.id}/attendance`, { volunteer_ids: villagers.map((v) => v.volunteer_id) });
      const team = async (name, division, members) => {
        const s = await api(c, '/api/squads', { org_id: org, division_code: division, name });
        for (const v of members) await api(c, `/api/squads/${s.id}/members`, { volunteer_id: v.volunteer_id });
        await api(c, `/api/squads/${s.id}/leader`, { volunteer_id: members[0].volunteer_id });
        return s;
      };
      await team('鄠邑区车辆保障队', '610118', drivers);
      await team('龙窝村志愿小分队', need.division_code, villagers);

      // 23:45 the coordinator's proposal: the vehicle team to the gate, the
      // village's squad inside, the goods from 鄠邑区's depot.
      await setClock('2021-12-28T23:45:00+08:00');
      await c.goto(`${url}/dispatch`);
      await c.click('#propose');
      await c.waitForSelector('#proposal');
      const row = c.locator(`#proposal-table tr[data-need="${need.id}"]`);
      assert.match(await row.locator(`#leg-${need.id}-to_gate option:checked`).innerText(), /^鄠邑区车辆保障队/);
      assert.match(await row.locator(`#leg-${need.id}-inside option:checked`).innerText(), /^龙窝村志愿小分队/);
      assert.match(await row.innerText(), /鄠邑区应急物资库/);
      const boxes = c.locator('#proposal-table input[type=checkbox]');
      for (let i = 0; i < await boxes.count(); i++) {
        const box = boxes.nth(i);
        if ((await box.getAttribute('name')) !== `keep.${need.id}`) await box.uncheck();
      }
      await c.click('#confirm');
      await c.waitForSelector('#notice');
      assert.match(await c.locator('#notice').innerText(), /已派出 1 项任务/);
      const onBoard = async () => (await c.locator('#board-table').innerText());
      assert.match(await onBoard(), /鄠邑区车辆保障队[\s\S]*待接单/);

      // The two squads' phones.
      const phone = { viewport: { width: 360, height: 740 }, isMobile: true };
      const van = await newPage(browser, phone);
      const inside = await newPage(browser, phone);
      opened.push(van, inside);
      await signIn(van.page, url, drivers[0].username, drivers[0].password);
      await signIn(inside.page, url, villagers[0].username, villagers[0].password);
      const press = async (pg, step, at) => {
        if (at) await setClock(at);
        await pg.goto(`${url}/field`);
        await pg.click(`[id$="-${step}"]`);
        await pg.waitForURL(/\/field#leg-\d+$/);
      };
      const v = van.page;
      await v.goto(`${url}/field`);
      assert.match(await v.locator('.field-leg').innerText(), /送到卡口交接/);
      assert.doesNotMatch(await v.locator('main').innerText(), /王书记|5188/);
      assert.equal(await v.locator('[id^="reveal-"]').count(), 0, 'no door for the road to the gate');
      assert.ok(await v.evaluate(() => document.documentElement.scrollWidth <= 360), 'nothing wider than the phone');
      await press(v, 'accept', '2021-12-28T23:50:00+08:00');
      await press(v, 'depart', '2021-12-28T23:55:00+08:00');
      await press(v, 'pick_up', '2021-12-29T00:10:00+08:00');
      const i = inside.page;
      await press(i, 'accept', '2021-12-29T00:12:00+08:00');
      await press(i, 'depart', '2021-12-29T00:30:00+08:00');
      // Nothing to take at the gate yet: the page says to wait.
      assert.equal(await i.locator('[id$="-pick_up"]').count(), 0);
      assert.match(await i.locator('.field-leg').innerText(), /等送货小分队在卡口交接/);
      await press(v, 'hand_off', '2021-12-29T00:40:00+08:00');
      await press(i, 'pick_up', '2021-12-29T00:45:00+08:00');
      // The door: the inside squad opens the cadre's address (logged).
      await i.click('[id^="reveal-"]');
      await i.waitForSelector('#recipient');
      assert.match(await i.locator('#recipient-name').innerText(), /王书记/);
      assert.match(await i.locator('#recipient-address').innerText(), /龙窝村/);
      // The cadre reads the code from the tracking page.
      await r.goto(`${url}/help/${reference}`);
      const code = (await r.locator('#help-code').innerText()).trim();
      assert.match(code, /^\d{4}$/);
      await setClock('2021-12-29T01:05:00+08:00');
      await i.fill('[id^="code-"]', code);
      await i.click('[id$="-deliver"]');
      await i.waitForURL(/\/field#leg-\d+$/);
      assert.match(await i.locator('.field-leg').first().innerText(), /已送达/);
      // The cadre says, on a phone without script, that all of it came.
      await setClock('2021-12-29T01:10:00+08:00');
      await r.goto(`${url}/help/${reference}`);
      await r.check('input[name=outcome][value=all]');
      await r.fill('#received-comment', '全村 60 户都分到了，谢谢');
      await r.click('#received-send');
      await r.waitForSelector('#help-thanked');
      await press(v, 'back', '2021-12-29T01:20:00+08:00');
      await press(i, 'back', '2021-12-29T01:25:00+08:00');
      const closed = await (await c.request.get(`${url}/api/needs/${need.id}`)).json();
      assert.equal(closed.status, 'closed');

      // The tracking page tells the whole night, in order and in words.
      await r.goto(`${url}/help/${reference}`);
      const night = await r.locator('#help-steps').innerText();
      for (const step of [/00:10[\s\S]*物资已从仓库发出/, /00:40[\s\S]*卡口/, /01:05[\s\S]*已送达/, /01:10[\s\S]*你已反馈收货情况/, /01:25[\s\S]*已办结/]) {
        assert.match(night, step);
      }
      assert.equal((await r.locator('#help-status').innerText()).trim(), '已办结');
      assert.doesNotMatch(night, /车辆保障队|志愿小分队/);
      // The dashboard and the ledger: delivered, and where the goods went.
      await c.goto(`${url}/dashboard`);
      // 17:51 to 01:05: seven hours and fourteen minutes to the door.
      assert.match(await c.locator('#dash-times').innerText(), /从登记到送达\s+1\s+7 小时 14 分/);
      await c.goto(`${url}/ledger`);
      // Tonight's 500 boxes went out to 鄠邑区 beside the demo's 200 noodles.
      assert.match(await c.locator('main').innerText(), /陕西省西安市鄠邑区 · 方便面 400箱、自热米饭 100箱、饼干 100箱、面包 100箱/);
      assert.match(await c.locator('#ledger-delivered').innerText(), /已送到受助人手中：方便面 200箱、自热米饭 100箱、饼干 100箱、面包 100箱/);
    } finally {
      for (const p of [admin, resident, desk, coord, assoc, ...opened]) await p.ctx.close();
    }
  });
});
