// person.js -- a person's profile: details (masked), reveal with a purpose, correction of
// fields with the version (409 when someone else changed it), family, and the facts
// timeline with recording and correcting facts. The screening result (screening.js) sits
// under the name, above the details.
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { get, post, patch } from './api.js';
import { t, errorText, genderText, isEnglish, localTime } from './i18n.js';
import { Field, fieldErrors, loadCatalog } from './forms.js';
import { ScreeningPanel } from './screening.js';

const html = htm.bind(h);

function Details({ p, user, onSaved, slot }) {
  const [editing, setEditing] = useState(false);
  const [form, setForm] = useState({});
  const [error, setError] = useState(null);
  const [purpose, setPurpose] = useState('');
  const [asking, setAsking] = useState(false);
  const [full, setFull] = useState(null);
  const canReveal = user.permissions.includes('ID_REVEAL') && p.has_id_number;
  const canEdit = user.permissions.includes('PERSON_WRITE');

  const startEdit = () => {
    setForm({ name: p.name, gender: p.gender, birth_date: p.birth_date || '', phone: '' });
    setError(null);
    setEditing(true);
  };
  const save = async (e) => {
    e.preventDefault();
    const body = { version: p.version, name: form.name, gender: form.gender, birth_date: form.birth_date };
    if (form.phone) body.phone = form.phone;
    try {
      onSaved(await patch('/persons/' + p.id, body));
      setEditing(false);
    } catch (err) {
      setError(err);
    }
  };
  const reveal = async (e) => {
    e.preventDefault();
    try {
      setFull((await post('/persons/' + p.id + '/reveal', { purpose })).id_number);
      setAsking(false);
      setError(null);
    } catch (err) {
      setError(err);
    }
  };
  const errs = fieldErrors(error);
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });

  // The name heads the page; the slot (the screening result) comes before the details.
  return html`
    <section class="card">
      <div class="row wrap">
        <h1 class="grow" data-testid="person-name">${p.name}</h1>
        ${canEdit && !editing && html`<button class="secondary" data-testid="edit-person" onClick=${startEdit}>${t('edit')}</button>`}
      </div>
      <p class="muted">${genderText(p.gender)} · ${p.age ?? '–'}${t('years')} · ${p.household_region_name || p.household_region}</p>
      ${error && html`<p class="error" data-testid="error-banner">${errorText(error)}</p>`}
    </section>
    ${slot}
    <section class="card">
      ${!editing && html`
        <dl class="facts-grid">
          <dt>${t('gender')}</dt><dd>${genderText(p.gender)}</dd>
          <dt>${t('birth_date')}</dt><dd>${p.birth_date || '–'} (${p.age ?? '–'}${t('years')})</dd>
          <dt>${t('id_number')}</dt>
          <dd class="mono" data-testid="id-number">${full || p.id_number || t('no_id')}
            ${canReveal && !full && html` <button class="link" data-testid="reveal" onClick=${() => setAsking(true)}>${t('reveal')}</button>`}</dd>
          <dt>${t('ethnicity')}</dt><dd>${p.ethnicity_name || '–'}</dd>
          <dt>${t('household_region')}</dt><dd>${p.household_region_name || p.household_region}</dd>
          <dt>${t('residence_region')}</dt><dd>${p.residence_region_name || '–'}</dd>
          <dt>${t('school')}</dt><dd>${p.school_name || '–'}</dd>
          <dt>${t('phone')}</dt><dd class="mono">${p.phone || '–'}</dd>
          <dt>${t('version')}</dt><dd>${p.version}</dd>
        </dl>`}
      ${asking && html`
        <form class="row wrap" onSubmit=${reveal}>
          <input class="grow" data-testid="reveal-purpose" aria-label=${t('purpose')} required placeholder=${t('purpose')} value=${purpose}
            onInput=${(e) => setPurpose(e.target.value)} />
          <button>${t('reveal')}</button>
        </form>`}
      ${editing && html`
        <form onSubmit=${save} data-testid="edit-form">
          <${Field} label=${t('name')} name="name" errors=${errs}><input name="name" value=${form.name} onInput=${set('name')} /></${Field}>
          <${Field} label=${t('gender')} name="gender" errors=${errs}>
            <select name="gender" value=${form.gender} onChange=${set('gender')}>
              <option value="M">${t('male')}</option><option value="F">${t('female')}</option><option value="U">${t('unknown')}</option>
            </select></${Field}>
          <${Field} label=${t('birth_date')} name="birth_date" errors=${errs}><input name="birth_date" type="date" value=${form.birth_date} onInput=${set('birth_date')} /></${Field}>
          <${Field} label=${t('phone')} name="phone" errors=${errs}><input name="phone" value=${form.phone} onInput=${set('phone')} /></${Field}>
          <div class="row"><button data-testid="save-person">${t('save')}</button>
            <button type="button" class="secondary" onClick=${() => setEditing(false)}>${t('cancel')}</button></div>
        </form>`}
    </section>`;
}

function Family({ relations }) {
  return html`
    <section class="card">
      <h2>${t('family')}</h2>
      <ul class="list">
        ${relations.map((r) => html`
          <li data-testid="relation-row">
            <a href=${'#/persons/' + r.person.id}>
              <strong>${r.person.name}</strong>
              <span>${r.direction === 'of_this' ? r.kind_name : '→ ' + r.kind_name}</span>
              <span class="muted">${genderText(r.person.gender)} · ${r.person.age ?? '–'}${t('years')}</span>
              <span class="tags">${r.is_guardian && html`<em class="tag">${t('guardian')}</em>`}
                ${r.lives_with && html`<em class="tag">${t('lives_with')}</em>`}</span>
            </a>
          </li>`)}
      </ul>
      ${!relations.length && html`<p class="muted">${t('none')}</p>`}
    </section>`;
}

function FactForm({ personId, region, base, onDone, onCancel }) {
  const [cat, setCat] = useState(null);
  const [units, setUnits] = useState([]);
  const [form, setForm] = useState(() => base
    ? { type: base.type, value: base.value || '', valid_from: base.valid_from || '', valid_to: base.valid_to || '',
        source_unit_id: base.source_unit_id ? String(base.source_unit_id) : '', source_doc: base.source_doc || '', note: '' }
    : { type: '', value: '', valid_from: '', valid_to: '', source_unit_id: '', source_doc: '', note: '' });
  const [error, setError] = useState(null);
  useEffect(() => {
    loadCatalog().then(setCat);
    get('/units?region=' + region.slice(0, 9)).then((r) => setUnits(r.items), () => {});
  }, []);
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  const type = cat && cat.fact_types.find((f) => f.code === form.type);
  const submit = async (e) => {
    e.preventDefault();
    const body = { type: form.type };
    for (const k of ['value', 'valid_from', 'valid_to', 'source_doc', 'note']) if (form[k]) body[k] = form[k];
    if (form.source_unit_id) body.source_unit_id = Number(form.source_unit_id);
    if (base) body.supersedes = base.id;
    try {
      await post('/persons/' + personId + '/facts', body);
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  const errs = fieldErrors(error);
  return html`
    <form class="subcard" onSubmit=${submit} data-testid="fact-form">
      <h3>${base ? t('correct') : t('add_fact')}</h3>
      ${error && html`<p class="error" data-testid="error-banner">${errorText(error)}</p>`}
      <${Field} label=${t('fact_type')} name="type" errors=${errs}>
        <select name="type" value=${form.type} onChange=${set('type')} required>
          <option value="">—</option>
          ${cat && cat.fact_types.map((f) => html`<option value=${f.code}>${f.name}</option>`)}
        </select></${Field}>
      <${Field} label=${t('value')} name="value" errors=${errs}>
        ${type && type.values
          ? html`<select name="value" value=${form.value} onChange=${set('value')}><option value="">—</option>
              ${type.values.split('|').map((v) => html`<option value=${v}>${v}</option>`)}</select>`
          : html`<input name="value" value=${form.value} onInput=${set('value')}
              placeholder=${type && type.value_kind === 'disability' ? '4-2' : ''} />`}
      </${Field}>
      <div class="row wrap">
        <${Field} label=${t('valid_from')} name="valid_from" errors=${errs}><input name="valid_from" type="date" value=${form.valid_from} onInput=${set('valid_from')} /></${Field}>
        <${Field} label=${t('valid_to')} name="valid_to" errors=${errs}><input name="valid_to" type="date" value=${form.valid_to} onInput=${set('valid_to')} /></${Field}>
      </div>
      <${Field} label=${t('source_unit')} name="source_unit_id" errors=${errs}>
        <select name="source_unit_id" value=${form.source_unit_id} onChange=${set('source_unit_id')}>
          <option value="">—</option>
          ${units.map((u) => html`<option value=${String(u.id)}>${u.name}</option>`)}
        </select></${Field}>
      <${Field} label=${t('source_doc')} name="source_doc" errors=${errs}><input name="source_doc" value=${form.source_doc} onInput=${set('source_doc')} /></${Field}>
      <${Field} label=${t('note')} name="note" errors=${errs}><input name="note" value=${form.note} onInput=${set('note')} /></${Field}>
      <div class="row"><button data-testid="fact-submit">${t('save')}</button>
        <button type="button" class="secondary" onClick=${onCancel}>${t('cancel')}</button></div>
    </form>`;
}

function Facts({ person, user }) {
  const [items, setItems] = useState(null);
  const [form, setForm] = useState(null); // null | { base }
  const [error, setError] = useState(null);
  const load = () => get('/persons/' + person.id + '/facts').then((r) => setItems(r.items), setError);
  useEffect(() => { load(); }, [person.id]);
  const canWrite = user.permissions.includes('FACT_WRITE');
  return html`
    <section class="card">
      <div class="row wrap">
        <h2 class="grow">${t('facts')}</h2>
        ${canWrite && !form && html`<button data-testid="add-fact" onClick=${() => setForm({ base: null })}>${t('add_fact')}</button>`}
      </div>
      ${error && html`<p class="error">${errorText(error)}</p>`}
      ${form && html`<${FactForm} personId=${person.id} region=${person.household_region} base=${form.base}
        onDone=${() => { setForm(null); load(); }} onCancel=${() => setForm(null)} />`}
      <ol class="timeline">
        ${(items || []).map((f) => html`
          <li data-testid="fact-row" data-current=${String(f.current)} data-id=${f.id} class=${f.current ? '' : 'old'}>
            <div class="row wrap">
              <strong class="grow">${f.type_name}${f.value ? '：' + f.value : ''}</strong>
              ${!f.current && html`<em class="tag grey">${t('corrected')}</em>`}
              ${f.current && canWrite && html`<button class="link" data-testid="correct-fact" onClick=${() => setForm({ base: f })}>${t('correct')}</button>`}
            </div>
            <div class="muted small">
              ${f.valid_from || '…'} – ${f.valid_to || '…'}
              ${f.source_unit_name && ' · ' + f.source_unit_name}${f.source_doc && ' · ' + f.source_doc}
            </div>
            <div class="muted small">${t('recorded')}: ${f.recorded_by_name} · ${localTime(f.recorded_at)}
              ${f.supersedes && html` · ${t('supersedes')} #${f.supersedes}`}</div>
          </li>`)}
      </ol>
      ${items && !items.length && html`<p class="muted">${t('none')}</p>`}
    </section>`;
}

// Where the fields came from: the imports and rows that wrote them, one line a row of a
// file. Read when opened (each reading is audited).
const SOURCE_FIELDS = { name: 'name', gender: 'gender', birth_date: 'birth_date', id_number: 'id_number',
  ethnicity: 'ethnicity', household_region: 'household_region', residence_region: 'residence_region',
  phone: 'phone', school_unit_id: 'school' };
function Sources({ person }) {
  const [items, setItems] = useState(null);
  const [error, setError] = useState(null);
  const open = (e) => { if (e.target.open && !items) get('/persons/' + person.id + '/sources').then((r) => setItems(r.items), setError); };
  const groups = [], order = Object.keys(SOURCE_FIELDS);
  const sorted = [...(items || [])].sort((a, b) => order.indexOf(a.field) - order.indexOf(b.field));
  for (const s of sorted) {
    let g = groups.find((x) => x.hidden === s.hidden && x.import_id === s.import_id && x.row === s.row);
    if (!g) groups.push(g = { ...s, fields: [] });
    g.fields.push(t(SOURCE_FIELDS[s.field] || s.field));
  }
  return html`
    <section class="card">
      <details class="more" data-testid="sources" onToggle=${open}>
        <summary>${t('sources')}</summary>
        ${error && html`<p class="error">${errorText(error)}</p>`}
        ${!items && !error && html`<p class="muted">${t('loading')}</p>`}
        <div>
          ${groups.map((g) => html`
            <div data-testid="source-row" class="source">
              <div><strong>${g.fields.join(isEnglish() ? ', ' : '、')}</strong></div>
              ${g.hidden ? html`<div class="muted small">${t('source_hidden')}</div>` : html`<div class="muted small">
                <a href=${'#/imports/' + g.import_id + '/persons'}>${t('import_n')}${g.import_id}</a>${' · '}
                ${g.file_name} ${t('row_n')}${g.row}${t('row_suffix')}${g.source_unit_name ? ' · ' + g.source_unit_name : ''}
                ${' · '}${t('extract_of')} ${g.extract_date} · ${t('imported_on')} ${localTime(g.imported_at)}
              </div>`}
            </div>`)}
        </div>
        ${items && !items.length && html`<p class="muted">${t('no_sources')}</p>`}
      </details>
    </section>`;
}

export function PersonPage({ id, user }) {
  const [p, setP] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => { get('/persons/' + id).then(setP, setError); }, [id]);
  if (error) return html`<p class="error pad" data-testid="error-banner">${errorText(error)}</p>`;
  if (!p) return html`<p class="muted pad">${t('loading')}</p>`;
  return html`
    <nav class="crumbs"><a href=${'#/regions/' + p.household_region}>${p.household_region_name || t('back')}</a></nav>
    <${Details} p=${p} user=${user} onSaved=${setP} slot=${html`<${ScreeningPanel} person=${p} user=${user} />`} />
    <${Family} relations=${p.relations} />
    <${Facts} person=${p} user=${user} />
    <${Sources} person=${p} />`;
}
