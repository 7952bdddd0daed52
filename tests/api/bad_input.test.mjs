// Bad input of every kind gets the error shape with a fitting status and code, and nothing
// already stored is lost or half-written (row counts before and after every case).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, assertError, idNumber, sql, unitId } from './harness.mjs';

let srv, c, village, person;
const PW = 'bad-input-pass-1';

function counts() {
  return sql(srv.db, 'select (select count(*) from persons) || \'/\' || (select count(*) from facts) || \'/\' || ' +
    '(select count(*) from relations) || \'/\' || (select group_concat(version) from persons where id = ' + person.id + ')');
}

async function unchanged(fn) {
  const before = counts();
  const r = await fn();
  assert.equal(counts(), before, 'nothing stored or changed');
  return r;
}

// Raw HTTP for what fetch will not send.
function raw(text, waitMs = 3000) {
  return new Promise((resolve) => {
    const u = new URL(srv.url);
    const s = net.connect(Number(u.port), u.hostname, () => s.write(text));
    let out = '';
    s.on('data', (d) => { out += d; });
    s.on('error', () => resolve(out));
    s.on('close', () => resolve(out));
    setTimeout(() => { s.destroy(); resolve(out); }, waitMs);
  });
}

before(async () => {
  srv = await startServer({ demo: { minors: 100, seed: 2 } });
  village = sql(srv.db, "select code from regions where parent_code = '500242207000' order by code limit 1");
  await srv.addUser({ username: 'st', role: 'township_station', region: '500242207',
    unit: unitId(srv.db, 'minor_station', '500242207'), password: PW });
  c = await srv.login('st', PW);
  const r = await c.post('/persons', { name: '石基准', gender: 'F', birth_date: '2012-02-02', household_region: village,
    id_number: idNumber('20120202', '502') });
  assert.equal(r.status, 201, r.text);
  person = r.body;
});
after(async () => { await srv.stop(); });

const good = () => ({ name: '杨测试', gender: 'M', birth_date: '2014-03-09', household_region: village });

test('malformed JSON bodies', async () => {
  for (const [body, code] of [['{"name": ', 'JSON_MALFORMED'], ['[1,2]', 'JSON_NOT_OBJECT'], ['"x"', 'JSON_NOT_OBJECT'],
    ['{"name":"a","name":"b"}', 'JSON_MALFORMED'], ['{"name":"a\\u0000b"}', 'JSON_MALFORMED'],
    ['{"a":' + '['.repeat(40) + ']'.repeat(40) + '}', 'JSON_TOO_DEEP'], ['', 'BODY_REQUIRED'],
    ['{"name":"\xff\xfe"}', null]]) {
    const r = await unchanged(() => c.request('POST', '/persons', body));
    assertError(r, r.status, code);
    assert.ok(r.status === 400 || r.status === 422, body + ' → ' + r.status);
  }
  // Invalid UTF-8 bytes, sent raw.
  const bytes = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
  const r = await unchanged(() => c.request('POST', '/persons', bytes.toString('latin1')));
  assert.ok(r.status === 400 || r.status === 422);
});

test('wrong content type is 415; oversized bodies are 413 (announced and chunked)', async () => {
  assertError(await unchanged(() => c.request('POST', '/persons', JSON.stringify(good()), { 'Content-Type': 'text/plain' })),
    415, 'UNSUPPORTED_MEDIA_TYPE');
  const big = JSON.stringify({ ...good(), note: 'x'.repeat(70 * 1024) });
  assertError(await unchanged(() => c.request('POST', '/persons', big)), 413, 'BODY_TOO_LARGE');
  const chunk = 'x'.repeat(80 * 1024);
  const text = await raw(`POST /api/v1/persons HTTP/1.1\r\nHost: x\r\nCookie: ${c.cookie}\r\nX-CSRF-Token: ${c.csrf}\r\n` +
    `Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`);
  assert.match(text, /^HTTP\/1\.1 413/);
  assert.match(text, /BODY_TOO_LARGE/);
});

test('invalid ID numbers, with a reason each', async () => {
  const id = idNumber('20140309', '013');
  const wrongCheck = id.slice(0, 17) + (id[17] === '0' ? '1' : '0');
  for (const [num, code] of [[wrongCheck, 'ID_CHECKSUM'], ['50024220140230013X', 'ID_BIRTH_DATE'],
    ['50024230140309013X', 'ID_BIRTH_DATE'], ['5002422014030901', 'ID_FORMAT'], ['50024220140309O13X', 'ID_FORMAT'],
    ['000242201403090134', 'ID_REGION']]) {
    const r = await unchanged(() => c.post('/persons', { ...good(), id_number: num }));
    assertError(r, 422, code);
    assert.equal(r.body.error.details[0].field, 'id_number');
  }
  assertError(await unchanged(() => c.post('/persons', { ...good(), id_number: id, birth_date: '2014-03-10' })), 422, 'ID_BIRTH_MISMATCH');
  assertError(await unchanged(() => c.post('/persons', { ...good(), id_number: idNumber('20140309', '014') })), 422, 'ID_GENDER_MISMATCH');
  assertError(await unchanged(() => c.post('/persons', { ...good(), id_number: person.id_number })), 422);
  // The same real number twice is a conflict.
  assertError(await unchanged(() => c.post('/persons', { ...good(), name: '石基准', gender: 'F', birth_date: '2012-02-02',
    id_number: idNumber('20120202', '502') })), 409, 'ID_DUPLICATE');
});

test('unknown and malformed region codes, unknown fields, wrong types, several errors at once', async () => {
  assertError(await unchanged(() => c.post('/persons', { ...good(), household_region: '500242207999' })), 422, 'REGION_UNKNOWN');
  assertError(await unchanged(() => c.post('/persons', { ...good(), household_region: '50024X' })), 422, 'REGION_CODE_FORMAT');
  assertError(await unchanged(() => c.post('/persons', { ...good(), hobby: 'x' })), 422, 'FIELD_UNKNOWN');
  const typed = await unchanged(() => c.post('/persons', { ...good(), name: 42 }));
  assertError(typed, 422);
  assert.ok(typed.body.error.details.some((d) => d.field === 'name' && d.code === 'TYPE_INVALID'), typed.text);
  const r = await unchanged(() => c.post('/persons', { name: '', gender: 'X', birth_date: '2099-01-01', household_region: village }));
  assertError(r, 422, 'VALIDATION');
  assert.deepEqual(r.body.error.details.map((d) => d.field).sort(), ['birth_date', 'gender', 'name']);
  assertError(await unchanged(() => c.get('/regions/12345')), 422, 'REGION_CODE_FORMAT');
  assertError(await unchanged(() => c.get('/persons/abc')), 404);
});

test('a relation to a missing person stores neither the person nor the relation', async () => {
  const r = await unchanged(() => c.post('/persons', { ...good(), relations: [{ kind: 'father', person_id: 99999999 }] }));
  assertError(r, 422, 'RELATED_PERSON_NOT_FOUND');
  assertError(await unchanged(() => c.post('/persons', { ...good(), relations: [{ kind: 'uncle', person_id: person.id }] })),
    422, 'RELATION_KIND_UNKNOWN');
});

test('facts: bad dates, ranges, values and corrections of other persons\' facts', async () => {
  assertError(await unchanged(() => c.post(`/persons/${person.id}/facts`, { type: 'migrant_work', valid_from: '2026-02-30' })), 422, 'DATE_INVALID');
  assertError(await unchanged(() => c.post(`/persons/${person.id}/facts`, { type: 'migrant_work', valid_from: '2026-05-01', valid_to: '2026-01-01' })), 422, 'DATE_RANGE');
  assertError(await unchanged(() => c.post(`/persons/${person.id}/facts`, { type: 'psych_screening', value: '紫' })), 422, 'FACT_VALUE_INVALID');
  assertError(await unchanged(() => c.post(`/persons/${person.id}/facts`, { type: 'migrant_work', source_unit_id: 999999 })), 422, 'UNIT_UNKNOWN');
  assertError(await unchanged(() => c.post(`/persons/${person.id}/facts`, { type: 'migrant_work', supersedes: 1 })), 422, 'FACT_NOT_FOUND');
});

test('stale versions and concurrent edits: exactly one of two simultaneous writers wins', async () => {
  const v = (await c.get('/persons/' + person.id)).body.version;
  const [a, b] = await Promise.all([c.patch('/persons/' + person.id, { version: v, phone: '13900000001' }),
    c.patch('/persons/' + person.id, { version: v, phone: '13900000002' })]);
  assert.deepEqual([a.status, b.status].sort(), [200, 409]);
  assertError(a.status === 409 ? a : b, 409, 'VERSION_CONFLICT');
  assertError(await unchanged(() => c.patch('/persons/' + person.id, { version: v, name: '过期' })), 409, 'VERSION_CONFLICT');
  assertError(await unchanged(() => c.patch('/persons/' + person.id, { name: '无版本' })), 422, 'VERSION_REQUIRED');
});

test('CSRF: a missing or wrong token changes nothing', async () => {
  assertError(await unchanged(() => c.post('/persons', good(), { 'X-CSRF-Token': '' })), 403, 'CSRF_INVALID');
  assertError(await unchanged(() => c.post('/persons', good(), { 'X-CSRF-Token': 'A'.repeat(43) })), 403, 'CSRF_INVALID');
  const other = await srv.login('st', PW);
  assertError(await unchanged(() => c.post('/persons', good(), { 'X-CSRF-Token': other.csrf })), 403, 'CSRF_INVALID');
});

test('lockout after five failed logins, even with the right password afterwards', async () => {
  await srv.addUser({ username: 'victim', role: 'grid_worker', region: village + '001', password: PW });
  for (let i = 0; i < 5; i++) assertError(await srv.anonymous().post('/session', { username: 'victim', password: 'wrong-' + i }), 401, 'LOGIN_FAILED');
  assertError(await srv.anonymous().post('/session', { username: 'victim', password: PW }), 429, 'ACCOUNT_LOCKED');
  assertError(await srv.anonymous().post('/session', { username: 'nobody', password: 'x' }), 401, 'LOGIN_FAILED');
  assertError(await srv.anonymous().post('/session', { username: 'st' }), 400, 'LOGIN_INVALID');
});

test('a burst of logins never fails the server: success or 503 LOGIN_BUSY', async () => {
  const rs = await Promise.all(Array.from({ length: 24 }, () => srv.anonymous().post('/session', { username: 'st', password: PW })));
  for (const r of rs) assert.ok(r.status === 200 || (r.status === 503 && r.body.error.code === 'LOGIN_BUSY'), String(r.status));
  assert.ok(rs.some((r) => r.status === 200));
  assert.equal((await c.get('/session')).status, 200);
});

test('protocol abuse: unknown paths and methods, huge headers, garbage requests', async () => {
  assertError(await c.get('/nothing-here'), 404, 'NOT_FOUND');
  assertError(await c.request('PUT', '/persons', '{}'), 405, 'METHOD_NOT_ALLOWED');
  const huge = await raw(`GET /api/v1/session HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(300 * 1024)}\r\n\r\n`);
  assert.ok(huge === '' || /^HTTP\/1\.1 4\d\d/.test(huge), huge.slice(0, 40));
  const garbage = await raw('NOT HTTP AT ALL\r\n\r\n');
  assert.ok(garbage === '' || /^HTTP\/1\.1 4\d\d/.test(garbage));
  assert.equal((await c.get('/session')).status, 200, 'server still serves');
});
