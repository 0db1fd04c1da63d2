// The platform's page flows in headless Chromium: sign in, language,
// divisions browser, zones, organisation onboarding and approval, reveal,
// audit, sign out; sign-in, divisions and organisations at 360 px; the
// address box (an address → its street and community); a hotline need
// taken down at 360 px; a resident's request without an account or
// JavaScript; a list of needs imported.
// One demo server for this file (before/after), one browser context per test.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, missingBrowser, newPage, signIn, startServer } from './server.mjs';

const skip = missingBrowser();

describe('platform', { timeout: 180_000 }, () => {
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

  test('desk flow: language, divisions, zones, organisations, audit, sign out', { skip: skip ?? false }, async () => {
    const { ctx, page } = await newPage(browser, { viewport: { width: 1280, height: 900 } });
    const url = server.url;
    try {
      await signIn(page, url, 'admin');
      const navDivisions = page.locator('nav.main a[href="/divisions"]');

      // Language: Chinese first, English one click away, and back.
      assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
      assert.equal((await page.locator('#lang-switch').innerText()).trim(), 'English');
      await page.click('#lang-switch');
      await page.waitForSelector('html[lang="en"]');
      assert.equal((await navDivisions.innerText()).trim(), 'Divisions');
      assert.equal((await page.locator('#lang-switch').innerText()).trim(), '中文');
      await page.click('#lang-switch');
      await page.waitForSelector('html[lang="zh-CN"]');
      assert.equal((await navDivisions.innerText()).trim(), '行政区划');

      // Find 雁塔区 by live search, then 小寨路街道 among its children.
      await navDivisions.click();
      await page.waitForURL(/\/divisions(\/\d+)?$/);
      await page.fill('#q', '雁塔区');
      const hit = page.locator('#hits a[href="/divisions/610113"]');
      await hit.waitFor();
      assert.match(await hit.innerText(), /陕西省西安市雁塔区/);
      await hit.click();
      await page.waitForURL(`${url}/divisions/610113`);
      assert.match(await page.locator('#division-name').innerText(), /雁塔区/);
      await page.locator('ul.children a[href="/divisions/610113001"]', { hasText: '小寨路街道' }).click();
      await page.waitForURL(`${url}/divisions/610113001`);
      assert.match(await page.locator('h2#division-name').innerText(), /小寨路街道\s*610113001/);

      // Mark a compound sealed, then lift it (accepting the confirm dialog).
      await page.selectOption('#level', 'sealed');
      await page.fill('#compound', '测试小区');
      await page.fill('#zone-form #reason', '浏览器测试：密接集中');
      await page.click('#zone-form button[type=submit]');
      await page.waitForURL(/\/divisions\/610113001\?notice=/);
      await page.locator('p.notice').waitFor();
      const row = page.locator('table#zones tbody tr', { hasText: '测试小区' });
      assert.equal(await row.count(), 1, 'one zone row for the new compound');
      assert.equal((await row.locator('.badge.sealed').innerText()).trim(), '封控区');
      assert.match(await row.innerText(), /生效中/);
      assert.match(await row.innerText(), /浏览器测试：密接集中/);
      let confirmed = '';
      page.once('dialog', (d) => { confirmed = d.message(); d.accept(); });
      await row.locator('form[data-confirm] button[type=submit]').click();
      await page.waitForURL(/notice=lifted/);
      assert.equal((await page.locator('p.notice').innerText()).trim(), '已解除管控区域。');
      assert.ok(confirmed.length > 0, 'a confirm dialog was shown before lifting');
      const lifted = page.locator('table#zones tbody tr', { hasText: '测试小区' });
      assert.doesNotMatch(await lifted.innerText(), /生效中/);
      assert.equal(await lifted.locator('form[data-confirm]').count(), 0, 'no lift button once lifted');

      // Onboard an organisation: a bad phone is named next to its field.
      const name = `浏览器测试志愿队${Date.now()}`;
      await page.click('nav.main a[href="/orgs"]');
      await page.waitForURL(`${url}/orgs`);
      await page.click('a#new-org');
      await page.waitForURL(`${url}/orgs/new`);
      await page.fill('#name', name);
      await page.selectOption('#kind', 'volunteer_group');
      await page.selectOption('#tier', 'county');
      await page.fill('#jurisdiction_code', '610113');
      await page.fill('#contact_name', '赵队长');
      await page.fill('#contact_phone', '12345');
      await page.fill('#description', '浏览器测试创建');
      await page.click('#org-form button[type=submit]');
      const phoneError = page.locator('span.field-error#contact_phone-error', { hasText: /\S/ });
      assert.equal((await phoneError.innerText()).trim(), '请输入有效的手机号或带区号的固定电话');
      assert.equal(await page.inputValue('#name'), name, 'the form keeps what was typed');
      await page.fill('#contact_phone', '138 0013 8000');
      await page.click('#org-form button[type=submit]');
      await page.waitForURL(/\/orgs\/\d+(\?.*)?$/);
      assert.match(await page.locator('#org-name').innerText(), new RegExp(name));
      assert.equal((await page.locator('span#org-status').innerText()).trim(), '待审核');
      assert.equal((await page.locator('#contact-phone').innerText()).trim(), '138****8000');

      // Approve it.
      await page.click('#decide-form button#approve');
      await page.locator('span#org-status', { hasText: '已批准' }).waitFor();
      assert.equal((await page.locator('span#org-status').innerText()).trim(), '已批准');

      // Reveal the phone with a reason.
      await page.fill('#reveal-form #reason', '联系配送');
      await page.click('#reveal-form button[type=submit]');
      await page.locator('#contact-phone', { hasText: '13800138000' }).waitFor();
      assert.match(await page.locator('#contact-phone').innerText(), /13800138000/);

      // The audit log shows the reveal and the approval.
      await page.click('nav.main a[href="/audit"]');
      await page.waitForURL(`${url}/audit`);
      const events = await page.locator('table#events').innerText();
      // Actions in words, the record linked.
      assert.match(events, /查看个人信息/);
      assert.match(events, /通过组织审核/);
      assert.ok(await page.locator('table#events a[href^="/orgs/"]').count() > 0, 'records are linked');

      await page.click('#logout');
      await page.waitForURL(`${url}/login`);
      await page.locator('#username').waitFor();
    } finally {
      await ctx.close();
    }
  });

  test('at 360 px: sign-in error, home, divisions search, organisations', { skip: skip ?? false }, async () => {
    const { ctx, page } = await newPage(browser, { viewport: { width: 360, height: 740 }, isMobile: true });
    const url = server.url;
    const assertFits = async (what) => {
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 360 + 1, `${what} scrolls sideways at 360 px: scrollWidth ${width}`);
    };
    try {
      // A wrong password is refused with a message.
      await page.goto(`${url}/login`);
      await page.fill('#username', 'coordinator');
      await page.fill('#password', 'not-the-password');
      await page.click('form[action="/login"] button[type=submit]');
      assert.equal((await page.locator('#login-error').innerText()).trim(), '用户名或密码不正确');
      assert.match(page.url(), /\/login/);
      await assertFits('the login page');

      await signIn(page, url, 'coordinator');
      await page.locator('nav.main').waitFor();
      await assertFits('the home page');

      // Coordinators start at their jurisdiction; the plain form search works too.
      await page.click('nav.main a[href="/divisions"]');
      await page.waitForURL(`${url}/divisions/6101`);
      assert.match(await page.locator('#division-name').innerText(), /西安市/);
      await assertFits('the divisions page');
      await page.fill('#q', '小寨路');
      await page.press('#q', 'Enter');
      await page.waitForURL(/\/divisions\?q=/);
      const hit = page.locator('#hits a[href="/divisions/610113001"]');
      assert.match(await hit.innerText(), /陕西省西安市雁塔区小寨路街道/);
      await assertFits('the division search results');
      await hit.click();
      await page.waitForURL(`${url}/divisions/610113001`);
      assert.match(await page.locator('#division-name').innerText(), /小寨路街道/);
      await assertFits('a division page');

      await page.click('nav.main a[href="/orgs"]');
      await page.waitForURL(`${url}/orgs`);
      await page.locator('table#orgs tbody tr a[href^="/orgs/"]').first().waitFor();
      assert.ok(await page.locator('table#orgs tbody tr').count() > 0, 'the organisations list has rows');
      await assertFits('the organisations list');
    } finally {
      await ctx.close();
    }
  });

  test('address box: an address as written finds its village, an ambiguous one says so, the jurisdiction chooses among places far apart', { skip: skip ?? false }, async () => {
    const { ctx, page } = await newPage(browser, { viewport: { width: 360, height: 780 } });
    const url = server.url;
    try {
      await signIn(page, url, 'operator');
      await page.click('nav.main a[href="/divisions"]');
      await page.waitForURL(`${url}/divisions/6101`);
      // Live, as it is typed: the field report's village, with the lead
      // words and the note a caller gives.
      await page.fill('#address', '住址：西安市鄠邑区涝店镇龙窝村委会（近公交站）');
      const village = page.locator('#resolved ol.crumbs a[href="/divisions/610118011226"]');
      await village.waitFor();
      assert.match(await village.innerText(), /龙窝/);
      assert.equal(await page.locator('#resolved ol.crumbs li').count(), 5, 'province down to the village');
      assert.match(await page.locator('#resolved-answer').innerText(), /可信度 1\.0/);
      await village.click();
      await page.waitForURL(`${url}/divisions/610118011226`);
      assert.match(await page.locator('#division-name').innerText(), /龙窝/);
      // Submitted as a form, a district name found far apart (朝阳区: Beijing
      // and Changchun, neither near Xi'an) gives no answer and says where it
      // became ambiguous; the address stays out of the URL.
      await page.fill('#address', '朝阳区');
      await page.press('#address', 'Enter');
      await page.waitForURL(`${url}/divisions/resolve`);
      // A warning (not the green of success): the answer is not a place.
      const notice = page.locator('#resolved-answer p.warning#address-ambiguous');
      await notice.waitFor();
      assert.match(await notice.innerText(), /省级/);
      assert.equal(await page.locator('#resolved-answer ol.crumbs').count(), 0, 'no division claimed');
      assert.equal(await page.inputValue('#address'), '朝阳区');
      // 新城区 is in Xi'an and in Hohhot: for a Xi'an operator it is Xi'an's,
      // and the box says her jurisdiction chose it.
      await page.fill('#address', '新城区');
      const chosen = page.locator('#address-by-jurisdiction');
      await chosen.waitFor();
      assert.match(await chosen.innerText(), /辖区/);
      await page.locator('#resolved ol.crumbs a[href="/divisions/610102"]').waitFor();
      assert.match(await page.locator('#resolved-answer').innerText(), /可信度 0\.7/);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 360, `the address box fits 360 px (scrollWidth ${width})`);
    } finally {
      await ctx.close();
    }
  });
  test('hotline need at 360 px: the address read live into its village, submitted once, the phone revealed with a reason', { skip: skip ?? false }, async () => {
    const { ctx, page } = await newPage(browser, { viewport: { width: 360, height: 780 } });
    const url = server.url;
    try {
      await signIn(page, url, 'operator');
      await page.click('nav.main a[href="/needs"]');
      await page.waitForURL(`${url}/needs`);
      await page.click('#new-need');
      await page.waitForURL(`${url}/needs/new`);
      // 17:51, the field report's village asks for food: the address is
      // read as it is typed.
      await page.fill('#address', '西安市鄠邑区涝店镇龙窝村委会3组');
      await page.locator('#resolved ol.crumbs a[href="/divisions/610118011226"]').waitFor();
      // Submitted with a missing field: the message next to it, the rest kept.
      await page.selectOption('#kind', 'food');
      await page.selectOption('#urgency', 'urgent');
      await page.fill('#people', '0');
      await page.fill('#description', '全村断粮，需要方便食品');
      await page.fill('#contact_name', '龙窝村刘会计');
      await page.fill('#contact_phone', '13800008000');
      await page.click('#need-form button[type="submit"]');
      await page.waitForSelector('#people-error:not(:empty)');
      assert.match(await page.locator('#people-error').innerText(), /1 到 100000/);
      assert.equal(await page.inputValue('#description'), '全村断粮，需要方便食品');
      await page.fill('#people', '300');
      await page.click('#need-form button[type="submit"]');
      await page.waitForURL(/\/needs\/\d+\?notice=created$/);
      assert.match(await page.locator('#need-division').innerText(), /龙窝村委会/);
      assert.match(await page.locator('#contact-phone').innerText(), /138\*\*\*\*8000/);
      assert.doesNotMatch(await page.locator('#need-address').innerText(), /3组/);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 360, `the need fits 360 px (scrollWidth ${width})`);
      // The phone in the clear, with a reason for the audit log.
      await page.selectOption('#field', 'contact_phone');
      await page.fill('#reason', '电话核实需求');
      await page.click('#reveal-form button[type="submit"]');
      await page.locator('#contact-phone strong').waitFor();
      assert.equal(await page.locator('#contact-phone strong').innerText(), '13800008000');
      // The board lists it, urgent.
      await page.click('nav.main a[href="/needs"]');
      await page.waitForURL(`${url}/needs`);
      const row = page.locator('#needs tbody tr', { hasText: '龙窝村刘会计' });
      assert.match(await row.innerText(), /紧急/);
    } finally {
      await ctx.close();
    }
  });
  test('resident at 360 px without JavaScript: asks for help without an account, follows it by its reference', { skip: skip ?? false }, async () => {
    const { ctx, page } = await newPage(browser, { viewport: { width: 360, height: 780 }, javaScriptEnabled: false });
    const url = server.url;
    try {
      await page.goto(`${url}/login`);
      await page.click('#help-link');
      await page.waitForURL(`${url}/help`);
      await page.fill('#address', '西安市长安区西韦村3组');
      await page.selectOption('#kind', 'food');
      await page.fill('#people', '5');
      await page.fill('#description', '一家五口，面粉吃完了');
      await page.fill('#contact_name', '李大姐');
      // A wrong phone: the message next to it, the rest kept.
      await page.fill('#contact_phone', '12345');
      await page.click('#help-form button[type="submit"]');
      await page.waitForSelector('#contact_phone-error:not(:empty)');
      // The summary comes first, in view at the top, and links to the field.
      const summary = page.locator('#error-summary');
      assert.match(await summary.innerText(), /联系电话/);
      const box = await summary.boundingBox();
      assert.ok(box && box.y < 780, `the error summary is in view (y ${box?.y})`);
      assert.equal(await summary.locator('a').first().getAttribute('href'), '#contact_phone');
      assert.equal(await page.inputValue('#description'), '一家五口，面粉吃完了');
      await page.fill('#contact_phone', '139 1234 5678');
      await page.click('#help-form button[type="submit"]');
      await page.waitForURL(/\/help\/[0-9A-Z]{10}\?sent=1$/);
      const reference = (await page.locator('#help-reference').innerText()).trim();
      assert.match(reference, /^[0-9A-Z]{5}-[0-9A-Z]{5}$/);
      assert.match(await page.locator('#help-division').innerText(), /西韦村/);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 360, `the status page fits 360 px (scrollWidth ${width})`);
      // Later, by the reference as written down.
      await page.goto(`${url}/help`);
      await page.fill('#reference', reference.toLowerCase());
      await page.click('#follow-form button[type="submit"]');
      await page.waitForURL(`${url}/help/${reference.replace('-', '')}`);
      assert.match(await page.locator('#help-status').innerText(), /新登记/);
      // Written with a full-width dash, it still finds the request; one
      // character wrong gives the box back with what was read.
      await page.goto(`${url}/help`);
      await page.fill('#reference', reference.replace('-', '－'));
      await page.click('#follow-form button[type="submit"]');
      await page.waitForURL(`${url}/help/${reference.replace('-', '')}`);
      const wrong = (reference[0] === '2' ? '3' : '2') + reference.slice(1);
      await page.goto(`${url}/help/${wrong.replace('-', '')}`);
      assert.match(await page.locator('#reference-error').innerText(), /没有找到这个编号/);
      assert.equal(await page.inputValue('#reference'), wrong);
    } finally {
      await ctx.close();
    }
  });
  test('coordinator imports a list of needs: a wrong line named and nothing taken, then all taken once', { skip: skip ?? false }, async () => {
    const { ctx, page } = await newPage(browser, { viewport: { width: 1280, height: 900 } });
    const url = server.url;
    const list = '姓名,联系电话,住址,类别,人数,情况说明\n刘大爷,13800001234,西安市鄠邑区涝店镇龙窝村,生活物资,2,独居老人断粮\n';
    try {
      await signIn(page, url, 'coordinator');
      await page.click('nav.main a[href="/needs"]');
      await page.click('#import-needs');
      await page.waitForURL(`${url}/needs/import`);
      // The template downloads as an Excel file named in the reader's words.
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#import-template')]);
      assert.equal(download.suggestedFilename(), '需求导入模板.xlsx');
      await page.setInputFiles('#file', { name: '名单.csv', mimeType: 'text/csv', buffer: Buffer.from(`${list}周阿姨,123,西安市长安区西韦村,药品,1,缺药\n`) });
      await page.click('#import-form button[type="submit"]');
      const problems = page.locator('#import-problems');
      await problems.waitFor();
      assert.match(await problems.innerText(), /3\s+电话\s+请输入有效的手机号/);
      await page.setInputFiles('#file', { name: '名单.csv', mimeType: 'text/csv', buffer: Buffer.from(list) });
      await page.click('#import-form button[type="submit"]');
      await page.locator('#import-done').waitFor();
      assert.match(await page.locator('#import-done').innerText(), /已导入新需求 1/);
      await page.click('text=查看需求列表');
      await page.waitForURL(`${url}/needs`);
      assert.match(await page.locator('#needs tbody tr', { hasText: '刘大爷' }).innerText(), /龙窝村委会/);
    } finally {
      await ctx.close();
    }
  });

  test('account administration: a lost phone — reset once, the old session ends; disable and enable again', { skip: skip ?? false }, async () => {
    const admin = await newPage(browser, { viewport: { width: 1280, height: 900 } });
    const volunteer = await newPage(browser, { viewport: { width: 360, height: 740 }, isMobile: true });
    const url = server.url;
    try {
      // The volunteer is signed in on the phone that was lost.
      await signIn(volunteer.page, url, 'volunteer');
      await signIn(admin.page, url, 'admin');
      await admin.page.goto(`${url}/accounts`);
      await Promise.all([
        admin.page.waitForURL(/\/accounts\/\d+$/),
        admin.page.click('table#accounts a:text-is("volunteer")'),
      ]);
      assert.equal((await admin.page.locator('#state').innerText()).trim(), '正常');
      // A new first-time password, shown once, never in the URL.
      await admin.page.click('#reset');
      const shown = (await admin.page.locator('#new-password code').innerText()).trim();
      assert.match(shown, /^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
      assert.ok(!admin.page.url().includes(shown));
      // The lost phone's session has ended; the new password works.
      await volunteer.page.goto(`${url}/`);
      await volunteer.page.waitForURL(/\/login/);
      await signIn(volunteer.page, url, 'volunteer', shown);
      // Disabled: signed out at once, refused at sign-in; enabled again.
      await Promise.all([
        admin.page.waitForURL(/notice=disabled/),
        admin.page.click('#disable'),
      ]);
      assert.equal((await admin.page.locator('#state').innerText()).trim(), '已停用');
      await volunteer.page.goto(`${url}/`);
      await volunteer.page.waitForURL(/\/login/);
      await Promise.all([
        admin.page.waitForURL(/notice=enabled/),
        admin.page.click('#enable'),
      ]);
      assert.equal((await admin.page.locator('#state').innerText()).trim(), '正常');
      // Every step is in the audit log.
      await admin.page.goto(`${url}/audit?action=account`);
      const events = await admin.page.locator('table#events').innerText();
      for (const action of ['重置密码', '停用账号', '启用账号']) {
        assert.ok(events.includes(action), `${action} in ${events}`);
      }
    } finally {
      await admin.ctx.close();
      await volunteer.ctx.close();
    }
  });
});
