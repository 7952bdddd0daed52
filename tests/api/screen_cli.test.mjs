// `weibao screen` on a real database: the built-in rule file printed and checked, a bad
// rule file refused with its line and column in both languages, a whole demo county
// screened (the summary agrees with SQL counts of the same rule), and one child's result
// as JSON with the facts, rule and legal basis behind each category.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, runStatus, sql } from './harness.mjs';

let dir, db;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'weibao-screen-'));
  db = join(dir, 'w.db');
  run(['init', '--db', db]);
  run(['demo', '--db', db, '--minors', '2000', '--seed', '3']);
});

test('the built-in rule file prints and checks', () => {
  const text = run(['screen', '--builtin']);
  assert.match(text, /^ruleset "weibao 内置规则" version "builtin-/m);
  const file = join(dir, 'copy.rules');
  writeFileSync(file, text);
  assert.match(run(['screen', '--check', file]), /41 rules, 17 categories, 16 parameters — OK/);
});

test('a bad rule file is refused with line and column', () => {
  const file = join(dir, 'bad.rules');
  writeFileSync(file, 'category c "c" "c"\nrule A "n" basis "b"\n  when has jailed then category c reason "r" end\n');
  const r = runStatus(['screen', '--check', file]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /第3行第12列：未知的事实类型：“jailed”/);
  assert.match(r.stderr, /line 3, column 12: unknown fact type: 'jailed'/);
  assert.match(r.stderr, /RULE_SEMANTIC/);
});

test('a county screened: the summary matches the data', () => {
  const out = run(['screen', '--db', db, '--date', '2026-12-01']);
  assert.match(out, /^screened \d+ persons/m);
  const persons = Number(sql(db, 'select count(*) from persons'));
  assert.match(out, new RegExp(`^screened ${persons} persons`, 'm'));
  // 残疾儿童: minors with a current disability fact, counted in SQL.
  const disabled = sql(db, `select count(distinct p.id) from persons p join facts f on f.person_id = p.id
    where f.type = 'disability' and p.birth_date > '2008-12-01' and f.retracted_at is null
    and (f.valid_from is null or f.valid_from <= '2026-12-01')
    and (f.valid_to is null or f.valid_to >= '2026-12-01')`);
  assert.match(out, new RegExp(`^  disabled +${disabled}  残疾儿童$`, 'm'));
});

test('one child as JSON: categories with rule, basis and facts', () => {
  const id = sql(db, `select f.person_id from facts f join persons p on p.id = f.person_id
    where f.type = 'psych_screening' and f.value = '红' and p.birth_date > '2008-12-01' limit 1`);
  const fact = sql(db, `select id from facts where person_id = ${id} and type = 'psych_screening'`);
  const j = JSON.parse(run(['screen', '--db', db, '--person', id, '--date', '2026-12-01']));
  assert.equal(j.person_id, Number(id));
  assert.equal(j.level, 'red');
  assert.equal(j.hard_trigger.rule_id, 'PS-2');
  assert.deepEqual(j.hard_trigger.fact_ids, [Number(fact)]);
  const psych = j.categories.find((c) => c.code === 'psych');
  assert.equal(psych.name, '心理困境未成年人');
  assert.match(psych.basis, /预防未成年人犯罪法/);
  assert.deepEqual(psych.fact_ids, [Number(fact)]);
  assert.equal(j.date, '2026-12-01');
  assert.match(j.ruleset.version, /^builtin-/);
  const missing = runStatus(['screen', '--db', db, '--person', '999999999']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /PERSON_NOT_FOUND/);
});
