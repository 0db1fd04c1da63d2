// Squads that never mix, as a coordinator works them in the browser: a
// vehicle added, a squad formed from the roster, the vehicle taken; a
// second squad refused the same vehicle with the first one named; a
// member marked positive and their trace; a street sealed and the movable
// count dropping at once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, missingBrowser, newPage, signIn, startServer } from './server.mjs';

const skip = missingBrowser();

describe('squads', { timeout: 240_000 }, () => {
  let server;
  let browser;
  before(async () => {
    if (skip) return;
    server = await startServer(['--demo-volunteers', '8000']);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const total = async (p) => Number(await p.locator('#movable-total').innerText());

  test('form squads, refuse contact, trace a positive, seal a street', { skip: skip ?? false }, async () => {
    const url = server.url;
    const desk = await newPage(browser);
    try {
      const p = desk.page;
      await signIn(p, url, 'coordinator');
      await p.goto(`${url}/squads`);
      const before = await total(p);
      assert.ok(before > 1000 && before < 3000, `movable ${before}`);
      // A vehicle of the vehicle team.
      await p.selectOption('#v_org_id', { label: '西安市社会工作协会' });
      await p.fill('#plate', '陕A·V2021');
      await p.fill('#seats', '7');
      await p.fill('#v_division_code', '610113');
      await p.click('#vehicle-create');
      await p.waitForSelector('#vehicle-table');
      assert.match(await p.locator('#vehicle-table').innerText(), /陕AV2021/);
      // Two squads in 雁塔区, two members each from the roster.
      const squadUrls = [];
      for (const name of ['雁塔突击一队', '雁塔突击二队']) {
        await p.goto(`${url}/squads`);
        await p.selectOption('#org_id', { label: '西安市社会工作协会' });
        await p.fill('#name', name);
        await p.fill('#division_code', '610113');
        await p.click('#squad-create');
        await p.waitForSelector('#join-form');
        squadUrls.push(p.url());
        for (let i = 0; i < 2; i++) {
          await p.click('#join');
          await p.waitForSelector(`#members tbody tr:nth-child(${i + 1})`);
        }
      }
      // The first takes the vehicle; the second is refused, the first named.
      await p.goto(squadUrls[0]);
      await p.selectOption('#target', { label: '陕AV2021' });
      await p.click('#touch');
      await p.waitForSelector('#contacts');
      assert.match(await p.locator('#contacts').innerText(), /陕AV2021/);
      await p.goto(squadUrls[1]);
      await p.selectOption('#target', { label: '陕AV2021' });
      await p.click('#touch');
      await p.waitForSelector('#notice');
      assert.match(await p.locator('#notice').innerText(), /雁塔突击一队/);
      // A member of the first marked positive: the trace lists the squad,
      // both members and the vehicle; the squad stands down.
      await p.goto(squadUrls[0]);
      const first = await p.locator('#members tbody tr').first().getAttribute('data-volunteer');
      await p.goto(`${url}/volunteers/${first}/trace`);
      await p.fill('#reason', '核酸检测阳性');
      assert.match(await p.locator('#positive-squad').innerText(), /雁塔突击一队/);
      await p.check('#confirm');
      await p.click('#positive');
      await p.waitForSelector('#trace-people');
      assert.match(await p.locator('#trace-squads').innerText(), /雁塔突击一队/);
      assert.equal(await p.locator('#trace-people tbody tr').count(), 2);
      assert.match(await p.locator('#trace-contacts').innerText(), /陕AV2021/);
      assert.ok(await p.locator('#trace-shared-none').isVisible());
      await p.goto(squadUrls[0]);
      assert.match(await p.locator('#squad-status').innerText(), /停工/);
      await p.goto(squadUrls[1]);
      assert.match(await p.locator('#squad-status').innerText(), /在岗/);
      // A street where movable volunteers live is sealed: the count drops.
      await p.goto(`${url}/volunteers?movement=free`);
      const id = await p.locator('#roster tbody tr').first().getAttribute('data-volunteer');
      const roster = await (await p.request.get(`${url}/api/volunteers?movement=free`)).json();
      const street = roster.find((v) => String(v.id) === id).home_division.slice(0, 9);
      const freeThere = roster.filter((v) => v.home_division.startsWith(street)).length;
      assert.ok(freeThere > 0);
      await p.goto(`${url}/squads`);
      const beforeSeal = await total(p);
      const res = await p.request.post(`${url}/api/zones`, { data: { division_code: street, level: 'sealed', reason: '出现阳性病例' } });
      assert.equal(res.status(), 201);
      await p.goto(`${url}/squads`);
      assert.ok(await total(p) <= beforeSeal - freeThere, `${beforeSeal} - ${freeThere}`);
    } finally {
      await desk.ctx.close();
    }
  });

  test('a volunteer on a phone sees their squad and pauses work', { skip: skip ?? false }, async () => {
    const url = server.url;
    const phone = await newPage(browser, { viewport: { width: 360, height: 740 }, isMobile: true });
    try {
      const p = phone.page;
      await signIn(p, url, 'volunteer');
      await p.goto(`${url}/service`);
      assert.match(await p.locator('#service-squad-name').innerText(), /小分队/);
      assert.ok(await p.locator('#service-members li').count() >= 3);
      assert.doesNotMatch(await p.locator('#service-members').innerText(), /1[3-9]\d{9}/);
      assert.ok(await p.evaluate(() => document.documentElement.scrollWidth <= 360));
      await p.click('#availability');
      await p.waitForSelector('#service-available');
      assert.match(await p.locator('#service-available').innerText(), /暂停/);
      await p.click('#availability');
      await p.waitForFunction(() => /可以接受任务/.test(document.querySelector('#service-available')?.textContent ?? ''));
    } finally {
      await phone.ctx.close();
    }
  });

  // A Beijing wall-clock time `hours` from now, as a datetime-local input takes it.
  const beijing = (hours) => new Date(Date.now() + (hours + 8) * 3600_000).toISOString().slice(0, 16);

  test('a training attended grants a credential; a volunteer takes a seat, clocks on and prints their hours', { skip: skip ?? false }, async () => {
    const url = server.url;
    const desk = await newPage(browser);
    const phone = await newPage(browser, { viewport: { width: 360, height: 740 }, isMobile: true });
    try {
      const p = desk.page;
      await signIn(p, url, 'coordinator');
      await p.goto(`${url}/trainings`);
      // The trainings of the demo are listed; a new first-aid session under way.
      assert.match(await p.locator('#trainings').innerText(), /防护服穿脱培训/);
      await p.selectOption('#org_id', { label: '西安市社会工作协会' });
      await p.fill('#title', '鄠邑区现场急救加训');
      await p.selectOption('#credential', 'first_aid');
      await p.fill('#division_code', '610118');
      await p.fill('#place', '鄠邑区社会工作服务站');
      await p.fill('#starts_at', beijing(-1));
      await p.fill('#ends_at', beijing(1));
      await p.fill('#capacity', '30');
      await p.click('#training-create');
      await p.waitForSelector('#enrol-find');
      // Enrol the volunteer found by name, mark them present.
      await p.fill('#q', '何志愿');
      await p.click('#enrol-find button');
      await p.waitForSelector('#enrol-found li');
      await p.click('#enrol-found button');
      await p.waitForSelector('#enrolments');
      await p.check('#enrolments input[name="ids"]');
      await p.click('#attend');
      await p.waitForFunction(() => document.querySelector('#training-attended')?.textContent === '1');
      assert.doesNotMatch(await p.locator('#enrolments').innerText(), /1[3-9]\d{9}/);

      // On their phone: the credential, a seat in a session still to come,
      // a duty clocked on and off, and the certificate.
      const v = phone.page;
      await signIn(v, url, 'volunteer');
      await v.goto(`${url}/service`);
      assert.match(await v.locator('#credentials').innerText(), /急救/);
      assert.match(await v.locator('#feedback').innerText(), /做得很好/);
      const hoursBefore = Number(await v.locator('#hours-total').innerText());
      assert.ok(hoursBefore >= 25.5, `hours ${hoursBefore}`);
      const session = v.locator('#open-trainings li', { hasText: '现场急救培训（鄠邑区）' });
      await session.locator('button').click();
      await v.waitForSelector('#open-trainings');
      assert.match(await v.locator('#open-trainings li', { hasText: '现场急救培训（鄠邑区）' }).innerText(), /已报名/);
      await v.click('#duty-clock');
      await v.waitForFunction(() => /上岗中/.test(document.querySelector('#duty-state')?.textContent ?? ''));
      await v.click('#duty-clock');
      await v.waitForFunction(() => /未上岗/.test(document.querySelector('#duty-state')?.textContent ?? ''));
      assert.ok(await v.evaluate(() => document.documentElement.scrollWidth <= 360));
      const pdf = await v.request.get(`${url}/service/certificate.pdf`);
      assert.equal(pdf.status(), 200);
      assert.equal(pdf.headers()['content-type'], 'application/pdf');
      assert.ok((await pdf.body()).subarray(0, 5).toString() === '%PDF-');

      // Back at the desk: the roster finds who may do a medical escort.
      await p.goto(`${url}/volunteers?task=medical_escort&within=610118`);
      const rows = p.locator('#roster tbody tr');
      assert.ok(await rows.count() > 0);
      assert.match(await rows.first().innerText(), /医护执业证/);
    } finally {
      await desk.ctx.close();
      await phone.ctx.close();
    }
  });
});
