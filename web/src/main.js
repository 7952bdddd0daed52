// main.js -- the application shell: session, header, hash routes.
import { h, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { get, del, setCsrf } from './api.js';
import { t, toggleLanguage, isEnglish } from './i18n.js';
import { Login } from './login.js';
import { RegionPage } from './region.js';
import { PersonPage } from './person.js';
import { NewPerson } from './newperson.js';
import { PasswordDialog } from './password.js';
import { ImportPage, ImportPersons, ImportsList } from './imports.js';
import { ReviewQueue, ReviewPage } from './reviews.js';
import { RegistersPage } from './registers.js';
import { RulesList, RulesetPage, RulesEditor } from './rules.js';
import { canEditRules } from './screening.js';
import './styles.css';

const html = htm.bind(h);

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, query] = raw.split('?');
  return { parts: path.split('/').filter(Boolean), query: new URLSearchParams(query || '') };
}

function App() {
  const [user, setUser] = useState(undefined); // undefined: checking, null: logged out
  const [route, setRoute] = useState(parseHash());
  const [, setTick] = useState(0);
  const [pwOpen, setPwOpen] = useState(false);

  useEffect(() => {
    const onHash = () => setRoute(parseHash());
    const onLogout = () => setUser(null);
    window.addEventListener('hashchange', onHash);
    window.addEventListener('wb-logout', onLogout);
    get('/session').then((s) => { setCsrf(s.csrf_token); setUser(s.user); }, () => setUser(null));
    return () => {
      window.removeEventListener('hashchange', onHash);
      window.removeEventListener('wb-logout', onLogout);
    };
  }, []);

  if (user === undefined) return html`<p class="muted pad">${t('loading')}</p>`;
  if (user === null) {
    return html`<${Login} onLogin=${(s) => { setCsrf(s.csrf_token); setUser(s.user); location.hash = '#/regions/' + s.user.region_code; }} />`;
  }

  const logout = async () => { try { await del('/session'); } catch { /* already gone */ } setUser(null); };
  const lang = () => { toggleLanguage(); setTick((n) => n + 1); };
  const [first, second] = route.parts;
  const canImport = user.permissions.includes('IMPORT');
  const canRegisters = user.permissions.includes('PERSON_READ');
  const canRules = canEditRules(user);
  let page;
  if (first === 'persons' && second === 'new') page = html`<${NewPerson} user=${user} query=${route.query} />`;
  else if (first === 'persons' && second) page = html`<${PersonPage} key=${second} id=${second} user=${user} />`;
  else if (first === 'imports' && second === 'new' && canImport) page = html`<${ImportPage} user=${user} />`;
  else if (first === 'imports' && second && route.parts[2] === 'persons' && canImport)
    page = html`<${ImportPersons} key=${route.query.toString()} id=${second} query=${route.query} />`;
  else if (first === 'imports' && canImport) page = html`<${ImportsList} user=${user} />`;
  else if (first === 'reviews' && second && canImport) page = html`<${ReviewPage} key=${second} id=${second} />`;
  else if (first === 'reviews' && canImport) page = html`<${ReviewQueue} key=${route.query.toString()} query=${route.query} />`;
  else if (first === 'registers' && canRegisters) page = html`<${RegistersPage} key=${route.query.toString()} query=${route.query} user=${user} />`;
  else if (first === 'rules' && second === 'new' && canRules) page = html`<${RulesEditor} key=${route.query.toString()} from=${route.query.get('from')} />`;
  else if (first === 'rules' && second && canRules) page = html`<${RulesetPage} key=${second} version=${second} />`;
  else if (first === 'rules' && canRules) page = html`<${RulesList} />`;
  else page = html`<${RegionPage} key=${second || user.region_code} code=${second || user.region_code} user=${user} />`;

  return html`
    <header class="top">
      <a class="brand" href=${'#/regions/' + user.region_code}>${t('app')}</a>
      <div class="who" data-testid="who">
        <span>${user.username}</span>
        <span class="muted">${isEnglish() ? user.role_name_en : user.role_name}${user.unit_name ? ' · ' + user.unit_name : ''}</span>
      </div>
      <nav class="actions">
        <button class="link" data-testid="lang-toggle" onClick=${lang}>${t('language')}</button>
        <button class="link" onClick=${() => setPwOpen(true)}>${t('change_password')}</button>
        <button class="link" data-testid="logout" onClick=${logout}>${t('logout')}</button>
      </nav>
    </header>
    ${(canImport || canRegisters || canRules) && html`
      <nav class="mainnav" data-testid="mainnav">
        <a href=${'#/regions/' + user.region_code} class=${first === 'regions' || !first ? 'on' : ''}>${t('persons')}</a>
        ${canRegisters && html`<a href="#/registers" data-testid="nav-registers" class=${first === 'registers' ? 'on' : ''}>${t('nav_registers')}</a>`}
        ${canImport && html`<a href="#/imports/new" data-testid="nav-import" class=${first === 'imports' && second === 'new' ? 'on' : ''}>${t('nav_import')}</a>`}
        ${canImport && html`<a href="#/imports" data-testid="nav-imports" class=${first === 'imports' && !second ? 'on' : ''}>${t('nav_imports')}</a>`}
        ${canImport && html`<a href="#/reviews" data-testid="nav-reviews" class=${first === 'reviews' ? 'on' : ''}>${t('nav_reviews')}</a>`}
        ${canRules && html`<a href="#/rules" data-testid="nav-rules" class=${first === 'rules' ? 'on' : ''}>${t('nav_rules')}</a>`}
      </nav>`}
    <main>${page}</main>
    ${pwOpen && html`<${PasswordDialog} onClose=${() => setPwOpen(false)} />`}
  `;
}

render(html`<${App} />`, document.getElementById('app'));
