// Logging a milestone (#/agreements/{id}/log) and proposing an agreement
// (#/propose): forms generated from the Command schema, one per milestone
// kind. The event id is made when a form opens, so submitting twice writes
// once; a refusal shows the rules' code and sentence and writes nothing.
import {agreementLink, clear, h, problemElement, uniqueId} from './dom.js';
import {dateField, loadSchemas, messageFields, milestoneKinds, newEventId} from './schema-form.js';

// Kinds with their own page or flow: corrections pick an event first, a
// proposal starts an agreement, a document is attached with its file (the
// agreement's page).
const kNotHere = new Set(['eventCorrected', 'agreementProposed', 'documentAttached']);

export function milestonesOf(summary) {
  return (summary.milestones || []).map((m) => ({id: m.plan.milestoneId, description: m.plan.description}));
}

export function partiesOf(summary) {
  return (summary.parties || []).map((p) => ({id: p.party.organisationId, name: p.party.name}));
}

// The outcome of a POST of a Command, in words, or the refusal.
export function showOutcome(message, logged, what) {
  clear(message);
  if (logged.alreadyLogged) {
    message.append(h('div', {class: 'success', role: 'status'},
      `Already logged: this ${what} was written once, at position ${logged.position}; nothing more was written.`));
  } else {
    message.append(h('div', {class: 'success', role: 'status'},
      `Logged at position ${logged.position} (version ${logged.version}).`));
  }
}

// One form: the kind's fields, the effective date, the event id made now.
function commandForm(ctx, schemas, kind, {parties, milestones, submit, title, after}) {
  let eventId = newEventId();
  const body = messageFields(schemas, kind.type, {api: ctx.api, parties, milestones});
  const effective = dateField(ctx.api, 'When it happened', {
    hint: 'In words, as the source says it: "July 2024", "autumn 2024", "not stated; before the visit".'});
  const message = h('div', {class: 'form-message', 'aria-live': 'polite'});
  const idNote = h('p', {class: 'meta'}, `Event id ${eventId}`);
  const button = h('button', {type: 'submit'}, title);
  const another = h('button', {type: 'button', class: 'quiet', hidden: true}, 'Log another');
  const form = h('form', {class: 'command-form', 'data-kind': kind.field, novalidate: true},
    h('h2', {}, kind.summary), effective.element, body.element,
    h('div', {class: 'actions'}, button, another), idNote, message);
  another.addEventListener('click', () => {
    eventId = newEventId();
    idNote.textContent = `Event id ${eventId}`;
    another.hidden = true;
    clear(message);
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const command = {eventId, milestone: {[kind.field]: body.read()}};
    const when = effective.read();
    if (when) command.effective = when;
    try {
      const logged = await submit(command);
      showOutcome(message, logged, 'milestone');
      if (after) after(message);
      another.hidden = false;
      ctx.announce(message.textContent);
    } catch (error) {
      clear(message).append(problemElement(error));
    }
  });
  return form;
}

async function renderPropose(main, ctx, schemas) {
  main.append(h('h1', {}, 'Propose an agreement'),
    h('p', {class: 'lede'}, 'The first milestone of a new agreement names it and its parties.'));
  const idField = h('input', {type: 'text', id: uniqueId('agreement-id'), required: true, spellcheck: 'false',
    pattern: '[a-z0-9][a-z0-9-]*', 'aria-describedby': 'agreement-id-hint'});
  const kind = milestoneKinds(schemas).find((k) => k.field === 'agreementProposed');
  const form = commandForm(ctx, schemas, kind, {
    parties: [],
    title: 'Propose',
    submit: (command) => ctx.api.post('/api/v1/agreements', {...command, agreementId: idField.value.trim()}),
    after: (message) => {
      const id = idField.value.trim();
      message.append(h('p', {}, 'Open ', agreementLink(id, id), '.'));
    },
  });
  form.querySelector('h2').after(h('div', {class: 'field'},
    h('label', {for: idField.id}, 'Agreement id'),
    h('span', {class: 'hint', id: 'agreement-id-hint'}, 'Lower case, digits and hyphens: "cospar-apsco-mou".'),
    idField));
  main.append(form);
}

export async function render(main, ctx) {
  const schemas = await loadSchemas(ctx.api);
  if (!ctx.params.id) {
    await renderPropose(main, ctx, schemas);
    return;
  }
  const id = ctx.params.id;
  const summary = await ctx.api.get(`/api/v1/agreements/${encodeURIComponent(id)}`);
  const parties = partiesOf(summary);
  main.append(
    h('p', {class: 'meta'}, agreementLink(id, summary.title || id)),
    h('h1', {}, 'Log a milestone'));
  const kinds = milestoneKinds(schemas).filter((k) => !kNotHere.has(k.field));
  const selectId = uniqueId('kind');
  const select = h('select', {id: selectId},
    kinds.map((k) => h('option', {value: k.field}, k.summary)));
  const wanted = ctx.query.get('kind');
  if (wanted && kinds.some((k) => k.field === wanted)) select.value = wanted;
  const holder = h('div', {});
  const show = () => {
    const kind = kinds.find((k) => k.field === select.value);
    clear(holder).append(commandForm(ctx, schemas, kind, {
      parties,
      milestones: milestonesOf(summary),
      title: 'Log it',
      submit: (command) => ctx.api.post(`/api/v1/agreements/${encodeURIComponent(id)}/milestones`, command),
    }));
  };
  select.addEventListener('change', show);
  main.append(h('div', {class: 'field'}, h('label', {for: selectId}, 'What happened'), select), holder);
  show();
}
