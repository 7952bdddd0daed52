// imports.js -- department extracts: the upload page (profile, region, date, source unit,
// file → dry run with counts and reasons → the import with a progress bar → result, the
// rejected-rows download and the way to the review queue) and the imports list (history,
// undo with confirmation).
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { get, getDownload, post, upload, waitJob } from './api.js';
import { t, colon, errorText, genderText, isEnglish, localTime, statusText } from './i18n.js';

const html = htm.bind(h);

const COUNTS = ['created', 'updated', 'linked', 'facts_added', 'facts_replaced', 'facts_ended',
  'relations_added', 'review', 'rejected'];

// The persons counted, listed: a stored import's created, updated and linked counts are
// links to those persons (#/imports/ID/persons?action=…).
const PERSON_COUNTS = { created: 'created', updated: 'updated', linked: 'linked' };

export function Counts({ c, importId }) {
  const value = (k) => {
    const n = c[k] ?? 0;
    return importId && n > 0 && PERSON_COUNTS[k]
      ? html`<a href=${`#/imports/${importId}/persons?action=${PERSON_COUNTS[k]}`} data-testid=${'persons-' + k}>${n}</a>` : n;
  };
  return html`
    <dl class="counts" data-testid="counts">
      <div><dt>${t('rows')}</dt><dd data-testid="count-rows">${c.rows}</dd></div>
      ${COUNTS.map((k) => html`
        <div class=${k === 'rejected' && c[k] ? 'bad' : k === 'review' && c[k] ? 'warn' : ''}>
          <dt>${t('cnt_' + k)}</dt><dd data-testid=${'count-' + k}>${value(k)}</dd></div>`)}
    </dl>`;
}

// The persons an import created, updated or linked, as the persons list shows them (scoped
// and masked by the server; a page of it is an audited read).
export function ImportPersons({ id, query }) {
  const action = query.get('action') || '';
  const [items, setItems] = useState(null);
  const [next, setNext] = useState(null);
  const [error, setError] = useState(null);
  const load = async (cursor) => {
    const q = new URLSearchParams({ import: id, limit: '100' });
    if (action) q.set('action', action);
    if (cursor) q.set('cursor', cursor);
    try {
      const r = await get('/persons?' + q);
      setItems((old) => (cursor ? old.concat(r.items) : r.items));
      setNext(r.next_cursor);
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => { load(null); }, [id, action]);
  return html`
    <nav class="crumbs"><a href="#/imports">${t('nav_imports')}</a></nav>
    <h1 class="title">${t('import_persons')} <small class="muted">#${id}${action ? ' · ' + t('cnt_' + action) : ''}</small></h1>
    ${error && html`<p class="error" role="alert" data-testid="error-banner">${errorText(error)}</p>`}
    <section class="card">
      ${!items && !error && html`<p class="muted">${t('loading')}</p>`}
      ${items && !items.length && html`<p class="muted">${t('no_persons')}</p>`}
      <ul class="list">
        ${(items || []).map((p) => html`
          <li data-testid="person-row" data-id=${p.id}>
            <a href=${'#/persons/' + p.id}>
              <strong>${p.name}</strong>
              <span>${genderText(p.gender)} · ${p.birth_date || '–'}</span>
              <span class="muted mono">${p.id_number || t('no_id')}</span>
              <span class="muted">${p.household_region_name || ''}</span>
            </a>
          </li>`)}
      </ul>
      ${next && html`<button class="secondary" onClick=${() => load(next)}>${t('load_more')}</button>`}
    </section>`;
}

function Reasons({ res }) {
  if (!res.reasons || !res.reasons.length) return null;
  return html`
    <div class="subcard">
      <h3>${t('reject_reasons')}</h3>
      <ul class="plain" data-testid="reasons">
        ${res.reasons.map((r) => html`<li data-testid="reason" data-code=${r.code}><strong>${r.count}</strong> × ${errorText(r)}</li>`)}
      </ul>
      <ul class="plain small muted" data-testid="samples">
        ${res.samples.map((s) => html`<li>${t('row_n')}${s.row}${t('row_suffix')}${colon()}${errorText(s)}</li>`)}
      </ul>
    </div>`;
}

// The file's columns as the chosen profile reads them: those it ignores are shown, as a
// wrong choice of profile (a 低保 list read as 外出务工) shows there first.
function Columns({ res }) {
  const cols = res.columns || [];
  const read = cols.filter((c) => c.field), ignored = cols.filter((c) => !c.field);
  if (!cols.length) return null;
  return html`
    <div class="subcard" data-testid="columns">
      <p class="small"><strong>${t('columns_read')}</strong>${colon()}${read.map((c) =>
        c.header === c.field ? c.header : `${c.header} → ${c.field}`).join(isEnglish() ? ', ' : '、') || '—'}</p>
      ${ignored.length > 0 && html`
        <p class="small warn" data-testid="columns-ignored"><strong>${t('columns_ignored')}</strong>${colon()}${
          ignored.map((c) => c.header).join(isEnglish() ? ', ' : '、')}</p>
        <p class="small muted">${t('columns_warning')}</p>`}
    </div>`;
}

function Progress({ job }) {
  const queued = !job || job.status === 'queued';
  const pct = job && job.total ? Math.round((100 * job.done) / job.total) : 0;
  return html`
    <div class="progress" data-testid="progress" data-status=${job ? job.status : 'queued'}
      role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${pct}>
      <span class="bar"><span class="fill" style=${`width:${pct}%`}></span></span>
      <span class="small muted">${queued ? t('job_queued') : `${pct}% · ${job.rows} ${t('rows')}`}</span>
    </div>`;
}

// The local date (the extract's date defaults to today where the clerk is, not in UTC).
const today = () => {
  const d = new Date();
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
  return d.toISOString().slice(0, 10);
};

const rejects = (id) => getDownload('/imports/' + id + '/rejects', `import-${id}-rejects.csv`);

export function ImportPage({ user }) {
  const [profiles, setProfiles] = useState([]);
  const [regions, setRegions] = useState([]);
  const [units, setUnits] = useState([]);
  const [form, setForm] = useState({ profile: '', region: user.region_code, date: today(), unit: '' });
  const [file, setFile] = useState(null);
  const [phase, setPhase] = useState('form'); // form, checking, checked, importing, done
  const [job, setJob] = useState(null);
  const [dry, setDry] = useState(null);
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);

  useEffect(() => {
    get('/import-profiles').then((r) => setProfiles(r.items), setError);
    Promise.all([get('/regions/' + user.region_code), get('/regions/' + user.region_code + '/children')]).then(
      ([me, kids]) => setRegions([{ code: me.code, name: me.name }, ...kids.items]), () => {});
    get('/units?region=' + encodeURIComponent(user.region_code)).then((r) => setUnits(r.items), () => {});
  }, []);

  const set = (k) => (e) => { setForm({ ...form, [k]: e.target.value }); setPhase('form'); setDry(null); };
  const query = (dryRun) => {
    const q = new URLSearchParams({ profile: form.profile, region: form.region, file_name: file.name });
    if (form.date) q.set('date', form.date);
    if (form.unit) q.set('source_unit', form.unit);
    if (dryRun) q.set('dry_run', '1');
    return '/imports?' + q;
  };
  const run = async (dryRun) => {
    setError(null);
    if (!form.profile || !file) { setError({ key: 'file_required' }); return; }
    if (!file.size) { setError({ key: 'file_empty' }); return; }
    setPhase(dryRun ? 'checking' : 'importing');
    setJob(null);
    try {
      const r = await upload(query(dryRun), file);
      const j = await waitJob(r.job.id, setJob);
      if (j.status === 'failed') {
        setError(j.error);
        setPhase('form');
        return;
      }
      if (dryRun) { setDry(j.result); setPhase('checked'); } else { setResult(j.result); setPhase('done'); }
    } catch (err) {
      setError(err);
      setPhase('form');
    }
  };
  const reset = () => { setFile(null); setDry(null); setResult(null); setJob(null); setPhase('form'); };
  const prof = profiles.find((p) => p.name === form.profile);
  const busy = phase === 'checking' || phase === 'importing';

  return html`
    <h1 class="title">${t('import_title')}</h1>
    ${phase !== 'done' && html`<section class="card">
      <p class="muted small">${t('import_hint')}</p>
      ${error && html`<p class="error" role="alert" data-testid="error-banner">${error.key ? t(error.key) : errorText(error)}</p>`}
      ${html`
        <form data-testid="import-form" onSubmit=${(e) => { e.preventDefault(); run(true); }}>
          <label class="field"><span>${t('profile')}</span>
            <select name="profile" data-testid="import-profile" value=${form.profile} onChange=${set('profile')} disabled=${busy}>
              <option value="">${t('choose')}</option>
              ${profiles.map((p) => html`<option value=${p.name}>${isEnglish() ? p.title_en : p.title}</option>`)}
            </select></label>
          ${prof && html`<p class="small muted" data-testid="profile-columns">${t('columns_needed')}：${prof.columns.map((c) => c.header + (c.required ? '*' : '')).join('、')}</p>`}
          <div class="row wrap">
            <label class="field"><span>${t('import_region')}</span>
              <select name="region" data-testid="import-region" value=${form.region} onChange=${set('region')} disabled=${busy}>
                ${regions.map((r) => html`<option value=${r.code}>${r.name}</option>`)}
              </select></label>
            <label class="field"><span>${t('extract_date')}</span>
              <input type="date" name="date" data-testid="import-date" value=${form.date} onInput=${set('date')} disabled=${busy} /></label>
          </div>
          <label class="field"><span>${t('source_unit_opt')}</span>
            <select name="unit" data-testid="import-unit" value=${form.unit} onChange=${set('unit')} disabled=${busy}>
              <option value="">—</option>
              ${units.map((u) => html`<option value=${u.id}>${u.name}</option>`)}
            </select></label>
          <label class="field"><span>${t('file')}</span>
            <input type="file" name="file" data-testid="import-file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
              disabled=${busy} onChange=${(e) => { setFile(e.target.files[0] || null); setPhase('form'); setDry(null); }} /></label>
          <div class="row wrap">
            <button data-testid="dry-run" disabled=${busy}>${t('dry_run')}</button>
          </div>
        </form>`}
      ${busy && html`<p class="muted">${t(phase)}</p><${Progress} job=${job} />`}
    </section>`}
    ${dry && phase !== 'done' && html`
      <section class="card" data-testid="dry-run-result">
        <h2>${t('dry_run_result')}</h2>
        <${Counts} c=${dry} />
        <${Columns} res=${dry} />
        <${Reasons} res=${dry} />
        <div class="row wrap">
          <button data-testid="confirm-import" disabled=${busy} onClick=${() => run(false)}>${t('confirm_import')}</button>
        </div>
      </section>`}
    ${result && html`
      <section class="card" data-testid="import-result">
        <h2 class="ok">${t('import_done')} ${result.resumed ? t('resumed') : ''}</h2>
        ${error && html`<p class="error" role="alert" data-testid="error-banner">${errorText(error)}</p>`}
        <${Progress} job=${job} />
        <${Counts} c=${result} importId=${result.import_id} />
        <${Reasons} res=${result} />
        <div class="row wrap">
          ${result.rejected > 0 && html`<button class="secondary" data-testid="download-rejects"
            onClick=${() => rejects(result.import_id).catch(setError)}>${t('download_rejects')}</button>`}
          ${result.review > 0 && html`<a class="button" data-testid="go-reviews" href="#/reviews">${t('go_reviews')}</a>`}
          <a class="button secondary" href="#/imports">${t('nav_imports')}</a>
          <button class="secondary" onClick=${reset}>${t('import_another')}</button>
        </div>
      </section>`}`;
}

// A count of persons in the imports list, a link to them while the import stands.
function personsLink(m, action) {
  const n = m.counts[action] ?? 0;
  return n > 0 && m.status !== 'undone' ? html`<a href=${`#/imports/${m.id}/persons?action=${action}`}>${n}</a>` : n;
}

export function ImportsList() {
  const [items, setItems] = useState(null);
  const [profiles, setProfiles] = useState({});
  const [asking, setAsking] = useState(0);
  const [error, setError] = useState(null);
  const load = () => get('/imports').then((r) => setItems(r.items), setError);
  useEffect(() => {
    load();
    get('/import-profiles').then((r) => setProfiles(Object.fromEntries(r.items.map((p) => [p.name, p]))), () => {});
  }, []);
  const undo = async (id) => {
    try {
      await post('/imports/' + id + '/undo', {});
      setAsking(0);
      setError(null);
      load();
    } catch (err) {
      setError(err);
    }
  };
  const title = (name) => (profiles[name] ? (isEnglish() ? profiles[name].title_en : profiles[name].title) : name);
  if (!items && !error) return html`<p class="muted pad">${t('loading')}</p>`;
  return html`
    <div class="row wrap"><h1 class="title grow">${t('imports_title')}</h1>
      <a class="button" href="#/imports/new">${t('nav_import')}</a></div>
    ${error && html`<p class="error" role="alert" data-testid="error-banner">${errorText(error)}</p>`}
    ${items && !items.length && html`<p class="muted">${t('no_imports')}</p>`}
    ${(items || []).map((m) => html`
      <section class="card" data-testid="import-row" data-id=${m.id} data-status=${m.status}>
        <div class="row wrap">
          <strong class="grow">${m.file_name}</strong>
          <em class=${'tag' + (m.status === 'done' ? '' : ' grey')} data-testid="import-status">${statusText(m.status)}</em>
        </div>
        <p class="small muted">${title(m.profile)} · ${m.extract_date} · ${t('by')} ${m.created_by} · ${localTime(m.created_at)}</p>
        <p class="small">${t('rows')} ${m.counts.rows ?? m.rows_total} · ${t('cnt_created')} ${personsLink(m, 'created')} ·
          ${t('cnt_linked')} ${personsLink(m, 'linked')} · ${t('cnt_facts_added')} ${m.counts.facts_added ?? 0} ·
          ${t('cnt_review')} ${m.counts.review ?? 0}${m.reviews_open && m.status !== 'undone' ? html` (<a href="#/reviews" data-testid="reviews-open">${t('st_open')} ${m.reviews_open}</a>)` : ''} ·
          ${t('cnt_rejected')} ${m.counts.rejected ?? 0}</p>
        <div class="row wrap">
          ${m.counts.rejected > 0 && html`<button class="secondary" onClick=${() => rejects(m.id).catch(setError)}>${t('rejects_file')}</button>`}
          ${(m.status === 'done' || m.status === 'failed') && asking !== m.id &&
            html`<button class="secondary" data-testid="undo" onClick=${() => setAsking(m.id)}>${t('undo')}</button>`}
        </div>
        ${asking === m.id && html`
          <div class="subcard" data-testid="undo-confirm">
            <p>${t('undo_confirm')}</p>
            <div class="row wrap">
              <button data-testid="undo-yes" onClick=${() => undo(m.id)}>${t('confirm')}</button>
              <button class="secondary" onClick=${() => setAsking(0)}>${t('cancel')}</button>
            </div>
          </div>`}
      </section>`)}`;
}
