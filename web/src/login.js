// login.js -- the login form.
import { h } from 'preact';
import { useState } from 'preact/hooks';
import htm from 'htm';
import { post } from './api.js';
import { t, errorText, toggleLanguage } from './i18n.js';

const html = htm.bind(h);

export function Login({ onLogin }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [, setTick] = useState(0);

  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onLogin(await post('/session', { username, password }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`
    <form class="card login" onSubmit=${submit} data-testid="login-form">
      <h1>${t('app')}</h1>
      <label>${t('username')}<input data-testid="login-username" autocomplete="username"
        value=${username} onInput=${(e) => setUsername(e.target.value)} required /></label>
      <label>${t('password')}<input data-testid="login-password" type="password"
        autocomplete="current-password" value=${password}
        onInput=${(e) => setPassword(e.target.value)} required /></label>
      ${error && html`<p class="error" data-testid="error-banner">${errorText(error)}</p>`}
      <button data-testid="login-submit" disabled=${busy}>${t('login')}</button>
      <button type="button" class="link" onClick=${() => { toggleLanguage(); setTick((n) => n + 1); }}>${t('language')}</button>
    </form>`;
}
