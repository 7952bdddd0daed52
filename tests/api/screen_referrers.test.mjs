// screen_referrers.test.mjs -- a person new to the screening snapshot has the relations
// others hold to them loaded again (store/screen_load.c reload_referrers). Here the new
// person is a father that one import creates for two stored children, one of whom is the
// guardian of 260 others: their re-screen touches more persons than the worker's buffer
// of 256 holds, which once wrote past it (ASan: stack-buffer-overflow, the server died).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, sql, run, idNumber } from './harness.mjs';

const PW = 'referrers-pass-1';
let srv, co;

before(async () => {
  srv = await startServer({ demo: { minors: 50, seed: 3 } });
  await srv.addUser({ username: 'co', role: 'county_office', region: '500242', password: PW });
  co = await srv.login('co', PW);
});
after(async () => { await srv.stop(); });

async function queueEmpty() {
  const pending = 'select coalesce(sum(last_id - screened_to), 0) from import_fact_spans';
  for (let i = 0; i < 600; i++) {
    if (sql(srv.db, 'select count(*) from screen_dirty') === '0' && sql(srv.db, pending) === '0') return;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.fail('the change queue did not empty');
}

test('a new father of two stored children, one the guardian of 260: screened, the server stays up', async () => {
  const village = sql(srv.db, "select code from regions where code like '500242%' and level = 5 order by code limit 1");
  const mk = async (name, birth, seq) => {
    const r = await co.post('/persons', { name, gender: 'M', household_region: village, id_number: idNumber(birth, seq),
      birth_date: `${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6)}` });
    assert.equal(r.status, 201, r.text);
    return r.body.id;
  };
  const a = await mk('溢出甲', '20150101', '911'), b = await mk('溢出乙', '20150202', '913');
  for (let i = 0; i < 260; i++) {
    const k = await mk('依附' + i, '20160101', String(101 + 2 * i));
    const r = await co.post(`/persons/${k}/relations`, { kind: 'guardian', person_id: a, is_guardian: true });
    assert.equal(r.status, 201, r.text);
  }
  await queueEmpty();
  const dad = idNumber('19840512', '933');
  const file = join(srv.dir, 'fathers.csv');
  writeFileSync(file, ['姓名,性别,出生日期,公民身份号码,户籍区划代码,父亲姓名,父亲身份证号,户口性质',
    `溢出甲,男,2015-01-01,${idNumber('20150101', '911')},${village},溢出父,${dad},非农业`,
    `溢出乙,男,2015-02-02,${idNumber('20150202', '913')},${village},溢出父,${dad},非农业`].join('\n') + '\n');
  assert.match(run(['import', '--db', srv.db, '--profile', 'hukou', '--region', '500242', '--date', '2026-11-01', file]),
    /关系\/relations \+2/);
  await queueEmpty();
  assert.equal(srv.proc.exitCode, null, 'the server is still running');
  assert.doesNotMatch(srv.stderr(), /AddressSanitizer/);
  assert.equal((await co.get(`/persons/${b}`)).status, 200);
});
