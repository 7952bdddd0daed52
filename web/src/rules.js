// rules.js -- the rule sets (筛查规则) for the county office: the versions with their status,
// one version's text with line numbers (its rules linked to their lines), and the editor of
// a new version prefilled with the published text: 校验 shows a compile error at its
// line:column (the line highlighted), 影响预览 shows per township how many children would
// gain or lose each category and change level, 发布 (after a confirmation) makes it the
// version in force and follows the re-screen of everyone (GET /screening/status).
// Routes: #/rules, #/rules/{version}, #/rules/new?from={version}
import { h } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import { get, post } from './api.js';
import { t, errorText, isEnglish, colon, comma } from './i18n.js';
import { loadCategories, categoryName, fmtTime } from './screening.js';

const html = htm.bind(h);
const LINE = 20; // px, the editor's line height (styles.css .code-edit)

function StatusTag({ status }) {
  return html`<em class=${'tag rs-' + status} data-testid="ruleset-status">${t('rs_' + status)}</em>`;
}

export function RulesList() {
  const [items, setItems] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => { get('/rulesets').then((r) => setItems(r.items), setError); }, []);
  const published = (items || []).find((r) => r.status === 'published');
  return html`
    <div class="row wrap">
      <h1 class="title grow">${t('rules_title')}</h1>
      <a class="button" data-testid="new-ruleset" href=${'#/rules/new' + (published ? '?from=' + published.version : '')}>${t('new_version')}</a>
    </div>
    <p class="muted small">${t('rules_hint')}</p>
    ${error && html`<p class="error" data-testid="error-banner">${errorText(error)}</p>`}
    <${ScreenStatus} canRun />
    <section class="card">
      ${!items && !error && html`<p class="muted">${t('loading')}</p>`}
      <ul class="list">
        ${(items || []).map((r) => html`
          <li data-testid="ruleset-row" data-version=${r.version} data-status=${r.status}>
            <a href=${'#/rules/' + r.version}>
              <strong>${t('version')} ${r.version}</strong>
              <${StatusTag} status=${r.status} />
              <span>${r.label}</span>
              ${r.note && html`<span class="muted small">${r.note}</span>`}
              <span class="muted small">${r.created_by_name || ''} ${fmtTime(r.created_at)}
                ${r.published_at && ` · ${t('published_at')} ${fmtTime(r.published_at)}${r.published_by_name ? ' ' + r.published_by_name : ''}`}</span>
            </a>
          </li>`)}
      </ul>
    </section>`;
}

// The text of a version, read-only, with line numbers; `mark` is a line to highlight.
function CodeView({ source, mark }) {
  const ref = useRef(null);
  useEffect(() => {
    const el = ref.current && mark && ref.current.querySelector(`[data-line="${mark}"]`);
    if (el) el.scrollIntoView({ block: 'center' });
  }, [mark]);
  return html`
    <ol class="code-view" ref=${ref} data-testid="code-view">
      ${source.split('\n').map((l, i) => html`<li data-line=${i + 1} class=${mark === i + 1 ? 'mark' : ''}><code>${l || ' '}</code></li>`)}
    </ol>`;
}

export function RulesetPage({ version }) {
  const [r, setR] = useState(null);
  const [error, setError] = useState(null);
  const [mark, setMark] = useState(0);
  const [asking, setAsking] = useState(false);
  const [target, setTarget] = useState(0);
  const load = () => get('/rulesets/' + version).then(setR, setError);
  useEffect(() => { load(); }, [version]);
  if (error) return html`<p class="error pad" data-testid="error-banner">${errorText(error)}</p>`;
  if (!r) return html`<p class="muted pad">${t('loading')}</p>`;
  const publish = async () => {
    try {
      await post('/rulesets/' + r.version + '/publish');
      setAsking(false);
      setTarget(r.version);
      load();
    } catch (err) {
      setAsking(false);
      setError(err);
    }
  };
  return html`
    <nav class="crumbs"><a href="#/rules">${t('rules_title')}</a></nav>
    <div class="row wrap">
      <h1 class="title grow" data-testid="ruleset-title">${t('version')} ${r.version} · ${r.label} <${StatusTag} status=${r.status} /></h1>
      <a class="button secondary" data-testid="new-from" href=${'#/rules/new?from=' + r.version}>${t('new_from_this')}</a>
      ${r.status === 'draft' && html`<button data-testid="publish" onClick=${() => setAsking(true)}>${t('publish')}</button>`}
    </div>
    ${r.note && html`<p class="muted">${r.note}</p>`}
    ${target > 0 && html`<${ScreenStatus} target=${target} />`}
    ${(r.rules || []).length > 0 && html`
      <details class="card" data-testid="ruleset-rules">
        <summary>${t('rules_in_version')}（${r.rules.length}）</summary>
        <ul class="plain rule-index">
          ${r.rules.map((x) => html`<li><button class="link mono" onClick=${() => setMark(x.line)}>${x.id}</button>
            ${x.name} <span class="muted small">${x.basis} · ${t('line_n')}${x.line}</span></li>`)}
        </ul>
      </details>`}
    <section class="card"><${CodeView} source=${r.source || ''} mark=${mark} /></section>
    ${asking && html`<${PublishDialog} version=${r.version} onCancel=${() => setAsking(false)} onConfirm=${publish} />`}`;
}

function PublishDialog({ version, onCancel, onConfirm }) {
  const [busy, setBusy] = useState(false);
  return html`
    <div class="overlay" onClick=${(e) => { if (e.target === e.currentTarget) onCancel(); }}>
      <div class="card dialog" data-testid="publish-dialog">
        <h3>${t('publish')}${version ? ` ${t('version')} ${version}` : ''}</h3>
        <p>${t('publish_confirm')}</p>
        <div class="row wrap">
          <button data-testid="publish-confirm" disabled=${busy} onClick=${async () => { setBusy(true); await onConfirm(); }}>${t('publish')}</button>
          <button type="button" class="secondary" onClick=${onCancel}>${t('cancel')}</button>
        </div>
      </div>
    </div>`;
}

// The re-screen of everyone: polled while it runs (and, after a publish, until the
// published version is the one in force).
function ScreenStatus({ target, canRun }) {
  const [s, setS] = useState(null);
  const [want, setWant] = useState(0); // bumped by 立即重新筛查 to poll again
  useEffect(() => {
    let live = true, timer = 0, polls = 0;
    const tick = async () => {
      try {
        const r = await get('/screening/status');
        if (!live) return;
        setS(r);
        polls++;
        const waiting = r.running || (target && r.rule_version !== target);
        if (waiting && polls < 600) timer = setTimeout(tick, 500);
      } catch { /* the page shows what it has */ }
    };
    tick();
    return () => { live = false; clearTimeout(timer); };
  }, [target, want]);
  if (!s) return null;
  const runNow = async () => {
    try { setS(await post('/screening/run')); } catch { /* the status stays */ }
    setWant((n) => n + 1);
  };
  const pct = s.total ? Math.round((100 * s.done) / s.total) : 0;
  const done = !s.running && (!target || s.rule_version === target);
  return html`
    <section class="card" data-testid="screen-status" data-running=${String(!!s.running)} data-version=${s.rule_version}
      data-done=${String(done)}>
      <div class="row wrap">
        <strong class="grow">${t('screen_status')}</strong>
        <span class="muted small">${t('in_force')}${colon()}${t('version')} ${s.rule_version} · ${s.rule_label || ''}</span>
        ${canRun && !s.running && html`<button class="secondary small-btn" data-testid="run-now" onClick=${runNow}>${t('run_now')}</button>`}
      </div>
      ${s.running && html`
        <div class="progress"><span class="bar"><span class="fill" style=${`width:${pct}%`}></span></span>
          <span class="small">${t('screening_running')} ${s.done} / ${s.total}</span></div>`}
      ${!s.running && target > 0 && s.rule_version !== target && html`<p class="muted small">${t('screening_queued')}</p>`}
      ${!s.running && s.last && html`
        <p class="small" data-testid="screen-last">${done && target ? t('screening_done') + ' ' : ''}${t('last_screen')}${colon()}${s.last.persons} ${t('persons_unit')}${comma()}
          ${t('flagged')} ${s.last.flagged}${comma()}${t('events')} ${s.last.events}${comma()}${Number(s.last.seconds).toFixed(2)} s · ${t('as_of')} ${s.last.eval_date}</p>`}
    </section>`;
}

// The editor: a textarea with a line-number gutter; `bad` is {line, column} of an error.
function CodeEditor({ value, onInput, bad }) {
  const ta = useRef(null);
  const [top, setTop] = useState(0);
  useEffect(() => {
    if (!bad || !ta.current) return;
    const lines = value.split('\n');
    let off = 0;
    for (let i = 0; i < bad.line - 1 && i < lines.length; i++) off += lines[i].length + 1;
    off += Math.max(0, (bad.column || 1) - 1);
    const el = ta.current;
    el.focus();
    el.setSelectionRange(off, off + 1);
    el.scrollTop = Math.max(0, (bad.line - 4) * LINE);
    setTop(el.scrollTop);
  }, [bad]);
  const n = value.split('\n').length;
  return html`
    <div class="code-edit">
      <div class="gutter" aria-hidden="true" style=${`transform:translateY(${-top}px)`}>
        ${Array.from({ length: n }, (_, i) => html`<div class=${bad && bad.line === i + 1 ? 'bad' : ''}>${i + 1}</div>`)}
      </div>
      ${bad && html`<div class="line-mark" data-testid="error-line" data-line=${bad.line}
        style=${`top:${6 + (bad.line - 1) * LINE - top}px`}></div>`}
      <textarea ref=${ta} data-testid="rules-source" spellcheck="false" wrap="off" value=${value}
        onInput=${(e) => onInput(e.target.value)} onScroll=${(e) => setTop(e.target.scrollTop)}></textarea>
    </div>`;
}

function sumObj(o) {
  return Object.values(o || {}).reduce((a, b) => a + b, 0);
}

function PreviewTable({ p, cats }) {
  // Only the categories that change somewhere get a column.
  const changed = (p.categories || []).filter((c) => (p.townships || []).some((tw) => (tw.gained || {})[c] || (tw.lost || {})[c]));
  const [onlyChanged, setOnlyChanged] = useState(true);
  const changes = (tw) => tw.raised || tw.lowered || sumObj(tw.gained) || sumObj(tw.lost) || tw.flagged_before !== tw.flagged_after;
  const rows = (p.townships || []).filter((tw) => !onlyChanged || changes(tw));
  const cell = (g, l) => html`${g ? html`<span class="gain">+${g}</span>` : ''}${g && l ? ' ' : ''}${l ? html`<span class="loss">−${l}</span>` : ''}${!g && !l ? html`<span class="muted">0</span>` : ''}`;
  const row = (tw, total) => html`
    <tr data-testid=${total ? 'preview-total' : 'preview-row'} data-code=${tw.code || ''}>
      <th>${total ? t('total') : tw.name}</th>
      <td data-testid="pv-flagged">${tw.flagged_before} → ${tw.flagged_after}</td>
      <td data-testid="pv-raised">${tw.raised ? html`<span class="gain">↑${tw.raised}</span>` : html`<span class="muted">0</span>`}</td>
      <td data-testid="pv-lowered">${tw.lowered ? html`<span class="loss">↓${tw.lowered}</span>` : html`<span class="muted">0</span>`}</td>
      ${changed.map((c) => html`<td data-testid="pv-cat" data-category=${c}
        data-gained=${(tw.gained || {})[c] || 0} data-lost=${(tw.lost || {})[c] || 0}>${cell((tw.gained || {})[c], (tw.lost || {})[c])}</td>`)}
    </tr>`;
  const anyChange = (p.townships || []).some(changes);
  return html`
    <section class="card" data-testid="preview">
      <h2>${t('preview_title')}</h2>
      <p class="muted small">${t('preview_from')} ${t('version')} ${p.version_from} · ${t('as_of')} ${p.date}${p.ruleset ? ' · ' + p.ruleset : ''}</p>
      ${!anyChange && html`<p data-testid="preview-nochange">${t('preview_nochange')}</p>`}
      <label class="check"><input type="checkbox" data-testid="only-changed" checked=${onlyChanged}
        onChange=${(e) => setOnlyChanged(e.target.checked)} /> ${t('only_changed')}</label>
      <div class="table-wrap">
        <table class="preview">
          <thead><tr><th>${t('township')}</th><th>${t('flagged_before_after')}</th><th>${t('raised')}</th><th>${t('lowered')}</th>
            ${changed.map((c) => html`<th>${categoryName(cats, c)}</th>`)}</tr></thead>
          <tbody>
            ${rows.map((tw) => row(tw, false))}
            ${p.totals && row(p.totals, true)}
          </tbody>
        </table>
      </div>
    </section>`;
}

export function RulesEditor({ from }) {
  const [source, setSource] = useState(null);
  const [label, setLabel] = useState('');
  const [note, setNote] = useState('');
  const [base, setBase] = useState(null);
  const [check, setCheck] = useState(null); // the validate answer
  const [preview, setPreview] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState('');
  const [saved, setSaved] = useState(null); // { version }
  const [asking, setAsking] = useState(false);
  const [target, setTarget] = useState(0);
  const [cats, setCats] = useState(null);

  useEffect(() => {
    loadCategories().then(setCats, () => {});
    (async () => {
      try {
        let v = from;
        if (!v) {
          const list = await get('/rulesets');
          const pub = list.items.find((r) => r.status === 'published');
          v = pub && pub.version;
        }
        if (v) {
          const r = await get('/rulesets/' + v);
          setBase(r);
          setSource(r.source || '');
        } else setSource('');
        setLabel(t('new_label_default') + ' ' + new Date().toISOString().slice(0, 10));
      } catch (err) {
        setError(err);
        setSource('');
      }
    })();
  }, [from]);

  if (source === null) return html`<p class="muted pad">${t('loading')}</p>`;
  const edit = (v) => { setSource(v); setCheck(null); setPreview(null); setSaved(null); };
  const run = async (what, fn) => {
    setBusy(what);
    setError(null);
    try { await fn(); } catch (err) { setError(err); } finally { setBusy(''); }
  };
  const validate = async () => {
    const r = await post('/rulesets/validate', { source });
    setCheck(r);
    return r.ok;
  };
  const doPreview = () => run('preview', async () => {
    setPreview(null);
    if (!(await validate())) return;
    setPreview(await post('/rulesets/preview', { source }));
  });
  const save = async () => {
    if (saved) return saved;
    if (!(await validate())) return null;
    const r = await post('/rulesets', { label, note, source });
    setSaved(r);
    return r;
  };
  const publish = () => run('publish', async () => {
    const r = await save();
    setAsking(false);
    if (!r) return;
    await post('/rulesets/' + r.version + '/publish');
    setTarget(r.version);
  });
  const bad = check && !check.ok ? { line: check.line, column: check.column } : null;
  const badLine = bad ? source.split('\n')[bad.line - 1] : null;

  return html`
    <nav class="crumbs"><a href="#/rules">${t('rules_title')}</a></nav>
    <h1 class="title">${t('new_version')}</h1>
    ${base && html`<p class="muted small" data-testid="editor-base">${t('based_on')} ${t('version')} ${base.version} · ${base.label}</p>`}
    <section class="card">
      <div class="row wrap">
        <label class="field"><span>${t('rs_label')}</span><input data-testid="rules-label" value=${label} onInput=${(e) => setLabel(e.target.value)} /></label>
        <label class="field"><span>${t('rs_note')}</span><input data-testid="rules-note" value=${note} onInput=${(e) => setNote(e.target.value)} /></label>
      </div>
      <${CodeEditor} value=${source} onInput=${edit} bad=${bad} />
      ${check && check.ok && html`<p class="ok" data-testid="validate-ok">${t('validate_ok')}${colon()}${check.rules} ${t('rules_n')}${comma()}${check.categories} ${t('categories_n')}</p>`}
      ${bad && html`
        <div class="compile-error" data-testid="validate-error" data-line=${check.line} data-column=${check.column}>
          <p class="error">${isEnglish() && check.message_en ? check.message_en : check.message}</p>
          ${badLine !== undefined && html`<pre class="mono small">${check.line} | ${badLine}\n${' '.repeat(String(check.line).length + 3 + Math.max(0, check.column - 1))}^</pre>`}
        </div>`}
      ${error && html`<p class="error" data-testid="error-banner">${errorText(error)}</p>`}
      <div class="row wrap">
        <button class="secondary" data-testid="validate" disabled=${!!busy} onClick=${() => run('validate', validate)}>${t('validate')}</button>
        <button class="secondary" data-testid="preview-run" disabled=${!!busy} onClick=${doPreview}>${busy === 'preview' ? t('previewing') : t('preview')}</button>
        <button class="secondary" data-testid="save-draft" disabled=${!!busy || !!saved} onClick=${() => run('save', save)}>${t('save_draft')}</button>
        <button data-testid="publish" disabled=${!!busy || target > 0} onClick=${() => setAsking(true)}>${t('publish')}</button>
      </div>
      ${saved && html`<p class="ok small" data-testid="saved-version">${t('saved_as')} ${t('version')} ${saved.version} ·
        <a href=${'#/rules/' + saved.version}>${t('open')}</a></p>`}
    </section>
    ${target > 0 && html`<${ScreenStatus} target=${target} />`}
    ${preview && html`<${PreviewTable} p=${preview} cats=${cats} />`}
    ${asking && html`<${PublishDialog} version=${saved ? saved.version : null} onCancel=${() => setAsking(false)} onConfirm=${publish} />`}`;
}
