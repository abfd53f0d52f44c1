// One agreement: its summary, parties, commitments, planned milestones,
// documents, the SVG timeline and the whole history, as it stands now, as
// recorded before a moment, or as true on a day.
import {api as defaultApi, withQuery} from './api.js';
import {agreementLink, clear, enumWords, eventKind, eventTypeWords, fuzzyElement, h, humanize,
  problemElement, section, table, timeElement, uniqueId} from './dom.js';
import {newEventId} from './schema-form.js';

const kHistoryPage = 1000;

function status(words, kind) {
  return h('span', {class: `status status-${kind || words.replace(/\s+/g, '-')}`}, words);
}

function isFuzzyDate(value) {
  return value && typeof value === 'object' && 'precision' in value;
}

// Any value of an event, in words: a date with its precision, a place on one
// line, lists as lists, messages as definition lists.
export function valueElement(value) {
  if (value === null || value === undefined || value === '') return '';
  if (Array.isArray(value)) {
    if (value.length === 0) return '';
    return h('ul', {}, value.map((v) => h('li', {}, valueElement(v))));
  }
  if (isFuzzyDate(value)) return fuzzyElement(value);
  if (typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => !isEmpty(v));
    if (entries.length === 0) return '';
    if (entries.every(([k]) => ['name', 'city', 'country'].includes(k))) {
      return entries.map(([, v]) => v).join(', ');
    }
    // A small record (a person, a party, a commitment) reads best on one line.
    if (entries.length <= 6 && entries.every(([, v]) => isScalar(v) || (Array.isArray(v) && v.every(isScalar)))) {
      return h('span', {class: 'record-line'}, entries.map(([k, v], i) => [i ? ' · ' : '',
        h('span', {class: 'record-part', title: humanize(k)}, Array.isArray(v) ? v.join(', ') : valueElement(v))]));
    }
    return h('dl', {}, entries.map(([k, v]) => [h('dt', {}, humanize(k)), h('dd', {}, valueElement(v))]));
  }
  if (typeof value === 'string' && /^[A-Z][A-Z0-9_]+$/.test(value)) return enumWords(value);
  return String(value);
}

function isScalar(value) {
  return value === null || typeof value !== 'object';
}

function isEmpty(value) {
  if (value === null || value === undefined || value === '' || value === false || value === 0) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') {
    if (isFuzzyDate(value)) return value.precision === 'PRECISION_UNSPECIFIED' && !value.asStated;
    return Object.values(value).every(isEmpty);
  }
  if (typeof value === 'string' && /(^|_)UNSPECIFIED$/.test(value)) return true;
  return false;
}

function partyName(party) {
  return party.acronym ? `${party.name} (${party.acronym})` : party.name || party.organisationId;
}

function partiesTable(summary) {
  const parties = summary.parties || [];
  if (parties.length === 0) return h('p', {class: 'empty'}, 'No parties.');
  return table('Each party\'s status', [
    ['Party', (p) => [h('strong', {}, partyName(p.party)), h('div', {class: 'meta'}, p.party.organisationId)]],
    ['Role', (p) => enumWords(p.party.role)],
    ['Joined', (p) => [fuzzyElement(p.joinedOn), h('div', {class: 'meta'}, enumWords(p.joinedBy))]],
    ['Signed', (p) => (p.signature ? fuzzyElement(p.signedOn) : status('not signed', 'open'))],
    ['Consent to be bound', (p) => (p.consent ? [enumWords(p.consent.instrument) || 'consent', ' ', fuzzyElement(p.consent.deposited)] : '—')],
    ['In force or in effect', (p) => {
      const f = p.inForce || {};
      if (f.withdrawn || p.withdrawal) return status('withdrawn', 'overdue');
      if (f.inForce) return [status('in force', 'signed'), ' ', f.since ? fuzzyElement(f.since) : ''];
      if (f.inEffect) return [status('in effect', 'signed'), ' ', f.inEffectSince ? fuzzyElement(f.inEffectSince) : ''];
      return '—';
    }],
    ['Category', (p) => (p.category && !/UNSPECIFIED/.test(p.category) ? [enumWords(p.category), p.categoryNote ? h('div', {class: 'meta'}, p.categoryNote) : ''] : '—')],
  ], parties);
}

function commitmentsTable(summary, partyNames) {
  const commitments = summary.commitments || [];
  if (commitments.length === 0) return h('p', {class: 'empty'}, 'No commitments recorded.');
  return table('', [
    ['Commitment', (c) => c.commitment.description],
    ['Kind', (c) => enumWords(c.commitment.kind)],
    ['Responsible', (c) => (c.commitment.responsiblePartyIds || []).map((id) => partyNames.get(id) || id).join(', ')],
    ['Moved on by', (c) => ((c.progressedByEventIds || []).length ? (c.progressedByEventIds || []).map((id) =>
      h('a', {href: `#event-${id}`, class: 'event-link', 'data-event': id}, 'a meeting ')) : '—')],
  ], commitments);
}

function milestonesTable(summary) {
  const milestones = summary.milestones || [];
  if (milestones.length === 0) return h('p', {class: 'empty'}, 'No milestones planned.');
  return table('', [
    ['Milestone', (m) => [h('strong', {}, m.plan.description || m.plan.milestoneId), h('div', {class: 'meta'}, enumWords(m.plan.kind))]],
    ['Planned', (m) => [fuzzyElement(m.plan.planned), m.timesRescheduled ? h('div', {class: 'meta'}, `rescheduled ${m.timesRescheduled} time(s)`) : '']],
    ['Where', (m) => valueElement(m.plan.place) || '—'],
    ['Status', (m) => status(enumWords(m.status), enumWords(m.status))],
  ], milestones);
}

function countsWords(counts, nonBinding) {
  const parts = [`${counts.parties || 0} in all`, `${counts.haveSigned || 0} signed`];
  if (!nonBinding) parts.push(`${counts.bound || 0} bound`);
  parts.push(`${nonBinding ? 'in effect for' : 'in force for'} ${counts.inForceFor || 0}`);
  if (counts.withdrawn) parts.push(`${counts.withdrawn} withdrawn`);
  if (counts.observers) parts.push(`${counts.observers} observers`);
  return parts.join(', ');
}

function sizeWords(bytes) {
  const n = Number(bytes || 0);
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function documentsList(documents) {
  if (documents.length === 0) return h('p', {class: 'empty'}, 'No documents attached.');
  return table('', [
    ['Document', (d) => h('a', {href: `/api/v1/documents/${d.document.sha256}`, download: d.document.name,
      class: 'document-link'}, d.document.name)],
    ['Type and size', (d) => `${d.document.mediaType || 'unknown type'}, ${sizeWords(d.document.size)}`],
    ['About', (d) => (d.aboutEventId ? h('a', {href: `#event-${d.aboutEventId}`, class: 'event-link', 'data-event': d.aboutEventId}, 'the event') : 'the agreement')],
    ['Note', (d) => d.note || ''],
    ['SHA-256', (d) => h('code', {class: 'digest'}, d.document.sha256.slice(0, 16) + '…')],
  ], documents);
}

function attachForm(ctx, id, events, reload) {
  const fileId = uniqueId('file');
  const eventSelectId = uniqueId('about');
  const noteId = uniqueId('note');
  let key = newEventId();
  const message = h('div', {'aria-live': 'polite'});
  const form = h('form', {class: 'attach-form card'},
    h('h3', {}, 'Attach a document'),
    h('div', {class: 'field'}, h('label', {for: fileId}, 'File'),
      h('input', {id: fileId, name: 'file', type: 'file', required: true})),
    h('div', {class: 'field'}, h('label', {for: eventSelectId}, 'About which event'),
      h('select', {id: eventSelectId, name: 'event'},
        h('option', {value: ''}, 'The agreement as a whole'),
        events.filter((e) => e.record.eventType !== 'accord.v1.DocumentAttached').map((e) =>
          h('option', {value: e.record.eventId}, `${e.record.streamVersion}. ${eventTypeWords(e.record.eventType)}`)))),
    h('div', {class: 'field'}, h('label', {for: noteId}, 'Note'),
      h('input', {id: noteId, name: 'note', type: 'text'})),
    h('div', {class: 'actions'}, h('button', {type: 'submit'}, 'Attach')),
    message);
  form.elements.file.addEventListener('change', () => { key = newEventId(); });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const file = form.elements.file.files[0];
    clear(message);
    if (!file) {
      message.append(problemElement({detail: 'Choose a file to attach.'}));
      return;
    }
    const path = withQuery(`/api/v1/agreements/${encodeURIComponent(id)}/documents`, {
      name: file.name, event: form.elements.event.value, note: form.elements.note.value.trim()});
    try {
      const logged = await ctx.api.post(path, file, {headers: {
        'Content-Type': file.type || 'application/octet-stream', 'Idempotency-Key': key}});
      message.append(h('div', {class: 'success', role: 'status'},
        `Attached ${file.name} at position ${logged.position}.`));
      ctx.announce(`Attached ${file.name}.`);
      await reload();
    } catch (error) {
      message.append(problemElement(error));
    }
  });
  return form;
}

// The events, each where it happened in the stream, with the corrections
// that changed it beside it.
function historyList(events, highlight, correctLink) {
  const corrections = new Map();
  for (const e of events) {
    const [kind, value] = eventKind(e.event);
    if (kind === 'eventCorrected') {
      const list = corrections.get(value.correctedEventId) || [];
      list.push(e);
      corrections.set(value.correctedEventId, list);
    }
  }
  if (events.length === 0) return h('p', {class: 'empty'}, 'No events.');
  return h('ol', {class: 'items history'}, events.map((e) => {
    const record = e.record;
    const [kind, value] = eventKind(e.event);
    const here = record.eventId === highlight;
    const item = h('li', {id: `event-${record.eventId}`, class: here ? 'highlight' : null, tabindex: '-1',
      'data-event-type': record.eventType},
      h('h3', {}, `${record.streamVersion}. ${eventTypeWords(record.eventType)}`),
      h('dl', {},
        h('dt', {}, 'Happened'), h('dd', {}, fuzzyElement(record.effective)),
        h('dt', {}, 'Recorded'), h('dd', {}, timeElement(record.recordedAt), ` by ${record.actor}`,
          h('span', {class: 'meta'}, ` · position ${record.position}`))),
      kind === 'eventCorrected'
        ? h('p', {}, 'Corrects ', h('a', {href: `#event-${value.correctedEventId}`, class: 'event-link',
          'data-event': value.correctedEventId}, 'an earlier event'), `: ${value.reason} (source: ${value.source}).`)
        : h('div', {class: 'event-fields'}, valueElement(value)),
      correctLink && kind !== 'eventCorrected' ? correctLink(record.eventId) : null);
    const fixes = corrections.get(record.eventId);
    if (fixes) {
      item.append(h('div', {class: 'corrections'}, h('h4', {}, 'Corrected'), fixes.map((fix) => {
        const [, c] = eventKind(fix.event);
        const [, replacement] = eventKind(c.replacement || {});
        return h('div', {},
          h('p', {}, `On `, timeElement(fix.record.recordedAt), ` by ${fix.record.actor}: ${c.reason} `,
            h('span', {class: 'meta'}, `(source: ${c.source})`)),
          h('dl', {}, (c.fields || []).map((path) => [
            h('dt', {}, path),
            h('dd', {}, 'was ', h('del', {}, valueElement(pathValue(value, path)) || '(empty)'),
              ', now ', h('ins', {}, valueElement(pathValue(replacement, path)) || '(empty)'))]),
            c.effective ? [h('dt', {}, 'date'), h('dd', {}, 'was ', h('del', {}, fuzzyElement(record.effective)),
            ', now ', h('ins', {}, fuzzyElement(c.effective)))] : null));
      })));
    }
    return item;
  }));
}

function pathValue(value, path) {
  return path.split('.').reduce((v, part) => (v && typeof v === 'object' ? v[part] : undefined), value);
}

async function readHistory(api, id) {
  const events = [];
  let from = 0;
  for (;;) {
    const page = await api.get(`/api/v1/agreements/${encodeURIComponent(id)}/history?from=${from}&limit=${kHistoryPage}`);
    events.push(...(page.events || []));
    if (page.endOfData || !page.next || (page.events || []).length === 0) break;
    from = Number(page.next);
  }
  return events;
}

function viewControls(ctx, id, recordedBefore, trueOn) {
  const beforeId = uniqueId('recorded-before');
  const onId = uniqueId('true-on');
  const localBefore = recordedBefore ? toLocalInput(recordedBefore) : '';
  const form = h('form', {class: 'view-controls card', 'aria-label': 'Change the view'},
    h('div', {class: 'field'}, h('label', {for: beforeId}, 'As recorded before'),
      h('input', {id: beforeId, name: 'recordedBefore', type: 'datetime-local', value: localBefore})),
    h('div', {class: 'field'}, h('label', {for: onId}, 'As true on'),
      h('input', {id: onId, name: 'trueOn', type: 'date', value: trueOn})),
    h('div', {class: 'actions'},
      h('button', {type: 'submit'}, 'Show'),
      h('a', {class: 'button quiet', href: `#/agreements/${encodeURIComponent(id)}`}, 'As it stands now')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const before = form.elements.recordedBefore.value;
    const query = new URLSearchParams();
    if (before) query.set('recorded_before', new Date(before).toISOString());
    if (form.elements.trueOn.value) query.set('true_on', form.elements.trueOn.value);
    const text = query.toString();
    ctx.navigate(`#/agreements/${encodeURIComponent(id)}${text ? `?${text}` : ''}`);
  });
  return form;
}

function toLocalInput(timestamp) {
  const moment = new Date(timestamp);
  if (Number.isNaN(moment.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${moment.getFullYear()}-${pad(moment.getMonth() + 1)}-${pad(moment.getDate())}T${pad(moment.getHours())}:${pad(moment.getMinutes())}`;
}

export async function render(main, ctx) {
  const api = ctx.api || defaultApi;
  const id = ctx.params.id;
  const recordedBefore = ctx.query.get('recorded_before') || '';
  const trueOn = ctx.query.get('true_on') || '';
  const highlight = ctx.query.get('event') || '';
  const view = {recorded_before: recordedBefore, true_on: trueOn};
  const base = `/api/v1/agreements/${encodeURIComponent(id)}`;
  let summary;
  try {
    summary = await api.get(withQuery(base, view));
  } catch (error) {
    main.append(h('h1', {}, id), problemElement(error.status === 404 && (recordedBefore || trueOn)
      ? {code: error.code, detail: 'This agreement had not been logged at that point.'} : error));
    main.append(viewControls(ctx, id, recordedBefore, trueOn));
    return;
  }
  const mayLog = ctx.session.role !== 'auditor';
  const partyNames = new Map((summary.parties || []).map((p) => [p.party.organisationId, p.party.acronym || p.party.name]));
  let events = await readHistory(api, id);
  if (recordedBefore) events = events.filter((e) => new Date(e.record.recordedAt) < new Date(recordedBefore));
  const viewWords = [recordedBefore ? `as recorded before ${new Date(recordedBefore).toLocaleString('en-GB')}` : '',
    trueOn ? `as true on ${trueOn}` : ''].filter(Boolean).join(', ');
  main.append(
    h('p', {class: 'meta'}, h('a', {href: '#/agreements'}, 'Agreements'), ' / ', id),
    h('h1', {}, summary.title || id),
    h('p', {class: 'lede'}, enumWords(summary.kind), ' · ', status(enumWords(summary.stage), 'planned'),
      viewWords ? ` · ${viewWords}` : ''),
    h('div', {class: 'actions'},
      mayLog ? h('a', {class: 'button', href: `#/agreements/${encodeURIComponent(id)}/log`}, 'Log a milestone') : null,
      mayLog ? h('a', {class: 'button quiet', href: `#/agreements/${encodeURIComponent(id)}/correct`}, 'Correct an event') : null,
      h('a', {class: 'button quiet', href: `${base}/calendar.ics`, download: `${id}.ics`}, 'Download its calendar')),
    viewControls(ctx, id, recordedBefore, trueOn));

  const eif = summary.entryIntoForce || {};
  main.append(section('Summary', h('dl', {class: 'summary'},
    h('dt', {}, 'Stage'), h('dd', {}, enumWords(summary.stage)),
    h('dt', {}, 'Statuses judged on'), h('dd', {}, fuzzyElement(summary.asOf)),
    summary.openness && summary.openness.open ? [h('dt', {}, 'Open to new parties'), h('dd', {}, summary.openness.asStated || 'yes')] : null,
    summary.counts ? [h('dt', {}, 'Parties'), h('dd', {}, countsWords(summary.counts, eif.nonBinding))] : null,
    eif.nonBinding ? null : [h('dt', {}, 'Entry into force'), h('dd', {},
      eif.inForce ? [status('in force', 'signed'), ' since ', fuzzyElement(eif.since)] : 'not in force',
      eif.explanation ? h('div', {class: 'meta'}, eif.explanation) : '')],
    (summary.areasOfCooperation || []).length ? [h('dt', {}, 'Areas of cooperation'), h('dd', {}, summary.areasOfCooperation.join('; '))] : null,
    summary.closingReason ? [h('dt', {}, 'Closed'), h('dd', {}, summary.closingReason)] : null)));

  main.append(section('Parties', partiesTable(summary)));
  main.append(section('Commitments', commitmentsTable(summary, partyNames)));
  main.append(section('Planned milestones', milestonesTable(summary)));

  const documents = events.filter((e) => eventKind(e.event)[0] === 'documentAttached')
    .map((e) => eventKind(e.event)[1]).filter((d) => d && d.document);
  const documentsSection = section('Documents', documentsList(documents));
  if (mayLog && !recordedBefore && !trueOn) {
    documentsSection.append(attachForm({...ctx, api}, id, events, () => ctx.navigate(location.hash)));
  }
  main.append(documentsSection);

  const svg = withQuery(`${base}/timeline.svg`, view);
  const picture = h('img', {src: svg, alt: `Timeline of ${summary.title || id}: each milestone when it happened, beside when it was recorded.`});
  const figure = h('figure', {class: 'timeline-figure'}, picture,
    h('figcaption', {class: 'meta'}, 'When each milestone happened, beside when it was recorded.'));
  picture.addEventListener('error', () => {
    figure.replaceWith(h('p', {class: 'empty'}, 'The timeline picture could not be loaded; the history below holds the same.'));
  });
  main.append(section('Timeline', figure));

  const links = summary.links || [];
  main.append(section('Related agreements', links.length === 0 ? h('p', {class: 'empty'}, 'None.')
    : h('ul', {}, links.map((l) => h('li', {},
      l.direction === 'INCOMING' ? [agreementLink(l.otherAgreementId), ` ${enumWords(l.relation)} this one`]
        : [`${humanize(enumWords(l.relation))} `, agreementLink(l.otherAgreementId)],
      l.note ? h('span', {class: 'meta'}, ` · ${l.note}`) : '')))));

  main.append(section('History', h('p', {class: 'lede'},
    'Every event as recorded: when it happened, in its source\'s precision and words, beside when it was recorded and by whom.'),
  historyList(events, highlight, mayLog ? (eventId) => h('p', {},
    h('a', {href: `#/agreements/${encodeURIComponent(id)}/correct?event=${encodeURIComponent(eventId)}`}, 'Correct this event')) : null)));

  main.addEventListener('click', (event) => {
    const link = event.target.closest('a.event-link');
    if (!link) return;
    event.preventDefault();
    const target = document.getElementById(`event-${link.dataset.event}`);
    if (target) {
      target.scrollIntoView({block: 'center'});
      target.focus();
    }
  });
  if (highlight) {
    const target = document.getElementById(`event-${highlight}`);
    if (target) {
      target.scrollIntoView({block: 'center'});
      target.focus({preventScroll: true});
    }
  }
}
