// Small helpers the pages share: building elements without HTML strings
// (nothing from the server is ever parsed as markup), and the words accord's
// values read as.

// h('p', {class: 'x', on: {click: f}}, 'text', child): an element. Attributes
// are set as attributes, except `on` (listeners) and `text`.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'on') {
      for (const [event, listener] of Object.entries(value)) element.addEventListener(event, listener);
    } else if (name === 'text') {
      element.textContent = value;
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : String(child));
  }
}

export function clear(element) {
  while (element.firstChild) element.firstChild.remove();
  return element;
}

// A unique id for a label's `for`.
let lastId = 0;
export function uniqueId(prefix = 'f') {
  lastId += 1;
  return `${prefix}-${lastId}`;
}

// "hostPartyId" -> "Host party id"; "areasOfCooperation" -> "Areas of cooperation".
export function humanize(name) {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// "MEMORANDUM_OF_UNDERSTANDING" -> "memorandum of understanding".
export function enumWords(value) {
  if (/(^|_)UNSPECIFIED$/.test(String(value || ''))) return '';  // not stated
  return String(value || '').toLowerCase().replace(/_/g, ' ');
}

// "accord.v1.VisitHeld" -> "Visit held".
export function eventTypeWords(type) {
  return humanize(String(type || '').replace(/^.*\./, ''));
}

// The member set in a DomainEvent's oneof: ["visitHeld", {...}].
export function eventKind(event) {
  const entries = Object.entries(event || {});
  return entries.length ? entries[0] : ['', {}];
}

const kMonths = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
  'September', 'October', 'November', 'December'];

function calendarWords(date) {
  if (!date || !date.year) return '';
  if (!date.month) return String(date.year);
  if (!date.day) return `${kMonths[date.month - 1]} ${date.year}`;
  return `${date.day} ${kMonths[date.month - 1]} ${date.year}`;
}

// A FuzzyDate in words, keeping its precision: "July 2024", "autumn 2024",
// "5 November 2024 to 7 November 2024", "undated".
export function fuzzyWords(fuzzy) {
  if (!fuzzy) return 'not stated';
  const date = fuzzy.date || {};
  switch (fuzzy.precision) {
    case 'DAY': case 'MONTH': case 'YEAR': return calendarWords(date);
    case 'SEASON': return `${enumWords(fuzzy.season)} ${date.year}`;
    case 'RANGE': return `${calendarWords(date)} to ${calendarWords(fuzzy.until)}`;
    case 'UNDATED': return 'undated';
    default: return 'not stated';
  }
}

// The date with its precision and the source's words beside it.
export function fuzzyElement(fuzzy) {
  const words = fuzzyWords(fuzzy);
  const precision = fuzzy && fuzzy.precision && fuzzy.precision !== 'PRECISION_UNSPECIFIED'
    ? enumWords(fuzzy.precision) : '';
  return h('span', {class: 'fuzzy'},
    h('span', {class: 'fuzzy-date'}, words),
    precision && precision !== 'undated' ? h('span', {class: 'precision'}, ` (${precision})`) : null,
    fuzzy && fuzzy.asStated ? h('q', {class: 'as-stated'}, fuzzy.asStated) : null);
}

// An RFC 3339 timestamp as a reader's local date and time.
export function momentWords(timestamp) {
  if (!timestamp) return '';
  const moment = new Date(timestamp);
  if (Number.isNaN(moment.getTime())) return timestamp;
  return moment.toLocaleString('en-GB', {dateStyle: 'medium', timeStyle: 'short'});
}

export function timeElement(timestamp) {
  return h('time', {datetime: timestamp}, momentWords(timestamp));
}

// A table from rows: columns = [[heading, row => cell]].
export function table(caption, columns, rows) {
  return h('table', {},
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, columns.map(([heading]) => h('th', {scope: 'col'}, heading)))),
    h('tbody', {}, rows.map((row) => h('tr', {}, columns.map(([, cell]) => h('td', {}, cell(row)))))));
}

// A message in the page's status area, or an error with its code.
export function problemElement(error) {
  return h('div', {class: 'problem', role: 'alert'},
    error.code ? h('strong', {class: 'problem-code'}, error.code) : null,
    error.code ? ': ' : null,
    h('span', {class: 'problem-detail'}, error.detail || error.message || String(error)));
}

export function section(title, ...children) {
  const id = uniqueId('section');
  return h('section', {'aria-labelledby': id}, h('h2', {id}, title), children);
}

// Today as YYYY-MM-DD in the reader's time zone.
export function isoDay(moment = new Date()) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${moment.getFullYear()}-${pad(moment.getMonth() + 1)}-${pad(moment.getDate())}`;
}

export function agreementLink(id, title, query = '') {
  return h('a', {href: `#/agreements/${encodeURIComponent(id)}${query}`}, title || id);
}
