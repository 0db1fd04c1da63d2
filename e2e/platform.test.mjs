// The platform's page flows in headless Chromium: sign in, language,
// divisions browser, zones, organisation onboarding and approval, reveal,
// audit, sign out; and the same pages at 360 px.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, missingBrowser, signIn, startServer } from './server.mjs';

const skip = missingBrowser();

describe('platform', { skip: skip ?? false, timeout: 180_000 }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer();
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('desk flow: language, divisions, zones, organisations, audit', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    const page = await ctx.newPage();
    page.setDefaultTimeout(30_000);
    const url = server.url;
    await signIn(page, url, 'admin');

    // Language: Chinese first, English one click away, and back.
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
    await Promise.all([page.waitForLoadState('load'), page.click('#lang-switch')]);
    await page.waitForSelector('html[lang="en"]');
    assert.equal(await page.locator('nav.main a[href="/divisions"]').innerText(), 'Divisions');
    await page.click('#lang-switch');
    await page.waitForSelector('html[lang="zh-CN"]');
    assert.equal(await page.locator('nav.main a[href="/divisions"]').innerText(), '行政区划');

    // Find 雁塔区 by live search, then 小寨路街道 among its children.
    await page.click('nav.main a[href="/divisions"]');
    await page.fill('#q', '雁塔区');
    await page.locator('#division-hits a', { hasText: '陕西省西安市雁塔区' }).first().click();
    await page.waitForURL(`${url}/divisions/610113`);
    await page.locator('ul.children a', { hasText: '小寨路街道' }).click();
    await page.waitForURL(`${url}/divisions/610113001`);
    assert.match(await page.locator('#division-name').innerText(), /小寨路街道/);

    // Mark a compound sealed, then lift it.
    await page.selectOption('#level', 'sealed');
    await page.fill('#compound', '测试小区');
    await page.fill('#reason', '浏览器测试');
    await page.click('#zone-form button[type=submit]');
    await page.waitForURL(/notice=marked/);
    const row = page.locator('#zones tr', { hasText: '测试小区' });
    assert.match(await row.innerText(), /封控区/);
    assert.match(await row.innerText(), /生效中/);
    page.once('dialog', (d) => d.accept());
    await row.locator('button', { hasText: '解除' }).click();
    await page.waitForURL(/notice=lifted/);
    await page.getByText('已解除管控区域。').waitFor();
    assert.doesNotMatch(await page.locator('#zones tr', { hasText: '测试小区' }).innerText(), /生效中/);

    // Onboard an organisation: a bad phone is named next to its field.
    const name = `浏览器测试志愿队${Date.now()}`;
    await page.click('nav.main a[href="/orgs"]');
    await page.click('#new-org');
    await page.fill('#name', name);
    await page.selectOption('#kind', 'volunteer_group');
    await page.selectOption('#tier', 'county');
    await page.fill('#jurisdiction_code', '610113');
    await page.fill('#contact_name', '赵队长');
    await page.fill('#contact_phone', '12345');
    await page.click('#org-form button[type=submit]');
    assert.equal(await page.locator('#contact_phone-error').innerText(), '请输入有效的手机号或带区号的固定电话');
    assert.equal(await page.inputValue('#name'), name, 'the form keeps what was typed');
    await page.fill('#contact_phone', '138 0013 8000');
    await page.click('#org-form button[type=submit]');
    await page.waitForURL(/\/orgs\/\d+\?notice=created/);
    assert.equal(await page.locator('#org-status').innerText(), '待审核');
    assert.equal(await page.locator('#contact-phone').innerText(), '138****8000');
    await page.click('#approve');
    await page.waitForURL(/notice=approved/);
    assert.equal(await page.locator('#org-status').innerText(), '已批准');

    // Reveal the phone with a reason.
    await page.fill('#reveal-form #reason', '联系配送');
    await page.click('#reveal-form button[type=submit]');
    assert.match(await page.locator('#contact-phone').innerText(), /13800138000/);

    // The audit log shows both.
    await page.click('nav.main a[href="/audit"]');
    const events = await page.locator('#events').innerText();
    assert.match(events, /field\.reveal/);
    assert.match(events, /org\.approve/);
    assert.match(events, /zone\.lift/);

    await page.click('#logout');
    await page.waitForURL(`${url}/login`);
    await ctx.close();
  });

  test('at 360 px: sign-in error, home, divisions, organisations', async () => {
    const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, locale: 'zh-CN' });
    const page = await ctx.newPage();
    page.setDefaultTimeout(30_000);
    const url = server.url;
    const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);

    await page.goto(`${url}/login`);
    await page.fill('#username', 'coordinator');
    await page.fill('#password', 'not-the-password');
    await page.click('form[action="/login"] button[type=submit]');
    assert.equal(await page.locator('#login-error').innerText(), '用户名或密码不正确');
    assert.ok(await fits(), 'login fits 360 px');

    await signIn(page, url, 'coordinator');
    assert.ok(await fits(), 'home fits 360 px');
    assert.match(await page.locator('main').innerText(), /封控区/);

    // Coordinators start at their jurisdiction; plain form search works too.
    await page.click('nav.main a[href="/divisions"]');
    await page.waitForURL(`${url}/divisions/6101`);
    assert.match(await page.locator('#division-name').innerText(), /西安市/);
    assert.ok(await fits(), 'divisions fit 360 px');
    await page.goto(`${url}/divisions?q=${encodeURIComponent('小寨路')}`);
    await page.locator('#division-hits a', { hasText: '陕西省西安市雁塔区小寨路街道' }).click();
    await page.waitForURL(`${url}/divisions/610113001`);
    assert.ok(await fits(), 'division page fits 360 px');

    await page.click('nav.main a[href="/orgs"]');
    assert.match(await page.locator('#orgs').innerText(), /西安市社会工作协会/);
    await ctx.close();
  });
});
