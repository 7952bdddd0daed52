// The upload path in a real browser (Debian's Chromium driven by Playwright): a township
// officer uploads a 低保 extract (tests/data/import/dibao_upload.csv) with good rows, bad
// rows (a wrong ID check digit, a village that does not exist) and doubtful rows (no ID
// number, a name one character off a registered child born the same day); sees the dry
// run's counts and reasons; imports with the progress bar to the end; downloads the
// rejected rows (reason column in Chinese); decides one doubtful row in the review queue
// (link) and finds it gone from the queue and the fact on the child's profile; undoes the
// import from the list; and exports the township's register.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer, sql, unitId, idNumber } from '../api/harness.mjs';

const FILE = join(dirname(fileURLToPath(import.meta.url)), '../data/import/dibao_upload.csv');
const PW = 'upload-pass-1';
const shots = process.env.E2E_SHOTS || '/tmp';
const T = '500242207';
let srv, browser, page, xiaochuan, ruoxi;

before(async () => {
  srv = await startServer({ demo: { minors: 400, seed: 7 } });
  await srv.addUser({ username: 'mu_station', role: 'township_station', region: T,
    unit: unitId(srv.db, 'minor_station', T), password: PW });
  // The registered children the doubtful rows resemble (覃晓鑫 / 覃晓川, 冉若磊 / 冉若溪).
  const api = await srv.login('mu_station', PW);
  const mk = async (name, gender, birth, village, seq) => {
    const r = await api.post('/persons', { name, gender, birth_date: birth, household_region: village,
      id_number: idNumber(birth.replaceAll('-', ''), seq) });
    assert.equal(r.status, 201, r.text);
    return r.body.id;
  };
  xiaochuan = await mk('覃晓川', 'M', '2012-05-17', T + '200', '051');
  ruoxi = await mk('冉若溪', 'F', '2013-08-21', T + '202', '062');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 375, height: 812 }, acceptDownloads: true });
  page.on('pageerror', (e) => { throw e; });
});

after(async () => {
  await browser?.close();
  await srv.stop();
});

const count = async (k) => Number(await page.textContent(`[data-testid=count-${k}]`));
const noHorizontalScroll = async () =>
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= 375, 'no horizontal scroll');

test('log in as a township officer and open the import page from the navigation', async () => {
  await page.goto(srv.url + '/');
  await page.fill('[data-testid=login-username]', 'mu_station');
  await page.fill('[data-testid=login-password]', PW);
  await page.click('[data-testid=login-submit]');
  await page.waitForSelector('[data-testid=mainnav]');
  await page.click('[data-testid=nav-import]');
  await page.waitForSelector('[data-testid=import-profile] option[value=civil_assist]', { state: 'attached' });
  assert.match(await page.textContent('[data-testid=import-profile] option[value=civil_assist]'), /低保/);
});

test('dry run: counts and the reasons of the rejected rows, nothing stored', async () => {
  const persons = sql(srv.db, 'select count(*) from persons');
  await page.selectOption('[data-testid=import-profile]', 'civil_assist');
  assert.match(await page.textContent('[data-testid=profile-columns]'), /保障类别\*/);
  await page.fill('[data-testid=import-date]', '2026-11-01');
  await page.setInputFiles('[data-testid=import-file]', FILE);
  await page.click('[data-testid=dry-run]');
  await page.waitForSelector('[data-testid=dry-run-result]');
  assert.equal(await count('rows'), 6);
  assert.equal(await count('created'), 2);
  assert.equal(await count('review'), 2);
  assert.equal(await count('rejected'), 2);
  assert.equal(await count('facts_added'), 2);
  const reasons = await page.textContent('[data-testid=reasons]');
  assert.match(reasons, /校验/, reasons);
  assert.match(reasons, /火星村/, reasons);
  assert.equal(sql(srv.db, 'select count(*) from persons'), persons, 'a dry run stores nothing');
  // the columns the profile reads; the file's 序号 column it does not
  assert.match(await page.textContent('[data-testid=columns]'), /身份证号/);
  assert.match(await page.textContent('[data-testid=columns-ignored]'), /序号/);
  await noHorizontalScroll();
  await page.screenshot({ path: join(shots, 'weibao-upload-dry-run.png'), fullPage: true });
});

test('import with progress to the end, then the result', async () => {
  await page.click('[data-testid=confirm-import]');
  await page.waitForSelector('[data-testid=import-result]', { timeout: 30000 });
  assert.equal(await page.getAttribute('[data-testid=import-result] [data-testid=progress]', 'data-status'), 'done');
  assert.match(await page.getAttribute('[data-testid=import-result] [data-testid=progress] .fill', 'style'), /width:\s*100%/);
  assert.equal(await count('created'), 2);
  assert.equal(await count('review'), 2);
  assert.equal(await count('rejected'), 2);
  assert.equal(sql(srv.db, "select count(*) from import_reviews where status = 'open'"), '2');
  await page.screenshot({ path: join(shots, 'weibao-upload-result.png'), fullPage: true });
});

test('the rejected rows download has the reason column in Chinese', async () => {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('[data-testid=download-rejects]'),
  ]);
  const text = readFileSync(await download.path(), 'utf8').replace(/^\ufeff/, '');
  const lines = text.trim().split('\r\n');
  assert.equal(lines.length, 3, text);
  assert.match(lines[0], /^序号,姓名,.*,退回原因/);
  assert.match(lines[1], /彭浩然.*校验/);
  assert.match(lines[2], /龙欣怡.*无法识别.*火星村/);
});

test('review queue: compare side by side, link, and the row is gone and the fact is there', async () => {
  await page.click('[data-testid=go-reviews]');
  await page.waitForSelector('[data-testid=review-row]');
  assert.equal(await page.locator('[data-testid=review-row]').count(), 2);
  const row = page.locator('[data-testid=review-row]', { hasText: '覃晓鑫' });
  const reviewId = await row.getAttribute('data-id');
  await row.locator('a').click();
  await page.waitForSelector('[data-testid=candidate]');
  const cand = page.locator(`[data-testid=candidate][data-id="${xiaochuan}"]`);
  assert.match(await cand.textContent(), /覃晓川/);
  assert.equal(await cand.locator('[data-field=name]').getAttribute('data-differs'), 'true');
  assert.equal(await cand.locator('[data-field=birth_date]').getAttribute('data-differs'), 'false');
  assert.match(await cand.locator('[data-field=id_number]').textContent(), /\*{8}/);
  assert.match(await page.textContent('[data-testid=record]'), /覃晓鑫/);
  await noHorizontalScroll();
  await page.screenshot({ path: join(shots, 'weibao-review.png'), fullPage: true });
  await cand.locator('[data-testid=link]').click();
  await page.waitForSelector('[data-testid=decided]');
  assert.match(await page.textContent('[data-testid=decided]'), /已关联/);
  await page.click('nav.crumbs a');
  await page.waitForSelector('[data-testid=review-row]');
  assert.equal(await page.locator(`[data-testid=review-row][data-id="${reviewId}"]`).count(), 0);
  assert.equal(await page.locator('[data-testid=review-row]').count(), 1);
  // the decided review is listed with the decided ones
  await page.click('[data-testid=tab-decided]');
  await page.waitForSelector(`[data-testid=review-row][data-id="${reviewId}"]`);
  // the child's profile shows the 低保 fact of the import
  await page.goto(srv.url + '/#/persons/' + xiaochuan);
  await page.waitForSelector('[data-testid=fact-row]');
  const fact = page.locator('[data-testid=fact-row]', { hasText: '低保' });
  assert.equal(await fact.count(), 1);
  assert.match(await fact.textContent(), /400/);
  assert.match(await fact.textContent(), /导入#\d+ 第6行/);
  // a person the import created names the file and row each field came from
  const made = sql(srv.db, "select r.person_id from import_rows r where r.action = 'created' and r.row_number = 2 " +
    'order by r.import_id desc limit 1');
  await page.goto(srv.url + '/#/persons/' + made);
  await page.waitForSelector('[data-testid=sources] summary');
  await page.click('[data-testid=sources] summary');
  await page.waitForSelector('[data-testid=source-row]');
  const line = await page.textContent('[data-testid=source-row]');
  assert.match(line, /姓名/);
  assert.match(line, /dibao_upload\.csv/);
  assert.match(line, /第2行/);
  await page.screenshot({ path: join(shots, 'weibao-sources.png'), fullPage: true });
  void ruoxi;
});

test('the queue in English, on a phone, without sideways scrolling', async () => {
  await page.click('[data-testid=lang-toggle]');
  await page.click('[data-testid=nav-reviews]');
  await page.waitForSelector('[data-testid=review-row]');
  assert.match(await page.textContent('h1.title'), /Doubtful matches to review/);
  await page.locator('[data-testid=review-row] a').first().click();
  await page.waitForSelector('[data-testid=candidate]');
  assert.match(await page.textContent('[data-testid=candidate] [data-testid=link]'), /Link to this person/);
  assert.match(await page.textContent('body'), /one character off/);
  await noHorizontalScroll();
  await page.screenshot({ path: join(shots, 'weibao-review-en.png'), fullPage: true });
  await page.click('[data-testid=lang-toggle]');
  await page.waitForSelector('text=关联到此人');
});

test('from the result counts to the persons the import created', async () => {
  await page.click('[data-testid=nav-imports]');
  await page.waitForSelector('[data-testid=import-row]');
  await page.locator('[data-testid=import-row]').first().locator('a[href*="/persons?action=created"]').click();
  await page.waitForSelector('[data-testid=person-row]');
  assert.equal(await page.locator('[data-testid=person-row]').count(), 2);
  assert.match(await page.textContent('main, body'), /本次导入涉及的人员/);
});

test('the imports list shows the import; undo asks first, then takes it back', async () => {
  await page.click('[data-testid=nav-imports]');
  await page.waitForSelector('[data-testid=import-row]');
  const row = page.locator('[data-testid=import-row]').first();
  assert.match(await row.textContent(), /dibao_upload\.csv/);
  assert.match(await row.textContent(), /mu_station/);
  assert.equal(await row.getAttribute('data-status'), 'done');
  await row.locator('[data-testid=undo]').click();
  await page.waitForSelector('[data-testid=undo-confirm]');
  await page.click('[data-testid=undo-yes]');
  await page.waitForSelector('[data-testid=import-row][data-status=undone]');
  assert.equal(sql(srv.db, `select count(*) from facts where person_id = ${xiaochuan} and retracted_at is null and type = 'low_income'`), '0');
});

test('export the township register from its page', async () => {
  await page.click('[data-testid=mainnav] a:first-child');
  await page.waitForSelector('[data-testid=export-csv]');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('[data-testid=export-csv]'),
  ]);
  const text = readFileSync(await download.path(), 'utf8').replace(/^\ufeff/, '');
  assert.match(text.split('\r\n')[0], /姓名/);
  assert.match(text, /覃晓川/);
  assert.doesNotMatch(text, new RegExp(idNumber('20120517', '051')), 'masked');
  // full numbers go through the purpose dialog
  await page.click('[data-testid=export-full]');
  await page.fill('[data-testid=export-purpose]', '年度台账核对');
  const [full] = await Promise.all([
    page.waitForEvent('download'),
    page.click('[data-testid=export-full-submit]'),
  ]);
  assert.match(full.suggestedFilename(), /\.xlsx$/);
  await noHorizontalScroll();
});
