// The access matrix, generated: every operation of the OpenAPI document × every role ×
// a target inside and one outside the user's scope. The expected answer comes from the
// operation's x-weibao-permission and the permissions the server grants the role; a record
// outside the scope must answer exactly like one that does not exist.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, sql, unitId, idNumber, run } from './harness.mjs';

const ROLES = ['admin', 'county_office', 'township_station', 'village_director', 'grid_worker',
  'school', 'police', 'justice'];
const A = '500242207'; // 木叶乡: the users' township
const B = '500242101'; // 龙潭镇: another township
const PW = 'matrix-pass-1';
let builtin;
// Wait until the screening worker has put the child in a category (it follows changes
// within a second).
async function flagged(id) {
  for (let i = 0; i < 100; i++) {
    const r = await boss.get(`/persons/${id}/screening`);
    if (r.status === 200 && r.body.memberships.length) return r.body;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  throw new Error('person ' + id + ' was not screened');
}
let srv, boss, doc, villageA, villageB, gridA, school, inA, inB, relA, importA, importB, reviewA, reviewB;
const users = {};

before(async () => {
  srv = await startServer({ demo: { minors: 200, seed: 11 } });
  villageA = sql(srv.db, `select code from regions where parent_code = '${A}000' order by code limit 1`);
  villageB = sql(srv.db, `select code from regions where parent_code = '${B}000' order by code limit 1`);
  gridA = villageA + '001';
  school = unitId(srv.db, 'school', A);
  await srv.addUser({ username: 'boss', role: 'county_office', region: '500242',
    unit: unitId(srv.db, 'minor_office', '500242'), password: PW });
  boss = await srv.login('boss', PW);
  const mk = async (name, village, extra) => {
    const r = await boss.post('/persons', { name, gender: 'F', birth_date: '2013-06-01', household_region: village, ...extra });
    assert.equal(r.status, 201, r.text);
    return r.body.id;
  };
  inA = await mk('田在内', villageA, { residence_region: gridA, school_unit_id: school, id_number: idNumber('20130601', '402') });
  relA = await mk('田亲属', villageA, { residence_region: gridA });
  inB = await mk('彭在外', villageB, { id_number: idNumber('20130601', '404') });
  const region = { admin: A, county_office: A, township_station: A, village_director: villageA,
    grid_worker: gridA, school: A, police: A, justice: A };
  const unit = { school, police: unitId(srv.db, 'police_station', A), justice: unitId(srv.db, 'justice_office', A),
    township_station: unitId(srv.db, 'minor_station', A), village_director: unitId(srv.db, 'village_committee', villageA) };
  for (const role of ROLES) {
    await srv.addUser({ username: 'u_' + role, role, region: region[role], unit: unit[role], password: PW });
    users[role] = await srv.login('u_' + role, PW);
  }
  doc = (await srv.anonymous().get('/openapi.json')).body;
  // Both children in difficulty (低保): each has a category the decision operation can decide.
  for (const id of [inA, inB])
    assert.equal((await boss.post(`/persons/${id}/facts`, { type: 'low_income', valid_from: '2025-01-01' })).status, 201);
  for (const id of [inA, inB]) await flagged(id);
  builtin = (await boss.get('/rulesets/1')).body.source;
  importA = importAs(A);
  importB = importAs(B);
  reviewA = reviewAs(A);
  reviewB = reviewAs(B);
});

const CSV = `姓名,性别,公民身份号码\n矩阵甲,女,${idNumber('20140101', '512')}\n`;
// An import made by weibao itself (CLI) in a region: for the /imports/{id} operations.
function importAs(region) {
  const f = join(srv.dir, `m-${region}.csv`);
  writeFileSync(f, CSV);
  run(['import', '--db', srv.db, '--profile', 'hukou', '--region', region, '--date', '2026-01-01', f]);
  return Number(sql(srv.db, 'select max(id) from imports'));
}
// A doubtful match waiting for review in a township: a row without an ID number, one
// character off the child registered there (田在内 / 彭在外), born the same day, in another
// village of the township. Each call queues a new one (the decision operation decides one).
let amount = 100;
function reviewAs(region) {
  const [name, village] = region === A ? ['田在鑫', villageA] : ['彭在鑫', villageB];
  const other = sql(srv.db, `select name from regions where parent_code = '${region}000' and code <> '${village}' order by code limit 1`);
  const last = Number(sql(srv.db, 'select coalesce(max(id), 0) from import_reviews'));
  const f = join(srv.dir, `r-${region}.csv`);
  writeFileSync(f, `姓名,性别,出生日期,保障类别,月保障金额,所在村（社区）\n${name},女,2013-06-01,农村低保,${amount++},${other}\n`);
  run(['import', '--db', srv.db, '--profile', 'civil_assist', '--region', region, '--date', '2026-01-01', f]);
  const id = Number(sql(srv.db, `select max(id) from import_reviews where region like '${region}%' and status = 'open'`));
  assert.ok(id > last, 'a review was queued in ' + region);
  return id;
}
after(async () => { await srv.stop(); });

const MISSING = 987654321;

// A request for an operation against a target: person id, or region code.
async function call(c, method, path, target) {
  const isRegion = path.includes('{code}');
  const url = path.replace('{id}', target.person).replace('{code}', target.region);
  let body;
  switch (method + ' ' + path) {
    case 'patch /persons/{id}': {
      const cur = await boss.get('/persons/' + target.person);
      body = { version: cur.status === 200 ? cur.body.version : 1, phone: '13900000000' };
      break;
    }
    case 'post /persons/{id}/reveal': body = { purpose: '权限矩阵测试' }; break;
    case 'post /persons/{id}/relations': body = { kind: 'other_relative', person_id: relA }; break;
    case 'post /persons/{id}/facts': body = { type: 'in_school', value: '权限矩阵测试' }; break;
    case 'get /registers/export': return c.get(`/registers/export?region=${target.region}&format=csv`);
    case 'post /imports':
      return c.request('POST', `/imports?profile=hukou&dry_run=1&region=${target.region}`, CSV,
        { 'Content-Type': 'text/csv' });
    case 'get /imports/{id}': case 'get /imports/{id}/rejects':
      return c.get(path.replace('{id}', target.import));
    case 'post /imports/{id}/undo': {
      // undo is for who made the import (or an office above it): made as the caller here;
      // a colleague's import is refused (import_api.test.mjs)
      const id = target.import === MISSING ? MISSING : importAs(target.import === importA ? A : B);
      if (id !== MISSING && c.user) sql(srv.db, `update imports set created_by = ${c.user.id} where id = ${id}`);
      return c.post(`/imports/${id}/undo`, {});
    }
    case 'get /reviews/{id}': return c.get(`/reviews/${target.review}`);
    case 'post /reviews/{id}/decision': {
      const id = target.review === MISSING ? MISSING : reviewAs(target.review === reviewA ? A : B);
      return c.post(`/reviews/${id}/decision`, { decision: 'dismiss', reason: '权限矩阵测试' });
    }
    case 'post /persons/{id}/screening/decisions':
      body = { category: 'difficulty', decision: 'confirm', reason: '权限矩阵测试' }; break;
    case 'post /persons/{id}/screening/override':
      body = { level: 'orange', reason: '权限矩阵测试', expires_on: new Date(Date.now() + 30 * 864e5).toISOString().slice(0, 10) };
      break;
    case 'get /screening/registers': case 'get /screening/registers/persons':
      return c.get(`${path}?region=${target.region}&category=difficulty`);
    case 'get /rulesets/{id}': return c.get('/rulesets/1');
    case 'post /rulesets': case 'post /rulesets/validate': case 'post /rulesets/preview':
      body = { source: builtin, label: '矩阵测试' }; if (path !== '/rulesets') delete body.label; break;
    case 'post /rulesets/{id}/publish': {
      const d = await boss.post('/rulesets', { source: builtin, label: '矩阵发布' });
      assert.equal(d.status, 201, d.text);
      return c.post(`/rulesets/${d.body.version}/publish`, {});
    }
    case 'post /registers/export': body = { region: target.region, format: 'csv', purpose: '权限矩阵测试' }; break;
    case 'post /persons':
      body = { name: '新登记', gender: 'M', birth_date: '2015-01-01', household_region: target.village };
      if (target.grid) body.residence_region = target.grid;
      break;
    default: body = method === 'get' ? undefined : {};
  }
  if (path === '/persons' && method === 'get') return c.get(`/persons?region=${target.village}`);
  if (path === '/units') return c.get(`/units?region=${target.region}`);
  void isRegion;
  return c.request(method.toUpperCase(), url, body);
}

function operations() {
  const ops = [];
  for (const [path, item] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(item)) ops.push({ path, method, op });
  return ops;
}

test('without a session every operation but login and the API document answers 401', async () => {
  const anon = srv.anonymous();
  for (const { path, method } of operations()) {
    if ((path === '/session' && method === 'post') || path === '/openapi.json') continue;
    const r = await call(anon, method, path, { person: inA, region: A, village: villageA });
    assert.equal(r.status, 401, `${method} ${path}: ${r.status}`);
    assert.equal(r.body.error.code, 'NOT_LOGGED_IN');
  }
});

for (const role of ROLES) {
  test(`matrix for ${role}`, async () => {
    const c = users[role];
    const perms = c.user.permissions;
    const inside = { person: inA, region: role === 'village_director' ? villageA : role === 'grid_worker' ? gridA : A,
      village: villageA, grid: gridA, import: importA, review: reviewA };
    const outside = { person: inB, region: B, village: villageB, import: importB, review: reviewB };
    const missing = { person: MISSING, region: '500242299', village: villageB, import: MISSING, review: MISSING };
    for (const { path, method, op } of operations()) {
      if (path.startsWith('/session') || path === '/openapi.json') continue;
      if (path === '/jobs/{id}') continue; // the owner's own jobs: import_api.test.mjs
      // One permission, or a list of permissions that are all required.
      const perm = op['x-weibao-permission'];
      const needed = Array.isArray(perm) ? perm : perm ? [perm] : [];
      const label = `${role} ${method} ${path}`;
      const rIn = await call(c, method, path, inside);
      if (needed.some((p) => !perms.includes(p))) {
        assert.equal(rIn.status, 403, `${label} without ${perm}: ${rIn.status} ${rIn.text}`);
        assert.equal(rIn.body.error.code, 'FORBIDDEN');
        continue;
      }
      assert.ok(rIn.status < 300 || (path.endsWith('/relations') && rIn.status === 409),
        `${label} in scope: ${rIn.status} ${rIn.text}`);

      // not scoped data, or lists filtered by scope (checked in their own tests)
      if (['/catalog', '/units', '/audit', '/import-profiles', '/screening/categories',
        '/screening/status', '/screening/run', '/rulesets', '/rulesets/validate',
        '/rulesets/preview', '/rulesets/{id}', '/rulesets/{id}/publish'].includes(path)) continue;
      if ((path === '/imports' || path === '/reviews') && method === 'get') continue;
      const rOut = await call(c, method, path, outside);
      if (path === '/persons' && method === 'get') {
        assert.equal(rOut.status, 200);
        assert.ok(!rOut.body.items.some((p) => p.id === inB), `${label}: leaked a person of another township`);
        continue;
      }
      if ((path === '/persons' || path === '/imports') && method === 'post') {
        assert.equal(rOut.status, 403, `${label} out of scope: ${rOut.text}`);
        assert.equal(rOut.body.error.code, 'REGION_OUT_OF_SCOPE');
        continue;
      }
      const rMissing = await call(c, method, path, missing);
      assert.equal(rOut.status, 404, `${label} out of scope: ${rOut.status} ${rOut.text}`);
      assert.equal(rOut.text, rMissing.text, `${label}: out of scope differs from missing`);
    }
  });
}

test('a school sees its own students only', async () => {
  const c = users.school;
  const r = await c.get(`/persons?region=${villageA}`);
  assert.ok(r.body.items.some((p) => p.id === inA));
  assert.ok(r.body.items.every((p) => p.id === inA || sql(srv.db, `select school_unit_id from persons where id = ${p.id}`) === String(school)));
  assert.equal((await c.get('/persons/' + relA)).status, 404);
});

test('no answer to anyone contains a full ID number', async () => {
  const full = idNumber('20130601', '402');
  for (const role of ROLES) {
    const r = await users[role].get('/persons/' + inA);
    if (r.status === 200) assert.ok(!r.text.includes(full), role);
    const l = await users[role].get(`/persons?region=${villageA}`);
    assert.ok(!l.text.includes(full), role);
  }
});
