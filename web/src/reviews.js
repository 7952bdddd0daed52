// reviews.js -- the review queue of doubtful matches: the open (or decided) reviews of the
// user's area, and one review side by side with its candidates (differing fields marked),
// decided with 关联到此人 / 新建人员 / 不予处理 (with a reason).
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { get, post } from './api.js';
import { t, candidatesText, colon, errorText, genderText, localTime, statusText } from './i18n.js';

const html = htm.bind(h);

export function ReviewQueue({ query }) {
  const decided = query.get('status') === 'decided';
  const [items, setItems] = useState(null);
  const [next, setNext] = useState(null);
  const [error, setError] = useState(null);
  const load = async (cursor) => {
    const q = new URLSearchParams({ status: decided ? 'decided' : 'open', limit: '50' });
    if (cursor) q.set('cursor', cursor);
    try {
      const r = await get('/reviews?' + q);
      setItems((old) => (cursor ? old.concat(r.items) : r.items));
      setNext(r.next_cursor);
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => { load(null); }, [decided]);
  return html`
    <h1 class="title">${t('reviews_title')}</h1>
    <p class="muted small">${t('reviews_hint')}</p>
    <nav class="tabs">
      <a class=${decided ? '' : 'on'} data-testid="tab-open" href="#/reviews">${t('open_reviews')}</a>
      <a class=${decided ? 'on' : ''} data-testid="tab-decided" href="#/reviews?status=decided">${t('decided_reviews')}</a>
    </nav>
    ${error && html`<p class="error" role="alert" data-testid="error-banner">${errorText(error)}</p>`}
    <section class="card">
      ${!items && !error && html`<p class="muted">${t('loading')}</p>`}
      ${items && !items.length && html`<p class="muted" data-testid="no-reviews">${t('no_reviews')}</p>`}
      <ul class="list">
        ${(items || []).map((r) => html`
          <li data-testid="review-row" data-id=${r.id} data-status=${r.status}>
            <a href=${'#/reviews/' + r.id}>
              <strong>${r.record.name}</strong>
              <span>${genderText(r.record.gender)} · ${r.record.birth_date || '–'}</span>
              <span class="muted">${r.record.household_region_name || r.region}</span>
              <span class="muted small">${candidatesText(r.candidates_count)} · ${t('from_file')} ${r.file_name} ${t('row_n')}${r.row}${t('row_suffix')}</span>
              ${decided && html`<em class="tag grey">${statusText(r.status)}</em>`}
            </a>
          </li>`)}
      </ul>
      ${next && html`<button class="secondary" onClick=${() => load(next)}>${t('load_more')}</button>`}
    </section>`;
}

const FIELDS = [
  ['name', 'name', (x) => x.name],
  ['gender', 'gender', (x) => genderText(x.gender)],
  ['birth_date', 'birth_date', (x) => x.birth_date || '–'],
  ['id_number', null, (x) => x.id_number || t('no_id')],
  ['region', 'region', (x) => x.household_region_name || x.household_region || '–'],
];

function Candidate({ c, open, onLink, busy }) {
  return html`
    <section class="card cand" data-testid="candidate" data-id=${c.person.id}>
      <div class="row wrap">
        <h3 class="grow">${t('candidate')}<a href=${'#/persons/' + c.person.id}>${c.person.name}</a></h3>
        <span class="tag" data-testid="score" title=${t('score_hint')}>${t('score')} ${c.weight.toFixed(1)}</span>
      </div>
      <dl class="facts-grid">
        ${FIELDS.map(([key, cmp, show]) => html`
          <dt>${t(key)}</dt>
          <dd class=${cmp && c.differs.includes(cmp) ? 'diff' : ''} data-field=${key}
            data-differs=${String(!!(cmp && c.differs.includes(cmp)))}>${show(c.person)}
            ${cmp && html` <small class="muted">(${t('lv_' + c.compare[cmp])})</small>`}</dd>`)}
      </dl>
      ${open && html`<button data-testid="link" disabled=${busy} onClick=${onLink}>${t('link_to')}</button>`}
    </section>`;
}

// Whom a decision linked the row to (a shown candidate), or the person it created (the
// row's own record); the id when neither is at hand.
function decidedName(rv) {
  const c = rv.candidates.find((x) => x.person.id === rv.person_id);
  return c ? c.person.name : rv.status === 'created' ? rv.record.name : '#' + rv.person_id;
}

export function ReviewPage({ id }) {
  const [rv, setRv] = useState(null);
  const [error, setError] = useState(null);
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => { get('/reviews/' + id).then(setRv, setError); }, [id]);

  const decide = async (body) => {
    setBusy(true);
    try {
      setRv(await post('/reviews/' + id + '/decision', body));
      setError(null);
      setAsking(false);
    } catch (err) {
      setError(err);
    }
    setBusy(false);
  };
  if (!rv) return error ? html`<p class="error pad" data-testid="error-banner">${errorText(error)}</p>`
    : html`<p class="muted pad">${t('loading')}</p>`;
  const open = rv.status === 'open';
  const differsAny = (f) => rv.candidates.some((c) => c.differs.includes(f));
  return html`
    <nav class="crumbs"><a href="#/reviews">${t('back_to_queue')}</a></nav>
    <h1 class="title">${t('review_title')} <small class="muted">${rv.file_name} ${t('row_n')}${rv.row}${t('row_suffix')}</small></h1>
    ${error && !asking && html`<p class="error" role="alert" data-testid="error-banner">${errorText(error)}</p>`}
    ${!open && html`
      <p class="card ok" data-testid="decided">
        ${rv.status === 'dismissed' ? html`${t('decided_dismissed')}${colon()}${rv.reason}`
          : html`${t(rv.status === 'linked' ? 'decided_linked' : 'decided_created')} ${rv.person_id
            ? html`<a href=${'#/persons/' + rv.person_id} data-testid="decided-person">${decidedName(rv)}</a>` : '–'}`}
        <span class="muted small"> · ${t('decided_by')} ${rv.decided_by} · ${localTime(rv.decided_at)}</span>
      </p>`}
    ${open && rv.candidates.length > 0 && html`<p class="muted small">${t('score_hint')}</p>`}
    <div class="side">
      <section class="card record" data-testid="record">
        <h3>${t('imported_record')}</h3>
        <dl class="facts-grid">
          ${FIELDS.map(([key, cmp, show]) => html`
            <dt>${t(key)}</dt><dd class=${cmp && differsAny(cmp) ? 'diff' : ''}>${show(rv.record)}</dd>`)}
        </dl>
        <details><summary class="small">${t('original_row')}</summary>
          <dl class="facts-grid small">${rv.cells.map((c) => html`<dt>${c.header}</dt><dd>${c.value}</dd>`)}</dl>
        </details>
      </section>
      ${rv.candidates.map((c) => html`<${Candidate} c=${c} open=${open} busy=${busy}
        onLink=${() => decide({ decision: 'link', person_id: c.person.id })} />`)}
    </div>
    ${rv.candidates_hidden > 0 && html`<p class="muted small">${rv.candidates_hidden} ${t('hidden_candidates')}</p>`}
    ${open && html`
      <section class="card">
        <div class="row wrap">
          <button class="secondary" data-testid="create-new" disabled=${busy} onClick=${() => decide({ decision: 'new' })}>${t('create_new')}</button>
          <button class="secondary" data-testid="dismiss" disabled=${busy} onClick=${() => setAsking(true)}>${t('dismiss')}</button>
        </div>
        ${asking && html`
          <form class="row wrap" onSubmit=${(e) => { e.preventDefault(); decide({ decision: 'dismiss', reason }); }}>
            <input class="grow" data-testid="dismiss-reason" placeholder=${t('dismiss_reason')} value=${reason}
              aria-label=${t('dismiss_reason')} required onInput=${(e) => setReason(e.target.value)} />
            <button data-testid="dismiss-confirm" disabled=${busy}>${t('confirm')}</button>
          </form>
          ${error && html`<p class="error error-near" role="alert" data-testid="dismiss-error">${errorText(error)}</p>`}`}
      </section>`}`;
}
