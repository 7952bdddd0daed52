// The OpenAPI document stays true: every route in the server's table (src/http/router.c) is
// documented and every documented operation exists and answers on the live server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, unitId } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
let srv, county;

export function routerRoutes() {
  const src = readFileSync(join(here, '../../src/http/router.c'), 'utf8');
  const table = src.slice(src.indexOf('const struct route routes[]'));
  return [...table.matchAll(/\{\s*"(GET|POST|PATCH|PUT|DELETE)",\s*"([^"]+)"/g)]
    .map((m) => ({ method: m[1], path: m[2].replace('/api/v1', '') }));
}

function normalise(path) {
  return path.replace(/\{[^}]*\}/g, '{}');
}

before(async () => {
  srv = await startServer({ demo: { minors: 100, seed: 5 } });
  await srv.addUser({ username: 'c1', role: 'county_office', region: '500242',
    unit: unitId(srv.db, 'minor_office', '500242'), password: 'county-pass-1' });
  county = await srv.login('c1', 'county-pass-1');
});
after(async () => { await srv.stop(); });

test('the served document is the file, valid JSON, OpenAPI 3.1', async () => {
  const r = await srv.anonymous().get('/openapi.json');
  assert.equal(r.status, 200);
  assert.equal(r.body.openapi, '3.1.0');
  assert.deepEqual(r.body, JSON.parse(readFileSync(join(here, '../../src/http/openapi.json'), 'utf8')));
});

test('router table and document list the same operations', async () => {
  const doc = (await srv.anonymous().get('/openapi.json')).body;
  const documented = new Set();
  for (const [path, ops] of Object.entries(doc.paths))
    for (const m of Object.keys(ops)) documented.add(m.toUpperCase() + ' ' + normalise(path));
  const served = new Set(routerRoutes().map((r) => r.method + ' ' + normalise(r.path)));
  assert.ok(served.size >= 18, 'parsed the route table');
  assert.deepEqual([...documented].sort(), [...served].sort());
});

test('every documented operation answers (never 404 for the route, never 405)', async () => {
  const doc = (await srv.anonymous().get('/openapi.json')).body;
  const person = Number((await county.get('/persons?limit=1')).body.items[0].id);
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const method of Object.keys(ops)) {
      if (path === '/session' && method === 'delete') continue; // would end the session
      const url = path.replace('{id}', person).replace('{code}', '500242');
      const r = await county.request(method.toUpperCase(), url, method === 'get' ? undefined : {});
      assert.notEqual(r.status, 405, `${method} ${path}`);
      if (r.status === 404) assert.notEqual(r.body.error.code, 'NOT_FOUND', `${method} ${path}: route missing`);
      assert.ok(r.status < 500, `${method} ${path}: ${r.status} ${r.text}`);
    }
  }
});
