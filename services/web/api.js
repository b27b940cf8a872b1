// The HTTP API with the session cookie (HttpOnly: this script never sees it).
// Every request carries the CSRF header the server asks of cookie-authenticated changes.
/* global fetch, URL, document */

const CSRF = { 'x-gatewatch-csrf': '1' };

export class ApiError extends Error {
  constructor(status, body, headers) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

export async function api(method, path, body) {
  const headers = { ...CSRF };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  const json = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, json, res.headers);
  return json;
}

export const signIn = (username, password) => api('POST', '/api/v1/session', { username, password });
export const signOut = () => api('DELETE', '/api/v1/session');

/** Download a protected file (the CSV export) with the session, then hand it to the browser. */
export async function download(path, fallbackName) {
  const res = await fetch(path, { headers: CSRF, credentials: 'same-origin' });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null), res.headers);
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  URL.revokeObjectURL(url);
}
