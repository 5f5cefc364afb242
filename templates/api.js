// The dashboard's only way to the supervisor: the public /api/v1 routes, nothing else.
//
// Policy:
// - Authentication rides on the session cookie set by POST /api/v1/session (HttpOnly, so this
//   code never sees it). Every request that changes state carries X-CSRF-Token, copied from the
//   readable pgbr_csrf cookie, as the API requires for cookie-authenticated POST and DELETE.
// - A failure is an ApiError carrying the API's own code and message, so the page can show
//   exactly what the API said. Transport failures get the code "network_error".
// - Any 401 outside the session routes means the session is gone: onUnauthorized() sends the
//   user back to the sign-in page.
// - Live logs use EventSource (SSE), which sends the cookie by itself; lines are deduplicated by
//   their sequence number, because EventSource reconnects with the URL it started with.

export class ApiError extends Error {
  constructor(status, code, message, detail = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

export function readCookie(name) {
  for (const part of document.cookie.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return '';
}

export class Api {
  constructor({ onUnauthorized }) {
    this.onUnauthorized = onUnauthorized;
  }

  async request(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && method !== 'HEAD') {
      const csrf = readCookie('pgbr_csrf');
      if (csrf) headers['X-CSRF-Token'] = csrf;
    }
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch (err) {
      throw new ApiError(0, 'network_error', `could not reach the supervisor (${err.message})`);
    }
    const text = await response.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (!response.ok) {
      const error = data?.error;
      const apiError = error
        ? new ApiError(response.status, error.code ?? `http_${response.status}`, error.message ?? '', error)
        : new ApiError(
            response.status,
            `http_${response.status}`,
            (text || response.statusText || 'request failed').trim().slice(0, 300),
          );
      if (response.status === 401 && !path.startsWith('/api/v1/session')) {
        this.onUnauthorized(apiError);
      }
      throw apiError;
    }
    return data;
  }

  get(path) {
    return this.request('GET', path);
  }
  post(path, body = {}) {
    return this.request('POST', path, body);
  }
  delete(path, body) {
    return this.request('DELETE', path, body);
  }

  // Session
  session() {
    return this.get('/api/v1/session');
  }
  signIn(token) {
    return this.post('/api/v1/session', { token });
  }
  signOut() {
    return this.delete('/api/v1/session');
  }

  status() {
    return this.get('/api/v1/status');
  }
  backups() {
    return this.get('/api/v1/backups');
  }
  startBackup(type, annotation) {
    return this.post('/api/v1/backups', annotation ? { type, annotation } : { type });
  }
  jobs(limit = 50) {
    return this.get(`/api/v1/jobs?limit=${limit}`);
  }
  job(id) {
    return this.get(`/api/v1/jobs/${encodeURIComponent(id)}`);
  }
  cancelJob(id) {
    return this.post(`/api/v1/jobs/${encodeURIComponent(id)}/cancel`);
  }
  jobLog(id, tail = 1000) {
    return this.get(`/api/v1/jobs/${encodeURIComponent(id)}/log?tail=${tail}`);
  }
  drills(limit = 20) {
    return this.get(`/api/v1/drills?limit=${limit}`);
  }
  drill(id) {
    return this.get(`/api/v1/drills/${encodeURIComponent(id)}`);
  }
  startDrill(set) {
    return this.post('/api/v1/drills', set ? { set } : {});
  }
  databases() {
    return this.get('/api/v1/databases');
  }
  dumps() {
    return this.get('/api/v1/dumps');
  }
  startDump(request) {
    return this.post('/api/v1/dumps', request);
  }
  restoreDump(id, request) {
    return this.post(`/api/v1/dumps/${encodeURIComponent(id)}/restore`, request);
  }
  deleteDump(id) {
    return this.delete(`/api/v1/dumps/${encodeURIComponent(id)}`, { confirm: id });
  }
  // A plain GET link: the session cookie authenticates it like any other GET.
  dumpDownloadHref(id, database) {
    return `/api/v1/dumps/${encodeURIComponent(id)}/databases/${encodeURIComponent(database)}`;
  }
  restore(request) {
    return this.post('/api/v1/restore', request);
  }
  restorePoints() {
    return this.get('/api/v1/restore-points');
  }
  // GET answers the channels, the active alerts and the recent deliveries (newest first); the
  // test waits for every channel's answer and reports each one.
  notifications(limit = 50) {
    return this.get(`/api/v1/notifications?limit=${limit}`);
  }
  testNotifications() {
    return this.post('/api/v1/notifications/test');
  }
  processes() {
    return this.get('/api/v1/processes');
  }
  processAction(name, action) {
    return this.post(`/api/v1/processes/${encodeURIComponent(name)}/${action}`);
  }
  logs() {
    return this.get('/api/v1/logs');
  }
  log(name, tail) {
    return this.get(`/api/v1/logs/${encodeURIComponent(name)}?tail=${tail}`);
  }
  clearLog(name) {
    return this.delete(`/api/v1/logs/${encodeURIComponent(name)}`);
  }

  // Follows an SSE log stream from after `afterSeq`. onLine({seq, text}) gets each new line once;
  // onEnd(data) gets the payload of an `end` event (job logs only). When the stream breaks (the
  // server restarted, the session expired) onTrouble() lets the caller check the session, and the
  // stream is opened again two seconds later from the last line seen. Returns a function that
  // closes the stream for good.
  follow(path, afterSeq, { onLine, onEnd, onTrouble }) {
    let lastSeq = afterSeq ?? 0;
    let source = null;
    let timer = null;
    let closed = false;
    const close = () => {
      closed = true;
      clearTimeout(timer);
      source?.close();
    };
    const open = () => {
      source = new EventSource(`${path}${path.includes('?') ? '&' : '?'}follow=1&after=${lastSeq}`);
      source.onmessage = (event) => {
        let line;
        try {
          line = JSON.parse(event.data);
        } catch {
          return;
        }
        if (typeof line.seq === 'number') {
          if (line.seq <= lastSeq) return;
          lastSeq = line.seq;
        }
        onLine(line);
      };
      source.addEventListener('end', (event) => {
        close();
        let data = {};
        try {
          data = JSON.parse(event.data);
        } catch {
          data = {};
        }
        onEnd?.(data);
      });
      source.onerror = () => {
        if (closed) return;
        // Reconnect ourselves rather than let EventSource do it: its retry would ask again for
        // every line after the original starting point.
        source.close();
        onTrouble?.();
        timer = setTimeout(() => {
          if (!closed) open();
        }, 2000);
      };
    };
    open();
    return close;
  }
}
