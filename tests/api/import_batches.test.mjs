// The batch machinery of `weibao import` (ingest/pipeline.c, store/imports.c): rows are
// looked up a batch at a time, and the rows that found their person by ID number and
// changed nothing are recorded in packs (migration 006) instead of import_rows. These
// tests hold the guarantees that rest on that record: a resumed import still knows whom its
// applied batches named (so the end of listing ends nobody it named), re-importing changes
// nothing, and undoing an earlier import keeps the persons a later import still names.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, run, sql, idNumber, custodyCsv } from './harness.mjs';

const TOWN = '500242207'; // 木叶乡
const N = 4000;
let dir, db, file;


const args = (date, extra = []) =>
  ['import', '--db', db, '--profile', 'custody', '--region', TOWN, '--date', date, ...extra, file];
const lastId = () => Number(sql(db, 'select max(id) from imports'));
const counts = (id) => JSON.parse(sql(db, `select counts from imports where id = ${id}`));
const live = () => Number(sql(db, "select count(*) from facts where type = 'imprisoned' " +
  'and retracted_at is null and not exists (select 1 from facts g where g.supersedes = facts.id ' +
  'and g.retracted_at is null) and valid_to = \'2029-02-28\''));

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'weibao-batches-'));
  db = join(dir, 'w.db');
  file = join(dir, 'custody.csv');
  run(['init', '--db', db]);
  writeFileSync(file, custodyCsv(N));
  run(args('2026-11-01'));
  assert.equal(counts(lastId()).created, N);
  assert.equal(live(), N);
});

test('a resumed re-import still knows whom its applied batches named: nobody is ended', async () => {
  const proc = spawn(BIN, args('2026-11-20', ['--batch', '200']),
    { env: { ...process.env, WEIBAO_PROGRESS: '1' } });
  await new Promise((resolve) => {
    let seen = 0;
    proc.stderr.on('data', () => { if (++seen === 4) proc.kill('SIGKILL'); });
    proc.on('exit', resolve);
  });
  const id = lastId();
  const [st, done] = sql(db, `select status || ' ' || rows_done from imports where id = ${id}`).split(' ');
  console.log(`killed re-import: ${st} ${done}`);
  if (st === 'running') {
    assert.equal(Number(done) % 200, 0, 'only whole batches');
    // the applied batches' rows are recorded, packed: one entry per row
    const packed = Number(sql(db, `select count(*) from import_row_packs where import_id = ${id}`));
    assert.ok(packed >= 1 || Number(done) === 0);
    const out = run(args('2026-11-20', ['--batch', '200']));
    assert.match(out, /续导入\/resumed/);
  }
  const c = counts(lastId());
  assert.equal(sql(db, `select status from imports where id = ${lastId()}`), 'done');
  assert.equal(c.facts_ended, 0, 'the persons of the batches before the kill were named too');
  assert.equal(c.unchanged, N);
  assert.equal(c.facts_added + c.facts_replaced + c.created + c.updated, 0);
  assert.equal(live(), N);
  assert.equal(Number(sql(db, `select count(*) from import_rows where import_id = ${lastId()}`)), 0,
    'unchanged rows are packed');
});

test('a re-import that names fewer persons ends the facts of the others, and only theirs', () => {
  const kept = custodyCsv(N).split('\n').slice(0, N / 2 + 1).join('\n') + '\n';
  const half = join(dir, 'half.csv');
  writeFileSync(half, kept);
  run(['import', '--db', db, '--profile', 'custody', '--region', TOWN, '--date', '2026-12-01',
    '--batch', '300', half]);
  assert.equal(counts(lastId()).facts_ended, N / 2);
  assert.equal(live(), N / 2);
});

test('undoing the first import keeps the persons later imports still name', () => {
  const first = Number(sql(db, 'select min(id) from imports'));
  const persons = Number(sql(db, 'select count(*) from persons'));
  run(['import', 'undo', '--db', db, '--id', String(first)]);
  // its facts are retracted, but the persons stay: the re-imports name them (in packs)
  assert.equal(Number(sql(db, 'select count(*) from persons')), persons);
  assert.equal(Number(sql(db, `select count(*) from facts where import_id = ${first} ` +
    'and retracted_at is null')), 0);
  assert.equal(sql(db, 'pragma foreign_key_check'), '');
});
