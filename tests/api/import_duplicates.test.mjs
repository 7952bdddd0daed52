// Duplicates inside one file, wherever they fall: a whole row repeated (DUPLICATE_ROW,
// naming the first row) and one ID number under two names (DUPLICATE_ID), at the end of a
// batch and of the file, after a row rejected for another reason (which never counts as
// the first), three times over. The reading thread checks a row's duplicates only when
// the next row comes (their memory is fetched meanwhile) and takes a duplicate back out
// of its chunk: the outcome must be that of checking each row at once, with any batch
// size, in a dry run and for real.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, sql, idNumber } from './harness.mjs';

const TOWN = '500242207'; // 木叶乡
const VILLAGE = '酉阳县木叶乡梨耳村2组';
let dir, db, file;

const father = idNumber('19850101', '931');
const child = (birth, seq) => idNumber(birth, seq);
const row = (name, gender, id, birth, fname = '', fid = '') =>
  [name, gender, id, birth, '土家族', VILLAGE, fname, fid, '', '农业'].join(',');

const A = row('冉一', '男', child('20140101', '911'), '2014-01-01', '冉父', father);
const B = row('冉二', '女', child('20150202', '922'), '2015-02-02', '冉父', father);
const C = row('冉三', '男', child('20160303', '913'), '2016-03-03');
const D = row('冉四', '男', child('20160303', '913'), '2016-03-03'); // C's ID, another name
const E = row('冉五', '女', child('20130404', '924'), '2013-04-04', '冉爸', father); // father renamed
const X = row('冉六', '男', child('20120505', '915'), '2012-05-32'); // no such day
const F = row('冉七', '男', child('20120606', '917'), '2012-06-06');
const G = row('冉八', '女', child('20110707', '928'), '2011-07-07');

// data rows 1–14 (file rows 2–15): with batches of 5, rows 5 and 10 end a batch
const rows = [A, B, A, C, B, D, E, X, X, C, F, A, G, G];
const expected = [ // [file row, code, first row named in the reason]
  [4, 'DUPLICATE_ROW', 2], [6, 'DUPLICATE_ROW', 3], [7, 'DUPLICATE_ID', 5],
  [8, 'DUPLICATE_ID', 2], [9, 'DATE_INVALID', null], [10, 'DATE_INVALID', null],
  [11, 'DUPLICATE_ROW', 5], [13, 'DUPLICATE_ROW', 2], [15, 'DUPLICATE_ROW', 14],
];

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'weibao-dup-'));
  db = join(dir, 'w.db');
  run(['init', '--db', db]);
  run(['demo', '--db', db, '--minors', '100', '--seed', '3']);
  file = join(dir, 'dup.csv');
  writeFileSync(file, ['姓名,性别,公民身份号码,出生日期,民族,户籍地址,父亲姓名,父亲身份证号,母亲姓名,户口性质',
    ...rows].join('\n') + '\n');
});

function rejects(id) {
  return sql(db, `select row_number, code, reason from import_rejects where import_id = ${id} order by row_number`)
    .split('\n').filter(Boolean).map((l) => {
      const [n, code, reason] = l.split('|');
      const first = reason.match(/第 (\d+) 行/);
      return [Number(n), code, code.startsWith('DUPLICATE') && first ? Number(first[1]) : null];
    });
}

function importOnce(extra) {
  const out = run(['import', '--db', db, '--profile', 'hukou', '--region', TOWN,
    '--date', '2026-11-01', ...extra, file]);
  assert.match(out, /14 行\/rows — 导入\/applied 5, 待核查\/review 0, 退回\/rejected 9/, out);
  return Number(sql(db, 'select max(id) from imports'));
}

test('dry run: each duplicate named with its first row, whatever the batch size', () => {
  for (const batch of [['--batch', '5'], ['--batch', '1'], ['--batch', '2'], []]) {
    const out = run(['import', '--db', db, '--profile', 'hukou', '--region', TOWN,
      '--date', '2026-11-01', '--dry-run', ...batch, file]);
    assert.match(out, /14 行\/rows — 导入\/applied 5, 待核查\/review 0, 退回\/rejected 9/, `${batch} ${out}`);
  }
  assert.equal(sql(db, 'select count(*) from imports'), '0');
});

test('import in batches of 5: the rejected rows and reasons, and only the first rows stored', () => {
  const id = importOnce(['--batch', '5']);
  assert.deepEqual(rejects(id), expected);
  const names = sql(db, `select group_concat(name, ' ') from (select name from persons where name like '冉%' and created_by is not null and id in (select person_id from import_rows where import_id = ${id}) order by name)`);
  for (const n of ['冉一', '冉二', '冉三', '冉七', '冉八', '冉父']) assert.match(names, new RegExp(n));
  for (const n of ['冉四', '冉五', '冉六', '冉爸']) assert.doesNotMatch(names, new RegExp(n));
  assert.equal(sql(db, 'pragma foreign_key_check'), '');
});

test('the same file again, in one batch: the same rejects, nothing new', () => {
  const persons = sql(db, 'select count(*) from persons');
  const id = importOnce([]);
  assert.deepEqual(rejects(id), expected);
  assert.equal(sql(db, 'select count(*) from persons'), persons);
});
