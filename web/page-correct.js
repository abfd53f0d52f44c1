// Correcting an event: pick it, change its fields in the form of its type
// (filled with what is recorded now), give the reason and the source. The
// log keeps both; the agreement shows the corrected view with what it was.
import {agreementLink, clear, eventTypeWords, fuzzyWords, h, humanize, problemElement, uniqueId} from './dom.js';
import {dateField, loadSchemas, messageFields, newEventId} from './schema-form.js';
import {partiesOf, showOutcome} from './page-log.js';

function isEmpty(value) {
  if (value === null || value === undefined || value === '' || value === false || value === 0 || value === '0') return true;
  if (typeof value === 'string') return /(^|_)UNSPECIFIED$/.test(value) || value === 'SPAN_DAYS';
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.values(value).every(isEmpty);
  return false;
}

function normal(value) {
  if (isEmpty(value)) return undefined;
  if (Array.isArray(value)) return value.map(normal);
  if (typeof value === 'object') {
    const out = {};
    for (const key of Object.keys(value).sort()) {
      const v = normal(value[key]);
      if (v !== undefined) out[key] = v;
    }
    return out;
  }
  return value;
}

function isMessage(value) {
  return value && typeof value === 'object' && !Array.isArray(value) && !('precision' in value);
}

function snake(name) {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

// The field paths (protobuf names, "place.city") whose values differ.
export function changedPaths(before, after, prefix = '') {
  const paths = [];
  const keys = new Set([...Object.keys(before || {}), ...Object.keys(after || {})]);
  for (const key of keys) {
    const a = before ? before[key] : undefined;
    const b = after ? after[key] : undefined;
    const path = prefix + snake(key);
    if (isMessage(a) && isMessage(b)) {
      paths.push(...changedPaths(a, b, `${path}.`));
    } else if (JSON.stringify(normal(a)) !== JSON.stringify(normal(b))) {
      paths.push(path);
    }
  }
  return paths;
}

function todayWords() {
  return new Date().toLocaleDateString('en-GB', {day: 'numeric', month: 'long', year: 'numeric'});
}

export async function render(main, ctx) {
  const id = ctx.params.id;
  const base = `/api/v1/agreements/${encodeURIComponent(id)}`;
  const [schemas, summary, timeline] = await Promise.all([
    loadSchemas(ctx.api), ctx.api.get(base), ctx.api.get(`${base}/timeline`)]);
  const entries = (timeline.entries || []).filter((e) => e.event);
  const parties = partiesOf(summary);
  main.append(h('p', {class: 'meta'}, agreementLink(id, summary.title || id)), h('h1', {}, 'Correct an event'),
    h('p', {class: 'lede'}, 'The event stays in the log as it was recorded; the correction is logged beside it, ',
      'and the agreement shows the corrected view.'));
  const selectId = uniqueId('event');
  const select = h('select', {id: selectId},
    h('option', {value: ''}, '— choose an event —'),
    entries.map((e) => {
      const [kind] = Object.keys(e.event);
      return h('option', {value: e.eventId}, `${e.version}. ${humanize(kind)} · ${fuzzyWords(e.effective)}`);
    }));
  const holder = h('div', {});
  main.append(h('div', {class: 'field'}, h('label', {for: selectId}, 'Which event'), select), holder);
  const show = () => {
    clear(holder);
    const entry = entries.find((e) => e.eventId === select.value);
    if (!entry) return;
    const [kind, value] = Object.entries(entry.event)[0];
    const typeName = schemas['accord.v1.DomainEvent'].properties[kind].$ref.replace('#/components/schemas/', '');
    const eventId = newEventId();
    const fields = messageFields(schemas, typeName, {api: ctx.api, parties}, value);
    const newDate = dateField(ctx.api, 'Corrected date it happened', {
      hint: `Leave empty to keep ${fuzzyWords(entry.effective)}. In words: "July 2024".`});
    const reasonId = uniqueId('reason');
    const sourceId = uniqueId('source');
    const when = dateField(ctx.api, 'Date of this correction', {value: {asStated: todayWords()}});
    const message = h('div', {'aria-live': 'polite'});
    const form = h('form', {class: 'correct-form'},
      h('h2', {}, `Correct: ${eventTypeWords(typeName)}`),
      h('fieldset', {}, h('legend', {}, 'Its fields'), fields.element),
      newDate.element,
      h('div', {class: 'field'}, h('label', {for: reasonId}, 'Reason'),
        h('textarea', {id: reasonId, name: 'reason', required: true, rows: '2'})),
      h('div', {class: 'field'}, h('label', {for: sourceId}, 'Source'),
        h('input', {id: sourceId, name: 'source', type: 'text', required: true})),
      when.element,
      h('div', {class: 'actions'}, h('button', {type: 'submit'}, 'Log the correction')),
      h('p', {class: 'meta'}, `Event id ${eventId}`),
      message);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clear(message);
      const replacement = fields.read();
      const paths = changedPaths(value, replacement);
      const corrected = {
        correctedEventId: entry.eventId,
        fields: paths,
        reason: form.elements.reason.value.trim(),
        source: form.elements.source.value.trim(),
      };
      if (paths.length) corrected.replacement = {[kind]: replacement};
      const date = newDate.read();
      if (date) corrected.effective = date;
      const command = {eventId, milestone: {eventCorrected: corrected}};
      const effective = when.read();
      if (effective) command.effective = effective;
      try {
        const logged = await ctx.api.post(`${base}/milestones`, command);
        showOutcome(message, logged, 'correction');
        message.append(h('p', {}, agreementLink(id, 'See the agreement', `?event=${encodeURIComponent(entry.eventId)}`)));
      } catch (error) {
        message.append(problemElement(error));
      }
    });
    holder.append(form);
  };
  select.addEventListener('change', show);
  const wanted = ctx.query.get('event');
  if (wanted && entries.some((e) => e.eventId === wanted)) {
    select.value = wanted;
    show();
  }
}
