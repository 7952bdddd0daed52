// Automatic screening end to end against the real server: facts recorded through the API
// change a child's categories and level within a second, with the rule, the legal basis
// and the facts behind them; confirmations, rejections (not suggested again until the
// facts change) and overrides with both levels kept; the registers per township; rule
// sets validated with line and column, previewed per township and published; sensitive
// categories hidden from roles without sensitive-read; `weibao screen`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, sql, unitId, run } from './harness.mjs';

const PW = 'screen-pass-1';
const MU = '500242207'; // 木叶乡
let srv, county, station, grid, village, child, father, mother;

async function screening(c, id) {
  const r = await c.get(`/persons/${id}/screening`);
  assert.equal(r.status, 200, r.text);
  return r.body;
}

// Poll until pred(screening) holds: the worker follows changes within a second.
async function until(id, pred, ms = 3000) {
  const t0 = Date.now();
  let s;
  while (Date.now() - t0 < ms) {
    s = await screening(county, id);
    if (pred(s)) return { s, ms: Date.now() - t0 };
    await new Promise((ok) => setTimeout(ok, 25));
  }
  assert.fail('condition not reached; last: ' + JSON.stringify(s));
}
const has = (cat) => (s) => s.memberships.some((m) => m.category === cat);
const monthsAgo = (n) => { const d = new Date(); d.setMonth(d.getMonth() - n); return d.toISOString().slice(0, 10); };
const inDays = (n) => new Date(Date.now() + n * 864e5).toISOString().slice(0, 10);

before(async () => {
  srv = await startServer({ demo: { minors: 150, seed: 21 } });
  village = sql(srv.db, `select code from regions where parent_code = '${MU}000' order by code limit 1`);
  await srv.addUser({ username: 'cty', role: 'county_office', region: '500242',
    unit: unitId(srv.db, 'minor_office', '500242'), password: PW });
  await srv.addUser({ username: 'mu', role: 'township_station', region: MU,
    unit: unitId(srv.db, 'minor_station', MU), password: PW });
  await srv.addUser({ username: 'grid', role: 'grid_worker', region: village + '001', password: PW });
  county = await srv.login('cty', PW);
  station = await srv.login('mu', PW);
  grid = await srv.login('grid', PW);
  const mk = async (body) => {
    const r = await station.post('/persons', { household_region: village, residence_region: village + '001', ...body });
    assert.equal(r.status, 201, r.text);
    return r.body.id;
  };
  father = await mk({ name: '冉务工', gender: 'M', birth_date: '1986-03-02' });
  mother = await mk({ name: '田务工', gender: 'F', birth_date: '1988-07-09' });
  const ten = new Date(); ten.setFullYear(ten.getFullYear() - 10);
  child = await mk({ name: '冉小留', gender: 'F', birth_date: ten.toISOString().slice(0, 10),
    relations: [{ kind: 'father', person_id: father, is_guardian: true },
      { kind: 'mother', person_id: mother, is_guardian: true }] });
});
after(async () => { await srv.stop(); });

test('a child with nothing recorded has no category and level none', async () => {
  const s = await screening(station, child);
  assert.equal(s.computed, null);
  assert.equal(s.effective_level_code, 'none');
  assert.deepEqual(s.memberships, []);
});

test('rural hukou and both parents away for 8 months: 农村留守儿童 within a second, with the rule, basis and facts', async () => {
  const f = [];
  f.push((await station.post(`/persons/${child}/facts`, { type: 'hukou_rural' })).body.id);
  f.push((await station.post(`/persons/${father}/facts`, { type: 'migrant_work', value: '广东东莞', valid_from: monthsAgo(8) })).body.id);
  f.push((await station.post(`/persons/${mother}/facts`, { type: 'migrant_work', value: '浙江宁波', valid_from: monthsAgo(8) })).body.id);
  const { s, ms } = await until(child, has('left_behind'));
  assert.ok(ms < 1500, `took ${ms} ms`);
  const m = s.memberships.find((x) => x.category === 'left_behind');
  assert.equal(m.status, 'suggested');
  assert.equal(m.name, '农村留守儿童');
  const e = s.explanation.categories.find((c) => c.code === 'left_behind');
  assert.equal(e.rule_id, 'LB-1');
  assert.match(e.basis, /国发〔2016〕13号/);
  assert.match(e.reason, /6个月|6 ?months|6月/);
  assert.deepEqual([...e.fact_ids].sort(), [...f].sort(), 'the child\'s and both parents\' facts');
  assert.equal(s.computed.rule_version, 1);
  assert.ok(s.computed.level >= 1);
  assert.ok(s.history.some((h) => h.kind === 'category_gained' && h.category === 'left_behind'));
});

test('parents away only 3 months: not left behind (the minimum absence)', async () => {
  const r = await station.post('/persons', { name: '冉短期', gender: 'M', birth_date: '2016-01-01',
    household_region: village });
  const kid = r.body.id;
  const dad = (await station.post('/persons', { name: '冉短爸', gender: 'M', birth_date: '1985-01-01', household_region: village })).body.id;
  const mom = (await station.post('/persons', { name: '冉短妈', gender: 'F', birth_date: '1987-01-01', household_region: village })).body.id;
  await station.post(`/persons/${kid}/relations`, { kind: 'father', person_id: dad });
  await station.post(`/persons/${kid}/relations`, { kind: 'mother', person_id: mom });
  await station.post(`/persons/${kid}/facts`, { type: 'hukou_rural' });
  await station.post(`/persons/${dad}/facts`, { type: 'migrant_work', valid_from: monthsAgo(3) });
  await station.post(`/persons/${mom}/facts`, { type: 'migrant_work', valid_from: monthsAgo(3) });
  // a later change to the same child proves the worker has seen the earlier ones
  await station.post(`/persons/${kid}/facts`, { type: 'low_income' });
  const { s } = await until(kid, has('difficulty'));
  assert.ok(!has('left_behind')(s), JSON.stringify(s.memberships));
});

test('the father imprisoned: 服刑人员未成年子女, the score rises, history keeps before/after', async () => {
  const before = await screening(county, child);
  await county.post(`/persons/${father}/facts`, { type: 'imprisoned', value: '有期徒刑三年', valid_from: monthsAgo(2), valid_to: inDays(700) });
  const { s } = await until(child, has('prisoner_child'));
  assert.ok(s.computed.score > before.computed.score, `score ${before.computed.score} -> ${s.computed.score}`);
  assert.ok(s.computed.level >= before.computed.level);
  // every level change is an event with before and after: the latest ends at today's level
  const ev = s.history.find((h) => h.kind === 'level_raised' || h.kind === 'level_lowered');
  assert.equal(ev.after, s.computed.level);
  assert.ok(ev.before < ev.after);
  assert.ok(s.memberships.find((m) => m.category === 'prisoner_child').sensitive);
});

test('a mandatory-report situation (强制报告意见第四条) forces 红 whatever the score', async () => {
  const kid = (await station.post('/persons', { name: '冉报告', gender: 'F', birth_date: '2014-02-02',
    household_region: village, residence_region: village + '001' })).body.id;
  let r = await station.post(`/persons/${kid}/facts`, { type: 'mandatory_report', value: '11' });
  assertError(r, 422);
  r = await station.post(`/persons/${kid}/facts`, { type: 'mandatory_report', value: '6',
    valid_from: new Date().toISOString().slice(0, 10), note: '长期处于无人照料状态' });
  assert.equal(r.status, 201, r.text);
  const { s } = await until(kid, (x) => x.computed && x.computed.level === 4);
  const t = s.explanation.triggers.find((x) => x.rule_id === 'MR-1');
  assert.ok(t, JSON.stringify(s.explanation));
  assert.match(t.basis, /强制报告/);
  assert.deepEqual(t.fact_ids, [r.body.id]);
  // a sensitive matter: a grid worker does not see why
  assert.equal((await screening(grid, kid)).explanation, null);
});

test('a grid worker sees the level and the non-sensitive categories, without the explanation', async () => {
  const s = await screening(grid, child);
  assert.equal(s.explanation, null);
  assert.ok(has('left_behind')(s));
  assert.ok(!has('prisoner_child')(s), 'a criminal matter stays hidden');
  assert.ok(!s.history.some((h) => h.category === 'prisoner_child'));
  const reg = await grid.get(`/screening/registers/persons?region=${village}001&category=prisoner_child`);
  assert.equal(reg.status, 200);
  assert.ok(!reg.body.items.some((p) => p.id === child));
});

test('confirm, and reject with a reason: a rejected category is not suggested again until its facts change', async () => {
  let r = await station.post(`/persons/${child}/screening/decisions`, { category: 'left_behind', decision: 'reject' });
  assertError(r, 422, 'REASON_REQUIRED');
  r = await station.post(`/persons/${child}/screening/decisions`, { category: 'orphan', decision: 'confirm' });
  assertError(r, 404, 'SCREEN_MEMBERSHIP_NOT_FOUND');
  // wrong types and unknown fields: 422 with the field named, never a 500
  r = await station.post(`/persons/${child}/screening/decisions`, { category: 1, decision: 'confirm' });
  assertError(r, 422, 'TYPE_INVALID');
  assert.equal(r.body.error.details[0].field, 'category');
  r = await station.post(`/persons/${child}/screening/decisions`, { category: 'left_behind', decision: 'confirm', extra: 1 });
  assertError(r, 422, 'FIELD_UNKNOWN');
  r = await station.post(`/persons/${child}/screening/override`, { level: 'red', reason: 5, expires_on: 1 });
  assertError(r, 422, 'VALIDATION');
  assert.equal(r.body.error.details.length, 2);
  r = await station.post(`/persons/${child}/screening/decisions`, { category: 'prisoner_child', decision: 'confirm', reason: '已核实' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.memberships.find((m) => m.category === 'prisoner_child').status, 'confirmed');
  r = await station.post(`/persons/${child}/screening/decisions`, { category: 'left_behind', decision: 'reject', reason: '母亲已返乡，信息待更新' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.memberships.find((m) => m.category === 'left_behind').status, 'rejected');
  assert.equal(r.body.decisions[0].decision, 'reject');
  // An unrelated fact of the child: re-screened, still rejected.
  await station.post(`/persons/${child}/facts`, { type: 'in_school', value: '木叶小学' });
  await new Promise((ok) => setTimeout(ok, 600));
  let s = await screening(station, child);
  assert.equal(s.memberships.find((m) => m.category === 'left_behind').status, 'rejected');
  const reg = await station.get(`/screening/registers?region=${MU}&category=left_behind`);
  const vil = reg.body.counts.find((c) => c.code === village);
  assert.ok(!vil || vil.n === Number(sql(srv.db, `select count(*) from screen_memberships where category='left_behind' and status<>'rejected' and scope_region like '${village}%'`)));
  // The mother's migrant fact corrected (new facts behind the category): suggested again.
  const mf = (await station.get(`/persons/${mother}/facts`)).body.items.find((x) => x.type === 'migrant_work' && x.current);
  r = await station.post(`/persons/${mother}/facts`, { type: 'migrant_work', value: '浙江宁波（核实）', valid_from: monthsAgo(9), supersedes: mf.id });
  assert.equal(r.status, 201, r.text);
  ({ s } = await until(child, (x) => x.memberships.find((m) => m.category === 'left_behind')?.status === 'suggested'));
});

test('override the level with a reason and an expiry: both levels visible; bad input refused; revoke', async () => {
  const cur = await screening(station, child);
  let r = await station.post(`/persons/${child}/screening/override`, { level: 'purple', reason: 'x y', expires_on: inDays(30) });
  assertError(r, 422, 'LEVEL_INVALID');
  r = await station.post(`/persons/${child}/screening/override`, { level: 'red', reason: '家中无人照料', expires_on: '2020-01-01' });
  assertError(r, 422, 'EXPIRY_INVALID');
  r = await station.post(`/persons/${child}/screening/override`, { level: 'red', expires_on: inDays(30) });
  assertError(r, 422, 'REASON_REQUIRED');
  r = await station.post(`/persons/${child}/screening/override`, { level: 'red', reason: '走访发现家中长期无人照料', expires_on: inDays(60) });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.effective_level_code, 'red');
  assert.equal(r.body.computed.level, cur.computed.level, 'computed level kept');
  assert.equal(r.body.override.computed, cur.computed.level);
  assert.equal(r.body.override.reason, '走访发现家中长期无人照料');
  const list = await station.get(`/screening/registers/persons?region=${village}&min_level=4`);
  assert.ok(list.body.items.some((p) => p.id === child && p.effective_level === 4));
  // counts follow the effective level too: the village's 红 count matches its red list
  const counts = await station.get(`/screening/registers?region=${MU}&min_level=4`);
  const vil = counts.body.counts.find((c) => c.code === village);
  assert.equal(vil.n, list.body.items.length);
  assert.equal(vil.red, list.body.items.length);
  const grid1 = await grid.post(`/persons/${child}/screening/override`, { level: 'blue', reason: '无权', expires_on: inDays(10) });
  assertError(grid1, 403, 'FORBIDDEN');
  r = await station.del(`/persons/${child}/screening/override`);
  assert.equal(r.status, 200);
  assert.equal(r.body.override, null);
  assert.equal(r.body.effective_level, cur.computed.level);
  assert.ok(Number(sql(srv.db, "select count(*) from audit_log where action = 'screening.override'")) >= 1);
});

test('registers: counts per township of the county and per village of the township, the child listed', async () => {
  let r = await county.get('/screening/registers?region=500242&category=left_behind');
  assert.equal(r.status, 200, r.text);
  const mu = r.body.counts.find((c) => c.code === MU + '000');
  assert.equal(mu.name, '木叶乡');
  assert.ok(mu.n >= 1);
  assert.equal(r.body.total, r.body.counts.reduce((a, c) => a + c.n, 0));
  r = await station.get(`/screening/registers?region=${MU}&category=left_behind`);
  assert.ok(r.body.counts.some((c) => c.code === village));
  r = await station.get('/screening/registers?region=500242101&category=left_behind');
  assertError(r, 404, 'REGION_NOT_FOUND');
  r = await station.get(`/screening/registers?region=${MU}&category=no_such`);
  assertError(r, 422, 'CATEGORY_UNKNOWN');
  r = await station.get(`/screening/registers/persons?region=${village}&category=left_behind&limit=200`);
  assert.ok(r.body.items.some((p) => p.id === child && p.categories.includes('left_behind')));
});

test('rule sets: validate with line and column, preview per township, save a draft, publish, everyone re-screened', async () => {
  const v1 = (await county.get('/rulesets/1')).body;
  assert.equal(v1.status, 'published');
  assert.ok(v1.rules.some((x) => x.id === 'LB-1' && /国发〔2016〕13号/.test(x.basis)));
  let r = await county.post('/rulesets/validate', { source: 'ruleset "x" version "y"\nrule A "a"\n basis "b"\n when age <\nend\n' });
  assert.equal(r.status, 200);
  assert.equal(r.body.ok, false);
  assert.equal(r.body.line, 5);
  assert.ok(r.body.column >= 1);
  assert.match(r.body.message, /第5行/);
  r = await station.post('/rulesets/validate', { source: v1.source });
  assertError(r, 403, 'FORBIDDEN');
  r = await county.post('/rulesets/validate', { source: 123 });
  assertError(r, 422, 'TYPE_INVALID');
  r = await county.post('/rulesets', { source: v1.source, label: 5 });
  assertError(r, 422, 'TYPE_INVALID');
  // 留守 age limit 16 -> 8: the ten-year-old leaves the register of 木叶乡.
  const text = v1.source.replace(/param 留守年龄上限 = 16 岁/, 'param 留守年龄上限 = 8 岁')
    .replace(/version "[^"]+"/, 'version "county-2026.12-2"');
  assert.notEqual(text, v1.source);
  r = await county.post('/rulesets/preview', { source: text });
  assert.equal(r.status, 200, r.text);
  const mu = r.body.townships.find((t) => t.code === MU + '000');
  assert.equal(mu.name, '木叶乡');
  assert.ok(mu.lost.left_behind >= 1, JSON.stringify(mu));
  assert.ok(!mu.gained.left_behind);
  r = await county.post('/rulesets', { source: 'rule broken', label: '坏的' });
  assertError(r, 422);
  r = await county.post('/rulesets', { source: text, note: '留守年龄上限调整试点' });
  assert.equal(r.status, 201, r.text);
  const v2 = r.body.version;
  assert.equal(r.body.status, 'draft');
  r = await county.post(`/rulesets/${v2}/publish`, {});
  assert.equal(r.status, 200, r.text);
  r = await county.post(`/rulesets/${v2}/publish`, {});
  assertError(r, 409, 'RULESET_NOT_DRAFT');
  const { s } = await until(child, (x) => x.computed && x.computed.rule_version === v2 && !has('left_behind')(x), 5000);
  assert.ok(s.history.some((h) => h.kind === 'category_lost' && h.category === 'left_behind' && h.rule_version === v2));
  const list = (await county.get('/rulesets')).body.items;
  assert.equal(list.find((x) => x.version === 1).status, 'retired');
  assert.equal(list.find((x) => x.version === v2).status, 'published');
  const st = (await county.get('/screening/status')).body;
  assert.equal(st.rule_version, v2);
});

test('weibao screen re-screens everything from the command line and prints a summary', () => {
  const out = run(['screen', '--db', srv.db, '--quiet']);
  assert.match(out, /persons screened: \d+, flagged: \d+/);
  assert.match(out, /筛查完成/);
  const n = Number(sql(srv.db, 'select count(*) from screen_results'));
  assert.ok(n >= 1);
});
