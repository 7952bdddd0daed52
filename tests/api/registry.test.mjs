// The registry end to end against the real server: persons, relations, facts with
// corrections, optimistic versions, masking and revealing, pagination and search, sessions,
// and the audit chain (including tampering detected by `weibao audit verify`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, idNumber, sql, unitId, runStatus } from './harness.mjs';

let srv, county, station, village, village2, child, father;
const pw = 'correct-horse-1';

before(async () => {
  srv = await startServer({ demo: { minors: 300, seed: 3 } });
  village = sql(srv.db, "select code from regions where parent_code = '500242207000' order by code limit 1");
  village2 = sql(srv.db, "select code from regions where parent_code = '500242207000' order by code limit 1 offset 1");
  await srv.addUser({ username: 'county1', role: 'county_office', region: '500242',
    unit: unitId(srv.db, 'minor_office', '500242'), password: pw });
  await srv.addUser({ username: 'mu1', role: 'township_station', region: '500242207',
    unit: unitId(srv.db, 'minor_station', '500242207'), password: pw });
  county = await srv.login('county1', pw);
  station = await srv.login('mu1', pw);
});

after(async () => { await srv.stop(); });

test('demo data: every reference resolves, every index is back, the file is in WAL mode', () => {
  // The bulk loader skips per-row foreign-key checks and drops indexes during the load.
  assert.equal(sql(srv.db, 'pragma foreign_key_check'), '');
  assert.equal(sql(srv.db, 'pragma integrity_check'), 'ok');
  const idx = sql(srv.db, "select name from sqlite_master where type = 'index' and name in " +
    "('persons_id_hash','relations_unique','facts_supersedes','persons_scope','facts_person')");
  assert.equal(idx.split('\n').length, 5);
  assert.equal(sql(srv.db, 'pragma journal_mode'), 'wal');
  assert.ok(Number(sql(srv.db, 'select count(*) from persons')) > 600);
});

test('create a family: father, then a child related to him; ID masked on read', async () => {
  let r = await station.post('/persons', { name: '冉大山', gender: 'M', id_number: idNumber('19850412', '031'),
    household_region: village, phone: '13812345678', ethnicity: '土家' });
  assert.equal(r.status, 201, r.text);
  father = r.body;
  assert.equal(father.birth_date, '1985-04-12');
  assert.equal(father.ethnicity, '15');
  assert.equal(father.phone, '138****5678');
  assert.match(father.id_number, /^500242\*{8}\d{3}[\dX]$/);

  r = await station.post('/persons', { name: '冉小明', gender: 'M', birth_date: '2014-03-09',
    id_number: idNumber('20140309', '033'), household_region: village,
    relations: [{ kind: 'father', person_id: father.id, is_guardian: true, lives_with: false }] });
  assert.equal(r.status, 201, r.text);
  child = r.body;
  assert.equal(child.version, 1);
  assert.equal(child.id_number, '500242********' + idNumber('20140309', '033').slice(14));
  assert.equal(child.relations.length, 1);
  assert.equal(child.relations[0].kind, 'father');
  assert.equal(child.relations[0].person.name, '冉大山');
  assert.equal(child.relations[0].is_guardian, true);
  // The father's record shows the child from the other direction.
  r = await station.get('/persons/' + father.id);
  assert.equal(r.body.relations[0].direction, 'this_is');
  assert.equal(r.body.relations[0].person.id, child.id);
  // No answer anywhere carries the full number.
  assert.ok(!JSON.stringify(r.body).includes(idNumber('19850412', '031')));
});

test('a 15-digit legacy number is converted and checked against the birth date', async () => {
  const r = await station.post('/persons', { name: '田老汉', gender: 'M', id_number: '500242560101031',
    household_region: village });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.birth_date, '1956-01-01');
  const full = await county.post(`/persons/${r.body.id}/reveal`, { purpose: '核对户籍信息' });
  assert.equal(full.status, 200, full.text);
  assert.equal(full.body.id_number.slice(0, 17), '50024219560101031');
});

test('reveal: needs the role and a purpose, and is audited with the purpose', async () => {
  assertError(await station.post(`/persons/${child.id}/reveal`, { purpose: '' }), 422, 'PURPOSE_REQUIRED');
  assertError(await station.post(`/persons/${child.id}/reveal`, { purpose: '     ' }), 422, 'PURPOSE_REQUIRED');
  const r = await station.post(`/persons/${child.id}/reveal`, { purpose: '办理事实无人抚养儿童认定' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.id_number, idNumber('20140309', '033'));
  const admin = await srv.login(srv.admin.username, srv.admin.password);
  assertError(await admin.post(`/persons/${child.id}/reveal`, { purpose: '系统维护需要' }), 403, 'FORBIDDEN');
  const audit = await county.get('/audit?limit=50');
  const entry = audit.body.items.find((a) => a.action === 'person.reveal_id' && a.object_id === child.id);
  assert.ok(entry, 'reveal audited');
  assert.equal(entry.username, 'mu1');
  assert.match(entry.detail, /办理事实无人抚养儿童认定/);
});

test('facts: record, correct (both stay visible), second correction of the same fact is 409', async () => {
  const unit = unitId(srv.db, 'justice_office', '500242207');
  let r = await station.post(`/persons/${father.id}/facts`, { type: 'imprisoned', value: '重庆市某监狱',
    valid_from: '2024-03-01', valid_to: '2029-02-28', source_unit_id: unit, source_doc: '司法所台账 2026-10' });
  assert.equal(r.status, 201, r.text);
  const first = r.body;
  assert.equal(first.current, true);
  assert.equal(first.source_unit_name, '木叶乡司法所');
  r = await station.post(`/persons/${father.id}/facts`, { type: 'imprisoned', value: '重庆市某监狱',
    valid_from: '2024-03-01', valid_to: '2026-10-15', source_unit_id: unit, source_doc: '释放通知书',
    supersedes: first.id });
  assert.equal(r.status, 201, r.text);
  const second = r.body;
  assert.equal(second.supersedes, first.id);
  assertError(await station.post(`/persons/${father.id}/facts`, { type: 'imprisoned', supersedes: first.id }),
    409, 'FACT_ALREADY_CORRECTED');
  r = await station.get(`/persons/${father.id}/facts`);
  const mine = r.body.items.filter((f) => f.type === 'imprisoned');
  assert.equal(mine.length, 2);
  assert.equal(mine.find((f) => f.id === first.id).current, false);
  assert.equal(mine.find((f) => f.id === first.id).superseded_by, second.id);
  assert.equal(mine.find((f) => f.id === second.id).current, true);
  // Values are checked per fact type.
  assertError(await station.post(`/persons/${child.id}/facts`, { type: 'disability', value: '9-9' }), 422, 'FACT_VALUE_INVALID');
  assertError(await station.post(`/persons/${child.id}/facts`, { type: 'no_such_type' }), 422, 'FACT_TYPE_UNKNOWN');
});

test('sensitive facts are hidden from roles without SENSITIVE_READ', async () => {
  const admin = await srv.login(srv.admin.username, srv.admin.password);
  const r = await admin.get(`/persons/${father.id}/facts`);
  assert.equal(r.status, 200);
  assert.ok(!r.body.items.some((f) => f.type === 'imprisoned'));
});

test('PATCH with the current version succeeds; a stale version is 409 and changes nothing', async () => {
  let r = await station.patch('/persons/' + child.id, { version: 1, name: '冉晓明' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.version, 2);
  r = await station.patch('/persons/' + child.id, { version: 1, name: '冉小小' });
  assertError(r, 409, 'VERSION_CONFLICT');
  r = await station.get('/persons/' + child.id);
  assert.equal(r.body.name, '冉晓明');
  assert.equal(r.body.version, 2);
  // A birth date that contradicts the ID number is refused, and nothing changes.
  assertError(await station.patch('/persons/' + child.id, { version: 2, birth_date: '2014-03-10' }), 422, 'ID_BIRTH_MISMATCH');
  assert.equal((await station.get('/persons/' + child.id)).body.version, 2);
});

test('list: pagination with a cursor covers every person once; search by name and by ID', async () => {
  for (let i = 0; i < 7; i++) {
    const r = await station.post('/persons', { name: '彭分页' + i, gender: 'F', birth_date: '2016-0' + (i + 1) + '-01',
      household_region: village2 });
    assert.equal(r.status, 201, r.text);
  }
  const seen = new Set();
  let cursor = null, pages = 0;
  do {
    const r = await station.get(`/persons?region=${village2}&limit=3${cursor ? '&cursor=' + encodeURIComponent(cursor) : ''}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.body.items.length <= 3);
    for (const p of r.body.items) { assert.ok(!seen.has(p.id), 'no duplicates'); seen.add(p.id); }
    cursor = r.body.next_cursor;
    pages++;
  } while (cursor && pages < 500);
  const total = Number(sql(srv.db, `select count(*) from persons where scope_region like '${village2}%'`));
  assert.equal(seen.size, total);
  let r = await station.get(`/persons?region=${village2}&q=${encodeURIComponent('分页')}`);
  assert.equal(r.body.items.length, 7);
  r = await station.get(`/persons?q=${idNumber('20140309', '033')}`);
  assert.deepEqual(r.body.items.map((p) => p.id), [child.id]);
  assertError(await station.get('/persons?limit=0'), 400, 'LIMIT_INVALID');
  assertError(await station.get('/persons?cursor=garbage'), 400, 'CURSOR_INVALID');
});

test('region tree with counts, units of a township, catalog', async () => {
  let r = await station.get('/regions/500242207/children');
  assert.equal(r.status, 200);
  const v = r.body.items.find((c) => c.code === village2);
  assert.ok(v.persons >= 7 && v.minors >= 7, JSON.stringify(v));
  r = await station.get('/regions/500242207');
  assert.deepEqual(r.body.path.map((p) => p.level), [1, 2, 3, 4]);
  r = await station.get('/units?region=500242207');
  assert.ok(r.body.items.some((u) => u.type === 'police_station' && u.name === '木叶乡派出所'));
  r = await station.get('/catalog');
  assert.ok(r.body.fact_types.some((f) => f.code === 'migrant_work'));
  assert.equal(r.body.roles.length, 8);
});

test('password change ends other sessions; logout ends this one', async () => {
  await srv.addUser({ username: 'pw1', role: 'grid_worker', region: village, password: pw });
  const a = await srv.login('pw1', pw);
  const b = await srv.login('pw1', pw);
  assertError(await a.post('/session/password', { old_password: 'wrong-password', new_password: 'another-pass-2' }), 422, 'PASSWORD_WRONG');
  assertError(await a.post('/session/password', { old_password: pw, new_password: 'short' }), 422, 'PASSWORD_TOO_SHORT');
  assert.equal((await a.post('/session/password', { old_password: pw, new_password: 'another-pass-2' })).status, 204);
  assertError(await b.get('/session'), 401, 'NOT_LOGGED_IN');
  assert.equal((await a.get('/session')).status, 200);
  assert.equal((await a.del('/session')).status, 204);
  assertError(await a.get('/session'), 401, 'NOT_LOGGED_IN');
  await srv.login('pw1', 'another-pass-2');
});

test('the audit chain verifies, and tampering is detected at the first bad entry', async () => {
  // Let the queued read entries land, then verify.
  await new Promise((r) => setTimeout(r, 200));
  let v = runStatus(['audit', 'verify', '--db', srv.db]);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /intact/);
  const n = Number(sql(srv.db, 'select count(*) from audit_log'));
  assert.ok(n > 20);
  // The table refuses edits outright.
  assert.throws(() => sql(srv.db, "update audit_log set action = 'x' where seq = 2"), /append-only/);
  // Someone with file access drops the guard and edits an entry in the middle.
  const copy = srv.db + '.tamper.db';
  sql(srv.db, `vacuum into '${copy}'`);
  sql(copy, "drop trigger audit_no_update; drop trigger audit_no_delete; update audit_log set detail = '{}' where seq = 5");
  v = runStatus(['audit', 'verify', '--db', copy, '--key', srv.db + '.key']);
  assert.equal(v.status, 3);
  assert.match(v.stdout, /entry 5 was edited/);
  // A deleted entry.
  sql(srv.db, `vacuum into '${copy}.2'`);
  sql(copy + '.2', 'drop trigger audit_no_delete; delete from audit_log where seq = 7');
  v = runStatus(['audit', 'verify', '--db', copy + '.2', '--key', srv.db + '.key']);
  assert.equal(v.status, 3);
  assert.match(v.stdout, /entry 7 is missing/);
  // The newest entries removed.
  sql(srv.db, `vacuum into '${copy}.3'`);
  sql(copy + '.3', `drop trigger audit_no_delete; delete from audit_log where seq > ${n - 3}`);
  v = runStatus(['audit', 'verify', '--db', copy + '.3', '--key', srv.db + '.key']);
  assert.equal(v.status, 3);
  assert.match(v.stdout, /removed/);
  // Two entries swapped.
  sql(srv.db, `vacuum into '${copy}.4'`);
  sql(copy + '.4', 'drop trigger audit_no_update; update audit_log set seq = -1 where seq = 9; ' +
    'update audit_log set seq = 9 where seq = 10; update audit_log set seq = 10 where seq = -1');
  v = runStatus(['audit', 'verify', '--db', copy + '.4', '--key', srv.db + '.key']);
  assert.equal(v.status, 3);
  assert.match(v.stdout, /BROKEN at entry 9/);
});
