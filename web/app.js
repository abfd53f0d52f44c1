// The web desk's shell: the session (signed in or not), the navigation its
// role may use, and a hash router that loads one page module per route. Each
// page module exports render(main, ctx), ctx = {api, session, params, query,
// navigate}.
import {api} from './api.js';
import {clear, h, problemElement} from './dom.js';

const kAll = ['logger', 'auditor', 'admin'];
const kLoggers = ['logger', 'admin'];
const kAuditors = ['auditor', 'admin'];

// Routes in match order: `:id` matches one path segment.
const kRoutes = [
  {path: '/desk', module: './page-desk.js', roles: kAll, nav: 'Desk'},
  {path: '/agreements', module: './page-agreements.js', roles: kAll, nav: 'Agreements'},
  {path: '/propose', module: './page-log.js', roles: kLoggers, nav: 'Propose an agreement'},
  {path: '/agreements/:id', module: './page-agreement.js', roles: kAll},
  {path: '/agreements/:id/log', module: './page-log.js', roles: kLoggers},
  {path: '/agreements/:id/correct', module: './page-correct.js', roles: kLoggers},
  {path: '/reports', module: './page-reports.js', roles: kAll, nav: 'Reports'},
  {path: '/audit', module: './page-audit.js', roles: kAuditors, nav: 'Audit'},
  {path: '/check', module: './page-check.js', roles: kAll, nav: 'Check a file'},
];

let session = null;
let renderCount = 0;
let leavePage = null;  // closes what the current page holds open

function announce(text) {
  const announcer = document.getElementById('announcer');
  announcer.textContent = '';
  announcer.textContent = text;
}

export function mayUse(route, role) {
  return route.roles.includes(role);
}

function matchRoute(path) {
  const segments = path.split('/').filter(Boolean);
  for (const route of kRoutes) {
    const pattern = route.path.split('/').filter(Boolean);
    if (pattern.length !== segments.length) continue;
    const params = {};
    const fits = pattern.every((part, i) => {
      if (part.startsWith(':')) {
        params[part.slice(1)] = decodeURIComponent(segments[i]);
        return true;
      }
      return part === segments[i];
    });
    if (fits) return {route, params};
  }
  return null;
}

function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function renderNavigation() {
  const nav = document.getElementById('nav');
  const who = document.getElementById('who');
  clear(nav);
  clear(who);
  nav.hidden = who.hidden = !session;
  if (!session) return;
  const current = (location.hash.replace(/^#/, '').split('?')[0] || '/desk');
  nav.append(h('ul', {}, kRoutes.filter((r) => r.nav && mayUse(r, session.role)).map((r) => {
    const here = current === r.path || (r.path === '/agreements' && current.startsWith('/agreements/'));
    return h('li', {}, h('a', {href: `#${r.path}`, 'aria-current': here ? 'page' : null}, r.nav));
  })));
  who.append(
    h('span', {class: 'who-name'}, session.user),
    h('span', {class: 'role-badge'}, session.role),
    h('button', {type: 'button', class: 'quiet', on: {click: signOut}}, 'Sign out'));
}

async function signOut() {
  try {
    await api.delete('/api/v1/session');
  } catch {
    // Signed out on this side whatever the server said: the cookie may be gone already.
  }
  session = null;
  api.setCsrfToken('');
  announce('Signed out.');
  navigate('#/desk');
}

function renderSignIn(main, failure) {
  const tokenId = 'sign-in-token';
  const message = h('div', {class: 'form-message'});
  if (failure) message.append(problemElement(failure));
  const form = h('form', {class: 'sign-in card'},
    h('h1', {tabindex: '-1'}, 'Sign in'),
    h('p', {}, 'Sign in with the token your administrator gave you. ',
      'The browser then keeps a session that ends when you sign out or it expires.'),
    h('div', {class: 'field'},
      h('label', {for: tokenId}, 'Token'),
      h('input', {id: tokenId, name: 'token', type: 'password', autocomplete: 'current-password',
        required: true, spellcheck: 'false'})),
    h('div', {class: 'actions'}, h('button', {type: 'submit'}, 'Sign in')),
    message);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clear(message);
    const token = form.elements.token.value.trim();
    try {
      const started = await api.post('/api/v1/session', {token});
      setSession(started);
      announce(`Signed in as ${started.user}.`);
      const wanted = location.hash && !location.hash.startsWith('#/sign-in') ? location.hash : '#/desk';
      navigate(wanted);
    } catch (error) {
      message.append(problemElement(error.status === 401
        ? {code: error.code, detail: 'That token is not known. Check it and try again.'} : error));
    }
  });
  clear(main).append(form);
  form.elements.token.focus();
}

function setSession(value) {
  session = value;
  api.setCsrfToken(value ? value.csrfToken : '');
}

function notAvailable(main, title, sentence) {
  clear(main).append(h('h1', {tabindex: '-1'}, title), h('p', {class: 'notice'}, sentence));
}

async function route() {
  const main = document.getElementById('main');
  const count = ++renderCount;
  if (leavePage) leavePage();
  leavePage = null;
  renderNavigation();
  if (!session) {
    renderSignIn(main);
    return;
  }
  const [path, queryText] = location.hash.replace(/^#/, '').split('?');
  const match = matchRoute(path || '/desk');
  if (!match) {
    notAvailable(main, 'Page not found', 'There is no such page. Use the navigation above.');
    return;
  }
  if (!mayUse(match.route, session.role)) {
    notAvailable(main, 'Not for your role',
      `This page is for ${match.route.roles.filter((r) => r !== 'admin').join(' and ')}s.`);
    return;
  }
  let page;
  try {
    page = await import(match.route.module);
  } catch (error) {
    console.error(error);
    notAvailable(main, 'Not available yet', 'This page is not available yet.');
    return;
  }
  if (count !== renderCount) return;  // the reader has moved on
  clear(main);
  const ctx = {
    api,
    session,
    params: match.params,
    query: new URLSearchParams(queryText || ''),
    navigate,
    announce,
    // A page that holds something open (an event stream) closes it here.
    onLeave(callback) {
      leavePage = callback;
    },
  };
  try {
    await page.render(main, ctx);
  } catch (error) {
    console.error(error);
    if (error.status === 401) {
      setSession(null);
      renderNavigation();
      renderSignIn(main, {code: error.code, detail: 'Your session has ended. Sign in again.'});
      return;
    }
    main.append(problemElement(error));
  }
  const heading = main.querySelector('h1');
  if (heading && count === renderCount && document.activeElement === document.body) {
    heading.setAttribute('tabindex', '-1');
  }
}

async function start() {
  try {
    setSession(await api.get('/api/v1/session'));
  } catch {
    setSession(null);
  }
  window.addEventListener('hashchange', () => {
    route();
    const main = document.getElementById('main');
    main.focus({preventScroll: true});
  });
  route();
}

start();
