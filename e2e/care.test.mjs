// Vulnerable residents as a community social worker keeps them: a plan
// list imported before the lockdown; guardians and backups confirmed from
// the proposals until coverage is 100%; the guardian's community sealed
// → a gap at once, the backup promoted → a new backup confirmed → 100%
// again; a day later the missed check-in is an alarm, and a check-in
// clears it. Then a child at risk found through that check-in, reported,
// referred to another organisation, accepted, followed up and closed; a
// domestic-violence case the other organisation's caseworker cannot open.
// And a guardian on a 360px phone checks in on their person.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, missingBrowser, newPage, signIn, startServer } from './server.mjs';

const skip = missingBrowser();
const ZIWEI = '西安市雁塔区电子城街道紫薇花园社区';

describe('care', { timeout: 300_000 }, () => {
  let server;
  let browser;
  before(async () => {
    if (skip) return;
    server = await startServer(['--demo-volunteers', '8000', '--settable-clock']);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const percent = async (p) => (await p.locator('#care-percent').innerText()).trim();

  /** On a person's page, confirm the first proposal in `role` (guardian or
   *  backup); `other` picks one living in another community. Returns the row's home. */
  async function confirm(p, role, other = false) {
    const rows = p.locator('#care-proposals tbody tr' + (other ? '[data-same="false"]' : ''));
    const row = rows.first();
    const home = await row.getAttribute('data-home');
    await Promise.all([p.waitForLoadState('load'), row.locator(`button.name-${role}`).click()]);
    await p.waitForSelector('#notice');
    return home;
  }

  test('import, cover, seal, promote, cover again, miss a check-in', { skip: skip ?? false }, async () => {
    const url = server.url;
    const desk = await newPage(browser);
    const office = await newPage(browser);
    const admin = await newPage(browser);
    const setClock = async (at) => {
      const res = await admin.page.request.put(`${url}/api/clock`, { data: { at } });
      assert.equal(res.status(), 200, await res.text());
    };
    try {
      // The plan is made a day and more before today.
      await signIn(admin.page, url, 'admin');
      await setClock(new Date(Date.now() - 26 * 3600_000).toISOString());
      const p = desk.page;
      await signIn(p, url, 'caseworker');
      // The plan list, before the lockdown: one line wrong, nothing taken.
      await p.goto(`${url}/care/import`);
      const head = '序号,姓名,联系电话,住址,小区,人群类别,日常需要,探访频次\n';
      const good = `1,刘桂英,13902920001,${ZIWEI}3号楼,紫薇花园,独居老人、透析,透析接送、药品,每天\n`
        + `2,陈小宝,,${ZIWEI}5号楼,紫薇花园,留守儿童,送餐,每两天\n`;
      await p.setInputFiles('#file', { name: '紫薇花园预案.csv', mimeType: 'text/csv', buffer: Buffer.from(`${head}${good}3,赵大爷,,${ZIWEI}7号楼,,富豪,,每天\n`) });
      await p.click('#import-form button[type=submit]');
      await p.waitForSelector('#import-problems');
      assert.match(await p.locator('#import-problems').innerText(), /4[\s\S]*类别/);
      await p.setInputFiles('#file', { name: '紫薇花园预案.csv', mimeType: 'text/csv', buffer: Buffer.from(`${head}${good}`) });
      await p.click('#import-form button[type=submit]');
      await p.waitForSelector('#import-done');
      assert.match(await p.locator('#import-done').innerText(), /已登记 2/);

      // Nobody named yet: two gaps by name.
      await p.goto(`${url}/care?within=610113004`);
      assert.equal(await percent(p), '0%');
      assert.match(await p.locator('#care-gaps').innerText(), /刘桂英[\s\S]*无监护人/);
      // Each person: a guardian of another community of the street (the
      // one the sealing will strand), a backup of their own.
      let guardianHome;
      for (const name of ['刘桂英', '陈小宝']) {
        await p.goto(`${url}/care?within=610113004`);
        await Promise.all([p.waitForLoadState('load'), p.locator('#care-gaps a', { hasText: name }).click()]);
        if (name === '刘桂英') {
          assert.match(await p.locator('#care-routine').innerText(), /透析接送/);
          assert.match(await p.locator('#care-phone').innerText(), /139\*\*\*\*0001/);
          guardianHome = await confirm(p, 'guardian', true);
        } else {
          await confirm(p, 'guardian');
        }
        assert.match(await p.locator('#care-gap').innerText(), /无备用人/);
        await confirm(p, 'backup');
        await p.locator('#care-covered-badge').waitFor();
      }
      await p.goto(`${url}/care?within=610113004`);
      assert.equal(await percent(p), '100%');
      await p.locator('#care-no-gaps').waitFor();

      // The guardian's community is sealed: the person is a gap at once
      // (the backup now guardian, nobody behind them) — the open page
      // hears it.
      const o = office.page;
      await signIn(o, url, 'coordinator');
      const res = await o.request.post(`${url}/api/zones`, {
        data: { division_code: guardianHome, level: 'sealed', reason: '出现阳性病例' },
      });
      assert.equal(res.status(), 201, await res.text());
      await p.waitForFunction(() => document.querySelector('#care-percent')?.innerText.trim() !== '100%');
      assert.match(await p.locator('#care-gaps').innerText(), /刘桂英[\s\S]*无备用人/);
      await Promise.all([p.waitForLoadState('load'), p.locator('#care-gaps a', { hasText: '刘桂英' }).click()]);
      assert.doesNotMatch(await p.locator('#care-guardian').innerText(), /封控/);
      await confirm(p, 'backup');
      await p.locator('#care-covered-badge').waitFor();
      await p.goto(`${url}/care?within=610113004`);
      assert.equal(await percent(p), '100%');

      // Today, a day and more later: nobody has called, the alarm stands.
      await setClock(new Date().toISOString());
      await p.goto(`${url}/care?within=610113004`);
      assert.match(await p.locator('#care-missed').innerText(), /刘桂英/);
      assert.doesNotMatch(await p.locator('#care-missed').innerText(), /陈小宝/);
      await Promise.all([p.waitForLoadState('load'), p.locator('#care-missed a', { hasText: '刘桂英' }).click()]);
      await p.locator('#care-missed-badge').waitFor();
      await p.selectOption('#kind', 'visit');
      await p.selectOption('#outcome', 'well');
      await p.fill('#note', '送了透析接送安排');
      await Promise.all([p.waitForLoadState('load'), p.click('#checkin-send')]);
      assert.match(await p.locator('#care-checkins').innerText(), /上门[\s\S]*一切安好/);
      assert.equal(await p.locator('#care-missed-badge').count(), 0);

      // The plan handed over names who covers whom, phones masked.
      await p.goto(`${url}/care/plan?within=610113004`);
      const plan = await p.locator('#plan').innerText();
      assert.match(plan, /刘桂英[\s\S]*透析接送/);
      assert.doesNotMatch(plan, /13902920001/);
    } finally {
      await desk.ctx.close();
      await office.ctx.close();
      await admin.ctx.close();
    }
  });

  test('a guardian on a cheap phone: their person, the phone opened (logged), a visit recorded', { skip: skip ?? false }, async () => {
    const url = server.url;
    const office = await newPage(browser);
    const phone = await newPage(browser, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    try {
      const o = office.page;
      await signIn(o, url, 'coordinator');
      const found = await (await o.request.get(`${url}/api/volunteers?q=何志愿`)).json();
      assert.equal(found.length, 1, JSON.stringify(found));
      const me = found[0];
      const made = await o.request.post(`${url}/api/care/recipients`, {
        data: { name: '马奶奶', phone: '13991234567', address: '村东头第三户', division_code: me.home_division,
          categories: ['elderly_alone'], routine: ['medicine'] },
      });
      assert.equal(made.status(), 201, await made.text());
      const person = await made.json();
      const named = await o.request.post(`${url}/api/care/recipients/${person.id}/guardians`, {
        data: { role: 'guardian', volunteer_id: me.id },
      });
      assert.equal(named.status(), 200, await named.text());

      const p = phone.page;
      await signIn(p, url, 'volunteer');
      await Promise.all([p.waitForLoadState('load'), p.click('nav.main a[href="/care/mine"]')]);
      const card = p.locator(`#person-${person.id}`);
      assert.match(await card.innerText(), /马奶奶[\s\S]*监护志愿者[\s\S]*独居老人/);
      assert.doesNotMatch(await card.innerText(), /13991234567/);
      await Promise.all([p.waitForLoadState('load'), p.click(`#reveal-phone-${person.id}`)]);
      assert.match(await p.locator(`#shown-${person.id}`).innerText(), /13991234567/);
      await p.selectOption(`#kind-${person.id}`, 'visit');
      await p.fill(`#note-${person.id}`, '降压药还有三天的量');
      await Promise.all([p.waitForLoadState('load'), p.click(`#well-${person.id}`)]);
      assert.match(await p.locator(`#person-${person.id}`).innerText(), /已记录联络/);
      // Nothing wider than the phone.
      const wide = await p.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(wide <= 360, `page is ${wide}px wide`);

      const checkins = await (await o.request.get(`${url}/api/care/recipients/${person.id}/checkins`)).json();
      assert.equal(checkins.length, 1);
      assert.equal(checkins[0].kind, 'visit');
      assert.equal(checkins[0].by_name, '何志愿（鄠邑区）');
    } finally {
      await office.ctx.close();
      await phone.ctx.close();
    }
  });

  test('a child at risk found, reported, referred, accepted, followed up and closed; DV stays with its holder', { skip: skip ?? false }, async () => {
    const url = server.url;
    const admin = await newPage(browser);
    const ours = await newPage(browser);
    const theirs = await newPage(browser);
    try {
      // A caseworker of the mental health association (a partner).
      await signIn(admin.page, url, 'admin');
      const orgs = await (await admin.page.request.get(`${url}/api/orgs?q=西安市心理卫生协会`)).json();
      const made = await admin.page.request.post(`${url}/api/accounts`, {
        data: { username: 'xinli', display_name: '刘咨询师', password: 'caseworker-2022', role: 'caseworker',
          org_id: orgs[0].id, jurisdiction_code: '610113' },
      });
      assert.equal(made.status(), 201, await made.text());

      // Found through the guardian's check-in: the person's page opens the case.
      const p = ours.page;
      await signIn(p, url, 'caseworker');
      const list = await (await p.request.get(`${url}/api/care/recipients?q=陈小宝`)).json();
      await p.goto(`${url}/care/recipients/${list[0].id}`);
      await Promise.all([p.waitForLoadState('load'), p.click('#open-case')]);
      assert.equal(await p.inputValue('#person_name'), '陈小宝');
      await p.selectOption('#category', 'child_at_risk');
      await p.selectOption('#risk', 'high');
      await p.fill('#summary', '父母均被隔离在外，孩子独自在家两天，情绪低落');
      await Promise.all([p.waitForURL(/\/cases\/\d+$/), p.click('#case-open')]);
      const caseUrl = p.url();
      assert.match(await p.locator('#case-holder').innerText(), /西安市妇女儿童服务中心/);
      // Reported and referred.
      await p.selectOption('#to_org', { label: '西安市心理卫生协会' });
      await p.fill('#refer-reason', '需要心理咨询师跟进');
      await Promise.all([p.waitForLoadState('load'), p.click('#refer-send')]);
      await p.locator('#case-pending').waitFor();

      // The partner accepts, follows up, closes.
      const q = theirs.page;
      await signIn(q, url, 'xinli', 'caseworker-2022');
      await q.goto(`${url}/cases`);
      const card = q.locator('.referral').first();
      assert.match(await card.innerText(), /儿童面临风险[\s\S]*西安市妇女儿童服务中心/);
      assert.doesNotMatch(await card.innerText(), /陈小宝/);
      await Promise.all([q.waitForURL(/\/cases\/\d+$/), card.locator('button[value=accept]').click()]);
      assert.match(await q.locator('#case-holder').innerText(), /西安市心理卫生协会/);
      assert.match(await q.locator('#case-title').innerText(), /陈小宝/);
      await q.selectOption('#action', 'follow_up');
      const due = new Date(Date.now() + 2 * 86400_000 + 8 * 3600_000).toISOString().slice(0, 16);
      await q.fill('#due_at', due);
      await q.fill('#text', '两天后电话回访孩子');
      await Promise.all([q.waitForLoadState('load'), q.click('#note-send')]);
      await Promise.all([q.waitForLoadState('load'), q.locator('button.done-follow-up').first().click()]);
      assert.match(await q.locator('#case-notes').innerText(), /已完成/);
      await q.selectOption('#outcome', 'linked_to_services');
      await q.fill('#close-note', '已链接学校心理老师每周通话');
      await Promise.all([q.waitForLoadState('load'), q.click('#close-send')]);
      assert.match(await q.locator('#case-status').innerText(), /已结案/);
      // The first organisation no longer holds it.
      const gone = await p.goto(caseUrl);
      assert.equal(gone.status(), 403);

      // A domestic-violence case: the partner's caseworker cannot open it.
      await p.goto(`${url}/cases/new`);
      await p.selectOption('#category', 'domestic_violence');
      await p.selectOption('#risk', 'high');
      await p.selectOption('#source', 'call');
      await p.fill('#division_code', '610113004004');
      await p.fill('#person_name', '林女士');
      await p.fill('#person_address', '紫薇花园9号楼');
      await p.fill('#summary', '来电求助：丈夫酗酒后动手');
      await Promise.all([p.waitForURL(/\/cases\/\d+$/), p.click('#case-open')]);
      const dv = p.url();
      const refused = await q.goto(dv);
      assert.equal(refused.status(), 403);
      await q.goto(`${url}/cases`);
      assert.doesNotMatch(await q.locator('main').innerText(), /林女士/);
    } finally {
      await admin.ctx.close();
      await ours.ctx.close();
      await theirs.ctx.close();
    }
  });

  test('a crisis in a sealed compound goes to that compound\'s team; its member signs in and takes it', { skip: skip ?? false }, async () => {
    const url = server.url;
    const admin = await newPage(browser);
    const ours = await newPage(browser);
    const doctor = await newPage(browser);
    try {
      // The compound is sealed; a colleague will sign in as the team's psychiatrist.
      await signIn(admin.page, url, 'admin');
      const orgs = await (await admin.page.request.get(`${url}/api/orgs?q=西安市妇女儿童服务中心`)).json();
      const made = await admin.page.request.post(`${url}/api/accounts`, {
        data: { username: 'zhaoys', display_name: '赵医生', password: 'caseworker-2022', role: 'caseworker',
          org_id: orgs[0].id, jurisdiction_code: '610113' },
      });
      assert.equal(made.status(), 201, await made.text());
      const zone = await admin.page.request.post(`${url}/api/zones`, {
        data: { division_code: '610113004004', compound: '紫薇花园', level: 'sealed' },
      });
      assert.equal(zone.status(), 201, await zone.text());

      // The team, linked to the sealed compound; its member, with an account, on call.
      const p = ours.page;
      await signIn(p, url, 'caseworker');
      await p.goto(`${url}/care/teams`);
      await p.fill('#name', '紫薇花园封控小区心理小组');
      await p.fill('#division_code', '610113');
      await p.selectOption('#cohort_kind', 'zone');
      const zoneValue = await p.locator('#zone_id option', { hasText: '紫薇花园' }).first().getAttribute('value');
      await p.selectOption('#zone_id', zoneValue);
      await Promise.all([p.waitForLoadState('load'), p.click('#team-create')]);
      const section = p.locator('section', { hasText: '紫薇花园封控小区心理小组' });
      assert.match(await section.innerText(), /封控区域内的人/);
      await section.locator('summary', { hasText: '添加成员' }).click();
      await section.locator('input[name=name]').fill('赵医生');
      await section.locator('select[name=profession]').selectOption('psychiatrist');
      await section.locator('input[name=phone]').fill('13880000001');
      const account = await section.locator('select[name=account_id] option', { hasText: 'zhaoys' }).getAttribute('value');
      await section.locator('select[name=account_id]').selectOption(account);
      await Promise.all([p.waitForLoadState('load'), section.locator('button', { hasText: '添加成员' }).click()]);
      const team = p.locator('section', { hasText: '紫薇花园封控小区心理小组' });
      assert.match(await team.innerText(), /赵医生[\s\S]*赵医生 \(zhaoys\)/);
      await team.locator('summary', { hasText: '安排值班' }).click();
      const china = (ms) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 16);
      await team.locator('input[name=starts_at]').fill(china(Date.now() - 3600_000));
      await team.locator('input[name=ends_at]').fill(china(Date.now() + 10 * 3600_000));
      await Promise.all([p.waitForLoadState('load'), team.locator('button', { hasText: '安排值班' }).click()]);
      assert.match(await p.locator('section', { hasText: '紫薇花园封控小区心理小组' }).innerText(), /当班: 赵医生/);

      // A crisis inside the compound: offered to that team first, waiting.
      await p.goto(`${url}/cases/new`);
      await p.selectOption('#category', 'mental_health_crisis');
      await p.selectOption('#risk', 'crisis');
      await p.selectOption('#source', 'call');
      await p.fill('#division_code', '610113004004');
      await p.fill('#person_name', '黄先生');
      await p.fill('#person_address', '紫薇花园3号楼');
      await p.fill('#summary', '隔离第十天，电话里反复说撑不下去');
      await Promise.all([p.waitForURL(/\/cases\/\d+$/), p.click('#case-open')]);
      const caseUrl = p.url();
      assert.match(await p.locator('#case-crisis').innerText(), /赵医生[\s\S]*紫薇花园封控小区心理小组[\s\S]*对接人群优先/);
      assert.equal(await p.locator('#case-crisis-status').innerText(), '等待回应');

      // The psychiatrist signs in: where and whom to call, never the person; takes it.
      const q = doctor.page;
      await signIn(q, url, 'zhaoys', 'caseworker-2022');
      await q.goto(`${url}/cases`);
      const card = q.locator('.crisis-offer').first();
      assert.match(await card.innerText(), /精神心理危机|心理危机/);
      assert.match(await card.innerText(), /电子城街道[\s\S]*西安市妇女儿童服务中心/);
      assert.doesNotMatch(await card.innerText(), /黄先生|3号楼/);
      await Promise.all([q.waitForLoadState('load'), card.locator('button[value=accept]').click()]);
      assert.match(await q.locator('#notice').innerText(), /已接手/);
      assert.equal(await q.locator('.crisis-offer').first().getAttribute('data-status'), 'accepted');

      // The holder sees it taken.
      await p.goto(caseUrl);
      assert.equal(await p.locator('#case-crisis-status').innerText(), '已接手');
    } finally {
      await admin.ctx.close();
      await ours.ctx.close();
      await doctor.ctx.close();
    }
  });

  test('an elder at risk found through a hotline need: the case carries the need\'s person', { skip: skip ?? false }, async () => {
    const url = server.url;
    const desk = await newPage(browser);
    const ours = await newPage(browser);
    try {
      await signIn(desk.page, url, 'operator');
      const made = await desk.page.request.post(`${url}/api/needs`, {
        data: { kind: 'medicine', urgency: 'urgent', people: 1, description: '老伴住院，降压药只剩两天',
          contact_name: '孙桂芝', contact_phone: '13800008311', address: '西安市雁塔区小寨路街道长延堡小区3号楼',
          idempotency_key: 'e2e-case-from-need' },
      });
      assert.equal(made.status(), 201, await made.text());
      const need = await made.json();
      const p = ours.page;
      await signIn(p, url, 'caseworker');
      await p.goto(`${url}/needs/${need.id}`);
      await Promise.all([p.waitForLoadState('load'), p.click('#open-case')]);
      // Nobody typed: the person is the need's, said so beside the field.
      assert.equal(await p.inputValue('#person_name'), '');
      await p.locator('#person-carried').waitFor();
      assert.equal(await p.inputValue('#source'), 'need');
      await p.selectOption('#category', 'elder_at_risk');
      await p.selectOption('#risk', 'medium');
      await p.fill('#summary', '独居，老伴住院，需要每日电话关心');
      await Promise.all([p.waitForURL(/\/cases\/\d+$/), p.click('#case-open')]);
      assert.match(await p.locator('#case-title').innerText(), /孙桂芝/);
      assert.match(await p.locator('main').innerText(), new RegExp(`#${need.id}`));
    } finally {
      await desk.ctx.close();
      await ours.ctx.close();
    }
  });
});
