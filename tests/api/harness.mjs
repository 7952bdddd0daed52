// harness.mjs -- start the real weibao binary for a test file: a fresh database in a
// temporary directory (`weibao init`, optionally `weibao demo`), `weibao serve --port 0`,
// and clients that log in and carry the session cookie and CSRF token. stop() sends
// SIGTERM and fails the test when the server exits uncleanly or a sanitizer spoke.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const here = dirname(fileURLToPath(import.meta.url));
export const BIN = process.env.WEIBAO_BIN || join(here, '../../build/asan/weibao');

export function run(args, input) {
  return execFileSync(BIN, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

export function runStatus(args, input) {
  try {
    return { status: 0, stdout: run(args, input), stderr: '' };
  } catch (e) {
    return { status: e.status, stdout: e.stdout || '', stderr: e.stderr || '' };
  }
}

export function sql(db, query) {
  // A busy timeout: the server's audit writer may hold the write lock for a moment.
  return execFileSync('sqlite3', ['-cmd', '.timeout 5000', db, query], { encoding: 'utf8' }).trim();
}

export async function startServer(opts = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'weibao-test-'));
  const db = join(dir, 'test.db');
  const init = run(['init', '--db', db]);
  const admin = {
    username: /^username: (.+)$/m.exec(init)[1],
    password: /^password: (.+)$/m.exec(init)[1],
  };
  if (opts.demo) {
    run(['demo', '--db', db, '--county', opts.demo.county || '500242',
      '--minors', String(opts.demo.minors || 300), '--seed', String(opts.demo.seed || 1)]);
  }
  if (opts.prepare) opts.prepare(db);
  const proc = spawn(BIN, ['serve', '--db', db, '--port', '0', ...(opts.args || [])],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) resolve(m[1]);
    });
    proc.on('exit', (code) => reject(new Error(`weibao serve exited ${code}: ${stderr}`)));
  });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));

  const srv = {
    url, db, dir, admin, bin: BIN, proc,
    stderr: () => stderr,
    async addUser({ username, role, region, unit, password }) {
      const args = ['user', 'add', '--db', db, '--username', username, '--role', role,
        '--region', region, '--password-stdin'];
      if (unit) args.push('--unit', String(unit));
      run(args, password + '\n');
      return { username, password };
    },
    async login(username, password) {
      const res = await fetch(url + '/api/v1/session', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      const body = await res.json();
      if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${JSON.stringify(body)}`);
      const cookie = /wb_session=[^;]+/.exec(res.headers.get('set-cookie'))[0];
      return client(url, cookie, body.csrf_token, body.user);
    },
    anonymous() {
      return client(url, '', '', null);
    },
    async stop() {
      proc.kill('SIGTERM');
      const { code, signal } = await exited;
      rmSync(dir, { recursive: true, force: true });
      assert.doesNotMatch(stderr, /Sanitizer|runtime error:|LeakSanitizer/, 'sanitizer output:\n' + stderr);
      assert.equal(code, 0, `server exit code ${code} signal ${signal}\n${stderr}`);
    },
  };
  return srv;
}

// A client: request(method, path, body, headers) → { status, body, headers }.
export function client(url, cookie, csrf, user) {
  const request = async (method, path, body, extra = {}) => {
    const headers = { ...extra };
    if (cookie) headers.Cookie = cookie;
    if (method !== 'GET' && csrf && !('X-CSRF-Token' in extra)) headers['X-CSRF-Token'] = csrf;
    let payload;
    if (body !== undefined) {
      payload = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
      if (!('Content-Type' in headers)) headers['Content-Type'] = 'application/json';
    }
    const res = await fetch(url + '/api/v1' + path, { method, headers, body: payload });
    const text = await res.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = null; }
    return { status: res.status, body: json, text, headers: res.headers };
  };
  return {
    user, cookie, csrf, request,
    get: (p, h) => request('GET', p, undefined, h),
    post: (p, b, h) => request('POST', p, b ?? {}, h),
    patch: (p, b, h) => request('PATCH', p, b, h),
    del: (p, h) => request('DELETE', p, undefined, h),
  };
}

// The error shape every failure must have.
export function assertError(res, status, code) {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status} ${res.text}`);
  assert.ok(res.body && res.body.error, 'error body: ' + res.text);
  const e = res.body.error;
  if (code) assert.equal(e.code, code, res.text);
  assert.equal(typeof e.message, 'string');
  assert.match(e.message, /[\u4e00-\u9fff]/, 'message in Chinese: ' + e.message);
  assert.equal(typeof e.message_en, 'string');
  assert.ok(e.message_en.length > 0);
  assert.ok(Array.isArray(e.details));
}

// Valid ID numbers for tests: region 500242, a birth date, sequence; check char computed.
export function idNumber(birth = '20140309', seq = '003') {
  const base = '500242' + birth + seq;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let s = 0;
  for (let i = 0; i < 17; i++) s += Number(base[i]) * w[i];
  return base + '10X98765432'[s % 11];
}

export function unitId(db, type, regionPrefix) {
  return Number(sql(db, `select id from units where type = '${type}' and region_code like '${regionPrefix}%' order by id limit 1`));
}

// A custody (服刑) extract of n persons in prison, each with an ID number new to the demo
// database (born 1980–1988, sequence 100+).
export function custodyCsv(n) {
  const rows = ['姓名,性别,身份证号,类别,服刑场所,入监日期,刑满日期'];
  for (let i = 0; i < n; i++) {
    const d = new Date(Date.UTC(1980, 0, 1) + (i % 3000) * 86400000);
    const birth = d.toISOString().slice(0, 10).replaceAll('-', '');
    const seq = String(100 + Math.floor(i / 3000)).padStart(3, '0');
    rows.push(`服刑${i},${Number(seq) % 2 ? '男' : '女'},${idNumber(birth, seq)},服刑,重庆市永川监狱,` +
      '2024-03-01,2029-02-28');
  }
  return rows.join('\n') + '\n';
}
