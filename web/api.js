// The web desk's one way to the server: same-origin requests carrying the
// session cookie, JSON in protobuf's JSON mapping, the session's CSRF token
// on every state-changing request, and RFC 9457 problems turned into errors
// with the server's code and sentence. page-audit.js and page-check.js use it
// too: api.get(path), api.post(path, body, {headers}), api.raw(path, init).

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = problem.code || '';
    this.detail = problem.detail || problem.title || `HTTP ${status}`;
    this.problem = problem;
  }
}

const kSafeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

async function problemOf(response) {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return {status: response.status, detail: text || response.statusText};
  }
}

async function bodyOf(response) {
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  if (type.includes('json')) return response.json();
  return response.text();
}

function isRawBody(body) {
  return body instanceof Blob || body instanceof ArrayBuffer || ArrayBuffer.isView(body) ||
    typeof body === 'string';
}

export const api = {
  csrfToken: '',

  // The session's CSRF token, sent on POST, PUT, PATCH and DELETE.
  setCsrfToken(token) {
    this.csrfToken = token || '';
  },

  // fetch() with the cookie and the CSRF token; the Response as it is.
  raw(path, init = {}) {
    const method = (init.method || 'GET').toUpperCase();
    const headers = new Headers(init.headers || {});
    if (!kSafeMethods.has(method) && this.csrfToken && !headers.has('X-CSRF-Token')) {
      headers.set('X-CSRF-Token', this.csrfToken);
    }
    return fetch(path, {...init, method, headers, credentials: 'same-origin'});
  },

  // A request whose answer is JSON (or text); a problem throws an ApiError.
  async send(method, path, body, options = {}) {
    const headers = new Headers(options.headers || {});
    const init = {method, headers};
    if (body !== undefined && body !== null) {
      if (isRawBody(body)) {
        init.body = body;
      } else {
        headers.set('Content-Type', 'application/json');
        init.body = JSON.stringify(body);
      }
    }
    if (!headers.has('Accept')) headers.set('Accept', 'application/json');
    const response = await this.raw(path, init);
    if (!response.ok) throw new ApiError(response.status, await problemOf(response));
    return bodyOf(response);
  },

  get(path, options) {
    return this.send('GET', path, undefined, options);
  },
  post(path, body, options) {
    return this.send('POST', path, body, options);
  },
  put(path, body, options) {
    return this.send('PUT', path, body, options);
  },
  delete(path, options) {
    return this.send('DELETE', path, undefined, options);
  },
};

// "/api/v1/agreements?stage=SIGNED" from a path and the parameters that are set.
export function withQuery(path, parameters) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) {
    if (value !== undefined && value !== null && value !== '') query.set(name, value);
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}
