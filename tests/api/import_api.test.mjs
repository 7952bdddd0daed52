// Imports over HTTP against the real server: upload → job → progress and result, a dry run
// that stores nothing, the rejected-rows download, jobs visible to their owner only,
// lists scoped to the area, undo, and uploads refused before their body is read
// (no session, wrong CSRF token, over the size limit).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, sql, unitId, assertError } from './harness.mjs';

const data = join(dirname(fileURLToPath(import.meta.url)), '../data/import');
const PW = 'import-pass-1';
let srv, station, colleague, other, village;

before(async () => {
  srv = await startServer({ demo: { minors: 300, seed: 9 } });
  await srv.addUser({ username: 'mu', role: 'township_station', region: '500242207',
    unit: unitId(srv.db, 'minor_station', '500242207'), password: PW });
  await srv.addUser({ username: 'mu2', role: 'township_station', region: '500242207',
    unit: unitId(srv.db, 'minor_station', '500242207'), password: PW });
  await srv.addUser({ username: 'lt', role: 'township_station', region: '500242101',
    unit: unitId(srv.db, 'minor_station', '500242101'), password: PW });
  await srv.addUser({ username: 'vd', role: 'village_director', region: '500242207201',
    unit: unitId(srv.db, 'village_committee', '500242207201'), password: PW });
  station = await srv.login('mu', PW);
  colleague = await srv.login('mu2', PW);
  other = await srv.login('lt', PW);
  village = await srv.login('vd', PW);
});
after(async () => { await srv.stop(); });

async function upload(c, file, query) {
  const bytes = readFileSync(join(data, file));
  return c.request('POST', `/imports?${query}&file_name=${encodeURIComponent(file)}`, bytes,
    { 'Content-Type': 'application/octet-stream' });
}

async function finish(c, job) {
  for (let i = 0; i < 300; i++) {
    const r = await c.get(`/jobs/${job.id}`);
    assert.equal(r.status, 200, r.text);
    if (r.body.status === 'done' || r.body.status === 'failed') return r.body;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('job did not finish');
}

// An upload announced as too large, sent as a careful client does (Expect: 100-continue):
// the server answers 413 before any of the body is read. (Pushing 33 MiB at a server that
// has answered and closed can end in a connection reset that swallows its answer.)
function announce(c, path, size) {
  return new Promise((resolve, reject) => {
    const u = new URL(srv.url + '/api/v1' + path);
    const req = httpRequest({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: 'POST',
      headers: { 'Content-Type': 'text/csv', 'Content-Length': size, Cookie: c.cookie,
        'X-CSRF-Token': c.csrf, Expect: '100-continue' } });
    req.on('continue', () => reject(new Error('the server asked for the body of an oversized upload')));
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode, text, body: JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

const persons = () => Number(sql(srv.db, 'select count(*) from persons'));

test('dry run over HTTP: counts, reasons and samples; nothing stored', async () => {
  const before1 = persons();
  const r = await upload(station, 'hukou.csv', 'profile=hukou&region=500242207&dry_run=1');
  assert.equal(r.status, 202, r.text);
  assert.equal(r.body.job.kind, 'import.dry_run');
  const job = await finish(station, r.body.job);
  assert.equal(job.status, 'done', JSON.stringify(job.error));
  const res = job.result;
  assert.deepEqual([res.rows, res.applied, res.rejected, res.review], [7, 3, 4, 0]);
  assert.equal(res.import_id, null);
  assert.ok(res.reasons.some((x) => x.code === 'ID_CHECKSUM' && x.count === 1 && /校验/.test(x.message)));
  assert.ok(res.samples.some((x) => x.row === 6 && x.code === 'ID_CHECKSUM'));
  assert.equal(job.total, job.done);
  assert.equal(persons(), before1);
  assert.ok(res.reasons.every((x) => x.message && /^[\x20-\x7e]+$/.test(x.message_en)), JSON.stringify(res.reasons));
  assert.ok(res.samples.every((x) => x.message && x.message_en), JSON.stringify(res.samples));
  // it stores nothing, yet tells which ID numbers are registered: recorded like a search
  const audit = sql(srv.db, "select username || ' ' || detail from audit_log where action = 'import.dry_run' order by seq desc limit 1");
  assert.match(audit, /^mu \{"profile":"hukou","region":"500242207\d*","counts":\{/);
});

test('import, then the rejected rows as a CSV download, then undo', async () => {
  const before1 = persons();
  const r = await upload(station, 'hukou.csv', 'profile=hukou&region=500242207&date=2026-11-01');
  const job = await finish(station, r.body.job);
  assert.equal(job.status, 'done');
  const id = job.result.import_id;
  assert.ok(id > 0);
  assert.equal(persons(), before1 + job.result.created);
  const meta = await station.get(`/imports/${id}`);
  assert.equal(meta.status, 200);
  assert.equal(meta.body.file_name, 'hukou.csv');
  assert.equal(meta.body.status, 'done');
  assert.equal(meta.body.counts.rejected, 4);
  const rej = await station.get(`/imports/${id}/rejects`);
  assert.equal(rej.status, 200);
  assert.match(rej.headers.get('content-type'), /text\/csv/);
  assert.match(rej.headers.get('content-disposition'), /attachment/);
  assert.ok(rej.text.replace(/^\ufeff/, '').startsWith('姓名,性别,公民身份号码'), rej.text);
  assert.equal(rej.text.trim().split('\r\n').length, 5);
  assert.equal(rej.headers.get('cache-control'), 'no-store');
  // the uploader gets their rows back as they were (to fix and import again); a colleague
  // of the same station gets the same rows with the numbers masked; both are audited
  const ids = (text) => text.match(/\d{17}[\dX]/g) || [];
  assert.ok(ids(rej.text).length > 0, rej.text);
  const col = await colleague.get(`/imports/${id}/rejects`);
  assert.equal(col.status, 200, col.text);
  assert.deepEqual(ids(col.text), []);
  assert.equal(col.text.trim().split('\r\n').length, 5);
  for (const full of ids(rej.text)) assert.ok(col.text.includes(full.slice(0, 6) + '********' + full.slice(14)));
  assert.equal(sql(srv.db, `select group_concat(detail, ' ') from audit_log where action = 'import.rejects' and object_id = ${id}`),
    '{"rows":4,"masked":false} {"rows":4,"masked":true}');
  // at rest the rows are sealed: no rejected ID number is in the database's files
  assert.equal(sql(srv.db, `select count(*) from import_rejects where typeof(cells) <> 'blob'`), '0');
  const files = [srv.db, srv.db + '-wal'].filter((f) => existsSync(f)).map((f) => readFileSync(f).toString('latin1'));
  for (const full of ids(rej.text)) assert.ok(!files.some((t) => t.includes(full)), `${full} in the database file`);
  // the other township sees neither the import nor its rows, exactly as if it did not exist
  const list = await other.get('/imports');
  assert.ok(!list.body.items.some((x) => x.id === id));
  const theirs = await other.get(`/imports/${id}`);
  const none = await other.get('/imports/99999999');
  assertError(theirs, 404, 'IMPORT_NOT_FOUND');
  assert.equal(theirs.text, none.text);
  assert.equal((await other.get(`/imports/${id}/rejects`)).text, (await other.get('/imports/99999999/rejects')).text);
  const mine = await station.get('/imports');
  assert.ok(mine.body.items.some((x) => x.id === id));
  assert.equal(sql(srv.db, 'pragma foreign_key_check'), ''); // batches skip SQLite's checks
  // the persons it created, listed as the result links them (scoped: another township 404)
  const made = await station.get(`/persons?import=${id}&action=created&limit=200`);
  assert.equal(made.status, 200, made.text);
  assert.equal(made.body.items.length, job.result.created);
  assert.ok(made.body.items.every((p) => /\*{8}/.test(p.id_number || '********')), made.text);
  const touched = await station.get(`/persons?import=${id}&limit=200`);
  assert.ok(touched.body.items.length >= made.body.items.length);
  assertError(await other.get(`/persons?import=${id}`), 404, 'IMPORT_NOT_FOUND');
  // each field of a created person names the import and the row it came from
  const pid = made.body.items[0].id;
  const src = await station.get(`/persons/${pid}/sources`);
  assert.equal(src.status, 200, src.text);
  const byField = Object.fromEntries(src.body.items.map((x) => [x.field, x]));
  for (const f of ['name', 'gender', 'household_region']) {
    assert.equal(byField[f]?.import_id, id, `${f}: ${src.text}`);
    assert.ok(byField[f].row >= 2, src.text); // a row of the file (the header is row 1)
    assert.match(byField[f].imported_at, /^\d{4}-\d\d-\d\dT/);
  }
  assert.equal(new Set(src.body.items.map((x) => x.row)).size, 1, 'one row made the person');
  assert.equal(sql(srv.db, `select file_name from imports where id = ${id}`), byField.name.file_name);
  const audited = () => sql(srv.db, `select count(*) from audit_log where action = 'person.read_sources' and object_id = ${pid}`);
  for (let i = 0; i < 50 && audited() === '0'; i++) await new Promise((r) => setTimeout(r, 50)); // written in batches
  assert.equal(audited(), '1');
  assertError(await other.get(`/persons/${pid}/sources`), 404, 'PERSON_NOT_FOUND');
  assert.ok(src.body.items.every((x) => x.hidden === false));
  // a reader who may not read sensitive facts learns only that a field was imported: the
  // kind of list a person came from (a custody list) can say as much as the fact
  await srv.addUser({ username: 'gw', role: 'grid_worker', region: '500242207',
    unit: unitId(srv.db, 'minor_station', '500242207'), password: PW });
  const grid = await srv.login('gw', PW);
  const hid = await grid.get(`/persons/${pid}/sources`);
  assert.equal(hid.status, 200, hid.text);
  assert.equal(hid.body.items.length, src.body.items.length);
  for (const x of hid.body.items) assert.deepEqual(Object.keys(x).sort(), ['field', 'hidden'], hid.text);
  assert.ok(!hid.text.includes(byField.name.file_name));
  // nor does a village director (who may read sensitive facts) learn the township's import:
  // its area is not within theirs
  const bai = sql(srv.db, `select r.person_id from import_rows r join persons p on p.id = r.person_id ` +
    `where r.import_id = ${id} and r.action = 'created' and p.name = '白秀英'`);
  const vs = await village.get(`/persons/${bai}/sources`);
  assert.equal(vs.status, 200, vs.text);
  assert.ok(vs.body.items.length >= 3 && vs.body.items.every((x) => x.hidden === true), vs.text);
  assert.ok((await station.get(`/persons/${bai}/sources`)).body.items.every((x) => x.hidden === false));
  // a file name stored cut mid-character (as an older version could) still gives its rows
  const name0 = sql(srv.db, `select file_name from imports where id = ${id}`);
  sql(srv.db, `update imports set file_name = cast(x'e4b8ade69687e5' as text) where id = ${id}`);
  const cut = await station.get(`/persons/${bai}/sources`);
  assert.equal(cut.status, 200, cut.text);
  assert.ok(cut.body.items.length >= 3 && cut.body.items.every((x) => x.hidden === false && x.file_name === '中文'), cut.text);
  sql(srv.db, `update imports set file_name = '${name0}' where id = ${id}`);
  assertError(await station.get(`/persons?import=${id}&action=unchanged`), 400, 'ACTION_INVALID');
  assertError(await station.get('/persons?action=created'), 400, 'IMPORT_REQUIRED');
  // undo is for who made it (or an office above): not a colleague of the same station
  assertError(await colleague.post(`/imports/${id}/undo`, {}), 403, 'IMPORT_NOT_YOURS');
  assert.equal(sql(srv.db, `select status from imports where id = ${id}`), 'done');
  // undo puts everything back
  const u = await station.post(`/imports/${id}/undo`, {});
  assert.equal(u.status, 200, u.text);
  assert.equal(persons(), before1);
  assertError(await station.post(`/imports/${id}/undo`, {}), 409, 'IMPORT_NOT_UNDOABLE');
});

test('XLSX upload with two sheets', async () => {
  const r = await upload(station, 'school.xlsx', 'profile=school&region=500242207');
  const job = await finish(station, r.body.job);
  assert.equal(job.status, 'done', JSON.stringify(job.error));
  assert.equal(job.result.format, 'xlsx');
  assert.equal(job.result.rows, 4);
  assert.equal(job.result.rejected, 1);
});

test('a malformed file fails its job with a clear error and stores nothing', async () => {
  const before1 = persons();
  const r = await station.request('POST', '/imports?profile=hukou&region=500242207',
    '姓名,公民身份号码\n张三,1\n"open\n', { 'Content-Type': 'text/csv' });
  const job = await finish(station, r.body.job);
  assert.equal(job.status, 'failed');
  assert.equal(job.error.code, 'TABLE_QUOTE');
  assert.match(job.error.message, /引号/);
  assert.equal(persons(), before1);
});

// The preview names the columns read and those the chosen profile ignores: a 低保 list
// previewed as 外出务工 shows its 保障类别 and amounts unread.
test('the preview lists the columns read and those ignored; a renamed text file is not a workbook', async () => {
  const good = await finish(station, (await upload(station, 'hukou.csv', 'profile=hukou&region=500242207&dry_run=1')).body.job);
  assert.ok(good.result.columns.some((c) => c.header === '公民身份号码' && c.field), JSON.stringify(good.result.columns));
  const wrong = await finish(station, (await upload(station, 'dibao_upload.csv', 'profile=migrant&region=500242207&dry_run=1')).body.job);
  assert.equal(wrong.status, 'done', JSON.stringify(wrong.error));
  const ignored = wrong.result.columns.filter((c) => c.field === null).map((c) => c.header);
  assert.ok(ignored.includes('保障类别') && ignored.includes('月保障金额'), JSON.stringify(wrong.result.columns));
  const r = await station.request('POST', '/imports?profile=hukou&region=500242207&dry_run=1&file_name=list.xlsx',
    readFileSync(join(data, 'hukou.csv')), { 'Content-Type': 'application/octet-stream' });
  const job = await finish(station, r.body.job);
  assert.equal(job.status, 'failed');
  assert.equal(job.error.code, 'FILE_NOT_XLSX');
  assert.match(job.error.message, /xlsx/);
  assert.match(job.error.message_en, /not an Excel workbook/);
});

test('jobs are their owner\'s: another user gets 404', async () => {
  const r = await upload(station, 'psych.csv', 'profile=psych&region=500242207&dry_run=1');
  await finish(station, r.body.job);
  assertError(await other.get(`/jobs/${r.body.job.id}`), 404, 'JOB_NOT_FOUND');
  assertError(await station.get('/jobs/424242'), 404, 'JOB_NOT_FOUND');
});

test('refused uploads: permission, scope, profile, empty body, CSRF, session, size', async () => {
  assertError(await upload(village, 'hukou.csv', 'profile=hukou'), 403, 'FORBIDDEN');
  assertError(await upload(station, 'hukou.csv', 'profile=hukou&region=500242101'), 403, 'REGION_OUT_OF_SCOPE');
  assertError(await upload(station, 'hukou.csv', 'profile=nosuch'), 422, 'PROFILE_NOT_FOUND');
  assertError(await upload(station, 'hukou.csv', 'profile=../../etc/passwd'), 422, 'PROFILE_NOT_FOUND');
  assertError(await station.request('POST', '/imports?profile=hukou', '', { 'Content-Type': 'text/csv' }),
    400, 'BODY_REQUIRED');
  const bytes = readFileSync(join(data, 'hukou.csv'));
  assertError(await station.request('POST', '/imports?profile=hukou', bytes,
    { 'Content-Type': 'text/csv', 'X-CSRF-Token': 'wrong' }), 403, 'CSRF_INVALID');
  assertError(await srv.anonymous().request('POST', '/imports?profile=hukou', bytes,
    { 'Content-Type': 'text/csv' }), 401, 'NOT_LOGGED_IN');
  assertError(await announce(station, '/imports?profile=hukou', 33 * 1024 * 1024), 413, 'BODY_TOO_LARGE');
  // a browser form or a JSON wrapping is not the file: it would be read as a CSV
  const form = Buffer.concat([Buffer.from('------b\r\nContent-Disposition: form-data; name="file"; filename="h.csv"\r\n\r\n'),
    bytes, Buffer.from('\r\n------b--\r\n')]);
  for (const type of ['multipart/form-data; boundary=----b', 'application/x-www-form-urlencoded', 'application/json'])
    assertError(await station.request('POST', '/imports?profile=hukou&region=500242207', form, { 'Content-Type': type }),
      415, 'UPLOAD_NOT_A_FILE');
});

// A refusal answered after the body was read must not queue the import anyway: a dry run
// refused for its date once ran as a real import (its flag not yet parsed).
test('a refused upload queues nothing: no import, no fact, no audit of an import', async () => {
  const count = (q) => Number(sql(srv.db, q));
  const imports = count('select count(*) from imports');
  const facts = count('select count(*) from facts');
  const audited = "select count(*) from audit_log where action like 'import.%' and action <> 'import.dry_run'";
  const started = count(audited);
  for (const [query, status, code] of [
    ['profile=hukou&region=500242207&dry_run=1&date=2026/01/01', 422, 'DATE_INVALID'],
    ['profile=hukou&region=500242207&dry_run=1&source_unit=999999', 422, 'UNIT_NOT_FOUND'],
    ['profile=hukou&region=500242207&dry_run=1&source_unit=x', 422, 'UNIT_NOT_FOUND'],
    ['profile=a/b&region=500242207&dry_run=1', 422, 'PROFILE_NOT_FOUND'],
    ['profile=hukou&region=500242101&dry_run=1', 403, 'REGION_OUT_OF_SCOPE'],
    ['profile=hukou&region=12x&dry_run=1', 422, null]]) {
    const r = await upload(station, 'hukou.csv', query);
    assert.equal(r.status, status, `${query}: ${r.text}`);
    if (code) assert.equal(r.body.error.code, code);
    assert.ok(r.body.error.message && r.body.error.message_en, r.text);
  }
  // Jobs run one after another: once a later one is done, any queued before it has run.
  const r = await upload(station, 'psych.csv', 'profile=psych&region=500242207&dry_run=1');
  assert.equal((await finish(station, r.body.job)).status, 'done');
  assert.equal(count('select count(*) from imports'), imports);
  assert.equal(count('select count(*) from facts'), facts);
  assert.equal(count(audited), started);
});

// A file name as the browser sends it: long (cut to its place inside a character) or not
// UTF-8 at all; the import stays listable and readable.
test('file names cut inside a character or not UTF-8 keep the import readable', async () => {
  for (const name of [encodeURIComponent('a' + '名'.repeat(100) + '.csv'), '%E6%B5bad.csv']) {
    const r = await station.request('POST', `/imports?profile=psych&region=500242207&file_name=${name}`,
      readFileSync(join(data, 'psych.csv')), { 'Content-Type': 'text/csv' });
    assert.equal(r.status, 202, r.text);
    const job = await finish(station, r.body.job);
    assert.equal(job.status, 'done', JSON.stringify(job.error));
    const m = await station.get(`/imports/${job.result.import_id}`);
    assert.equal(m.status, 200, m.text);
    assert.ok(m.body.file_name.length > 0 && !m.body.file_name.includes('\ufffd'), m.body.file_name);
    assert.ok((await station.get('/imports')).body.items.some((x) => x.id === job.result.import_id));
  }
});

// An upload is spooled to a private file until its job ends; one a crash (kill -9) left
// behind holds children's rows in full, and goes when the server starts again.
test('uploads a crash left in the spool are removed at start', async () => {
  let spool;
  const s2 = await startServer({ prepare: (db) => {
    spool = db + '.spool';
    mkdirSync(spool, { mode: 0o700 });
    writeFileSync(join(spool, 'upload-left-by-a-crash'), readFileSync(join(data, 'hukou.csv')), { mode: 0o600 });
    writeFileSync(join(spool, 'other-file'), 'not an upload');
  } });
  try {
    assert.deepEqual(readdirSync(spool).sort(), ['other-file']);
    assert.match(s2.stderr(), /removed 1 upload/);
  } finally {
    await s2.stop();
  }
});

test('profiles for the upload page', async () => {
  const r = await station.get('/import-profiles');
  assert.equal(r.status, 200);
  const custody = r.body.items.find((p) => p.name === 'custody');
  assert.match(custody.title, /服刑/);
  assert.ok(custody.columns.some((c) => c.key === 'kind' && c.required && c.header === '类别'));
});
