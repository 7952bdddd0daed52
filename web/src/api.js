// api.js -- the one way the UI talks to the server: same-origin JSON, the session cookie,
// the CSRF token on every change, and the server's error shape turned into an ApiError.
let csrf = '';

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || 'HTTP_' + status;
    this.message_en = e.message_en || '';
    this.details = e.details || [];
  }
}

export function setCsrf(token) {
  csrf = token || '';
}

export async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
  const res = await fetch('/api/v1' + path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return null;
  let data = null;
  try { data = await res.json(); } catch { data = null; }
  if (!res.ok) {
    const err = new ApiError(res.status, data);
    if (res.status === 401 && path !== '/session') window.dispatchEvent(new Event('wb-logout'));
    throw err;
  }
  return data;
}

export const get = (p) => api('GET', p);
export const post = (p, b) => api('POST', p, b ?? {});
export const patch = (p, b) => api('PATCH', p, b);
export const del = (p) => api('DELETE', p);

// Upload a file as the request body (POST /imports): the file's bytes as they are.
export async function upload(path, file) {
  const res = await fetch('/api/v1' + path, {
    method: 'POST', credentials: 'same-origin', body: file,
    headers: { 'Content-Type': 'application/octet-stream', 'X-CSRF-Token': csrf },
  });
  let data = null;
  try { data = await res.json(); } catch { data = null; }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

// A request whose answer is a file (rejected rows, a register): fetched first, so that a
// refusal (an expired session, a missing purpose) is shown on the page instead of a
// download that fails unseen; then saved under the name the server gives in
// Content-Disposition.
async function fetchDownload(method, path, body, fallbackName) {
  const headers = { 'X-CSRF-Token': csrf };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch('/api/v1' + path, {
    method, credentials: 'same-origin', headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) {
    let data = null;
    try { data = await res.json(); } catch { data = null; }
    if (res.status === 401) window.dispatchEvent(new Event('wb-logout'));
    throw new ApiError(res.status, data);
  }
  const disp = res.headers.get('Content-Disposition') || '';
  const utf8 = /filename\*=UTF-8''([^;]+)/i.exec(disp), ascii = /filename="?([^";]+)"?/i.exec(disp);
  const name = utf8 ? decodeURIComponent(utf8[1]) : ascii ? ascii[1] : fallbackName;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export const postDownload = (path, body, fallbackName) => fetchDownload('POST', path, body, fallbackName);
export const getDownload = (path, fallbackName) => fetchDownload('GET', path, undefined, fallbackName);

// Poll a job (GET /jobs/{id}) until it ends; onStep gets each state for a progress bar.
export async function waitJob(id, onStep) {
  for (;;) {
    const j = await get('/jobs/' + id);
    if (onStep) onStep(j);
    if (j.status === 'done' || j.status === 'failed') return j;
    await new Promise((r) => setTimeout(r, 300));
  }
}
