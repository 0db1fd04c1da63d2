// The hotline from the keyboard: the phone field has the focus when the
// form opens; "save and take the next call" saves, shows the operator what
// they just typed (the number in full: it is their own typing, the caller
// may still be on the line) with the new reference, and leaves a blank
// form with the focus back on the phone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, missingBrowser, newPage, signIn, startServer } from './server.mjs';

const skip = missingBrowser();

describe('hotline', { timeout: 180_000 }, () => {
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

  test('save and take the next call', { skip: skip ?? false }, async () => {
    const url = server.url;
    const desk = await newPage(browser, { viewport: { width: 1280, height: 900 } });
    try {
      const d = desk.page;
      await signIn(d, url, 'operator');
      await d.goto(`${url}/needs/new`);
      assert.equal(await d.evaluate(() => document.activeElement.id), 'contact_phone');
      await d.keyboard.type('137 0000 1111');
      await d.fill('#address', '西安市长安区郭杜街道');
      await d.selectOption('#kind', 'medicine');
      await d.fill('#people', '2');
      await d.fill('#description', '两位老人降压药断了三天');
      await d.fill('#contact_name', '孙大爷');
      await d.focus('#need-save-next');
      await d.keyboard.press('Enter');
      await d.waitForSelector('#just-taken');
      const summary = await d.locator('#just-taken').innerText();
      assert.match(summary, /已登记/);
      assert.match(summary, /孙大爷 137 0000 1111/);
      assert.match(summary, /郭杜街道/);
      const reference = (await d.locator('#just-taken-link').innerText()).trim();
      assert.match(reference, /^[0-9A-Z]{10}$/);
      // A blank form, the phone focused, for the next caller.
      assert.equal(await d.inputValue('#contact_phone'), '');
      assert.equal(await d.inputValue('#description'), '');
      assert.equal(await d.evaluate(() => document.activeElement.id), 'contact_phone');
      // The need is there, once, with its phone masked on its page.
      const needs = await (await d.request.get(`${url}/api/needs?q=${reference}`)).json();
      assert.equal(needs.length, 1);
      await d.click('#just-taken-link');
      assert.match(await d.locator('#contact-phone').innerText(), /137\*\*\*\*1111/);
    } finally {
      await desk.ctx.close();
    }
  });
});
