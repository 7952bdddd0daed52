// registers.js -- the screening registers (筛查台账): for a region and a category (or all
// flagged children), the counts per township (county view) or village (township view) as a
// horizontal bar chart with the 红 part highlighted, a click on a bar drills down, and the
// children listed with their level badges, linked to their profiles. Without a category an
// overview of every category with its total opens the page.
// Route: #/registers?region=CODE&category=CODE&min_level=N
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { get, getDownload } from './api.js';
import { t, errorText, genderText, colon } from './i18n.js';
import { LevelBadge, levelName, loadCategories, categoryName } from './screening.js';

const html = htm.bind(h);

// The register as shown (the region, the category or every flagged child, the level) as
// the official Excel layout, ID numbers masked.
function exportShown(region, category, minLevel) {
  const q = new URLSearchParams({ region, format: 'xlsx', flagged: '1' });
  if (category) q.set('category', category);
  if (minLevel) q.set('min_level', String(minLevel));
  return getDownload('/registers/export?' + q, 'register.xlsx');
}

function hrefOf(region, category, minLevel) {
  const q = new URLSearchParams();
  if (region) q.set('region', region);
  if (category) q.set('category', category);
  if (minLevel) q.set('min_level', String(minLevel));
  return '#/registers?' + q;
}

function CountBars({ counts, region, category, minLevel }) {
  if (!counts || !counts.length) return null;
  const max = Math.max(1, ...counts.map((c) => c.n || 0));
  return html`
    <ul class="bars" data-testid="register-bars">
      ${counts.map((c) => html`
        <li data-testid="register-bar" data-code=${c.code} data-n=${c.n} data-red=${c.red || 0}>
          <a href=${hrefOf(c.code, category, minLevel)}>
            <span class="bar-label">${c.name}</span>
            <span class="bar">
              <span class="fill red" style=${`width:${(100 * (c.red || 0)) / max}%`}></span>
              <span class="fill" style=${`width:${(100 * ((c.n || 0) - (c.red || 0))) / max}%`}></span>
            </span>
            <span class="bar-num"><strong data-testid="bar-n">${c.n}</strong>
              ${c.red > 0 && html` <small class="red-num" data-testid="bar-red">${levelName(4)} ${c.red}</small>`}</span>
          </a>
        </li>`)}
    </ul>
    <p class="muted small"><span class="key red"></span>${levelName(4)} <span class="key"></span>${t('other_levels')}</p>`;
}

// Every category with its total in the region (one count request per category).
function Overview({ region, cats, minLevel }) {
  const [totals, setTotals] = useState(null);
  useEffect(() => {
    let live = true;
    Promise.all(cats.categories.map((c) => {
      const q = new URLSearchParams({ region, category: c.code });
      if (minLevel) q.set('min_level', String(minLevel));
      return get('/screening/registers?' + q).then(
        (r) => ({ code: c.code, total: r.total, red: (r.counts || []).reduce((a, x) => a + (x.red || 0), 0) }),
        () => ({ code: c.code, total: null, red: 0 }));
    })).then((r) => { if (live) setTotals(r); });
    return () => { live = false; };
  }, [region, minLevel]);
  if (!totals) return html`<p class="muted">${t('loading')}</p>`;
  return html`
    <section class="card">
      <h2>${t('by_category')}</h2>
      <ul class="cat-grid" data-testid="category-overview">
        ${totals.map((c) => html`
          <li data-testid="category-total" data-category=${c.code} data-n=${c.total ?? ''}>
            <a href=${hrefOf(region, c.code, minLevel)} class=${c.total ? '' : 'zero'}>
              <span>${categoryName(cats, c.code)}</span>
              <strong>${c.total ?? '–'}</strong>
              ${c.red > 0 && html`<small class="red-num">${levelName(4)} ${c.red}</small>`}
            </a>
          </li>`)}
      </ul>
    </section>`;
}

function Children({ region, category, minLevel, cats, names }) {
  const [items, setItems] = useState(null);
  const [next, setNext] = useState(null);
  const [error, setError] = useState(null);
  const load = async (cursor) => {
    const q = new URLSearchParams({ region, limit: '50' });
    if (category) q.set('category', category);
    if (minLevel) q.set('min_level', String(minLevel));
    if (cursor) q.set('cursor', cursor);
    try {
      const r = await get('/screening/registers/persons?' + q);
      setItems((old) => (cursor ? old.concat(r.items) : r.items));
      setNext(r.next_cursor);
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => { load(null); }, [region, category, minLevel]);
  return html`
    <section class="card">
      <h2>${t('register_children')}</h2>
      ${error && html`<p class="error" data-testid="error-banner">${errorText(error)}</p>`}
      ${!items && !error && html`<p class="muted">${t('loading')}</p>`}
      ${items && !items.length && html`<p class="muted" data-testid="no-register-persons">${t('no_persons')}</p>`}
      <ul class="list">
        ${(items || []).map((p) => html`
          <li data-testid="register-person" data-id=${p.id}>
            <a href=${'#/persons/' + p.id}>
              <${LevelBadge} level=${p.effective_level ?? p.level} />
              <strong>${p.name}</strong>
              <span>${genderText(p.gender)} · ${p.birth_date || '–'}</span>
              ${names[p.region] && html`<span class="muted">${names[p.region]}</span>`}
              ${category && p.status && html`<em class=${'chip st-' + p.status}>${t('ms_' + p.status)}</em>`}
              <span class="tags">${(p.categories || []).map((c) => html`<em class=${'tag' + (c === category ? '' : ' grey')}>${categoryName(cats, c)}</em>`)}</span>
            </a>
          </li>`)}
      </ul>
      ${next && html`<button class="secondary" onClick=${() => load(next)}>${t('load_more')}</button>`}
    </section>`;
}

export function RegistersPage({ query, user }) {
  const region = query.get('region') || user.region_code;
  const category = query.get('category') || '';
  const minLevel = query.get('min_level') || '';
  const [cats, setCats] = useState(null);
  const [info, setInfo] = useState(null);
  const [reg, setReg] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    loadCategories().then(setCats, setError);
    get('/regions/' + region).then(setInfo, () => {});
    const q = new URLSearchParams({ region });
    if (category) q.set('category', category);
    if (minLevel) q.set('min_level', minLevel);
    get('/screening/registers?' + q).then(setReg, setError);
  }, [region, category, minLevel]);
  const go = (r, c, m) => { location.hash = hrefOf(r, c, m); };
  // Region names for the list: the region itself and the subdivisions counted.
  const names = {};
  if (info) names[info.code] = info.name;
  for (const c of (reg && reg.counts) || []) names[c.code] = c.name;
  const path = info ? info.path.filter((p) => p.level >= 3) : [];
  const canExport = user.permissions.includes('REGISTER_EXPORT');
  return html`
    <h1 class="title">${t('registers_title')}</h1>
    <nav class="crumbs" data-testid="register-crumbs">${path.map((p, i) => html`
      ${i > 0 && html`<span class="sep">›</span>`}
      <a href=${hrefOf(p.code, category, minLevel)}>${p.name}</a>`)}</nav>
    <section class="card">
      <div class="row wrap">
        <label class="field"><span>${t('category')}</span>
          <select data-testid="register-category" value=${category} onChange=${(e) => go(region, e.target.value, minLevel)}>
            <option value="">${t('all_flagged')}</option>
            ${cats && cats.categories.map((c) => html`<option value=${c.code}>${categoryName(cats, c.code)}</option>`)}
          </select></label>
        <label class="field"><span>${t('min_level')}</span>
          <select data-testid="register-min-level" value=${minLevel} onChange=${(e) => go(region, category, e.target.value)}>
            <option value="">${t('any_level')}</option>
            ${[4, 3, 2, 1].map((n) => html`<option value=${String(n)}>${levelName(n)}${n < 4 ? t('and_above') : ''}</option>`)}
          </select></label>
      </div>
      ${error && html`<p class="error" data-testid="error-banner">${errorText(error)}</p>`}
      ${reg && html`
        <p data-testid="register-total">
          <strong>${reg.region ? reg.region.name : ''}</strong>
          ${category ? ' · ' + categoryName(cats, category) : ' · ' + t('all_flagged')}${colon()}
          <strong class="big-num" data-testid="register-total-n">${reg.total}</strong> ${t('persons_unit')}</p>`}
      ${reg && html`<${CountBars} counts=${reg.counts} region=${region} category=${category} minLevel=${minLevel} />`}
      ${canExport && html`
        <div class="row wrap">
          <button class="secondary" data-testid="register-export"
            onClick=${() => exportShown(region, category, minLevel).catch(setError)}>${t('export_shown_xlsx')}</button>
          <span class="muted small">${t('export_shown_note')}</span>
        </div>`}
    </section>
    ${!category && cats && html`<${Overview} key=${region + minLevel} region=${region} cats=${cats} minLevel=${minLevel} />`}
    ${cats && html`<${Children} key=${region + category + minLevel} region=${region} category=${category} minLevel=${minLevel} cats=${cats} names=${names} />`}`;
}
