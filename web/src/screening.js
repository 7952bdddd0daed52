// screening.js -- the screening result (筛查结果) on a child's profile: the effective risk
// level as a big coloured badge (and the computed one beside it when an override applies),
// the guardianship rating, the categories with their status, and for each category and for
// the hard trigger the why: rule, legal basis, reason, and the facts behind it (looked up
// in the child's facts and in the relatives' facts), as of the evaluation date and rule
// version. Officers confirm or reject suggested categories (a reason for a rejection),
// adjust the level (reason, expiry) and undo the adjustment. A history of events with a
// step chart of the level over time closes the panel.
// Also the small shared pieces of the screening pages: level names and badges, the
// category list (loaded once), and who may decide.
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { get, post, del } from './api.js';
import { t, errorText, isEnglish, colon } from './i18n.js';

const html = htm.bind(h);

// Levels: 4 红 red, 3 橙 orange, 2 黄 yellow, 1 蓝 blue, 0 none.
export const LEVEL_CODES = ['none', 'blue', 'yellow', 'orange', 'red'];

export function levelNum(x) {
  if (x === null || x === undefined || x === '') return 0;
  if (typeof x === 'number') return x;
  if (/^\d+$/.test(String(x))) return Number(x);
  const i = LEVEL_CODES.indexOf(x);
  if (i >= 0) return i;
  const j = ['', '蓝', '黄', '橙', '红'].indexOf(x);
  return j > 0 ? j : 0;
}

export function levelName(x) {
  return t('level_' + LEVEL_CODES[levelNum(x)]);
}

export function LevelBadge({ level, big, testid, label }) {
  const n = levelNum(level);
  return html`<span class=${'level lv-' + LEVEL_CODES[n] + (big ? ' big' : '')} data-testid=${testid || 'level-badge'}
    data-level=${LEVEL_CODES[n]} title=${label || ''}>${levelName(n)}</span>`;
}

let categoriesPromise = null;
// GET /screening/categories once: { ruleset, categories, levels }.
export function loadCategories() {
  if (!categoriesPromise) categoriesPromise = get('/screening/categories').catch((e) => { categoriesPromise = null; throw e; });
  return categoriesPromise;
}

export function categoryName(cats, code) {
  const c = cats && cats.categories.find((x) => x.code === code);
  if (!c) return code;
  return isEnglish() && c.name_en ? c.name_en : c.name;
}

// Decisions and overrides (county office, township stations); rule sets (county office,
// administrator): as the server's permissions say.
export function canDecide(user) {
  return user.permissions.includes('SCREEN_DECIDE');
}
export function canEditRules(user) {
  return user.permissions.includes('RULES_ADMIN');
}

const STATUS_KEYS = { suggested: 'ms_suggested', confirmed: 'ms_confirmed', rejected: 'ms_rejected' };

// A server timestamp (UTC, ISO 8601) in the browser's local time: "2026-12-01 14:47".
export function fmtTime(s) {
  if (!s) return '';
  const d = new Date(s);
  if (Number.isNaN(d.getTime()) || !/T/.test(s)) return s;
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

function addMonths(d, n) {
  const x = new Date(Date.UTC(d.getFullYear(), d.getMonth() + n, d.getDate()));
  return x.toISOString().slice(0, 10);
}

function Dialog({ title, testid, onClose, onSubmit, error, children }) {
  return html`
    <div class="overlay" onClick=${(e) => { if (e.target === e.currentTarget) onClose(); }}>
      <form class="card dialog" data-testid=${testid} onSubmit=${(e) => { e.preventDefault(); onSubmit(); }}>
        <h3>${title}</h3>
        ${error && html`<p class="error" data-testid="dialog-error">${errorText(error)}</p>`}
        ${children}
        <div class="row wrap">
          <button data-testid="dialog-submit">${t('confirm')}</button>
          <button type="button" class="secondary" onClick=${onClose}>${t('cancel')}</button>
        </div>
      </form>
    </div>`;
}

// The facts behind a reason, found among the child's and the relatives' facts.
function FactList({ ids, facts }) {
  if (!ids || !ids.length) return null;
  return html`
    <ul class="why-facts">
      ${ids.map((id) => {
        const f = facts[id];
        if (!f) return html`<li class="muted small" data-testid="why-fact" data-id=${id}>${t('fact_n')}${id}${t('fact_hidden')}</li>`;
        return html`
          <li data-testid="why-fact" data-id=${id}>
            <span class="who-tag">${f.owner}</span>
            <strong>${f.type_name}${f.value ? colon() + f.value : ''}</strong>
            <span class="muted small"> ${f.valid_from || '…'} – ${f.valid_to || '…'}${f.source_unit_name ? ' · ' + f.source_unit_name : ''}${f.source_doc ? ' · ' + f.source_doc : ''}</span>
          </li>`;
      })}
    </ul>`;
}

function Why({ item, facts, testid, cat }) {
  return html`
    <div class="why" data-testid=${testid} data-rule=${item.rule_id} data-category=${cat || ''}>
      <div class="row wrap">
        <span class="rule-id mono">${item.rule_id}</span>
        <strong class="grow">${item.rule_name}</strong>
      </div>
      ${item.basis && html`<div class="basis" data-testid="why-basis">${t('basis')}${colon()}${item.basis}</div>`}
      ${item.reason && html`<div class="reason">${item.reason}</div>`}
      <${FactList} ids=${item.fact_ids} facts=${facts} />
    </div>`;
}

// Every fact id an explanation names.
function explanationFactIds(x) {
  const ids = new Set();
  const add = (o) => { for (const id of (o && o.fact_ids) || []) ids.add(id); };
  if (!x) return ids;
  add(x.hard_trigger);
  (x.categories || []).forEach(add);
  ((x.guardianship && x.guardianship.reasons) || []).forEach(add);
  (x.scores || []).forEach(add);
  (x.triggers || []).forEach(add);
  return ids;
}

async function loadFacts(person, wanted) {
  const out = {};
  const put = (items, owner) => { for (const f of items) out[f.id] = { ...f, owner }; };
  try { put((await get('/persons/' + person.id + '/facts')).items, t('self')); } catch { /* shown by Facts */ }
  const missing = () => [...wanted].some((id) => !out[id]);
  const seen = new Set();
  for (const r of (person.relations || []).slice(0, 12)) {
    if (!missing()) break;
    if (seen.has(r.person.id)) continue;
    seen.add(r.person.id);
    try {
      put((await get('/persons/' + r.person.id + '/facts')).items, `${r.direction === 'of_this' ? r.kind_name : ''} ${r.person.name}`.trim());
    } catch { /* out of scope: the fact stays unnamed */ }
  }
  return out;
}

// A step chart of the level over time from the level events (before → after).
function LevelChart({ history, current }) {
  const ev = (history || []).filter((e) => e.kind === 'level_raised' || e.kind === 'level_lowered')
    .map((e) => ({ t: Date.parse(e.at.replace(' ', 'T')), before: e.before ?? 0, after: e.after ?? 0 }))
    .filter((e) => !Number.isNaN(e.t)).sort((a, b) => a.t - b.t);
  if (!ev.length) return null;
  const W = 320, H = 96, L = isEnglish() ? 40 : 26, R = 6, T = 6, B = 18;
  const t0 = ev[0].t - 86400000, t1 = Math.max(Date.now(), ev[ev.length - 1].t + 86400000);
  const x = (tm) => L + ((W - L - R) * (tm - t0)) / (t1 - t0);
  const y = (lv) => T + ((H - T - B) * (4 - lv)) / 4;
  let d = `M${x(t0)},${y(ev[0].before)}`;
  for (const e of ev) d += ` H${x(e.t).toFixed(1)} V${y(e.after).toFixed(1)}`;
  d += ` H${x(t1)}`;
  const last = current ?? ev[ev.length - 1].after;
  const fmt = (tm) => new Date(tm).toISOString().slice(0, 10);
  return html`
    <svg class="level-chart" viewBox=${`0 0 ${W} ${H}`} role="img" aria-label=${t('level_over_time')} data-testid="level-chart">
      ${[1, 2, 3, 4].map((lv) => html`
        <line x1=${L} x2=${W - R} y1=${y(lv)} y2=${y(lv)} class=${'grid lv-' + LEVEL_CODES[lv]} />
        <text x=${L - 4} y=${y(lv) + 4} text-anchor="end" class="axis">${levelName(lv)}</text>`)}
      <line x1=${L} x2=${W - R} y1=${y(0)} y2=${y(0)} class="grid" />
      <path d=${d} class=${'step lv-' + LEVEL_CODES[levelNum(last)]} />
      <text x=${L} y=${H - 4} class="axis">${fmt(t0)}</text>
      <text x=${W - R} y=${H - 4} text-anchor="end" class="axis">${fmt(t1)}</text>
    </svg>`;
}

function eventText(e, cats) {
  const c = e.category ? categoryName(cats, e.category) : '';
  switch (e.kind) {
    case 'category_gained': return t('ev_gained') + c;
    case 'category_lost': return t('ev_lost') + c;
    case 'level_raised': return `${t('ev_raised')} ${levelName(e.before)} → ${levelName(e.after)}`;
    case 'level_lowered': return `${t('ev_lowered')} ${levelName(e.before)} → ${levelName(e.after)}`;
    default: return e.kind;
  }
}

// Events (categories gained or lost, level raised or lowered) and the officers' decisions,
// newest first.
function History({ s, cats }) {
  const rows = [
    ...(s.history || []).map((e) => ({ at: e.at, e })),
    ...(s.decisions || []).map((d) => ({ at: d.decided_at, d })),
  ].sort((a, b) => String(b.at).localeCompare(String(a.at)) || (b.e ? b.e.id : 0) - (a.e ? a.e.id : 0));
  if (!rows.length) return null;
  return html`
    <details class="history" data-testid="screening-history" open=${rows.length <= 8}>
      <summary>${t('screening_history')}</summary>
      <${LevelChart} history=${s.history} current=${s.effective_level} />
      <ol class="timeline">
        ${rows.map(({ e, d }) => e
          ? html`
            <li data-testid="history-row" data-kind=${e.kind}>
              <strong>${eventText(e, cats)}</strong>
              <div class="muted small">${fmtTime(e.at)}${e.rule_version ? ' · ' + t('rule_version') + ' ' + e.rule_version : ''}</div>
            </li>`
          : html`
            <li data-testid="decision-row" class="decision">
              <strong>${d.decision === 'confirm' ? t('decided_confirm') : t('decided_reject')}${colon()}${categoryName(cats, d.category)}</strong>
              <div class="muted small">${d.decided_by_name} · ${fmtTime(d.decided_at)}${d.reason ? ' · ' + d.reason : ''}</div>
            </li>`)}
      </ol>
    </details>`;
}

export function ScreeningPanel({ person, user }) {
  const [s, setS] = useState(null);
  const [cats, setCats] = useState(null);
  const [facts, setFacts] = useState({});
  const [error, setError] = useState(null);
  const [dialog, setDialog] = useState(null); // { kind: 'reject'|'override', category }
  const [form, setForm] = useState({});
  const [dlgError, setDlgError] = useState(null);
  const [busy, setBusy] = useState(false);

  const show = async (r) => {
    setS(r);
    setError(null);
    setFacts(await loadFacts(person, explanationFactIds(r.explanation)));
  };
  const load = () => get('/persons/' + person.id + '/screening').then(show, setError);
  useEffect(() => {
    load();
    loadCategories().then(setCats, () => {});
  }, [person.id]);

  if (error) return html`<section class="card screening"><p class="error" data-testid="screening-error">${errorText(error)}</p></section>`;
  if (!s) return html`<section class="card screening"><p class="muted">${t('loading')}</p></section>`;

  const x = s.explanation;
  const mayDecide = canDecide(user);
  if (!s.computed && !s.override && !(s.memberships || []).length && !(s.history || []).length) {
    return html`<section class="card screening" data-testid="screening-panel">
      <div class="row wrap"><h2 class="grow">${t('screening_result')}</h2>
        <${LevelBadge} level=${0} testid="effective-level" /></div>
      <p class="muted small" data-testid="no-categories">${t('not_flagged')}</p></section>`;
  }
  const act = async (fn) => {
    setBusy(true);
    try {
      const r = await fn();
      if (r && r.person_id !== undefined) await show(r);
      else await load();
      setDialog(null);
      setDlgError(null);
    } catch (err) {
      if (dialog) setDlgError(err); else setError(err);
    } finally {
      setBusy(false);
    }
  };
  const decide = (category, decision, reason) => act(() => post('/persons/' + person.id + '/screening/decisions',
    reason ? { category, decision, reason } : { category, decision }));
  const openOverride = () => {
    setForm({ level: LEVEL_CODES[levelNum(s.effective_level)] || 'none', reason: '', expires_on: addMonths(new Date(), 3) });
    setDlgError(null);
    setDialog({ kind: 'override' });
  };
  const openReject = (category) => {
    setForm({ reason: '' });
    setDlgError(null);
    setDialog({ kind: 'reject', category });
  };
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  const eff = levelNum(s.effective_level ?? (s.computed && s.computed.level));
  const comp = s.computed ? levelNum(s.computed.level) : 0;
  const whyOf = (code) => x && (x.categories || []).find((c) => c.code === code);
  const memberships = s.memberships || [];
  const lastDecision = (code) => (s.decisions || []).filter((d) => d.category === code).sort((a, b) => b.id - a.id)[0];
  const rating = (s.computed && s.computed.guardianship) || (x && x.guardianship && x.guardianship.rating);

  return html`
    <section class="card screening" data-testid="screening-panel">
      <div class="row wrap">
        <h2 class="grow">${t('screening_result')}</h2>
        ${s.computed && html`<span class="muted small" data-testid="screening-asof">${t('as_of')} ${s.computed.eval_date} · ${t('rule_version')} ${s.computed.rule_version}</span>`}
      </div>
      <div class="level-row">
        <div class="level-box">
          <${LevelBadge} level=${eff} big testid="effective-level" />
          <span class="muted small">${s.override ? t('level_adjusted') : t('risk_level')}</span>
        </div>
        ${s.override && html`
          <div class="override" data-testid="override">
            <div class="row wrap"><span class="muted">${t('computed_level')}</span>
              <${LevelBadge} level=${comp} testid="computed-level" />
              ${s.override.computed !== undefined && levelNum(s.override.computed) !== comp && html`
                <span class="muted small" data-testid="computed-then">${t('computed_then')}${levelName(s.override.computed)}${t('computed_then_end')}</span>`}</div>
            <div data-testid="override-reason">${t('override_reason')}${colon()}${s.override.reason}</div>
            <div class="muted small">${t('expires_on')} ${s.override.expires_on || '–'} · ${s.override.created_by_name || ''} ${fmtTime(s.override.created_at)}</div>
          </div>`}
        <dl class="facts-grid grow">
          ${s.computed && html`<dt>${t('risk_score')}</dt><dd data-testid="screening-score">${s.computed.score ?? '–'}</dd>`}
          <dt>${t('guardianship_rating')}</dt><dd data-testid="guardianship-rating">${rating || '–'}</dd>
        </dl>
      </div>
      ${mayDecide && html`
        <div class="row wrap">
          <button class="secondary" data-testid="override-open" onClick=${openOverride}>${t('adjust_level')}</button>
          ${s.override && html`<button class="secondary" data-testid="override-clear" disabled=${busy}
            onClick=${() => act(() => del('/persons/' + person.id + '/screening/override'))}>${t('clear_override')}</button>`}
        </div>`}

      ${x && x.hard_trigger && html`
        <div class="hard" data-testid="hard-trigger">
          <h3>${t('hard_trigger')}</h3>
          <${Why} item=${x.hard_trigger} facts=${facts} testid="why-hard" />
          ${(x.triggers || []).filter((tr) => tr.rule_id !== x.hard_trigger.rule_id).map((tr) => html`
            <${Why} item=${tr} facts=${facts} testid="why-trigger" />`)}
        </div>`}

      <h3>${t('categories')}</h3>
      ${!memberships.length && html`<p class="muted" data-testid="no-categories">${t('no_categories')}</p>`}
      <ul class="memberships">
        ${memberships.map((m) => {
          const why = whyOf(m.category);
          const dec = lastDecision(m.category);
          return html`
            <li data-testid="membership" data-category=${m.category} data-status=${m.status}>
              <div class="row wrap">
                <strong class="grow">${m.name || categoryName(cats, m.category)}</strong>
                <em class=${'chip st-' + m.status} data-testid="membership-status">${t(STATUS_KEYS[m.status] || m.status)}</em>
              </div>
              ${mayDecide && m.status === 'suggested' && html`
                <div class="row wrap decide">
                  <button class="small-btn" data-testid="confirm-category" disabled=${busy}
                    onClick=${() => decide(m.category, 'confirm')}>${t('ms_confirm')}</button>
                  <button class="small-btn secondary" data-testid="reject-category" disabled=${busy}
                    onClick=${() => openReject(m.category)}>${t('ms_reject')}</button>
                </div>`}
              ${m.since && html`<div class="muted small">${t('since')} ${fmtTime(m.since)}</div>`}
              ${m.status === 'rejected' && dec && dec.reason && html`<div class="muted small">${t('reject_reason')}${colon()}${dec.reason}</div>`}
              ${m.status !== 'suggested' && dec && html`<div class="muted small" data-testid="decided-by">${t('decided_by')} ${dec.decided_by_name} · ${fmtTime(dec.decided_at)}</div>`}
              ${why && html`<${Why} item=${why} facts=${facts} testid="why-category" cat=${m.category} />`}
            </li>`;
        })}
      </ul>
      ${!x && html`<p class="muted small" data-testid="no-explanation">${t('no_explanation')}</p>`}

      ${x && x.guardianship && (x.guardianship.reasons || []).length > 0 && html`
        <details class="more"><summary>${t('guardianship_reasons')}（${x.guardianship.rating}）</summary>
          ${x.guardianship.reasons.map((r) => html`<${Why} item=${r} facts=${facts} testid="why-guardianship" />`)}
        </details>`}
      ${x && (x.scores || []).length > 0 && html`
        <details class="more" data-testid="scores"><summary>${t('score_items')}（${x.score}）</summary>
          <ul class="plain">
            ${x.scores.map((sc) => html`<li><span class="mono">${sc.rule_id}</span> ${sc.rule_name}${colon()}<strong>+${sc.points}</strong>
              <span class="muted small">${sc.reason}</span><${FactList} ids=${sc.fact_ids} facts=${facts} /></li>`)}
          </ul>
        </details>`}
      ${x && x.truncated && html`<p class="muted small">${t('explanation_truncated')}</p>`}

      <${History} s=${s} cats=${cats} />

      ${dialog && dialog.kind === 'reject' && html`
        <${Dialog} title=${t('ms_reject') + colon() + categoryName(cats, dialog.category)} testid="reject-dialog" error=${dlgError}
          onClose=${() => setDialog(null)} onSubmit=${() => decide(dialog.category, 'reject', form.reason.trim())}>
          <label class="field"><span>${t('reject_reason')}</span>
            <input data-testid="reject-reason" required autofocus minlength="2" value=${form.reason} onInput=${set('reason')} /></label>
        </${Dialog}>`}
      ${dialog && dialog.kind === 'override' && html`
        <${Dialog} title=${t('adjust_level')} testid="override-dialog" error=${dlgError} onClose=${() => setDialog(null)}
          onSubmit=${() => act(() => post('/persons/' + person.id + '/screening/override',
            { level: form.level, reason: form.reason.trim(), expires_on: form.expires_on }))}>
          <p class="muted small">${t('computed_level')}${colon()}${levelName(comp)}</p>
          <label class="field"><span>${t('new_level')}</span>
            <select data-testid="override-level" value=${form.level} onChange=${set('level')}>
              ${['red', 'orange', 'yellow', 'blue', 'none'].map((c) => html`<option value=${c}>${levelName(c)}</option>`)}
            </select></label>
          <label class="field"><span>${t('override_reason')}</span>
            <input data-testid="override-reason-input" required autofocus minlength="2" value=${form.reason} onInput=${set('reason')} /></label>
          <label class="field"><span>${t('expires_on')}</span>
            <input type="date" data-testid="override-expires" required value=${form.expires_on} onInput=${set('expires_on')} /></label>
        </${Dialog}>`}
    </section>`;
}
