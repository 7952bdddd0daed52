// demo.test.mjs -- `weibao demo`, the bulk loader that writes the registry's pages itself
// (src/store/bulk.c, pagefile.c, bulk_index.c): the file SQLite reads back is sound and
// complete, the same seed gives the same county, the copy-and-rename keeps the database
// as it was when the load is refused or killed, and the file keeps its private mode.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, runStatus, sql, startServer, BIN } from './harness.mjs';

const dir = mkdtempSync(join(tmpdir(), 'weibao-demo-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function fresh(name) {
  const db = join(dir, name);
  run(['init', '--db', db]);
  return db;
}

// The county as content, without what differs between two databases by design (the
// ciphertexts and keyed hashes depend on each database's key; the load time).
const CONTENT = [
  'select id, name, gender, birth_date, ethnicity, household_region, residence_region, ' +
    'scope_region, household_id, school_unit_id, id_cipher is null, phone_cipher is null, ' +
    'version, created_by from persons order by id',
  'select id, person_id, related_id, kind, is_guardian, lives_with from relations order by id',
  'select id, person_id, type, value, valid_from, valid_to, source_unit_id, source_doc ' +
    'from facts order by id',
  'select id, region_code, address from households order by id',
  'select id, name, type, region_code from units order by id',
  'select code, name, parent_code from regions where length(code) = 15 order by code',
];
const digest = (db) => CONTENT.map((q) => sql(db, q)).join('\n---\n');

// A load of 2 000 000 minors (tens of seconds under the sanitizers) started in the
// background, once its copy is being written; `exited` resolves to its signal.
async function loadInBackground(db) {
  const proc = spawn(BIN, ['demo', '--db', db, '--minors', '2000000', '--seed', '1'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve(signal)));
  const copy = db + '.bulk-tmp';
  for (let i = 0; i < 600 && !(existsSync(copy) && statSync(copy).size > 4e6); i++)
    await new Promise((r) => setTimeout(r, 10));
  assert.ok(existsSync(copy), 'the load had started');
  return { proc, exited, copy };
}

test('a loaded county reads back sound: integrity, references, every index, WAL, mode 0600', () => {
  const db = fresh('a.db');
  const out = run(['demo', '--db', db, '--minors', '5000', '--seed', '4']);
  assert.match(out, /5000 minors/);
  assert.equal(sql(db, 'pragma integrity_check'), 'ok'); // every index entry against its row
  assert.equal(sql(db, 'pragma foreign_key_check'), '');
  assert.equal(sql(db, 'pragma journal_mode'), 'wal');
  assert.equal(statSync(db).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('bulk-tmp')), []);
  const persons = Number(sql(db, 'select count(*) from persons'));
  assert.ok(persons > 13000, String(persons));
  // Every person is found through each of its indexes, as SQLite would look it up.
  assert.equal(sql(db, 'select count(*) from persons p where id_hash is not null and ' +
    '(select q.id from persons q indexed by persons_id_hash where q.id_hash = p.id_hash) = p.id'),
  sql(db, 'select count(*) from persons where id_hash is not null'));
  assert.equal(sql(db, 'select count(*) from persons p where exists (select 1 from persons q ' +
    'indexed by persons_scope where q.scope_region = p.scope_region and q.id = p.id)'), String(persons));
  // The facts of a person come in id order through facts_person.
  const viaIndex = sql(db, 'select group_concat(id) from (select id from facts indexed by facts_person ' +
    'where person_id = (select person_id from facts group by person_id order by count(*) desc limit 1))');
  const viaTable = sql(db, 'select group_concat(id) from (select id from facts not indexed where ' +
    'person_id = (select person_id from facts group by person_id order by count(*) desc limit 1) order by id)');
  assert.equal(viaIndex, viaTable);
  // SQLite writes into the loaded (full) pages afterwards: splits keep the file sound.
  sql(db, "insert into persons (name, gender, household_region, scope_region, created_at, updated_at) " +
    "select name || '乙', gender, household_region, scope_region, created_at, updated_at from persons where id % 7 = 0");
  sql(db, 'delete from facts where id % 5 = 0');
  assert.equal(sql(db, 'pragma integrity_check'), 'ok');
});

test('the same seed gives the same county, another seed another', () => {
  const a = fresh('s1.db'), b = fresh('s2.db'), c = fresh('s3.db');
  run(['demo', '--db', a, '--minors', '800', '--seed', '7']);
  run(['demo', '--db', b, '--minors', '800', '--seed', '7']);
  run(['demo', '--db', c, '--minors', '800', '--seed', '8']);
  assert.equal(digest(a), digest(b));
  assert.notEqual(digest(a), digest(c));
});

test('the partial indexes of migration 010 serve the queries that look values up', () => {
  const db = fresh('p.db');
  run(['demo', '--db', db, '--minors', '200', '--seed', '1']);
  const plan = (q) => sql(db, 'explain query plan ' + q);
  assert.match(plan('select (select g.id from facts g where g.supersedes = f.id and ' +
    'g.retracted_at is null) from facts f where f.person_id = 5'), /USING INDEX facts_supersedes/);
  // An import's facts are found by their spans of ids (migration 014), not an index a fact.
  const undo = plan("update facts set retracted_at = 'x' where retracted_at is null and id in " +
    '(select f.id from import_fact_spans s join facts f on f.id between s.first_id and s.last_id ' +
    'and f.import_id = s.import_id where s.import_id = 3)');
  assert.match(undo, /SEARCH s USING (PRIMARY KEY|INDEX sqlite_autoindex_import_fact_spans_1) \(import_id=\?\)/);
  assert.match(undo, /SEARCH f USING INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\)/);
  assert.equal(sql(db, "select count(*) from sqlite_master where name = 'facts_import'"), '0');
  assert.match(plan('delete from relations where import_id = 3'), /USING COVERING INDEX relations_import/);
});

test('refused while a server has the database open; the database is unchanged', async () => {
  const srv = await startServer();
  try {
    // A request first: its worker thread keeps its connection open from then on.
    const admin = await srv.login(srv.admin.username, srv.admin.password);
    const before = sql(srv.db, 'select count(*) from sqlite_master') + sql(srv.db, 'select count(*) from units');
    const r = runStatus(['demo', '--db', srv.db, '--minors', '100']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /DB_BUSY/);
    assert.match(r.stderr, /正被其他程序使用/);
    assert.equal(sql(srv.db, 'select count(*) from persons'), '0');
    assert.equal(sql(srv.db, 'select count(*) from sqlite_master') + sql(srv.db, 'select count(*) from units'), before);
    assert.equal((await admin.get('/regions/500242/children')).status, 200);
    assert.equal(readdirSync(srv.dir).filter((f) => f.includes('bulk-tmp')).length, 0);
  } finally {
    await srv.stop();
  }
});

test('a schema the loader does not write is refused, and nothing changes', () => {
  for (const ddl of ['create index persons_name on persons(name)',
    'drop index persons_scope; create index persons_scope on persons(scope_region collate nocase, id)',
    'alter table facts add column weight integer']) {
    const db = fresh(`schema${ddl.length}.db`);
    sql(db, ddl);
    const before = sql(db, 'select count(*) from sqlite_master') + sql(db, 'select count(*) from units');
    const r = runStatus(['demo', '--db', db, '--minors', '100']);
    assert.notEqual(r.status, 0, ddl);
    assert.match(r.stderr, /BULK_SCHEMA/, ddl);
    assert.equal(sql(db, 'select count(*) from persons'), '0');
    assert.equal(sql(db, 'select count(*) from sqlite_master') + sql(db, 'select count(*) from units'), before);
    assert.equal(existsSync(db + '.bulk-tmp'), false);
  }
});

test('a second load while one runs is refused and leaves the first alone', async () => {
  const db = fresh('two.db');
  const units = sql(db, 'select count(*) from units');
  const first = await loadInBackground(db); // still running when the second starts
  const size = statSync(first.copy).size;
  const r = runStatus(['demo', '--db', db, '--minors', '100', '--seed', '2']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /DB_BUSY/);
  // The first load's copy is still there and still growing: the second did not touch it.
  await new Promise((res) => setTimeout(res, 200));
  assert.ok(existsSync(first.copy) && statSync(first.copy).size >= size);
  first.proc.kill('SIGKILL');
  assert.equal(await first.exited, 'SIGKILL');
  assert.equal(sql(db, 'select count(*) from persons'), '0');
  assert.equal(sql(db, 'select count(*) from units'), units);
});

test('killed in the middle, the database is as before and the next load works', async () => {
  const db = fresh('k.db');
  const units = sql(db, 'select count(*) from units');
  const load = await loadInBackground(db);
  load.proc.kill('SIGKILL'); // without warning, while the copy is written
  assert.equal(await load.exited, 'SIGKILL');
  assert.equal(sql(db, 'select count(*) from persons'), '0');
  assert.equal(sql(db, 'select count(*) from units'), units);
  assert.equal(sql(db, 'pragma integrity_check'), 'ok');
  run(['demo', '--db', db, '--minors', '300', '--seed', '1']);
  assert.ok(Number(sql(db, 'select count(*) from persons')) > 600);
  assert.equal(existsSync(db + '.bulk-tmp'), false);
  assert.equal(sql(db, 'pragma integrity_check'), 'ok');
});

test('a database of a newer weibao is refused, not written: SCHEMA_TOO_NEW', () => {
  const db = fresh('newer.db');
  const version = sql(db, "select value from settings where key = 'schema_version'");
  sql(db, `update settings set value = '${Number(version) + 1}' where key = 'schema_version'`);
  const persons = sql(db, 'select count(*) from persons');
  const r = runStatus(['demo', '--db', db, '--minors', '100']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /SCHEMA_TOO_NEW|更新版本/);
  assert.match(r.stderr, /newer weibao/);
  assert.equal(sql(db, 'select count(*) from persons'), persons);
  assert.equal(sql(db, "select value from settings where key = 'schema_version'"), String(Number(version) + 1));
});
