// region.js -- the region tree: breadcrumb, subdivisions with a bar chart of minors, and the
// persons of the region (search, minors only, pages).
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { get, getDownload, postDownload } from './api.js';
import { t, errorText, genderText, isEnglish } from './i18n.js';

const html = htm.bind(h);

export function Breadcrumb({ path }) {
  return html`<nav class="crumbs">${path.map((p, i) => html`
    ${i > 0 && html`<span class="sep">›</span>`}
    <a href=${'#/regions/' + p.code}>${p.name}</a>`)}</nav>`;
}

function Children({ items }) {
  if (!items.length) return null;
  const max = Math.max(1, ...items.map((c) => c.minors || 0));
  return html`
    <section class="card">
      <h2>${t('children')}</h2>
      <ul class="bars">
        ${items.map((c) => html`
          <li data-testid="region-child" data-code=${c.code}>
            <a href=${'#/regions/' + c.code}>
              <span class="bar-label">${c.name}</span>
              <span class="bar"><span class="fill" style=${`width:${(100 * (c.minors || 0)) / max}%`}></span></span>
              <span class="bar-num">${c.minors ?? '–'} <small class="muted">/ ${c.persons ?? '–'}</small></span>
            </a>
          </li>`)}
      </ul>
      <p class="muted small">${t('minors_count')} / ${t('persons_count')}</p>
    </section>`;
}

function Persons({ code }) {
  const [q, setQ] = useState('');
  const [minors, setMinors] = useState(true);
  const [items, setItems] = useState([]);
  const [next, setNext] = useState(null);
  const [error, setError] = useState(null);

  const load = async (cursor, append) => {
    const params = new URLSearchParams({ region: code, limit: '50' });
    if (q.trim()) params.set('q', q.trim());
    if (minors) params.set('minors', '1');
    if (cursor) params.set('cursor', cursor);
    try {
      const r = await get('/persons?' + params);
      setItems(append ? (old) => old.concat(r.items) : r.items);
      setNext(r.next_cursor);
      setError(null);
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => { load(null, false); }, [code, minors]);

  return html`
    <section class="card">
      <div class="row wrap">
        <h2 class="grow">${t('persons')}</h2>
        <a class="button" data-testid="new-person" href=${'#/persons/new?region=' + code}>${t('new_person')}</a>
      </div>
      <form class="row wrap" onSubmit=${(e) => { e.preventDefault(); load(null, false); }}>
        <input class="grow" data-testid="search" type="search" aria-label=${t('search')} placeholder=${t('search')} value=${q}
          onInput=${(e) => setQ(e.target.value)} />
        <label class="check"><input type="checkbox" checked=${minors}
          onChange=${(e) => setMinors(e.target.checked)} /> ${t('only_minors')}</label>
      </form>
      ${error && html`<p class="error" data-testid="error-banner">${errorText(error)}</p>`}
      <ul class="list">
        ${items.map((p) => html`
          <li data-testid="person-row" data-id=${p.id}>
            <a href=${'#/persons/' + p.id}>
              <strong>${p.name}</strong>
              <span>${genderText(p.gender)} · ${p.age ?? '–'}${t('years')}</span>
              <span class="muted mono">${p.id_number || t('no_id')}</span>
              <span class="muted">${p.household_region_name || ''}</span>
            </a>
          </li>`)}
      </ul>
      ${!items.length && !error && html`<p class="muted">${t('no_persons')}</p>`}
      ${next && html`<button class="secondary" onClick=${() => load(next, true)}>${t('load_more')}</button>`}
    </section>`;
}

// The register (台账) of the region as XLSX or CSV: masked by a plain link; with full ID
// numbers only by POST with a stated purpose, for roles that may reveal (audited).
function Export({ code, user }) {
  const [asking, setAsking] = useState(false);
  const [purpose, setPurpose] = useState('');
  const [format, setFormat] = useState('xlsx');
  const [error, setError] = useState(null);
  const canReveal = user.permissions.includes('ID_REVEAL');
  const masked = (f) => getDownload(`/registers/export?region=${encodeURIComponent(code)}&format=${f}`, 'register.' + f)
    .then(() => setError(null), setError);
  const full = async (e) => {
    e.preventDefault();
    try {
      await postDownload('/registers/export', { region: code, format, purpose }, 'register.' + format);
      setAsking(false);
      setError(null);
    } catch (err) {
      setError(err);
    }
  };
  return html`
    <section class="card" data-testid="export">
      <div class="row wrap">
        <h2 class="grow">${t('export_title')}</h2>
        <button class="secondary" data-testid="export-xlsx" onClick=${() => masked('xlsx')}>${t('export_xlsx')}</button>
        <button class="secondary" data-testid="export-csv" onClick=${() => masked('csv')}>${t('export_csv')}</button>
        ${canReveal && html`<button class="secondary" data-testid="export-full" onClick=${() => setAsking(true)}>${t('export_full')}</button>`}
      </div>
      <p class="muted small">${t('export_masked_note')}</p>
      ${error && !asking && html`<p class="error" role="alert" data-testid="error-banner">${errorText(error)}</p>`}
      ${asking && html`
        <div class="overlay" onClick=${(e) => { if (e.target === e.currentTarget) setAsking(false); }}
          onKeyDown=${(e) => { if (e.key === 'Escape') setAsking(false); }}>
          <form class="card dialog" data-testid="export-dialog" onSubmit=${full}>
            <h3>${t('export_full')}</h3>
            <label class="field"><span>${t('export_purpose')}</span>
              <input data-testid="export-purpose" value=${purpose} required minlength="4" autofocus
                onInput=${(e) => setPurpose(e.target.value)} /></label>
            ${error && html`<p class="error error-near" role="alert" data-testid="export-dialog-error">${errorText(error)}</p>`}
            <div class="row wrap">
              <label class="check"><input type="radio" name="fmt" checked=${format === 'xlsx'} onChange=${() => setFormat('xlsx')} /> XLSX</label>
              <label class="check"><input type="radio" name="fmt" checked=${format === 'csv'} onChange=${() => setFormat('csv')} /> CSV</label>
            </div>
            <div class="row wrap">
              <button data-testid="export-full-submit">${t('confirm')}</button>
              <button type="button" class="secondary" onClick=${() => setAsking(false)}>${t('cancel')}</button>
            </div>
          </form>
        </div>`}
    </section>`;
}

export function RegionPage({ code, user }) {
  const [region, setRegion] = useState(null);
  const [children, setChildren] = useState([]);
  const [error, setError] = useState(null);
  useEffect(() => {
    Promise.all([get('/regions/' + code), get('/regions/' + code + '/children')]).then(
      ([r, c]) => { setRegion(r); setChildren(c.items); },
      (err) => setError(err));
  }, [code]);
  if (error) return html`<p class="error pad" data-testid="error-banner">${errorText(error)}</p>`;
  if (!region) return html`<p class="muted pad">${t('loading')}</p>`;
  return html`
    <${Breadcrumb} path=${region.path.filter((p) => p.level >= 3)} />
    <h1 class="title">${region.name} <small class="muted">${isEnglish() ? region.level_name_en : region.level_name}</small></h1>
    <${Children} items=${children} />
    ${region.in_scope && user.permissions.includes('REGISTER_EXPORT') && html`<${Export} code=${region.code} user=${user} />`}
    ${region.in_scope && region.level >= 4 && html`<${Persons} code=${region.code} />`}
    ${!region.in_scope && html`<p class="muted small">${t('in_scope_only')}</p>`}`;
}
