// screen_slices.test.mjs -- the persons an import changes are re-screened by the running
// server a thousand per write transaction: an import of 2 500 persons is screened whole
// (the change queue empties, every new person has been looked at) while a login and a
// person read go through at the same time instead of waiting for one long transaction.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, run, sql, unitId, custodyCsv } from './harness.mjs';

const PW = 'slices-pass-1';
const N = 2500;
let srv;

before(async () => {
  srv = await startServer({ demo: { minors: 300, seed: 3 } });
  await srv.addUser({ username: 'co', role: 'county_office', region: '500242',
    unit: unitId(srv.db, 'minor_office', '500242'), password: PW });
});
after(async () => { await srv.stop(); });

test('an import of 2 500 persons is re-screened in slices; logins go through meanwhile', async () => {
  const file = join(srv.dir, 'custody.csv');
  writeFileSync(file, custodyCsv(N));
  run(['import', '--db', srv.db, '--profile', 'custody', '--region', '500242', '--date', '2026-11-01', file]);
  assert.ok(Number(sql(srv.db, 'select count(*) from screen_dirty')) >= N, 'the import queued its persons');
  const c = await srv.login('co', PW); // while the re-screen runs
  assert.equal((await c.get('/persons?limit=5')).status, 200);
  for (let i = 0; i < 600 && sql(srv.db, 'select count(*) from screen_dirty') !== '0'; i++)
    await new Promise((res) => setTimeout(res, 100));
  assert.equal(sql(srv.db, 'select count(*) from screen_dirty'), '0');
  const handled = [...srv.stderr().matchAll(/screening: (\d+) persons re-screened after changes/g)]
    .reduce((n, m) => n + Number(m[1]), 0);
  assert.ok(handled >= N, `${handled} persons re-screened`);
});
