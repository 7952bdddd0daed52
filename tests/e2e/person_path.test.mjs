// The person's path in a real browser (Debian's Chromium driven by Playwright): log in, walk
// the region tree county → township → village, list and search children, open a profile with
// family and facts, record and correct a fact, create a person (first with a wrong ID number),
// switch to English, and check the phone layout has no horizontal scroll.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { startServer, sql, unitId, idNumber } from '../api/harness.mjs';

let srv, browser, page, village;
const PW = 'browser-pass-1';
const shots = process.env.E2E_SHOTS || '/tmp';

before(async () => {
  srv = await startServer({ demo: { minors: 400, seed: 7 } });
  await srv.addUser({ username: 'mu_station', role: 'township_station', region: '500242207',
    unit: unitId(srv.db, 'minor_station', '500242207'), password: PW });
  village = sql(srv.db, "select r.code from regions r where r.parent_code = '500242207000' and exists " +
    "(select 1 from persons p where p.household_region = r.code and p.birth_date > '2010-01-01') order by r.code limit 1");
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 375, height: 812 } });
  page.on('pageerror', (e) => { throw e; });
});

after(async () => {
  await browser?.close();
  await srv.stop();
});

test('log in as a township officer and walk county → township → village', async () => {
  await page.goto(srv.url + '/');
  await page.fill('[data-testid=login-username]', 'mu_station');
  await page.fill('[data-testid=login-password]', 'wrong-password');
  await page.click('[data-testid=login-submit]');
  await page.waitForSelector('[data-testid=error-banner]');
  assert.match(await page.textContent('[data-testid=error-banner]'), /用户名或密码错误/);
  await page.fill('[data-testid=login-password]', PW);
  await page.click('[data-testid=login-submit]');
  await page.waitForSelector('[data-testid=region-child]');
  assert.match(await page.textContent('h1.title'), /木叶乡/);
  // Up to the county through the breadcrumb, then down again.
  await page.click('nav.crumbs a >> text=酉阳土家族苗族自治县');
  await page.waitForSelector('[data-testid=region-child][data-code="500242207000"]');
  assert.equal(await page.locator('[data-testid=region-child]').count(), 1, 'only the own township is offered');
  await page.click('[data-testid=region-child][data-code="500242207000"] a');
  await page.waitForSelector(`[data-testid=region-child][data-code="${village}"]`);
  await page.click(`[data-testid=region-child][data-code="${village}"] a`);
  await page.waitForSelector('[data-testid=person-row]');
  assert.ok(await page.locator('[data-testid=person-row]').count() > 0);
});

test('search the village and open a child with family and facts', async () => {
  const name = sql(srv.db, `select name from persons where household_region = '${village}' and birth_date > '2010-01-01' order by id limit 1`);
  await page.fill('[data-testid=search]', name.slice(0, 2));
  await page.press('[data-testid=search]', 'Enter');
  await page.waitForFunction((n) => [...document.querySelectorAll('[data-testid=person-row]')]
    .every((r) => r.textContent.includes(n)), name.slice(0, 2));
  await page.click(`[data-testid=person-row] >> text=${name}`);
  await page.waitForSelector('[data-testid=person-name]');
  assert.equal(await page.textContent('[data-testid=person-name]'), name);
  assert.match(await page.textContent('[data-testid=id-number]'), /\*{8}/);
  assert.ok(await page.locator('[data-testid=relation-row]').count() >= 2, 'parents shown');
  await page.waitForSelector('[data-testid=fact-row]');
});

test('record a fact, then correct it: the old one is struck through, the new one current', async () => {
  const before = await page.locator('[data-testid=fact-row]').count();
  await page.click('[data-testid=add-fact]');
  await page.selectOption('[data-testid=fact-form] select[name=type]', 'migrant_work');
  await page.fill('[data-testid=fact-form] input[name=value]', '广东省东莞市');
  await page.fill('[data-testid=fact-form] input[name=valid_from]', '2026-03-01');
  await page.fill('[data-testid=fact-form] input[name=source_doc]', '村外出务工登记');
  await page.click('[data-testid=fact-submit]');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=fact-row]').length === n + 1, before);
  assert.match(await page.locator('[data-testid=fact-row]').first().textContent(), /广东省东莞市/);
  await page.locator('[data-testid=fact-row]').first().locator('[data-testid=correct-fact]').click();
  await page.fill('[data-testid=fact-form] input[name=value]', '浙江省宁波市');
  await page.click('[data-testid=fact-submit]');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=fact-row]').length === n + 2, before);
  const first = page.locator('[data-testid=fact-row]').first();
  assert.equal(await first.getAttribute('data-current'), 'true');
  assert.match(await first.textContent(), /浙江省宁波市/);
  const old = page.locator('[data-testid=fact-row][data-current=false]', { hasText: '广东省东莞市' });
  assert.equal(await old.count(), 1);
  assert.match(await old.textContent(), /已更正/);
  assert.equal(await old.locator('strong').evaluate((e) => getComputedStyle(e).textDecorationLine), 'line-through');
});

test('create a person: a wrong ID number is explained at the field, the corrected one is saved', async () => {
  await page.goto(`${srv.url}/#/persons/new?region=${village}`);
  await page.waitForSelector('[data-testid=new-person-form]');
  const id = idNumber('20150505', '021');
  await page.fill('input[name=name]', '冉新生');
  await page.selectOption('select[name=gender]', 'M');
  await page.fill('input[name=id_number]', id.slice(0, 17) + (id[17] === '1' ? '2' : '1'));
  await page.click('[data-testid=create-person]');
  await page.waitForSelector('[data-testid=field-error][data-field=id_number]');
  assert.match(await page.textContent('[data-testid=field-error][data-field=id_number]'), /校验位错误/);
  const before = sql(srv.db, 'select count(*) from persons');
  await page.fill('input[name=id_number]', id);
  await page.click('[data-testid=create-person]');
  await page.waitForSelector('[data-testid=person-name]');
  assert.equal(await page.textContent('[data-testid=person-name]'), '冉新生');
  assert.equal(Number(sql(srv.db, 'select count(*) from persons')), Number(before) + 1);
});

test('English is one click away, and the phone layout does not scroll sideways', async () => {
  await page.click('[data-testid=lang-toggle]');
  await page.waitForSelector('text=Log out');
  assert.match(await page.textContent('body'), /Facts|Family and relations/);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 375, 'scrollWidth ' + width);
  await page.screenshot({ path: `${shots}/weibao-e2e-profile.png`, fullPage: true });
  await page.click('[data-testid=lang-toggle]');
  await page.goto(`${srv.url}/#/regions/${village}`);
  await page.waitForSelector('[data-testid=person-row]');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= 375);
  await page.screenshot({ path: `${shots}/weibao-e2e-village.png` });
});
