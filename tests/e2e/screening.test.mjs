// The screening path in a real browser (Debian's Chromium driven by Playwright): a township
// officer opens a flagged child (rural household, both parents working away since early
// 2026, created through the API), reads why (category, rule, legal basis, the parents'
// facts), confirms 农村留守儿童, rejects another suggestion with a reason, overrides the level
// and sees both levels, then finds the child counted and listed in the register of the
// category (bar chart per village, drill-down). A county officer edits the rules: a typo in
// 留守年龄上限 is shown at its line and column, the fixed change (16 → 10 岁) is previewed
// with the township's loss of 留守儿童, and published with the re-screen followed to the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { startServer, sql, unitId, idNumber } from '../api/harness.mjs';

const PW = 'screen-pass-1';
const shots = process.env.E2E_SHOTS || '/tmp';
const T = '500242207'; // 木叶乡
const TOWNSHIP = T + '000';
const VILLAGE = T + '200';
const W = 390;
let srv, browser, page, station, county, child, father, alone;

// The server screens a changed person within a second; wait for the worker, not a clock.
async function waitScreening(api, id, pred) {
  for (let i = 0; i < 200; i++) {
    const r = await api.get(`/persons/${id}/screening`);
    if (r.status === 200 && pred(r.body)) return r.body;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('screening of person ' + id + ' never matched');
}

before(async () => {
  srv = await startServer({ demo: { minors: 400, seed: 7 } });
  await srv.addUser({ username: 'mu_station', role: 'township_station', region: T,
    unit: unitId(srv.db, 'minor_station', T), password: PW });
  await srv.addUser({ username: 'county_office', role: 'county_office', region: '500242',
    unit: unitId(srv.db, 'minor_office', '500242'), password: PW });
  station = await srv.login('mu_station', PW);
  county = await srv.login('county_office', PW);
  const mk = async (body) => {
    const r = await station.post('/persons', body);
    assert.equal(r.status, 201, r.text);
    return r.body;
  };
  const fact = async (id, body) => {
    const r = await station.post(`/persons/${id}/facts`, body);
    assert.equal(r.status, 201, r.text);
  };
  father = await mk({ name: '冉大山', gender: 'M', birth_date: '1985-04-02', household_region: VILLAGE,
    id_number: idNumber('19850402', '011') });
  const mother = await mk({ name: '田小花', gender: 'F', birth_date: '1987-06-12', household_region: VILLAGE,
    id_number: idNumber('19870612', '022') });
  child = await mk({ name: '冉小明', gender: 'M', birth_date: '2015-03-09', household_region: VILLAGE,
    id_number: idNumber('20150309', '033'),
    relations: [{ kind: 'father', person_id: father.id, is_guardian: true },
      { kind: 'mother', person_id: mother.id, is_guardian: true }] });
  await fact(child.id, { type: 'hukou_rural' });
  await fact(father.id, { type: 'migrant_work', value: '广东省东莞市', valid_from: '2026-02-01', source_doc: '村外出务工登记' });
  await fact(mother.id, { type: 'migrant_work', value: '浙江省宁波市', valid_from: '2026-03-01' });
  await waitScreening(station, child.id, (s) => s.memberships.some((m) => m.category === 'left_behind'));
  // A second child: living alone at 13 (a hard trigger: 红 whatever the score) while the
  // father is in prison (a sensitive fact: 服刑人员未成年子女 is hidden from grid workers).
  const jailed = await mk({ name: '田大勇', gender: 'M', birth_date: '1983-01-15', household_region: VILLAGE,
    id_number: idNumber('19830115', '041') });
  const mum = await mk({ name: '冉秀英', gender: 'F', birth_date: '1986-09-30', household_region: VILLAGE,
    id_number: idNumber('19860930', '052') });
  alone = await mk({ name: '田小红', gender: 'F', birth_date: '2013-05-05', household_region: VILLAGE,
    id_number: idNumber('20130505', '064'),
    relations: [{ kind: 'father', person_id: jailed.id, is_guardian: true },
      { kind: 'mother', person_id: mum.id, is_guardian: true }] });
  await fact(jailed.id, { type: 'imprisoned', value: '重庆市永川监狱', valid_from: '2025-06-01', source_doc: '司法所通报' });
  await fact(alone.id, { type: 'lives_alone', valid_from: '2026-10-01', source_doc: '网格员走访' });
  await waitScreening(station, alone.id, (s) => s.effective_level === 4
    && s.memberships.some((m) => m.category === 'prisoner_child'));
  await srv.addUser({ username: 'grid_wang', role: 'grid_worker', region: VILLAGE, password: PW });

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: W, height: 844 } });
  page.on('pageerror', (e) => { throw e; });
});

after(async () => {
  await browser?.close();
  await srv.stop();
});

const noHorizontalScroll = async (what) => {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= W, `${what}: scrollWidth ${width}`);
};
const login = async (username) => {
  await page.goto(srv.url + '/');
  await page.fill('[data-testid=login-username]', username);
  await page.fill('[data-testid=login-password]', PW);
  await page.click('[data-testid=login-submit]');
  await page.waitForSelector('[data-testid=mainnav]');
};
const membership = (cat) => page.locator(`[data-testid=membership][data-category=${cat}]`);

test('the officer opens a flagged child and reads why: category, rule, basis, the parents\' facts', async () => {
  await login('mu_station');
  assert.equal(await page.locator('[data-testid=nav-registers]').count(), 1);
  assert.equal(await page.locator('[data-testid=nav-rules]').count(), 0, 'rules are for the county office');
  await page.goto(`${srv.url}/#/persons/${child.id}`);
  await page.waitForSelector('[data-testid=screening-panel] [data-testid=effective-level]');
  assert.equal(await page.getAttribute('[data-testid=effective-level]', 'data-level'), 'orange');
  assert.equal(await page.textContent('[data-testid=effective-level]'), '橙');
  assert.match(await page.textContent('[data-testid=screening-asof]'), /\d{4}-\d\d-\d\d · 规则版本 1/);
  assert.equal(await page.textContent('[data-testid=guardianship-rating]'), '差');
  const lb = membership('left_behind');
  assert.equal(await lb.getAttribute('data-status'), 'suggested');
  assert.equal(await lb.locator('[data-testid=membership-status]').textContent(), '待确认');
  const why = lb.locator('[data-testid=why-category]');
  assert.equal(await why.getAttribute('data-rule'), 'LB-1');
  assert.match(await why.textContent(), /父母均外出务工/);
  assert.match(await why.locator('[data-testid=why-basis]').textContent(), /国发〔2016〕13号/);
  // The facts behind it: the child's rural hukou and both parents' migrant work, named.
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=membership][data-category=left_behind] [data-testid=why-fact]')]
    .some((li) => li.textContent.includes('广东省东莞市')));
  const facts = await why.locator('[data-testid=why-fact]').allTextContents();
  assert.equal(facts.length, 3, facts.join(' | '));
  assert.ok(facts.some((f) => /本人/.test(f) && /农村户籍/.test(f)), facts.join(' | '));
  assert.ok(facts.some((f) => /父亲 冉大山/.test(f) && /外出务工：广东省东莞市/.test(f) && /2026-02-01/.test(f) && /村外出务工登记/.test(f)), facts.join(' | '));
  assert.ok(facts.some((f) => /母亲 田小花/.test(f) && /浙江省宁波市/.test(f)), facts.join(' | '));
  // The history: the categories gained and the level raised, with a step chart.
  assert.ok(await page.locator('[data-testid=history-row][data-kind=category_gained]').count() >= 1);
  assert.equal(await page.locator('[data-testid=level-chart]').count(), 1);
  await noHorizontalScroll('profile');
});

test('a hard trigger forces 红: the rule, its basis and the fact; the father\'s imprisonment behind 服刑人员未成年子女', async () => {
  await page.goto(`${srv.url}/#/persons/${alone.id}`);
  await page.waitForSelector('[data-testid=screening-panel] [data-testid=effective-level]');
  assert.equal(await page.getAttribute('[data-testid=effective-level]', 'data-level'), 'red');
  const hard = page.locator('[data-testid=hard-trigger] [data-testid=why-hard]');
  assert.equal(await hard.getAttribute('data-rule'), 'GF-2');
  assert.match(await hard.locator('[data-testid=why-basis]').textContent(), /未保法 第二十一条第二款/);
  await page.waitForFunction(() => /脱离监护单独居住/.test(document.querySelector('[data-testid=why-hard]').textContent));
  assert.match(await hard.textContent(), /本人[\s\S]*脱离监护单独居住[\s\S]*2026-10-01[\s\S]*网格员走访/);
  const pc = membership('prisoner_child').locator('[data-testid=why-category]');
  assert.match(await pc.textContent(), /父亲 田大勇[\s\S]*服刑在押：重庆市永川监狱/);
  await noHorizontalScroll('profile with a hard trigger');
  await page.locator('[data-testid=screening-panel]').screenshot({ path: `${shots}/weibao-e2e-hard.png` });
});

test('a grid worker sees the level but neither the reasons nor the sensitive category, and cannot decide', async () => {
  await page.click('[data-testid=logout]');
  await login('grid_wang');
  await page.goto(`${srv.url}/#/persons/${alone.id}`);
  await page.waitForSelector('[data-testid=screening-panel] [data-testid=effective-level]');
  assert.equal(await page.getAttribute('[data-testid=effective-level]', 'data-level'), 'red');
  await page.waitForSelector('[data-testid=no-explanation]');
  assert.equal(await membership('prisoner_child').count(), 0);
  assert.equal(await page.locator('[data-testid=why-hard]').count(), 0);
  assert.equal(await page.locator('[data-testid=override-open]').count(), 0);
  assert.equal(await page.locator('[data-testid=confirm-category]').count(), 0);
  assert.doesNotMatch(await page.textContent('body'), /服刑|永川监狱/);
  await page.click('[data-testid=logout]');
  await login('mu_station');
  await page.goto(`${srv.url}/#/persons/${child.id}`);
  await page.waitForSelector('[data-testid=membership][data-category=left_behind]');
});

test('confirm the category; reject another suggestion with a reason', async () => {
  await membership('left_behind').locator('[data-testid=confirm-category]').click();
  await page.waitForSelector('[data-testid=membership][data-category=left_behind][data-status=confirmed]');
  assert.equal(await membership('left_behind').locator('[data-testid=membership-status]').textContent(), '已确认');
  assert.equal(await membership('left_behind').locator('[data-testid=confirm-category]').count(), 0);
  assert.match(await membership('left_behind').locator('[data-testid=decided-by]').textContent(), /mu_station|木叶乡/);
  assert.equal(sql(srv.db, `select decision from screen_decisions where person_id = ${child.id} and category = 'left_behind'`), 'confirm');

  await membership('guardianship').locator('[data-testid=reject-category]').click();
  await page.waitForSelector('[data-testid=reject-dialog]');
  await page.fill('[data-testid=reject-reason]', '祖母同住照料，核实有照护能力');
  await page.click('[data-testid=reject-dialog] [data-testid=dialog-submit]');
  await page.waitForSelector('[data-testid=membership][data-category=guardianship][data-status=rejected]');
  assert.match(await membership('guardianship').textContent(), /已排除[\s\S]*祖母同住照料/);
  assert.equal(sql(srv.db, `select reason from screen_decisions where person_id = ${child.id} and category = 'guardianship'`),
    '祖母同住照料，核实有照护能力');
  assert.ok(await page.locator('[data-testid=decision-row]').count() >= 2);
});

test('override the level with a reason and an expiry: both levels stay visible', async () => {
  await page.click('[data-testid=override-open]');
  await page.waitForSelector('[data-testid=override-dialog]');
  const expiry = await page.inputValue('[data-testid=override-expires]');
  assert.match(expiry, /^\d{4}-\d\d-\d\d$/, 'a default expiry is offered');
  await page.selectOption('[data-testid=override-level]', 'red');
  await page.fill('[data-testid=override-reason-input]', '家访发现孩子独自在家多日');
  await page.click('[data-testid=override-dialog] [data-testid=dialog-submit]');
  await page.waitForSelector('[data-testid=override]');
  assert.equal(await page.getAttribute('[data-testid=effective-level]', 'data-level'), 'red');
  assert.equal(await page.getAttribute('[data-testid=computed-level]', 'data-level'), 'orange');
  assert.match(await page.textContent('[data-testid=override-reason]'), /家访发现孩子独自在家多日/);
  assert.match(await page.textContent('[data-testid=override]'), new RegExp(expiry));
  assert.equal(sql(srv.db, `select level || '/' || computed || '/' || expires_on from screen_overrides where person_id = ${child.id} and revoked_at is null`),
    `4/3/${expiry}`);
  await page.screenshot({ path: `${shots}/weibao-e2e-screening.png`, fullPage: true });
  await noHorizontalScroll('profile with override');
});

test('the register of the category counts and lists the child; a bar drills down', async () => {
  await page.click('[data-testid=nav-registers]');
  await page.waitForSelector('[data-testid=category-total][data-category=left_behind]');
  assert.ok(Number(await page.getAttribute('[data-testid=category-total][data-category=left_behind]', 'data-n')) >= 1);
  await page.selectOption('[data-testid=register-category]', 'left_behind');
  await page.waitForSelector(`[data-testid=register-bar][data-code="${VILLAGE}"]`);
  const api = (await station.get(`/screening/registers?region=${TOWNSHIP}&category=left_behind`)).body;
  const mine = api.counts.find((c) => c.code === VILLAGE);
  assert.ok(mine && mine.n >= 1);
  assert.equal(await page.textContent(`[data-testid=register-bar][data-code="${VILLAGE}"] [data-testid=bar-n]`), String(mine.n));
  assert.equal(await page.textContent('[data-testid=register-total-n]'), String(api.total));
  // The child with the overridden level, linked to the profile.
  const row = page.locator(`[data-testid=register-person][data-id="${child.id}"]`);
  await row.waitFor();
  assert.equal(await row.locator('[data-testid=level-badge]').getAttribute('data-level'), 'red');
  assert.match(await row.textContent(), /冉小明[\s\S]*农村留守儿童/);
  await noHorizontalScroll('register');
  await page.screenshot({ path: `${shots}/weibao-e2e-register.png`, fullPage: true });
  // Down to the village: the list still holds the child.
  await page.click(`[data-testid=register-bar][data-code="${VILLAGE}"] a`);
  await page.waitForFunction((v) => location.hash.includes('region=' + v), VILLAGE);
  await page.waitForSelector(`[data-testid=register-person][data-id="${child.id}"]`);
  assert.match(await page.textContent('[data-testid=register-total]'), /梨耳村/);
  await page.click(`[data-testid=register-person][data-id="${child.id}"] a`);
  await page.waitForSelector('[data-testid=screening-panel] [data-testid=effective-level]');
  assert.equal(await page.textContent('[data-testid=person-name]'), '冉小明');
});

test('the county office edits a parameter: a typo shown at line:column, the change previewed per township, published', async () => {
  await page.click('[data-testid=logout]');
  await login('county_office');
  await page.click('[data-testid=nav-rules]');
  await page.waitForSelector('[data-testid=ruleset-row][data-version="1"][data-status=published]');
  await page.click('[data-testid=new-ruleset]');
  await page.waitForSelector('[data-testid=rules-source]');
  const source = await page.inputValue('[data-testid=rules-source]');
  assert.match(source, /param 留守年龄上限 = 16 岁/, 'prefilled with the published text');
  const line = source.split('\n').findIndex((l) => l.startsWith('param 留守年龄上限')) + 1;
  const column = source.split('\n')[line - 1].indexOf('16') + 1;

  await page.fill('[data-testid=rules-source]', source.replace('param 留守年龄上限 = 16 岁', 'param 留守年龄上限 = 1x 岁'));
  await page.click('[data-testid=validate]');
  await page.waitForSelector('[data-testid=validate-error]');
  assert.equal(Number(await page.getAttribute('[data-testid=validate-error]', 'data-line')), line);
  assert.equal(Number(await page.getAttribute('[data-testid=validate-error]', 'data-column')), column + 1);
  assert.match(await page.textContent('[data-testid=validate-error]'), new RegExp(`第${line}行第${column + 1}列`));
  assert.equal(Number(await page.getAttribute('[data-testid=error-line]', 'data-line')), line);
  assert.equal(await page.locator('.code-edit .gutter .bad').textContent(), String(line));
  await page.screenshot({ path: `${shots}/weibao-e2e-rules-error.png` });

  await page.fill('[data-testid=rules-source]', source.replace('param 留守年龄上限 = 16 岁', 'param 留守年龄上限 = 10 岁'));
  assert.equal(await page.locator('[data-testid=validate-error]').count(), 0, 'an edit clears the old error');
  await page.fill('[data-testid=rules-note]', '留守年龄上限改为10岁（测试）');
  await page.click('[data-testid=preview-run]');
  await page.waitForSelector('[data-testid=preview]');
  assert.equal(await page.locator('[data-testid=validate-ok]').count(), 1);
  // 木叶乡 loses its left-behind child (11 years old); the numbers are the server's.
  const pv = (await county.post('/rulesets/preview', { source: source.replace('param 留守年龄上限 = 16 岁', 'param 留守年龄上限 = 10 岁') })).body;
  const tw = pv.townships.find((x) => x.code === TOWNSHIP);
  assert.ok(tw.lost.left_behind >= 1, JSON.stringify(tw));
  const cell = page.locator(`[data-testid=preview-row][data-code="${TOWNSHIP}"] [data-testid=pv-cat][data-category=left_behind]`);
  assert.equal(Number(await cell.getAttribute('data-lost')), tw.lost.left_behind);
  assert.match(await cell.textContent(), new RegExp('−' + tw.lost.left_behind));
  assert.match(await page.textContent(`[data-testid=preview-row][data-code="${TOWNSHIP}"]`), /木叶乡/);
  const total = page.locator('[data-testid=preview-total] [data-testid=pv-cat][data-category=left_behind]');
  assert.equal(Number(await total.getAttribute('data-lost')), pv.totals.lost.left_behind);
  await noHorizontalScroll('rules editor with preview');
  await page.screenshot({ path: `${shots}/weibao-e2e-rules.png`, fullPage: true });

  await page.click('[data-testid=publish]');
  await page.waitForSelector('[data-testid=publish-dialog]');
  await page.click('[data-testid=publish-confirm]');
  await page.waitForSelector('[data-testid=screen-status][data-done=true][data-version="2"]', { timeout: 60000 });
  assert.equal(sql(srv.db, "select status || '/' || note from rule_sets where version = 2"), 'published/留守年龄上限改为10岁（测试）');
  // The child is no longer left-behind under version 2; the loss is an event of version 2.
  const s = await waitScreening(county, child.id, (x) => x.computed && x.computed.rule_version === 2);
  assert.ok(!s.memberships.some((m) => m.category === 'left_behind' && m.status !== 'rejected'), JSON.stringify(s.memberships));
  assert.ok(s.history.some((e) => e.kind === 'category_lost' && e.category === 'left_behind' && e.rule_version === 2));
});

test('a version reads with line numbers, its rules linked to their lines; English is one click away', async () => {
  await page.goto(`${srv.url}/#/rules/1`);
  await page.waitForSelector('[data-testid=code-view] li');
  const src = (await county.get('/rulesets/1')).body;
  assert.equal(await page.locator('[data-testid=code-view] li').count(), src.source.split('\n').length);
  assert.match(await page.textContent('[data-testid=ruleset-title]'), /已停用/, 'version 1 was replaced by version 2');
  const lb1 = src.rules.find((r) => r.id === 'LB-1');
  await page.click('[data-testid=ruleset-rules] summary');
  await page.click(`[data-testid=ruleset-rules] button:text-is("LB-1")`);
  assert.equal(Number(await page.getAttribute('[data-testid=code-view] li.mark', 'data-line')), lb1.line);
  assert.match(await page.textContent('[data-testid=code-view] li.mark'), /rule LB-1/);
  await noHorizontalScroll('rule set');
  await page.screenshot({ path: `${shots}/weibao-e2e-ruleset.png` });
  await page.click('[data-testid=lang-toggle]');
  await page.goto(`${srv.url}/#/persons/${child.id}`);
  await page.waitForSelector('[data-testid=screening-panel] [data-testid=effective-level]');
  assert.equal(await page.textContent('[data-testid=effective-level]'), 'Red');
  assert.match(await page.textContent('[data-testid=screening-panel]'), /Screening result[\s\S]*Computed/);
  await page.locator('[data-testid=screening-panel]').screenshot({ path: `${shots}/weibao-e2e-screening-en.png` });
  await noHorizontalScroll('profile in English');
  await page.click('[data-testid=lang-toggle]');
});

test('the county view of the register: a bar per township, the 红 part highlighted, the overview of categories', async () => {
  await page.click('[data-testid=nav-registers]');
  await page.waitForSelector('[data-testid=register-bar]');
  const api = (await county.get('/screening/registers')).body;
  assert.equal(api.region.level, 3, 'the county office starts at its county');
  assert.equal(await page.locator('[data-testid=register-bar]').count(), api.counts.length);
  const mu = api.counts.find((c) => c.code === TOWNSHIP);
  assert.ok(mu.red >= 1, JSON.stringify(mu)); // 田小红, living alone
  const bar = page.locator(`[data-testid=register-bar][data-code="${TOWNSHIP}"]`);
  assert.equal(Number(await bar.getAttribute('data-red')), mu.red);
  assert.equal(await bar.locator('[data-testid=bar-red]').textContent(), `红 ${mu.red}`);
  assert.equal(await bar.locator('.fill.red').evaluate((e) => getComputedStyle(e).backgroundColor), 'rgb(198, 40, 40)');
  assert.ok(await bar.locator('.fill.red').evaluate((e) => e.getBoundingClientRect().width) > 0);
  for (const c of ['prisoner_child', 'guardianship']) {
    const n = (await county.get(`/screening/registers?category=${c}`)).body.total;
    await page.waitForSelector(`[data-testid=category-total][data-category=${c}][data-n="${n}"]`);
  }
  await page.selectOption('[data-testid=register-min-level]', '4');
  await page.waitForSelector(`[data-testid=register-person][data-id="${alone.id}"]`);
  const reds = await page.locator('[data-testid=register-person] [data-testid=level-badge]').evaluateAll((b) => b.map((x) => x.dataset.level));
  assert.ok(reds.length >= 1 && reds.every((l) => l === 'red'), reds.join());
  await noHorizontalScroll('county register');
  await page.screenshot({ path: `${shots}/weibao-e2e-register-county.png`, fullPage: true });
});

test('撤销调整 ends the override: the computed level is the one in force again', async () => {
  await page.goto(`${srv.url}/#/persons/${child.id}`);
  await page.waitForSelector('[data-testid=override]');
  // Version 2 took 留守 away: the computed level fell below the one at the adjustment.
  const computed = await page.getAttribute('[data-testid=computed-level]', 'data-level');
  const now = (await county.get(`/persons/${child.id}/screening`)).body;
  assert.equal(computed, now.computed.level_code);
  assert.notEqual(now.computed.level, now.override.computed);
  assert.match(await page.textContent('[data-testid=computed-then]'), /调整时为橙/);
  await page.click('[data-testid=override-clear]');
  await page.waitForSelector('[data-testid=override]', { state: 'detached' });
  assert.equal(await page.getAttribute('[data-testid=effective-level]', 'data-level'), computed);
  const s = (await county.get(`/persons/${child.id}/screening`)).body;
  assert.equal(s.override, null);
  assert.equal(sql(srv.db, `select count(*) from screen_overrides where person_id = ${child.id} and revoked_at is not null`), '1');
});
