// forms.js -- small form helpers shared by the person pages: a labelled field that shows
// the server's message for it, and the catalog of code lists (loaded once).
import { h } from 'preact';
import htm from 'htm';
import { get } from './api.js';

const html = htm.bind(h);
let catalog = null;

export async function loadCatalog() {
  if (!catalog) catalog = await get('/catalog');
  return catalog;
}

export function fieldErrors(err) {
  const out = {};
  for (const d of (err && err.details) || []) out[d.field] = d.message;
  return out;
}

export function Field({ label, name, errors, children }) {
  const msg = errors && errors[name];
  return html`
    <label class=${msg ? 'field bad' : 'field'}>
      <span>${label}</span>
      ${children}
      ${msg && html`<small class="error" data-testid="field-error" data-field=${name}>${msg}</small>`}
    </label>`;
}
