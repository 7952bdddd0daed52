// Undoing an import after the screening worker has screened the persons it created: the
// persons go, and their screening rows (results, memberships, events) with them — before
// the fix the undo failed with 422 CONSTRAINT once the worker had written a result.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, sql, unitId } from './harness.mjs';

const FILE = join(dirname(fileURLToPath(import.meta.url)), '../data/import/dibao_upload.csv');
const PW = 'undo-pass-1';
let srv, station;

before(async () => {
  srv = await startServer({ demo: { minors: 200, seed: 3 } });
  await srv.addUser({ username: 'mu', role: 'township_station', region: '500242207',
    unit: unitId(srv.db, 'minor_station', '500242207'), password: PW });
  station = await srv.login('mu', PW);
});
after(async () => { await srv.stop(); });

test('undo an import whose persons were screened', async () => {
  const persons = () => Number(sql(srv.db, 'select count(*) from persons'));
  const before1 = persons();
  const r = await station.request('POST', '/imports?profile=civil_assist&region=500242207&date=2026-11-01&file_name=d.csv',
    readFileSync(FILE), { 'Content-Type': 'application/octet-stream' });
  assert.equal(r.status, 202, r.text);
  let job;
  for (let i = 0; i < 300; i++) {
    job = (await station.get(`/jobs/${r.body.job.id}`)).body;
    if (job.status === 'done' || job.status === 'failed') break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(job.status, 'done');
  const created = `select person_id from import_rows where import_id = ${job.result.import_id} and action = 'created'`;
  // 低保 children are 困境儿童: wait until the worker has written their results.
  for (let i = 0; i < 300 && Number(sql(srv.db, `select count(*) from screen_results where person_id in (${created})`)) === 0; i++)
    await new Promise((res) => setTimeout(res, 100));
  assert.ok(Number(sql(srv.db, `select count(*) from screen_memberships where person_id in (${created})`)) > 0);
  const ids = sql(srv.db, created).split('\n').join(',');
  const u = await station.post(`/imports/${job.result.import_id}/undo`, {});
  assert.equal(u.status, 200, u.text);
  assert.equal(persons(), before1);
  for (const t of ['screen_results', 'screen_memberships', 'screen_events'])
    assert.equal(sql(srv.db, `select count(*) from ${t} where person_id in (${ids})`), '0', t);
});
