// `weibao import` end to end on a real database: every shipped profile with its example
// file (tests/data/import/), the dry run, rejected rows with their reasons and a
// re-importable download, re-imports that change nothing, facts ended when a person
// leaves the next extract, undo back to the exact starting state, a kill in the middle
// and the resume, and malformed files refused whole with nothing stored.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, run, runStatus, sql, idNumber } from './harness.mjs';

const data = join(dirname(fileURLToPath(import.meta.url)), '../data/import');
const TOWN = '500242207'; // 木叶乡
let dir, db, base;

function state() {
  return {
    persons: Number(sql(db, 'select count(*) from persons')),
    facts: Number(sql(db, 'select count(*) from facts where retracted_at is null')),
    relations: Number(sql(db, 'select count(*) from relations')),
  };
}

function importFile(file, profile, extra = [], date = '2026-11-01') {
  return run(['import', '--db', db, '--profile', profile, '--region', TOWN, '--date', date,
    ...extra, file]);
}

function counts(id) {
  return JSON.parse(sql(db, `select counts from imports where id = ${id}`));
}

const lastId = () => Number(sql(db, 'select max(id) from imports'));

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'weibao-import-'));
  db = join(dir, 'w.db');
  run(['init', '--db', db]);
  run(['demo', '--db', db, '--minors', '300', '--seed', '5']);
  base = state();
});

test('profiles: the eight shipped profiles are listed', () => {
  const out = run(['import', 'profiles']);
  for (const p of ['hukou', 'school', 'civil_assist', 'custody', 'disability', 'psych', 'divorce', 'migrant'])
    assert.match(out, new RegExp(`^${p} `, 'm'));
});

test('dry run: exact counts and reasons, nothing stored', () => {
  const out = importFile(join(data, 'hukou.csv'), 'hukou', ['--dry-run']);
  assert.match(out, /7 行\/rows — 导入\/applied 3, 待核查\/review 0, 退回\/rejected 4/);
  assert.match(out, /ID_CHECKSUM/);
  assert.match(out, /DATE_INVALID/);
  assert.match(out, /REGION_UNKNOWN/);
  assert.match(out, /DUPLICATE_ROW/);
  assert.deepEqual(state(), base);
  assert.equal(sql(db, 'select count(*) from imports'), '0');
});

test('the import logs where its time went, and the parts add up', () => {
  const r = spawnSync(BIN, ['import', '--db', db, '--profile', 'hukou', '--region', TOWN,
    '--date', '2026-11-01', '--dry-run', join(data, 'hukou.csv')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const m = r.stderr.match(/import \d+: 7 rows in ([\d.]+) s: start ([\d.]+) s .*, rows ([\d.]+) s \(facts inserted ([\d.]+) s, commits ([\d.]+) s\), end ([\d.]+) s/);
  assert.ok(m, r.stderr);
  const [total, start, rows, facts, commits, end] = m.slice(1).map(Number);
  assert.ok(Math.abs(start + rows + end - total) <= 0.03, r.stderr);
  assert.ok(facts + commits <= rows + 0.01, r.stderr);
  assert.deepEqual(state(), base);
});

test('every example file imports with its expected outcome', () => {
  const expect = {
    hukou: [7, 3, 4], custody_gbk: [4, 3, 1], civil_assist: [3, 2, 1], school: [3, 2, 1],
    disability: [3, 2, 1], psych: [2, 2, 0], divorce: [1, 1, 0], migrant: [2, 2, 0],
  };
  for (const [file, [rows, applied, rejected]] of Object.entries(expect)) {
    importFile(join(data, `${file}.csv`), file.replace('_gbk', ''));
    const c = counts(lastId());
    assert.deepEqual([c.rows, c.applied, c.rejected], [rows, applied, rejected], file);
  }
  const r = importFile(join(data, 'school.xlsx'), 'school');
  assert.match(r, /\(xlsx\): 4 行\/rows/);
  // the 户籍 rows made a family: 冉小雨's father 冉大山, whom 司法 reports imprisoned
  const father = sql(db, "select p.name from relations r join persons c on c.id = r.person_id " +
    "join persons p on p.id = r.related_id where c.name = '冉小雨' and r.kind = 'father'");
  assert.equal(father, '冉大山');
  const prison = sql(db, "select f.value || '|' || f.valid_from || '|' || f.valid_to from facts f " +
    "join persons p on p.id = f.person_id where p.name = '冉大山' and f.type = 'imprisoned'");
  assert.equal(prison, '重庆市永川监狱|2024-03-01|2029-02-28');
  // provenance: each imported fact names its import and row
  assert.equal(sql(db, 'select count(*) from facts where import_id is not null and import_row is null ' +
    'and supersedes is null'), '0');
  assert.equal(runStatus(['audit', 'verify', '--db', db]).status, 0);
});

test('re-importing the same files changes nothing', () => {
  const before1 = state();
  for (const [file, profile] of [['hukou.csv', 'hukou'], ['custody_gbk.csv', 'custody'], ['school.xlsx', 'school']]) {
    importFile(join(data, file), profile);
    const c = counts(lastId());
    assert.equal(c.created, 0, file);
    assert.equal(c.updated, 0, file);
    assert.equal(c.facts_added + c.facts_replaced + c.facts_ended + c.relations_added, 0, file);
  }
  assert.deepEqual(state(), before1);
});

test('rejected rows come back under their own header, with reasons, and import again', () => {
  const id = Number(sql(db, "select min(id) from imports where profile = 'hukou'"));
  const out = join(dir, 'rejects.csv');
  run(['import', 'rejects', '--db', db, '--id', String(id), '--out', out]);
  const text = readFileSync(out, 'utf8');
  assert.ok(text.startsWith('\ufeff姓名,性别,公民身份号码'), text);
  const lines = text.trim().split('\r\n');
  assert.equal(lines.length, 5);
  assert.match(lines[0], /退回原因,原因代码,原行号$/);
  assert.match(lines[1], /身份证号有误.*,ID_CHECKSUM,6$/);
  const again = importFile(out, 'hukou', ['--dry-run']);
  assert.match(again, /4 行\/rows — 导入\/applied 1, 待核查\/review 0, 退回\/rejected 3/);
});

// A database of before migration 013 kept the rows as JSON text: they are sealed, once,
// when a store first opens it, and still come back the same.
test('rejected rows stored as text by an older version are sealed when the database opens', () => {
  const id = Number(sql(db, "select min(id) from imports where profile = 'hukou'"));
  const out = join(dir, 'rejects-before.csv');
  run(['import', 'rejects', '--db', db, '--id', String(id), '--out', out]);
  const before1 = readFileSync(out, 'utf8');
  const row = sql(db, `select rowid from import_rejects where import_id = ${id} order by row_number limit 1`);
  sql(db, `update import_rejects set cells = '["冉小雨","女","500242201503120229"]' where rowid = ${row};
    delete from settings where key = 'rows_sealed'`);
  assert.equal(sql(db, `select typeof(cells) from import_rejects where rowid = ${row}`), 'text');
  run(['import', 'rejects', '--db', db, '--id', String(id), '--out', out]);
  assert.equal(sql(db, `select count(*) from import_rejects where typeof(cells) <> 'blob'`), '0');
  assert.equal(sql(db, "select value from settings where key = 'rows_sealed'"), '1');
  const after1 = readFileSync(out, 'utf8');
  assert.match(after1, /\r\n冉小雨,女,500242201503120229,/);
  assert.equal(after1.split('\r\n').length, before1.split('\r\n').length);
});

test('a person missing from the next extract of the same source has the fact ended', () => {
  const src = readFileSync(join(data, 'custody_gbk.csv'));
  const lines = src.toString('latin1').split('\r\n');
  const file = join(dir, 'custody-next.csv');
  writeFileSync(file, Buffer.from([lines[0], lines[3], ''].join('\r\n'), 'latin1'));
  importFile(file, 'custody', [], '2026-11-20');
  assert.equal(counts(lastId()).facts_ended, 1);
  const ended = sql(db, "select f.valid_to from facts f join persons p on p.id = f.person_id " +
    "where p.name = '冉大山' and f.type = 'imprisoned' and f.supersedes is not null");
  assert.equal(ended, '2026-11-20');
  // both stay in the history: the original and its ending
  assert.equal(sql(db, "select count(*) from facts f join persons p on p.id = f.person_id " +
    "where p.name = '冉大山' and f.type = 'imprisoned'"), '2');
});

test('undoing every import, newest first, restores the starting state exactly', () => {
  const ids = sql(db, "select id from imports where status = 'done' order by id desc").split('\n');
  for (const id of ids) run(['import', 'undo', '--db', db, '--id', id]);
  assert.deepEqual(state(), base);
  assert.equal(sql(db, 'pragma foreign_key_check'), '');
  const again = runStatus(['import', 'undo', '--db', db, '--id', ids[0]]);
  assert.notEqual(again.status, 0);
  assert.match(again.stderr, /IMPORT_NOT_UNDOABLE/);
  assert.equal(runStatus(['audit', 'verify', '--db', db]).status, 0);
});

function bigHukou(n) {
  const rows = ['姓名,性别,公民身份号码,户籍地址'];
  for (let i = 0; i < n; i++) {
    const d = new Date(Date.UTC(2010, 0, 1) + (i % 2900) * 86400000);
    const birth = d.toISOString().slice(0, 10).replaceAll('-', '');
    const seq = String(100 + Math.floor(i / 2900)).padStart(3, '0');
    rows.push(`测试${i},${Number(seq) % 2 ? '男' : '女'},${idNumber(birth, seq)},酉阳县木叶乡木叶村`);
  }
  return rows.join('\n') + '\n';
}

test('killed in the middle: whole batches stay, and running it again resumes', async () => {
  const file = join(dir, 'big.csv');
  writeFileSync(file, bigHukou(6000));
  const start = state();
  const args = ['import', '--db', db, '--profile', 'hukou', '--region', TOWN, '--batch', '200', file];
  const proc = spawn(BIN, args, { env: { ...process.env, WEIBAO_PROGRESS: '1' } });
  await new Promise((resolve) => {
    let seen = 0;
    proc.stderr.on('data', (d) => { if (++seen === 3) proc.kill('SIGKILL'); });
    proc.on('exit', resolve);
  });
  const id = lastId();
  const status = sql(db, `select status || ' ' || rows_done from imports where id = ${id}`);
  const [st, done] = status.split(' ');
  console.log(`killed import: ${status}`);
  if (st === 'running') {
    assert.equal(Number(done) % 200, 0, 'only whole batches');
    assert.equal(Number(sql(db, `select count(*) from import_rows where import_id = ${id}`)), Number(done));
    assert.equal(state().persons, start.persons + Number(done));
  }
  const out = run(args);
  if (st === 'running') assert.match(out, /续导入\/resumed/);
  assert.equal(sql(db, `select status from imports where id = ${lastId()}`), 'done');
  assert.equal(state().persons, start.persons + 6000);
  assert.equal(sql(db, "select count(*) from (select id_hash from persons where id_hash is not null " +
    'group by id_hash having count(*) > 1)'), '0');
});

test('malformed files are refused whole: a clear error, nothing stored', () => {
  const before1 = state();
  const imports = sql(db, 'select count(*) from imports');
  const xlsx = readFileSync(join(data, 'school.xlsx'));
  const cases = {
    'truncated.xlsx': [xlsx.subarray(0, xlsx.length - 200), /TABLE_ZIP|TABLE_FORMAT/],
    'empty.csv': [Buffer.alloc(0), /IMPORT_EMPTY/],
    'badbytes.csv': [Buffer.concat([Buffer.from('姓名,公民身份号码\n'), Buffer.from([0xff, 0xfe, 0x81, 0x0a])]),
      /TABLE_ENCODING/],
    'hugecell.csv': [Buffer.from('姓名,公民身份号码\n' + 'x'.repeat(1 << 20) + ',1\n'), /TABLE_CELL_TOO_LONG/],
    'wide.csv': [Buffer.from('姓名,' + 'a,'.repeat(100000) + '\n'), /TABLE_TOO_MANY_COLUMNS/],
    'noheader.csv': [Buffer.from('a,b,c\n'.repeat(30)), /IMPORT_NO_HEADER/],
    'late-error.csv': [Buffer.from('姓名,公民身份号码\n' + '张三,1\n'.repeat(5000) + '"open\n'), /TABLE_QUOTE/],
    // rows, but none of them a header: not "empty"
    'fewrows.csv': [Buffer.from('a,b,c\n'.repeat(5)), /IMPORT_NO_HEADER/],
    // a header alone would end every fact of the last extract of the source
    'headeronly.csv': [Buffer.from('\ufeff姓名,身份证号,保障类别\r\n'), /IMPORT_NO_ROWS/, 'civil_assist'],
    // a CSV is "the file", not "sheet 1"
    'nokind.csv': [Buffer.from('姓名,身份证号\n张三,1\n'), /文件的表头中缺少必需的列“保障类别” \[IMPORT_COLUMN_MISSING\]/, 'civil_assist'],
    // a good first sheet, a second one without a required column: refused before the
    // first batch (of one row) commits
    'sheet2.xlsx': [readFileSync(join(data, 'school_sheet2_bad.xlsx')), /IMPORT_COLUMN_MISSING/, 'school'],
  };
  for (const [name, [bytes, code, profile = 'hukou']] of Object.entries(cases)) {
    const f = join(dir, name);
    writeFileSync(f, bytes);
    const r = runStatus(['import', '--db', db, '--profile', profile, '--region', TOWN, '--batch', '1', f]);
    assert.notEqual(r.status, 0, name);
    assert.match(r.stderr, code, name);
    assert.match(r.stderr, /[\u4e00-\u9fff]/, `${name}: a Chinese message`);
    assert.match(r.stderr, /\n\s+[A-Za-z]/, `${name}: an English message`);
  }
  assert.deepEqual(state(), before1);
  assert.equal(sql(db, 'select count(*) from imports'), imports);
});

// A rejected row still names its person (by a valid ID number): the clerk will fix it,
// and the person has not left the list. An extract of which no row applied ends nothing.
test('facts end for persons missing from the next extract, not for those of rejected rows', () => {
  const open = (name) => sql(db, `select count(*) from facts f join persons p on p.id = f.person_id
    where p.name = '${name}' and f.type in ('low_income', 'unsupported_allowance')
    and f.valid_to is null and f.retracted_at is null and f.import_id is not null
    and not exists (select 1 from facts g where g.supersedes = f.id and g.retracted_at is null)`);
  importFile(join(data, 'dibao_upload.csv'), 'civil_assist', [], '2026-11-01');
  for (const n of ['杨思远', '石佳琪', '覃晓鑫']) assert.equal(open(n), '1', n);
  const text = readFileSync(join(data, 'dibao_upload.csv'), 'utf8').split('\n')
    .map((l) => l.replace('农村低保,2025-01-01,450,木叶村', '农村低保户,2025-01-01,450,木叶村')
      .replace('2015-06-21', '2015-06-31'))
    .filter((l) => !l.includes('覃晓鑫')).join('\n');
  const next = join(dir, 'dibao-next.csv');
  writeFileSync(next, text);
  const out = importFile(next, 'civil_assist', [], '2026-11-15');
  assert.match(out, /VALUE_UNKNOWN/);
  assert.match(out, /DATE_INVALID/);
  assert.equal(open('杨思远'), '1');
  assert.equal(open('石佳琪'), '1');
  assert.equal(open('覃晓鑫'), '0'); // left the list: its fact ends
  // every row rejected: nothing applied, nothing ended
  const bad = join(dir, 'dibao-bad.csv');
  writeFileSync(bad, text.split('\n').slice(0, 2).join('\n') + '\n');
  const out2 = importFile(bad, 'civil_assist', [], '2026-11-20');
  assert.match(out2, /导入\/applied 0/);
  assert.equal(counts(lastId()).facts_ended, 0);
  assert.equal(open('石佳琪'), '1');
});

// Two headers naming one field: the first filled in is taken, and a row where they
// disagree is rejected with both named, not silently decided for the first.
test('two columns of one field: the filled one is taken, a disagreement rejected', () => {
  const a = idNumber('20140502', '301'), b = idNumber('20140502', '313');
  // typed with a Chinese input method: full-width digits, a no-break space after it
  const wide = [...idNumber('20140502', '323')].map((ch) =>
    String.fromCharCode(ch === 'X' ? 0xff38 : 0xff10 + Number(ch))).join('') + '\u00a0';
  const f = join(dir, 'twoid.csv');
  writeFileSync(f, ['姓名,公民身份号码,身份证号,户口性质',
    `甲一,${a},${a},农业`, `乙二,,${b},农业`, `丙三,${a},${b},农业`, `丁四,${wide},,农业`].join('\n') + '\n');
  const out = importFile(f, 'hukou', ['--dry-run']);
  assert.match(out, /4 行\/rows — 导入\/applied 3, 待核查\/review 0, 退回\/rejected 1/);
  assert.match(out, /FIELD_CONFLICT .*两列都是“公民身份号码”，但取值不同/);
});

// A reason may quote the value, and a phone typed wrong is someone's phone all the same:
// the reason stored (in clear) and shown has its numbers masked.
test('a rejected phone number is masked in its reason', () => {
  const f = join(dir, 'phone.csv');
  writeFileSync(f, '姓名,性别,身份证号,联系电话,务工地点,外出时间\n' +
    `白一号,男,${idNumber('19800515', '071')},23823456789,广东省东莞市,2023-02\n`);
  const out = importFile(f, 'migrant', ['--dry-run']);
  assert.match(out, /PHONE_INVALID/);
  assert.match(out, /238\*\*\*\*6789/);
  assert.doesNotMatch(out, /23823456789/);
  importFile(f, 'migrant');
  const reason = sql(db, `select reason from import_rejects where import_id = ${lastId()}`);
  assert.match(reason, /238\*\*\*\*6789/);
});

test('bad requests: unknown profile, region outside the tree, bad date', () => {
  const f = join(dir, 'h.csv');
  copyFileSync(join(data, 'hukou.csv'), f);
  let r = runStatus(['import', '--db', db, '--profile', 'nosuch', '--region', TOWN, f]);
  assert.match(r.stderr, /PROFILE_NOT_FOUND/);
  r = runStatus(['import', '--db', db, '--profile', 'hukou', '--region', '12x', f]);
  assert.match(r.stderr, /REGION_CODE_FORMAT/);
  r = runStatus(['import', '--db', db, '--profile', 'hukou', '--region', TOWN, '--date', '2026-02-30', f]);
  assert.match(r.stderr, /DATE_INVALID/);
});

test('references the batches would write unchecked are refused first: unit, relation kind', () => {
  const f = join(dir, 'h2.csv');
  copyFileSync(join(data, 'hukou.csv'), f);
  const before = state();
  let r = runStatus(['import', '--db', db, '--profile', 'hukou', '--region', TOWN,
    '--source-unit', '99999999', f]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /IMPORT_REFERENCE/);
  // a user's profile naming a relation kind the database does not know
  const prof = join(dir, 'odd.profile');
  writeFileSync(prof, readFileSync(join(dirname(fileURLToPath(import.meta.url)),
    '../../src/ingest/profiles/hukou.profile'), 'utf8')
    .replace('relation subject father father guardian', 'relation subject uncle father guardian'));
  r = runStatus(['import', '--db', db, '--profile', prof, '--region', TOWN, f]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /PROFILE_KIND_UNKNOWN/);
  assert.deepEqual(state(), before);
  assert.equal(sql(db, 'pragma foreign_key_check'), '');
});
