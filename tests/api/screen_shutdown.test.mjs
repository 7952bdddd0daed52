// screen_shutdown.test.mjs -- a server stopped (SIGTERM) while its start-up full screen
// runs exits at once and cleanly, logs no run it did not finish, leaves the database
// sound, and the next start screens everyone again and logs the persons it screened.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, sql, BIN } from './harness.mjs';

const dir = mkdtempSync(join(tmpdir(), 'weibao-shutdown-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const db = join(dir, 's.db');

// Start a server; state.seen resolves when `line` shows in its log.
function serve(line) {
  const proc = spawn(BIN, ['serve', '--db', db, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const state = { proc, log: '' };
  const collect = (d) => { state.log += d; };
  proc.stdout.on('data', collect);
  proc.stderr.on('data', collect);
  state.exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  state.seen = new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (line.test(state.log)) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
    state.exited.then(() => { clearInterval(timer); reject(new Error('server exited:\n' + state.log)); });
  });
  return state;
}

test('SIGTERM during the start-up full screen: a prompt clean exit, no run logged', async () => {
  run(['init', '--db', db]);
  // 100 000 minors (282 000 persons): the full screen takes seconds under the sanitizers.
  run(['demo', '--db', db, '--minors', '100000', '--seed', '1']);
  const s = serve(/screening: ready/);
  await s.seen; // the snapshot is loaded; the full screen starts now
  const t0 = Date.now();
  s.proc.kill('SIGTERM');
  const { code } = await s.exited;
  const ms = Date.now() - t0;
  assert.equal(code, 0, s.log);
  assert.doesNotMatch(s.log, /Sanitizer|runtime error:/);
  assert.doesNotMatch(s.log, /screening \(initial\): \d+ persons/, 'the screen was interrupted, not finished');
  assert.ok(ms < 3000, `exited after ${ms} ms`);
  assert.equal(sql(db, 'select count(*) from screen_runs'), '0');
  assert.equal(sql(db, 'pragma integrity_check'), 'ok');

  // The next start screens everyone and logs its run with the persons it screened.
  const again = serve(/screening \(initial\): \d+ persons/);
  await again.seen;
  again.proc.kill('SIGTERM');
  assert.equal((await again.exited).code, 0, again.log);
  assert.equal(sql(db, 'select count(*) from screen_runs'), '1');
  assert.equal(sql(db, 'select persons from screen_runs'), sql(db, 'select count(*) from persons'));
  assert.ok(Number(sql(db, 'select flagged from screen_runs')) > 0);
});
