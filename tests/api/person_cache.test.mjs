// The rendered-person cache (src/store/person_cache.c): a cached record is never stale
// (changes through the API, through another process and to the names it shows all reach
// the next read), never shown out of scope (answers like a missing person), every read
// is audited, and the body is byte for byte what an uncached server renders.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, assertError, sql, unitId, run, runStatus } from './harness.mjs';

let srv, plain, county, station, other, child, villageCode, otherTown;
const pw = 'correct-horse-1';

before(async () => {
  srv = await startServer({ demo: { minors: 200, seed: 5 } });
  await srv.addUser({ username: 'county1', role: 'county_office', region: '500242',
    unit: unitId(srv.db, 'minor_office', '500242'), password: pw });
  county = await srv.login('county1', pw);
  // A child of some township, a station of that township and one of another.
  child = Number(sql(srv.db, "select p.id from persons p join relations r on r.person_id = p.id " +
    "where p.birth_date > date('now','-18 years') and p.residence_region is not null " +
    "group by p.id having count(*) >= 2 order by p.id limit 1"));
  const scope = sql(srv.db, `select scope_region from persons where id = ${child}`);
  villageCode = scope.slice(0, 12);
  const town = scope.slice(0, 9);
  otherTown = sql(srv.db, `select code from regions where level = 4 and code like '500242%' and code <> '${town}000' order by code limit 1`).slice(0, 9);
  await srv.addUser({ username: 'st1', role: 'township_station', region: town,
    unit: unitId(srv.db, 'minor_station', town), password: pw });
  await srv.addUser({ username: 'st2', role: 'township_station', region: otherTown,
    unit: unitId(srv.db, 'minor_station', otherTown), password: pw });
  station = await srv.login('st1', pw);
  other = await srv.login('st2', pw);
});

after(async () => {
  await srv.stop();
  if (plain) await plain.stop();
});

const reads = (id) => Number(sql(srv.db,
  `select count(*) from audit_log where action = 'person.read' and object_id = ${id}`));

test('a cached read is the same bytes as the first, and each read is audited', async () => {
  const before = reads(child);
  const a = await station.get('/persons/' + child);
  const b = await station.get('/persons/' + child);
  const c = await county.get('/persons/' + child);
  assert.equal(a.status, 200, a.text);
  assert.equal(b.text, a.text);
  assert.equal(c.text, a.text);
  assert.equal(b.headers.get('content-type'), a.headers.get('content-type'));
  assert.equal(b.headers.get('cache-control'), 'no-store');
  // The audit queue writes in batches: wait for it.
  for (let i = 0; i < 50 && reads(child) < before + 3; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(reads(child), before + 3);
});

test('out of scope, a cached person answers exactly like a missing one', async () => {
  await station.get('/persons/' + child); // cached now
  const r = await other.get('/persons/' + child);
  const missing = await other.get('/persons/999999999');
  assertError(r, 404, 'PERSON_NOT_FOUND');
  assert.equal(r.text, missing.text);
});

test('a change through the API reaches the next read', async () => {
  const a = await station.get('/persons/' + child);
  const r = await station.patch('/persons/' + child, { version: a.body.version, name: '缓存测试' });
  assert.equal(r.status, 200, r.text);
  const b = await station.get('/persons/' + child);
  assert.equal(b.body.name, '缓存测试');
  assert.equal(b.body.version, a.body.version + 1);
});

test('under concurrent reads, a read that starts after a change is acknowledged sees it', async () => {
  let cur = (await station.get('/persons/' + child)).body;
  for (let i = 0; i < 25; i++) {
    // reads in flight while the change commits (they may see either version)...
    const inFlight = Array.from({ length: 6 }, () => county.get('/persons/' + child));
    const r = await station.patch('/persons/' + child, { version: cur.version, name: '并发' + i });
    assert.equal(r.status, 200, r.text);
    // ...but none started after the acknowledgement may see the old one.
    const after = await Promise.all([county.get('/persons/' + child), station.get('/persons/' + child)]);
    for (const a of after) {
      assert.equal(a.body.version, cur.version + 1);
      assert.equal(a.body.name, '并发' + i);
    }
    for (const f of await Promise.all(inFlight)) assert.ok([cur.version, cur.version + 1].includes(f.body.version));
    cur = after[0].body;
  }
});

test('a change by another process reaches the next read; every registry table moves the version', async () => {
  const a = await station.get('/persons/' + child);
  const rel = a.body.relations[0].person.id;
  sql(srv.db, `update persons set name = '改名亲属' where id = ${rel}`);
  let b = await station.get('/persons/' + child);
  assert.equal(b.body.relations[0].person.name, '改名亲属');
  // Region names are cached per connection for minutes (store/regions.c); the record's
  // own fields and its relations are what the person cache must never serve stale.
  const v0 = Number(sql(srv.db, 'select n from registry_version'));
  sql(srv.db, `update regions set name = name where code = '${villageCode}'`);
  assert.ok(Number(sql(srv.db, 'select n from registry_version')) > v0);
});

test('moving a person out of a township takes the cached record out of its scope', async () => {
  await station.get('/persons/' + child); // cached for st1
  const otherVillage = sql(srv.db, `select code from regions where level = 5 and substr(code, 1, 9) = '${otherTown}' order by code limit 1`);
  assert.ok(otherVillage);
  sql(srv.db, `update persons set scope_region = '${otherVillage}', residence_region = '${otherVillage}' where id = ${child}`);
  assertError(await station.get('/persons/' + child), 404, 'PERSON_NOT_FOUND');
  const seen = await county.get('/persons/' + child);
  assert.equal(seen.status, 200);
  assert.equal(seen.body.residence_region, otherVillage);
  const moved = await other.get('/persons/' + child); // now in st2's township
  assert.equal(moved.status, 200, moved.text);
});

test('a server without the cache renders the same bytes', async () => {
  plain = await startServer({ demo: { minors: 200, seed: 5 }, args: ['--person-cache', '0'] });
  await plain.addUser({ username: 'county1', role: 'county_office', region: '500242',
    unit: unitId(plain.db, 'minor_office', '500242'), password: pw });
  const p = await plain.login('county1', pw);
  const fresh = await startServer({ demo: { minors: 200, seed: 5 } });
  try {
    await fresh.addUser({ username: 'county1', role: 'county_office', region: '500242',
      unit: unitId(fresh.db, 'minor_office', '500242'), password: pw });
    const f = await fresh.login('county1', pw);
    for (const id of [1, 2, 3, 50, 120]) {
      const x = await p.get('/persons/' + id);
      const y1 = await f.get('/persons/' + id);
      const y2 = await f.get('/persons/' + id); // from the cache
      assert.equal(x.status, 200);
      // created_at/updated_at are the load's time stamps: compare without them.
      const strip = (t) => t.replace(/"(created|updated)_at":"[^"]*"/g, '');
      assert.equal(strip(y1.text), strip(x.text));
      assert.equal(y2.text, y1.text);
    }
  } finally {
    await fresh.stop();
  }
});

test('a bulk load (weibao demo) restores the version triggers and moves the version once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'weibao-regv-'));
  try {
    const db = join(dir, 'x.db');
    run(['init', '--db', db]);
    const triggers = "select count(*) from sqlite_master where type = 'trigger' and name glob 'registry_v_*'";
    assert.equal(sql(db, triggers), '15');
    const v0 = Number(sql(db, 'select n from registry_version'));
    run(['demo', '--db', db, '--minors', '100', '--seed', '2']);
    assert.equal(sql(db, triggers), '15');
    assert.ok(Number(sql(db, 'select n from registry_version')) > v0);
    // and they fire again after the load
    const v1 = Number(sql(db, 'select n from registry_version'));
    sql(db, "update persons set name = name where id = 1");
    assert.equal(Number(sql(db, 'select n from registry_version')), v1 + 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--person-cache is checked', () => {
  for (const bad of ['-1', 'x', '99999999999']) {
    const r = runStatus(['serve', '--db', srv.db, '--port', '0', '--person-cache', bad]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /person-cache/);
  }
});
