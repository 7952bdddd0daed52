// The review queue of doubtful matches against the real server: an upload whose rows have
// no ID number and names one character off stored children waits for review; the queue is
// scoped to the area; one review shows the record and the candidates side by side; a
// decision links (the row's facts go to the person, with the import's provenance), creates
// a new person or dismisses with a reason; it is recorded, audited, decided once (409 the
// second time, one winner when several race), and undoing the import takes it back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, sql, unitId, assertError, idNumber } from './harness.mjs';

const PW = 'review-pass-1';
const T = '500242207'; // 木叶乡
let srv, station, other, village, county;

before(async () => {
  srv = await startServer({ demo: { minors: 300, seed: 9 } });
  await srv.addUser({ username: 'mu', role: 'township_station', region: T,
    unit: unitId(srv.db, 'minor_station', T), password: PW });
  await srv.addUser({ username: 'lt', role: 'township_station', region: '500242101',
    unit: unitId(srv.db, 'minor_station', '500242101'), password: PW });
  await srv.addUser({ username: 'vd', role: 'village_director', region: T + '201',
    unit: unitId(srv.db, 'village_committee', T + '201'), password: PW });
  await srv.addUser({ username: 'co', role: 'county_office', region: '500242',
    unit: unitId(srv.db, 'minor_office', '500242'), password: PW });
  station = await srv.login('mu', PW);
  other = await srv.login('lt', PW);
  village = await srv.login('vd', PW);
  county = await srv.login('co', PW);
});
after(async () => { await srv.stop(); });

// Children of the township, registered for the test, each with a birth date no one else of
// the township shares: the only candidate of a doubtful row is the child it was made from.
const SURNAMES = ['覃', '冉', '石', '彭', '田', '白', '杨', '龙'];
const GIVEN = ['晓川', '若溪', '子墨', '雨桐', '浩然', '欣怡', '俊熙', '梓涵', '思远', '佳琪', '明轩', '诗雨'];
let made = 0;
async function children(n) {
  const villages = sql(srv.db, `select code from regions where parent_code = '${T}000' order by code`).split('\n');
  const out = [];
  while (out.length < n) {
    made++;
    const d = new Date(Date.UTC(2011, 0, 1) + made * 37 * 86400000).toISOString().slice(0, 10);
    if (sql(srv.db, `select count(*) from persons where birth_date = '${d}'`) !== '0') continue;
    const name = SURNAMES[made % SURNAMES.length] + GIVEN[made % GIVEN.length];
    const gender = made % 2 ? 'M' : 'F';
    const region = villages[made % villages.length];
    const idn = idNumber(d.replaceAll('-', ''), String(100 + made).padStart(3, '0'));
    const r = await county.post('/persons', { name, gender, birth_date: d, household_region: region, id_number: idn });
    assert.equal(r.status, 201, r.text);
    out.push({ id: r.body.id, name, gender, birth: d, region, idn });
  }
  return out;
}

// A village of the township other than the child's: the row is one township away.
function otherVillage(region) {
  return sql(srv.db, `select name from regions where parent_code = '${T}000' and code <> '${region}' order by code limit 1`);
}

// The name one character off (a character of another sound): linkage finds it doubtful.
function offByOne(name) {
  const last = ['鑫', '磊', '瑶'].find((c) => c !== name.slice(-1));
  return name.slice(0, -1) + last;
}

let amount = 100;
function doubtfulCsv(kids) {
  const lines = ['姓名,性别,出生日期,保障类别,保障起始日期,月保障金额,所在村（社区）'];
  for (const k of kids)
    lines.push(`${offByOne(k.name)},${k.gender === 'M' ? '男' : '女'},${k.birth},农村低保,2025-03-01,${amount++},${otherVillage(k.region)}`);
  return lines.join('\n') + '\n';
}

async function finish(c, job) {
  for (let i = 0; i < 300; i++) {
    const r = await c.get(`/jobs/${job.id}`);
    if (r.body.status === 'done' || r.body.status === 'failed') return r.body;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('job did not finish');
}

async function importCsv(csv, c = station) {
  const r = await c.request('POST', `/imports?profile=civil_assist&region=${T}&date=2026-11-01&file_name=dibao.csv`,
    csv, { 'Content-Type': 'text/csv' });
  assert.equal(r.status, 202, r.text);
  const job = await finish(c, r.body.job);
  assert.equal(job.status, 'done', JSON.stringify(job.error));
  return job;
}

// Import the doubtful rows of kids; returns the import id and the reviews, in row order.
async function queue(kids, c = station) {
  const job = await importCsv(doubtfulCsv(kids), c);
  assert.equal(job.result.review, kids.length, JSON.stringify(job.result));
  const id = job.result.import_id;
  const list = await c.get(`/reviews?region=${T}&limit=200`);
  const mine = list.body.items.filter((x) => x.import_id === id).sort((a, b) => a.row - b.row);
  assert.equal(mine.length, kids.length);
  return { importId: id, reviews: mine };
}

const facts = (person) => sql(srv.db, `select type || ':' || coalesce(value, '') || ':' || coalesce(import_id, '')
  from facts where person_id = ${person} and retracted_at is null order by id`).split('\n').filter(Boolean);

test('doubtful rows wait in the queue of their area, side by side with their candidates', async () => {
  const kids = await children(2);
  const { reviews } = await queue(kids);
  const rv = reviews[0];
  assert.equal(rv.status, 'open');
  assert.equal(rv.record.name, offByOne(kids[0].name));
  assert.equal(rv.record.birth_date, kids[0].birth);
  assert.equal(rv.profile, 'civil_assist');
  assert.equal(rv.file_name, 'dibao.csv');
  assert.ok(rv.candidates_count >= 1);
  assert.ok(rv.best_weight >= 18 && rv.best_weight < 24, String(rv.best_weight));

  const d = await station.get(`/reviews/${rv.id}`);
  assert.equal(d.status, 200, d.text);
  const c = d.body.candidates[0];
  assert.equal(c.person.id, kids[0].id);
  assert.equal(c.person.name, kids[0].name);
  assert.match(c.person.id_number, /\*{8}/, 'masked ID number');
  assert.ok(c.person.household_region_name);
  assert.equal(c.compare.name, 'edit1');
  assert.equal(c.compare.birth_date, 'exact');
  assert.equal(c.compare.gender, 'equal');
  assert.deepEqual(c.differs.sort(), ['name', 'region']);
  assert.ok(d.body.cells.some((x) => x.header === '姓名' && x.value === rv.record.name));
  assert.ok(d.body.record.household_region_name);
  // showing a candidate is an audited read of that person
  await new Promise((res) => setTimeout(res, 300));
  assert.ok(Number(sql(srv.db, `select count(*) from audit_log where action = 'person.read' and object_id = ${kids[0].id}`)) >= 1);

  // the county sees it too; another township and a missing id answer alike; no permission: 403
  assert.ok((await county.get('/reviews')).body.items.some((x) => x.id === rv.id));
  assert.ok(!(await other.get('/reviews')).body.items.some((x) => x.id === rv.id));
  assert.deepEqual((await other.get(`/reviews?region=${T}`)).body.items, []);
  const theirs = await other.get(`/reviews/${rv.id}`);
  assertError(theirs, 404, 'REVIEW_NOT_FOUND');
  assert.equal(theirs.text, (await other.get('/reviews/99999999')).text);
  assertError(await other.post(`/reviews/${rv.id}/decision`, { decision: 'dismiss', reason: '不是本辖区' }), 404, 'REVIEW_NOT_FOUND');
  assertError(await village.get('/reviews'), 403, 'FORBIDDEN');
  assertError(await village.get(`/reviews/${rv.id}`), 403, 'FORBIDDEN');
});

// The row as uploaded may name others (a guardian registered elsewhere, a phone): its
// numbers come masked, and showing the queue or a review is an audited read.
test('a review shows the uploaded row with its numbers masked; reads are audited', async () => {
  const [kid] = await children(1);
  const guardianId = idNumber('19800515', '011');
  const csv = ['姓名,性别,出生日期,保障类别,保障起始日期,月保障金额,所在村（社区）,监护人身份证号,联系电话',
    `${offByOne(kid.name)},${kid.gender === 'M' ? '男' : '女'},${kid.birth},农村低保,2025-03-01,${amount++},${otherVillage(kid.region)},${guardianId},13812345678`]
    .join('\n') + '\n';
  const job = await importCsv(csv);
  assert.equal(job.result.review, 1, JSON.stringify(job.result));
  const lists = () => Number(sql(srv.db, "select count(*) from audit_log where action = 'review.list'"));
  const listed = lists();
  const list = await station.get(`/reviews?region=${T}&limit=200`);
  const rv = list.body.items.find((x) => x.import_id === job.result.import_id);
  const d = await station.get(`/reviews/${rv.id}`);
  assert.equal(d.status, 200, d.text);
  const cell = (h) => d.body.cells.find((x) => x.header === h).value;
  assert.equal(cell('监护人身份证号'), guardianId.slice(0, 6) + '********' + guardianId.slice(14));
  assert.equal(cell('联系电话'), '138****5678');
  assert.equal(cell('出生日期'), kid.birth);
  assert.ok(!d.text.includes(guardianId) && !d.text.includes('13812345678'), d.text);
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(lists(), listed + 1);
  assert.equal(sql(srv.db, `select count(*) from audit_log where action = 'review.read' and object_id = ${rv.id}`), '1');
});

// The next extract names the child without an ID number, one character off: the row
// waits for review, and the child's fact of the last extract does not end meanwhile.
test('a row waiting for review keeps its candidates\' facts from ending', async () => {
  const [kid, other2] = await children(2);
  const row = (k) => `${k.name},${k.gender === 'M' ? '男' : '女'},${k.birth},${k.idn},农村低保,2025-03-01,300,` +
    sql(srv.db, `select name from regions where code = '${k.region}'`);
  const head = '姓名,性别,出生日期,身份证号,保障类别,保障起始日期,月保障金额,所在村（社区）';
  const first = await importCsv([head, row(kid), row(other2)].join('\n') + '\n');
  assert.equal(first.result.applied, 2, JSON.stringify(first.result));
  const current = () => sql(srv.db, `select count(*) from facts f where f.person_id = ${kid.id} and f.type = 'low_income'
    and f.retracted_at is null and f.valid_to is null and not exists (select 1 from facts g where g.supersedes = f.id)`);
  assert.equal(current(), '1');
  // the other child again by ID (a row applied: the extract ends what it no longer names)
  const doubtful = `${offByOne(kid.name)},${kid.gender === 'M' ? '男' : '女'},${kid.birth},,农村低保,2025-03-01,${amount++},${otherVillage(kid.region)}`;
  const next = await importCsv([head, doubtful, row(other2)].join('\n') + '\n');
  assert.equal(next.result.review, 1, JSON.stringify(next.result));
  assert.equal(next.result.applied, 1, JSON.stringify(next.result));
  assert.equal(current(), '1', 'not ended while its row waits for review');
});

test('pages of the queue and bad list parameters', async () => {
  const all = (await station.get(`/reviews?limit=200`)).body.items;
  assert.ok(all.length >= 2);
  const p1 = await station.get('/reviews?limit=1');
  assert.equal(p1.body.items.length, 1);
  assert.ok(p1.body.next_cursor);
  const p2 = await station.get(`/reviews?limit=1&cursor=${p1.body.next_cursor}`);
  assert.equal(p2.body.items[0].id, all[1].id);
  assert.ok(p2.body.items[0].id > p1.body.items[0].id, 'oldest first');
  assertError(await station.get('/reviews?status=maybe'), 400, 'STATUS_INVALID');
  assertError(await station.get('/reviews?limit=0'), 400, 'LIMIT_INVALID');
  assertError(await station.get('/reviews?cursor=abc'), 400, 'CURSOR_INVALID');
  assertError(await station.get('/reviews?region=abc'), 422);
});

test('bad decisions are refused with a reason and change nothing', async () => {
  const [kid] = await children(1);
  const { reviews } = await queue([kid]);
  const id = reviews[0].id;
  const other1 = Number(sql(srv.db, `select id from persons where scope_region like '${T}%' and id <> ${kid.id} order by id limit 1`));
  assertError(await station.post(`/reviews/${id}/decision`, { decision: 'maybe' }), 422, 'DECISION_INVALID');
  assertError(await station.post(`/reviews/${id}/decision`, {}), 422, 'DECISION_INVALID');
  assertError(await station.post(`/reviews/${id}/decision`, { decision: 'link' }), 422, 'PERSON_ID_REQUIRED');
  assertError(await station.post(`/reviews/${id}/decision`, { decision: 'link', person_id: other1 }), 422, 'REVIEW_NOT_CANDIDATE');
  assertError(await station.post(`/reviews/${id}/decision`, { decision: 'dismiss' }), 422, 'REASON_REQUIRED');
  assertError(await station.post(`/reviews/${id}/decision`, { decision: 'dismiss', reason: '  ' }), 422, 'REASON_REQUIRED');
  assertError(await station.post(`/reviews/${id}/decision`, { decision: 'dismiss', reason: '长'.repeat(100) }), 422, 'REASON_TOO_LONG');
  assertError(await station.post(`/reviews/${id}/decision`, { decision: 'new', person_id: 3 }), 422, 'PERSON_ID_UNEXPECTED');
  assertError(await station.post(`/reviews/${id}/decision`, { decision: 'new', colour: 'red' }), 422);
  assertError(await station.post(`/reviews/${id}/decision`, { decision: 'new' }, { 'X-CSRF-Token': 'wrong' }), 403, 'CSRF_INVALID');
  assertError(await station.post('/reviews/99999999/decision', { decision: 'new' }), 404, 'REVIEW_NOT_FOUND');
  assert.equal((await station.get(`/reviews/${id}`)).body.status, 'open');
});

test('link: the row\'s facts go to the candidate, recorded, audited, decided once', async () => {
  const [kid] = await children(1);
  const { importId, reviews } = await queue([kid]);
  const id = reviews[0].id;
  const before1 = facts(kid.id);
  assert.equal((await station.get(`/imports/${importId}`)).body.reviews_open, 1);
  const r = await station.post(`/reviews/${id}/decision`, { decision: 'link', person_id: kid.id });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.status, 'linked');
  assert.equal(r.body.person_id, kid.id);
  assert.equal(r.body.decided_by, 'mu');
  assert.ok(r.body.decided_at);
  assert.equal(r.body.result.facts_added, 1);
  assert.equal(r.body.result.linked + r.body.result.updated, 1);
  const after1 = facts(kid.id);
  assert.equal(after1.length, before1.length + 1);
  assert.ok(after1.includes(`low_income:${amount - 1}:${importId}`), after1.join(' '));
  assert.equal(sql(srv.db, `select action from import_rows where import_id = ${importId} and person_id = ${kid.id}`), 'linked');
  const meta = (await station.get(`/imports/${importId}`)).body;
  assert.equal(meta.reviews_open, 0, 'decided');
  assert.equal(meta.counts.review, 1, 'the run\'s counts stay as they were');
  // gone from the open queue, shown among the decided ones
  assert.ok(!(await station.get(`/reviews?region=${T}&limit=200`)).body.items.some((x) => x.id === id));
  const decided = await station.get('/reviews?status=decided');
  assert.equal(decided.body.items[0].id, id, 'newest decision first');
  assertError(await station.post(`/reviews/${id}/decision`, { decision: 'new' }), 409, 'REVIEW_DECIDED');
  assertError(await county.post(`/reviews/${id}/decision`, { decision: 'link', person_id: kid.id }), 409, 'REVIEW_DECIDED');
  assert.equal(sql(srv.db, `select count(*) from audit_log where action = 'review.decide' and object_id = ${id}`), '1');
  assert.match(sql(srv.db, `select detail from audit_log where action = 'review.decide' and object_id = ${id}`), /"linked"/);
  // undoing the import takes the decision's fact back and the review off the lists
  const u = await station.post(`/imports/${importId}/undo`, {});
  assert.equal(u.status, 200, u.text);
  assert.deepEqual(facts(kid.id), before1);
  assertError(await station.get(`/reviews/${id}`), 404, 'REVIEW_NOT_FOUND');
});

test('new: a person is created from the row, in the row\'s village', async () => {
  const [kid] = await children(1);
  const { reviews } = await queue([kid]);
  const n = Number(sql(srv.db, 'select count(*) from persons'));
  const r = await station.post(`/reviews/${reviews[0].id}/decision`, { decision: 'new' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.status, 'created');
  assert.equal(r.body.result.created, 1);
  assert.equal(Number(sql(srv.db, 'select count(*) from persons')), n + 1);
  const p = await station.get(`/persons/${r.body.person_id}`);
  assert.equal(p.body.name, offByOne(kid.name));
  assert.equal(p.body.birth_date, kid.birth);
  assert.equal(p.body.household_region_name.endsWith(otherVillage(kid.region)), true, p.body.household_region_name);
  assert.ok(facts(r.body.person_id).some((f) => f.startsWith('low_income:')));
  // undoing the import undoes the decision too: the person it created goes with it
  const { importId, reviews: more } = await queue(await children(1));
  const n2 = Number(sql(srv.db, 'select count(*) from persons'));
  const c = await station.post(`/reviews/${more[0].id}/decision`, { decision: 'new' });
  assert.equal(c.status, 200, c.text);
  assert.equal(Number(sql(srv.db, 'select count(*) from persons')), n2 + 1);
  const u = await station.post(`/imports/${importId}/undo`, {});
  assert.equal(u.status, 200, u.text);
  assert.equal(u.body.undone.persons_removed, 1);
  assert.equal(Number(sql(srv.db, 'select count(*) from persons')), n2);
  assertError(await station.get(`/persons/${c.body.person_id}`), 404, 'PERSON_NOT_FOUND');
  assert.equal(sql(srv.db, `select count(*) from import_reviews where import_id = ${importId} and (status = 'open' or person_id is not null)`), '0');
  assert.equal((await station.get(`/imports/${importId}`)).body.reviews_open, 0);
  assert.equal(sql(srv.db, 'pragma foreign_key_check'), '');
});

test('dismiss: nothing changes but the review, which keeps the reason', async () => {
  const [kid] = await children(1);
  const { reviews } = await queue([kid]);
  const n = Number(sql(srv.db, 'select count(*) from persons'));
  const before1 = facts(kid.id);
  const r = await station.post(`/reviews/${reviews[0].id}/decision`, { decision: 'dismiss', reason: '已核实：该儿童已迁出' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.status, 'dismissed');
  assert.equal(r.body.person_id, null);
  assert.equal(r.body.reason, '已核实：该儿童已迁出');
  assert.equal(Number(sql(srv.db, 'select count(*) from persons')), n);
  assert.deepEqual(facts(kid.id), before1);
});

test('officers deciding the same review at once: one wins, the others get 409', async () => {
  const [kid] = await children(1);
  const { reviews } = await queue([kid]);
  const id = reviews[0].id;
  const tries = [station, county, station, county, station].map((c, i) =>
    c.post(`/reviews/${id}/decision`, i % 2 ? { decision: 'link', person_id: kid.id } : { decision: 'new' }));
  const res = await Promise.all(tries);
  const ok = res.filter((x) => x.status === 200);
  assert.equal(ok.length, 1, res.map((x) => x.status).join(','));
  for (const x of res.filter((y) => y.status !== 200)) assertError(x, 409, 'REVIEW_DECIDED');
  assert.equal(sql(srv.db, `select count(*) from audit_log where action = 'review.decide' and object_id = ${id}`), '1');
  // exactly one application: one new person or one new fact on the child, not both
  const created = Number(sql(srv.db, `select count(*) from import_rows where import_id = ${reviews[0].import_id}`));
  assert.equal(created, 1);
});

test('importing the same file again queues nothing twice, and keeps a decision', async () => {
  const [kid] = await children(1);
  const csv = doubtfulCsv([kid]);
  const first = await importCsv(csv);
  assert.equal(first.result.review, 1);
  const openOf = () => Number(sql(srv.db, `select count(*) from import_reviews where status = 'open' and record like '%${offByOne(kid.name)}%'`));
  assert.equal(openOf(), 1);
  const again = await importCsv(csv);
  assert.equal(again.result.review, 1, 'still waiting');
  assert.equal(openOf(), 1, 'not queued twice');
  const id = Number(sql(srv.db, `select id from import_reviews where status = 'open' and record like '%${offByOne(kid.name)}%'`));
  const d = await station.post(`/reviews/${id}/decision`, { decision: 'link', person_id: kid.id });
  assert.equal(d.status, 200, d.text);
  const before1 = facts(kid.id);
  const third = await importCsv(csv);
  assert.equal(third.result.review, 0, JSON.stringify(third.result));
  assert.equal(third.result.linked, 1);
  assert.equal(third.result.facts_added, 0);
  assert.equal(third.result.facts_unchanged, 1);
  assert.deepEqual(facts(kid.id), before1, 'nothing changed');
  assert.equal(openOf(), 0);
});
