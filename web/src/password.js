// password.js -- change one's own password.
import { h } from 'preact';
import { useState } from 'preact/hooks';
import htm from 'htm';
import { post } from './api.js';
import { t, errorText } from './i18n.js';

const html = htm.bind(h);

export function PasswordDialog({ onClose }) {
  const [oldPw, setOld] = useState('');
  const [newPw, setNew] = useState('');
  const [error, setError] = useState(null);
  const [done, setDone] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      await post('/session/password', { old_password: oldPw, new_password: newPw });
      setDone(true);
    } catch (err) {
      setError(err);
    }
  };
  return html`
    <div class="overlay">
      <form class="card dialog" onSubmit=${submit}>
        <h2>${t('change_password')}</h2>
        <label>${t('old_password')}<input type="password" value=${oldPw} onInput=${(e) => setOld(e.target.value)} required /></label>
        <label>${t('new_password')}<input type="password" value=${newPw} onInput=${(e) => setNew(e.target.value)} required /></label>
        ${error && html`<p class="error">${errorText(error)}</p>`}
        ${done && html`<p class="ok">${t('saved')}</p>`}
        <div class="row">
          <button disabled=${done}>${t('save')}</button>
          <button type="button" class="secondary" onClick=${onClose}>${t('back')}</button>
        </div>
      </form>
    </div>`;
}
