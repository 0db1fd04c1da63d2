// A street office's screening lead at a desk: three overlapping lists (a,
// b, c) sent through the page, each with its columns checked before it is
// taken; a bad row named by line and field; one subject per person; the
// list sent again taken once; then the street's screener on a phone sees
// their own subject masked and reveals the phone for a call (audited).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, missingBrowser, newPage, signIn, startServer } from './server.mjs';

const skip = missingBrowser();

const LIST_A = `姓名,身份证号,手机号码,现住址,车次,到达日期
张伟,610113199001010019,13911110001,陕西省西安市雁塔区小寨路街道兴善社区12号楼,G87,2021-12-20
李娜,,13911110002,西安市未央区张家堡街道,G88,2021-12-20
王五,,12345,雁塔区,G89,2021-12-20
`;
const LIST_B = `手机号码,日期
13911110001,2021-12-21
13911110009,2021-12-21
`;
const LIST_C = `姓名,电话,场所,日期
张伟,13911110001,大唐不夜城,2021-12-19
`;

describe('screening', { timeout: 180_000 }, () => {
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

  /** Send a list and take it with the columns as found: the report's counts. */
  async function send(p, url, name, csv, source, kind) {
    await p.goto(`${url}/screening`);
    await p.setInputFiles('#file', { name, mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await p.fill('#source', source);
    await p.selectOption('#kind', kind);
    await p.click('#list-send');
    await p.waitForSelector('#columns-form');
    assert.notEqual(await p.locator('#col_phone').inputValue(), '');
    await p.click('#list-take');
    await p.waitForSelector('#report-counts');
    const n = async (id) => Number(await p.locator(`#${id}`).innerText());
    return { rows: await n('rows-read'), fresh: await n('new-subjects'), joined: await n('joined'), refused: await n('refused') };
  }

  test('three overlapping lists, one subject each, a street reveals its own', { skip: skip ?? false }, async () => {
    const url = server.url;
    const desk = await newPage(browser);
    const phone = await newPage(browser, { viewport: { width: 360, height: 740 }, isMobile: true });
    try {
      const p = desk.page;
      await signIn(p, url, 'coordinator');
      const a = await send(p, url, '铁路返回人员.csv', LIST_A, '铁路部门', 'transport');
      assert.deepEqual(a, { rows: 3, fresh: 2, joined: 0, refused: 1 });
      assert.match(await p.locator('#refused-rows').innerText(), /4\s+电话/);
      const b = await send(p, url, '漫游号码.csv', LIST_B, '通信管理局', 'roaming');
      assert.deepEqual(b, { rows: 2, fresh: 1, joined: 1, refused: 0 });
      const c = await send(p, url, '重点场所.csv', LIST_C, '市场监管', 'venue');
      assert.deepEqual(c, { rows: 1, fresh: 0, joined: 1, refused: 0 });
      // The first list again: nothing new, and said so.
      await send(p, url, '铁路返回人员-重发.csv', LIST_A, '铁路部门', 'transport');
      assert.ok(await p.locator('#already').isVisible());
      await p.goto(`${url}/screening`);
      assert.equal(await p.locator('#subject-count').innerText(), '3');
      const zhang = p.locator('#subjects tbody tr', { hasText: '张*' });
      assert.match(await zhang.innerText(), /×3/);
      assert.doesNotMatch(await p.locator('#subjects').innerText(), /13911110001/);

      // The street's screener, on a phone: their subject, masked; revealed
      // with a reason.
      const v = phone.page;
      await signIn(v, url, 'screener');
      await v.goto(`${url}/screening`);
      assert.equal(await v.locator('#subject-count').innerText(), '1');
      await v.click('#subjects tbody tr a');
      await v.waitForSelector('#reveal-form');
      assert.match(await v.locator('#subject-phone').innerText(), /139\*\*\*\*0001/);
      assert.equal(await v.locator('#leads tbody tr').count(), 3);
      await v.selectOption('#field', 'phone');
      await v.fill('#reason', '核查来电');
      await v.click('#reveal');
      await v.waitForSelector('#revealed');
      assert.match(await v.locator('#revealed').innerText(), /13911110001/);
      assert.ok(await v.evaluate(() => document.documentElement.scrollWidth <= 360));
    } finally {
      await desk.ctx.close();
      await phone.ctx.close();
    }
  });

  test('a call from the worklist, checked by the resident on a phone without script', { skip: skip ?? false }, async () => {
    const url = server.url;
    const desk = await newPage(browser);
    const resident = await newPage(browser, { viewport: { width: 360, height: 740 }, javaScriptEnabled: false, isMobile: true });
    try {
      const p = desk.page;
      await signIn(p, url, 'screener');
      await p.goto(`${url}/screening/calls`);
      await p.fill('#phone', '137 0000 1111');
      await p.click('#seat-save');
      await p.waitForSelector('#worklist');
      assert.equal(await p.locator('#work-count').innerText(), '1');
      await p.click('#worklist tbody tr button');
      await p.waitForSelector('#call-code');
      assert.equal(await p.locator('#call-phone').innerText(), '13911110001');
      const code = (await p.locator('#call-code').innerText()).trim();
      assert.match(code, /^\d{6}$/);

      // The resident, unsure, checks the call: the number that rang and the code.
      const r = resident.page;
      await r.goto(`${url}/check`);
      await r.fill('#phone', '13700001111');
      await r.fill('#code', code === '111111' ? '222222' : '111111');
      await r.click('#check-submit');
      await r.waitForSelector('#check-no');
      await r.fill('#code', code);
      await r.click('#check-submit');
      await r.waitForSelector('#check-yes');
      assert.match(await r.locator('#check-yes').innerText(), /小寨路街道/);
      assert.match(await r.locator('#check-never').innerText(), /银行卡/);
      assert.ok(await r.evaluate(() => document.documentElement.scrollWidth <= 360));

      // Nobody answered: tried once, and nobody calls them again today.
      await p.check('input[name="outcome"][value="no_answer"]');
      await p.click('#call-end');
      await p.waitForSelector('#work-none');
    } finally {
      await desk.ctx.close();
      await resident.ctx.close();
    }
  });

  test('a resident reports themselves on a phone without script', { skip: skip ?? false }, async () => {
    const url = server.url;
    const phone = await newPage(browser, { viewport: { width: 360, height: 740 }, javaScriptEnabled: false, isMobile: true });
    try {
      const p = phone.page;
      await p.goto(`${url}/self-report`);
      await p.fill('#name', '周芳');
      await p.fill('#phone', '1391111007');
      await p.fill('#residence', '西安市雁塔区小寨路街道兴善社区3号楼');
      await p.fill('#trip', 'MU2103 上海');
      await p.click('#self-report-submit');
      // A digit short: said beside the field, the rest kept.
      await p.waitForSelector('#error-summary');
      assert.match(await p.locator('#error-summary').innerText(), /电话|手机/);
      assert.equal(await p.inputValue('#residence'), '西安市雁塔区小寨路街道兴善社区3号楼');
      await p.fill('#phone', '13911110077');
      await p.click('#self-report-submit');
      await p.waitForSelector('#self-report-done');
      assert.ok(await p.evaluate(() => document.documentElement.scrollWidth <= 360));
    } finally {
      await phone.ctx.close();
    }
  });

  test('a subject handed over to the office where they live now, accepted there', { skip: skip ?? false }, async () => {
    const url = server.url;
    const street = await newPage(browser);
    const beijing = await newPage(browser);
    try {
      const admin = await newPage(browser);
      await signIn(admin.page, url, 'admin');
      const res = await admin.page.request.post(`${url}/api/accounts`, {
        data: { username: 'chaoyang', display_name: '朝阳区排查组', password: 'chaoyang-2021-12', role: 'screener', org_id: 1, jurisdiction_code: '110105' },
      });
      assert.equal(res.status(), 201);
      await admin.ctx.close();
      const p = street.page;
      await signIn(p, url, 'screener');
      await p.goto(`${url}/screening`);
      await p.click('#subjects tbody tr a');
      await p.waitForSelector('#transfer-form');
      await p.fill('#to_division', '110105');
      await p.fill('#t-reason', '电话中说已搬至北京朝阳');
      await p.click('#transfer-offer');
      await p.waitForSelector('#transfers-out');
      assert.match(await p.locator('#transfers-out').innerText(), /待接收/);
      const b = beijing.page;
      await signIn(b, url, 'chaoyang', 'chaoyang-2021-12');
      await b.goto(`${url}/screening/transfers`);
      assert.match(await b.locator('#transfers-in').innerText(), /张\*/);
      await b.click('#transfers-in .transfer-accept');
      await b.waitForFunction(() => /已接收/.test(document.querySelector('#transfers-in')?.textContent ?? ''));
      await p.goto(`${url}/screening/transfers`);
      assert.match(await p.locator('#transfers-out').innerText(), /已接收/);
      assert.ok(await p.locator('#orphans-none').isVisible());
    } finally {
      await street.ctx.close();
      await beijing.ctx.close();
    }
  });
  test('management on a schedule, results imported, released', { skip: skip ?? false }, async () => {
    const url = server.url;
    const desk = await newPage(browser);
    const admin = await newPage(browser);
    // Beijing's calendar day, `back` days ago.
    const day = (back) => new Date(Date.now() + 8 * 3600_000 - back * 86_400_000).toISOString().slice(0, 10);
    try {
      // The admin sets home isolation to 2 tests in 5 days on the page.
      const a = admin.page;
      await signIn(a, url, 'admin');
      await a.goto(`${url}/screening/management`);
      const row = a.locator('#schedules tr[data-level="home_isolation"]');
      await row.locator('input[name="tests"]').fill('2');
      await row.locator('input[name="days"]').fill('5');
      await row.locator('button').click();
      await a.waitForURL(/\/screening\/management$/);
      assert.match(await a.locator('#schedules tr[data-level="home_isolation"] .rule').innerText(), /5 天 2 检/);

      // 周芳 reported herself; the coordinator puts her under self health
      // monitoring (2 tests in 3 days) from the day she came back.
      const p = desk.page;
      await signIn(p, url, 'coordinator');
      await p.goto(`${url}/screening`);
      await p.click('#subjects tbody tr[data-subject] a:has-text("周*")');
      await p.waitForSelector('#management-form');
      await p.selectOption('#level', 'self_monitoring');
      await p.fill('#starts_on', day(2));
      await p.click('#management-start');
      await p.waitForSelector('#management-now');
      assert.equal(await p.locator('#management-received').innerText(), '0');
      assert.match(await p.locator('#management-now').innerText(), /检测逾期/);
      await p.goto(`${url}/screening/management?view=overdue`);
      assert.match(await p.locator('#managed').innerText(), /周\*/);

      // The lab's results: hers by phone and name, one of nobody listed.
      const csv = `姓名,手机号,采样日期,检测结果\n周芳,13911110077,${day(2)},阴性\n周芳,13911110077,${day(0)},阴性\n吴九,13911110099,${day(0)},阴性\n`;
      await p.setInputFiles('#results-file', { name: '核酸结果.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      await p.click('#results-send');
      await p.waitForSelector('#results-report');
      assert.equal(await p.locator('#report-matched').innerText(), '2');
      assert.equal(await p.locator('#report-unmatched').innerText(), '1');
      assert.match(await p.locator('#unmatched').innerText(), /吴\*/);

      // Both tests in, the third day reached: ready, and released.
      await p.click('#view-ready');
      await p.waitForSelector('#managed');
      await p.click('#managed .release');
      await p.waitForURL(/view=ready/);
      await p.click('#view-released');
      assert.match(await p.locator('#managed').innerText(), /周\*/);
      assert.match(await p.locator('#managed').innerText(), /已解除/);
    } finally {
      await desk.ctx.close();
      await admin.ctx.close();
    }
  });
  test('a shift rostered on the page, the seat on the caller\'s list, the figures reported', { skip: skip ?? false }, async () => {
    const url = server.url;
    const desk = await newPage(browser);
    const caller = await newPage(browser);
    // The shift now, as the office counts it (Beijing).
    const bj = new Date(Date.now() + 8 * 3600_000);
    const minutes = bj.getUTCHours() * 60 + bj.getUTCMinutes();
    const shift = minutes >= 9 * 60 && minutes < 16 * 60 + 30 ? 'day' : 'evening';
    const day = new Date(bj.getTime() - (minutes < 9 * 60 ? 86_400_000 : 0)).toISOString().slice(0, 10);
    try {
      const p = desk.page;
      await signIn(p, url, 'coordinator');
      await p.goto(`${url}/screening/shifts?day=${day}`);
      await p.selectOption('#account_id', await p.locator('#account_id option', { hasText: '马排查' }).getAttribute('value'));
      await p.selectOption('#shift', shift);
      await p.fill('#seat', '3');
      await p.click('#shift-add');
      await p.waitForSelector(`#shift-${shift} [data-on-shift]`);
      assert.match(await p.locator(`#shift-${shift}`).innerText(), /马排查/);

      const c = caller.page;
      await signIn(c, url, 'screener');
      await c.goto(`${url}/screening/calls`);
      assert.match(await c.locator('#on-shift').innerText(), /3/);

      await p.goto(`${url}/screening/figures`);
      await p.waitForSelector('#chart-calls');
      assert.ok(Number(await p.locator('#fig-calls').innerText()) >= 1);
      const [download] = await Promise.all([p.waitForEvent('download'), p.click('#figures-xlsx')]);
      assert.match(download.suggestedFilename(), /^screening-.*\.xlsx$/);
    } finally {
      await desk.ctx.close();
      await caller.ctx.close();
    }
  });
});
