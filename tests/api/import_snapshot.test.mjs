// An import that names many of the stored persons reads the registry once from the
// database file's pages (store/import_snap.c) instead of asking SQLite batch by batch.
// Its outcome must be exactly that of the SQL look-ups (WEIBAO_IMPORT_SNAPSHOT=0): found,
// updated and new persons, facts added, replaced and kept, relations added, persons the
// import writes in one batch and meets again in a later one, persons it creates and meets
// again. (That a commit by another connection between two batches drops the snapshot is
// tested in tests/unit/import_snap_test.c, where the commit can be placed exactly.)
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, run, sql, idNumber } from './harness.mjs';

const TOWN = '500242207'; // 木叶乡
let dir, village;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'weibao-snap-'));
  const probe = join(dir, 'probe.db');
  run(['init', '--db', probe]);
  run(['demo', '--db', probe, '--county', '500242', '--minors', '300', '--seed', '5']);
  village = sql(probe, `select code from regions where parent_code = '${TOWN}' order by code limit 1`);
});

function demoDb(name) {
  const db = join(dir, name);
  run(['init', '--db', db]);
  run(['demo', '--db', db, '--county', '500242', '--minors', '300', '--seed', '5']);
  return db;
}

function importFile(db, profile, file, snapshot, batch = '40') {
  const env = { ...process.env };
  if (!snapshot) env.WEIBAO_IMPORT_SNAPSHOT = '0';
  const r = spawnSync(BIN, ['import', '--db', db, '--profile', profile, '--region', TOWN,
    '--date', '2026-11-01', '--batch', batch, file], { encoding: 'utf8', env });
  assert.equal(r.status, 0, r.stderr);
  return r.stderr;
}

const HUKOU = '姓名,性别,出生日期,公民身份号码,民族,户籍区划代码,父亲姓名,父亲身份证号,母亲姓名,母亲身份证号,户口性质';

// n children, two to a pair of parents (siblings straddle the batches of 40 rows).
function hukou(n, change) {
  const rows = [HUKOU];
  for (let i = 0; i < n; i++) {
    const birth = `2012${String(1 + (i % 12)).padStart(2, '0')}${String(1 + (i % 27)).padStart(2, '0')}`;
    const p = Math.floor(i / 2);
    const row = {
      name: `快照${i}`, gender: i % 2 ? '男' : '女', birth: `${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6)}`,
      id: idNumber(birth, String(500 + i).padStart(3, '0').slice(-3)), ethnicity: '',
      region: village, father: `快照父${p}`, fatherId: idNumber('19800101', String(100 + (p % 800)).padStart(3, '0')),
      mother: `快照母${p}`, motherId: idNumber('19820202', String(100 + (p % 800)).padStart(3, '0')), hukou: '农业',
    };
    if (change) change(i, row);
    rows.push([row.name, row.gender, row.birth, row.id, row.ethnicity, row.region, row.father,
      row.fatherId, row.mother, row.motherId, row.hukou].join(','));
  }
  return rows.join('\n') + '\n';
}

// What the imports left, without time stamps.
function outcome(db) {
  return {
    persons: sql(db, 'select group_concat(x, \'|\') from (select id || name || gender || ' +
      'coalesce(birth_date, \'\') || coalesce(ethnicity, \'\') || household_region || ' +
      'coalesce(residence_region, \'\') || scope_region || version as x from persons order by id)'),
    facts: sql(db, 'select group_concat(x, \'|\') from (select id || person_id || type || ' +
      'coalesce(value, \'\') || coalesce(valid_from, \'\') || coalesce(valid_to, \'\') || ' +
      'coalesce(supersedes, \'\') || coalesce(import_id, \'\') || coalesce(import_row, \'\') || ' +
      'coalesce(source_doc, \'\') as x from facts order by id)'),
    relations: sql(db, 'select group_concat(x, \'|\') from (select person_id || related_id || kind || ' +
      'coalesce(import_id, \'\') as x from relations order by id)'),
    rows: sql(db, 'select group_concat(x, \'|\') from (select import_id || sheet || row_number || ' +
      'person_id || role || action as x from import_rows order by 1)'),
    packs: sql(db, 'select group_concat(hex(entries), \'|\') from import_row_packs'),
    queued: sql(db, 'select group_concat(person_id) from (select person_id from screen_dirty order by seq)'),
    spans: sql(db, 'select group_concat(x, \'|\') from (select import_id || \':\' || first_id || \'-\' || ' +
      'last_id || \'/\' || screened_to as x from import_fact_spans order by import_id, first_id)'),
    counts: sql(db, 'select group_concat(counts, \'|\') from (select counts from imports order by id)'),
    rejects: sql(db, 'select count(*) from import_rejects'),
    reviews: sql(db, 'select count(*) from import_reviews'),
  };
}

test('hukou twice: the snapshot gives exactly what the SQL look-ups give', () => {
  const first = join(dir, 'h1.csv'), second = join(dir, 'h2.csv');
  writeFileSync(first, hukou(240));
  writeFileSync(second, hukou(260, (i, r) => {
    if (i % 5 === 0) r.hukou = '非农业'; // states nothing: the rural fact stays as it was
    if (i % 4 === 0) r.hukou = '农村'; // the same fact, as the profile maps it
    if (i % 7 === 0) { // a mother new to the register, shared by siblings in two batches
      r.mother = `新母${Math.floor(i / 2)}`;
      r.motherId = idNumber('19880808', String(100 + Math.floor(i / 2) % 800).padStart(3, '0'));
    }
    if (i % 3 === 0) r.ethnicity = '土家族'; // fills a field: the person is written
    if (i % 13 === 0) r.birth = '2011-01-01'; // contradicts the ID number
  }));
  const a = demoDb('a.db'), b = demoDb('b.db');
  for (const [db, snap] of [[a, true], [b, false]]) {
    const log1 = importFile(db, 'hukou', first, snap);
    const log2 = importFile(db, 'hukou', second, snap);
    assert.equal(/the registry read from the file's pages/.test(log1 + log2), snap, log1 + log2);
  }
  const x = outcome(a), y = outcome(b);
  for (const k of Object.keys(x)) assert.equal(x[k], y[k], k);
  const c = JSON.parse(sql(a, 'select counts from imports order by id desc limit 1'));
  assert.ok(c.created > 0 && c.updated > 0 && c.relations_added > 0 && c.unchanged > 0, JSON.stringify(c));
  assert.equal(sql(a, 'pragma foreign_key_check'), '');
  assert.equal(sql(a, 'pragma integrity_check'), 'ok');
});

test('a person written in one batch and met again in the next is read again with SQL', () => {
  const make = (db) => {
    const ids = Array.from({ length: 40 }, (_, k) => idNumber('20150505', String(300 + k)));
    const seed = join(dir, `seed-${db}.csv`), chain = join(dir, `chain-${db}.csv`);
    writeFileSync(seed, '姓名,身份证号,残疾类别,残疾等级,发证日期\n' +
      ids.map((id, k) => `韦链${k},${id},肢体,一级,2023-01-01\n`).join(''));
    // each person three times, 40 rows apart: written in one batch, met again in a later one
    let rows = '';
    for (const [lvl, date] of [['二级', '2024-01-02'], ['三级', '2024-06-01'], ['四级', '2025-01-01']])
      rows += ids.map((id, k) => `韦链${k},${id},肢体,${lvl},${date}\n`).join('');
    writeFileSync(chain, '姓名,身份证号,残疾类别,残疾等级,发证日期\n' + rows);
    return { seed, chain };
  };
  const results = [];
  for (const [name, snap] of [['c.db', true], ['d.db', false]]) {
    const db = demoDb(name), f = make(name);
    importFile(db, 'disability', f.seed, snap, '7');
    const log = importFile(db, 'disability', f.chain, snap, '7');
    assert.equal(/the registry read from the file's pages/.test(log), snap, log);
    const c = JSON.parse(sql(db, 'select counts from imports order by id desc limit 1'));
    assert.equal(c.facts_replaced, 120, JSON.stringify(c));
    // one current fact per person, from the last row
    assert.equal(sql(db, 'select group_concat(valid_from) from (select valid_from from facts f ' +
      "where type = 'disability' and import_id is not null and retracted_at is null and not " +
      'exists (select 1 from facts g where g.supersedes = f.id and g.retracted_at is null) ' +
      'order by person_id)'), Array(40).fill('2025-01-01').join(','));
    results.push(outcome(db));
  }
  for (const k of Object.keys(results[0])) assert.equal(results[0][k], results[1][k], k);
});
