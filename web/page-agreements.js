// Agreements: the list with its filters (stage and party on the server,
// kind and openness here), and full-text search whose hits link to the
// event that matched.
import {withQuery} from './api.js';
import {agreementLink, clear, enumWords, eventTypeWords, fuzzyElement, h, problemElement, section,
  table, uniqueId} from './dom.js';
import {enumValues, loadSchemas} from './schema-form.js';

const kPageLimit = 100;
const kMaxPages = 50;

async function listAll(api, stage, party) {
  const agreements = [];
  let after = '';
  for (let page = 0; page < kMaxPages; ++page) {
    const answer = await api.get(withQuery('/api/v1/agreements', {stage, party, after, limit: kPageLimit}));
    agreements.push(...(answer.agreements || []));
    if (answer.endOfData || !answer.nextAfter) break;
    after = answer.nextAfter;
  }
  return agreements;
}

function choice(label, name, values, selected) {
  const id = uniqueId(name);
  return h('div', {class: 'field'}, h('label', {for: id}, label),
    h('select', {id, name}, h('option', {value: ''}, 'Any'),
      values.filter((v) => !/UNSPECIFIED/.test(v)).map((v) =>
        h('option', {value: v, selected: v === selected}, enumWords(v)))));
}

function searchForm(ctx, results) {
  const id = uniqueId('search');
  const form = h('form', {role: 'search', class: 'card search-form', 'aria-label': 'Search the agreements'},
    h('label', {for: id}, 'Search titles, parties, delegates, notes, outcomes, commitments and places'),
    h('div', {class: 'search-row'},
      h('input', {id, name: 'q', type: 'search', value: ctx.query.get('q') || ''}),
      h('button', {type: 'submit'}, 'Search')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    runSearch(ctx, form.elements.q.value.trim(), results);
  });
  return form;
}

const kEntities = {'&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'"};

// A search snippet marks the matched words with <mark> and escapes the rest
// as HTML; it is rebuilt here as text and <mark> elements, never parsed as
// markup.
export function snippetElement(snippet) {
  const element = h('span', {class: 'snippet'});
  const unescape = (text) => text.replace(/&(amp|lt|gt|quot|#39);/g, (entity) => kEntities[entity]);
  String(snippet || '').split(/(<mark>.*?<\/mark>)/s).forEach((part) => {
    const marked = /^<mark>(.*)<\/mark>$/s.exec(part);
    if (marked) element.append(h('mark', {}, unescape(marked[1])));
    else if (part) element.append(unescape(part));
  });
  return element;
}

async function runSearch(ctx, text, results) {
  clear(results);
  if (!text) return;
  try {
    const answer = await ctx.api.get(withQuery('/api/v1/search', {q: text, limit: 50}));
    const hits = answer.hits || [];
    results.append(h('h2', {}, `Search results for “${text}”`),
      h('p', {class: 'meta', role: 'status'}, hits.length === 0 ? 'Nothing matched.'
        : `${hits.length} shown of about ${answer.estimatedTotal || hits.length}.`),
      h('ol', {class: 'items search-hits'}, hits.map((hit) => h('li', {},
        h('strong', {}, agreementLink(hit.agreementId, hit.agreementTitle || hit.agreementId,
          hit.eventId ? `?event=${encodeURIComponent(hit.eventId)}` : '')),
        h('span', {class: 'meta'}, ` · ${eventTypeWords(hit.eventType)} · matched its ${hit.field}`),
        snippetElement(hit.snippet)))));
  } catch (error) {
    results.append(problemElement(error));
  }
}

export async function render(main, ctx) {
  main.append(h('h1', {}, 'Agreements'));
  const results = h('div', {class: 'search-results', 'aria-live': 'polite'});
  main.append(searchForm(ctx, results), results);
  const q = ctx.query.get('q');
  if (q) runSearch(ctx, q, results);

  let schemas = {};
  try {
    schemas = await loadSchemas(ctx.api);
  } catch {
    // The filters fall back to what the list itself holds.
  }
  const stage = ctx.query.get('stage') || '';
  const party = ctx.query.get('party') || '';
  const kind = ctx.query.get('kind') || '';
  const open = ctx.query.get('open') || '';
  const partyId = uniqueId('party');
  const openId = uniqueId('open');
  const filters = h('form', {class: 'filters card', 'aria-label': 'Filter the list'},
    choice('Stage', 'stage', enumValues(schemas, 'accord.v1.AgreementStage'), stage),
    choice('Kind', 'kind', enumValues(schemas, 'accord.v1.AgreementKind'), kind),
    h('div', {class: 'field'}, h('label', {for: partyId}, 'Party (organisation id)'),
      h('input', {id: partyId, name: 'party', type: 'text', value: party, spellcheck: 'false'})),
    h('div', {class: 'field'}, h('label', {for: openId}, 'Open to new parties'),
      h('select', {id: openId, name: 'open'},
        h('option', {value: ''}, 'Any'),
        h('option', {value: 'open', selected: open === 'open'}, 'Open'),
        h('option', {value: 'closed', selected: open === 'closed'}, 'Not open'))),
    h('div', {class: 'actions'}, h('button', {type: 'submit'}, 'Filter')));
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const name of ['stage', 'kind', 'party', 'open']) {
      const value = filters.elements[name].value.trim();
      if (value) query.set(name, value);
    }
    ctx.navigate(`#/agreements${query.toString() ? `?${query}` : ''}`);
  });
  const listSection = section('All agreements', filters);
  main.append(listSection);
  let agreements;
  try {
    agreements = await listAll(ctx.api, stage, party);
  } catch (error) {
    listSection.append(problemElement(error));
    return;
  }
  agreements = agreements.filter((a) => (!kind || a.kind === kind) &&
    (!open || Boolean(a.openness && a.openness.open) === (open === 'open')));
  listSection.append(h('p', {class: 'meta', role: 'status'}, `${agreements.length} agreement(s).`));
  if (agreements.length === 0) {
    listSection.append(h('p', {class: 'empty'}, 'No agreement matches.'));
    return;
  }
  listSection.append(table('', [
    ['Agreement', (a) => [h('strong', {}, agreementLink(a.agreementId, a.title || a.agreementId)), h('div', {class: 'meta'}, a.agreementId)]],
    ['Kind', (a) => enumWords(a.kind)],
    ['Stage', (a) => enumWords(a.stage)],
    ['Parties', (a) => String((a.counts && a.counts.parties) || (a.parties || []).length)],
    ['Next milestone', (a) => (a.nextMilestone && a.nextMilestone.plan
      ? [a.nextMilestone.status === 'OVERDUE' ? [h('span', {class: 'status status-overdue'}, 'overdue'), ' '] : '',
        a.nextMilestone.plan.description || a.nextMilestone.plan.milestoneId, ': ', fuzzyElement(a.nextMilestone.plan.planned)]
      : '—')],
  ], agreements));
}
