// The two threads of `weibao import` (ingest/pipeline.c): a reading thread parses and
// checks the rows while the store thread links and applies the batch before, and the facts
// a batch adds wait to be inserted 32 at a time (store/imports.c). These tests hold what
// must not change with that: a failure on either side stops the import with its error
// and leaves whole batches (resumable), persons created earlier in the same import are
// found again (same batch and later ones), and a fact still waiting to be inserted is
// superseded like a stored one.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { run, runStatus, sql, idNumber, custodyCsv } from './harness.mjs';

const TOWN = '500242207'; // 木叶乡
let dir;

function freshDb(name) {
  const db = join(dir, name);
  run(['init', '--db', db]);
  return db;
}

const lastId = (db) => Number(sql(db, 'select max(id) from imports'));
const counts = (db, id) => JSON.parse(sql(db, `select counts from imports where id = ${id}`));


// A workbook of the given sheets (arrays of rows of strings), zip entries stored.
function xlsx(sheets) {
  const NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
  const R = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const col = (i) => String.fromCharCode(65 + i);
  const parts = {
    '[Content_Types].xml': '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>',
    '_rels/.rels': `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${R}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    'xl/workbook.xml': `<?xml version="1.0" encoding="UTF-8"?><workbook ${NS} xmlns:r="${R}"><sheets>` +
      sheets.map((_, i) => `<sheet name="S${i + 1}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('') +
      '</sheets></workbook>',
    'xl/_rels/workbook.xml.rels': '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      sheets.map((_, i) => `<Relationship Id="rId${i + 1}" Type="${R}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`).join('') +
      '</Relationships>',
  };
  sheets.forEach((rows, s) => {
    parts[`xl/worksheets/sheet${s + 1}.xml`] = `<?xml version="1.0" encoding="UTF-8"?><worksheet ${NS}><sheetData>` +
      rows.map((row, r) => `<row r="${r + 1}">` + row.map((v, c) =>
        `<c r="${col(c)}${r + 1}" t="inlineStr"><is><t>${esc(v)}</t></is></c>`).join('') + '</row>').join('') +
      '</sheetData></worksheet>';
  });
  const locals = [], centrals = [];
  let offset = 0;
  for (const [name, text] of Object.entries(parts)) {
    const n = Buffer.from(name), data = Buffer.from(text), crc = crc32(data);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0); lh.writeUInt16LE(20, 4); lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(data.length, 18); lh.writeUInt32LE(data.length, 22); lh.writeUInt16LE(n.length, 26);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0); ch.writeUInt16LE(20, 4); ch.writeUInt16LE(20, 6);
    ch.writeUInt32LE(crc, 16); ch.writeUInt32LE(data.length, 20); ch.writeUInt32LE(data.length, 24);
    ch.writeUInt16LE(n.length, 28); ch.writeUInt32LE(offset, 42);
    locals.push(lh, n, data);
    centrals.push(ch, n);
    offset += lh.length + n.length + data.length;
  }
  const cd = Buffer.concat(centrals), end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(centrals.length / 2, 8);
  end.writeUInt16LE(centrals.length / 2, 10); end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'weibao-threads-'));
});

test('the store thread fails in the fourth batch: whole batches stay, the same command resumes', () => {
  const N = 3000, db = freshDb('fail.db'), file = join(dir, 'custody.csv');
  writeFileSync(file, custodyCsv(N));
  const args = ['import', '--db', db, '--profile', 'custody', '--region', TOWN, '--date', '2026-11-01',
    '--batch', '500', file];
  // the fact of line 1700 (the 1699th data row, in the fourth batch) is refused
  sql(db, "CREATE TRIGGER boom BEFORE INSERT ON facts WHEN NEW.import_row = 1700 " +
    "BEGIN SELECT RAISE(ABORT, 'boom'); END");
  const r = runStatus(args);
  assert.notEqual(r.status, 0);
  const id = lastId(db);
  assert.equal(sql(db, `select status || ' ' || rows_done from imports where id = ${id}`), 'running 1500');
  assert.equal(Number(sql(db, 'select count(*) from persons')), 1500);
  assert.equal(Number(sql(db, `select count(*) from facts where import_id = ${id}`)), 1500);
  assert.equal(Number(sql(db, `select count(*) from import_rows where import_id = ${id}`)), 1500);
  assert.equal(Number(sql(db, 'select max(import_row) from facts')), 1501);
  sql(db, 'DROP TRIGGER boom');
  assert.match(run(args), /续导入\/resumed/);
  assert.equal(sql(db, `select status from imports where id = ${id}`), 'done');
  assert.equal(lastId(db), id);
  const c = counts(db, id);
  assert.equal(c.created, N);
  assert.equal(c.facts_added, N);
  assert.equal(Number(sql(db, 'select count(*) from persons')), N);
  assert.equal(Number(sql(db, `select count(*) from facts where import_id = ${id}`)), N);
  assert.equal(Number(sql(db, 'select count(distinct import_row) from facts')), N);
  // the same as one clean run of the file
  const clean = freshDb('clean.db');
  run(['import', '--db', clean, '--profile', 'custody', '--region', TOWN, '--date', '2026-11-01',
    '--batch', '500', file]);
  const q = 'select group_concat(p.name || f.type || f.valid_to || f.import_row, \'|\') from ' +
    '(select * from facts order by import_row) f join persons p on p.id = f.person_id';
  assert.equal(sql(db, q), sql(clean, q));
  assert.equal(sql(db, 'select count(*) from screen_dirty'), sql(clean, 'select count(*) from screen_dirty'));
  const pending = 'select sum(last_id - screened_to) from import_fact_spans';
  assert.equal(sql(db, pending), String(N), 'every fact waits for screening in a span');
  assert.equal(sql(clean, pending), String(N));
  // the batches write without SQLite's foreign-key look-ups: every reference still holds
  assert.equal(sql(db, 'pragma foreign_key_check'), '');
  assert.equal(sql(clean, 'pragma foreign_key_check'), '');
});

// The whole file is scanned, every sheet's header found, before the first batch commits:
// a later sheet without a required column refuses the file, with nothing stored.
test('a later sheet without its required column: refused before the first batch, nothing stored', () => {
  const db = freshDb('sheets.db'), file = join(dir, 'two.xlsx');
  const head = ['姓名', '性别', '公民身份号码', '户籍地址'];
  const rows = [head];
  for (let i = 0; i < 300; i++) {
    const d = new Date(Date.UTC(2012, 0, 1) + i * 86400000);
    rows.push([`两表${i}`, '女', idNumber(d.toISOString().slice(0, 10).replaceAll('-', ''), '102'),
      '酉阳县木叶乡木叶村']);
  }
  // the second sheet's header lacks the required 姓名
  writeFileSync(file, xlsx([rows, [['性别', '公民身份号码', '户籍地址'], ['女', '1', 'x']]]));
  const args = ['import', '--db', db, '--profile', 'hukou', '--region', TOWN, '--batch', '100', file];
  for (let attempt = 0; attempt < 2; attempt++) {
    const r = runStatus(args);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /IMPORT_COLUMN_MISSING/);
    assert.match(r.stderr, /第 2 个工作表/);
    assert.equal(sql(db, 'select count(*) from imports'), '0');
    assert.equal(Number(sql(db, "select count(*) from persons where name like '两表%'")), 0);
  }
});

test('persons and facts of earlier rows of the same import are seen: same batch, next batch', () => {
  const db = freshDb('same.db'), file = join(dir, 'dis.csv');
  const id = idNumber('20150505', '211');
  writeFileSync(file, '姓名,身份证号,残疾类别,残疾等级,发证日期\n' +
    `韦同一,${id},肢体,二级,2024-01-02\n` + // creates the person and a fact
    `韦同一,${id},肢体,三级,2024-06-01\n` + // same batch: supersedes the waiting fact
    `韦同一,${id},肢体,四级,2025-01-01\n` + // next batch: supersedes the stored one
    `韦同一,${id},肢体,四级,2025-01-01\n`); // a duplicate row: rejected
  run(['import', '--db', db, '--profile', 'disability', '--region', TOWN, '--date', '2026-11-01',
    '--batch', '2', file]);
  const c = counts(db, lastId(db));
  assert.equal(c.created, 1);
  assert.equal(c.facts_added, 1);
  assert.equal(c.facts_replaced, 2);
  assert.equal(c.rejected, 1);
  assert.equal(Number(sql(db, 'select count(*) from persons')), 1);
  // a chain: each fact supersedes the one before, one is current
  assert.equal(sql(db, "select group_concat(value || ':' || coalesce((select value from facts g " +
    "where g.id = f.supersedes), '-'), ' ') from (select * from facts order by id) f"),
  '4-2:- 4-3:4-2 4-4:4-3');
  assert.equal(sql(db, 'select count(*) from facts f where not exists (select 1 from facts g ' +
    'where g.supersedes = f.id)'), '1');
  assert.equal(sql(db, 'pragma foreign_key_check'), '');
});
