// Forms generated from the OpenAPI document's schemas (net/openapi.cc writes
// one JSON Schema per protobuf message and enum, keyed by full name), so a new
// milestone kind, or a new field of one, gets its form with no web code:
// strings are text boxes, numbers number boxes, enums selects, booleans
// checkboxes, repeated fields lists with add and remove, nested messages
// fieldsets, FuzzyDates a box for a date in words that accord reads as you
// type, and party ids a select of the agreement's parties.
import {clear, fuzzyWords, h, humanize, uniqueId} from './dom.js';

const kFuzzyDate = 'accord.v1.FuzzyDate';
const kDomainEvent = 'accord.v1.DomainEvent';
// Deeper than any milestone needs; stops DomainEvent inside EventCorrected.
const kMaxDepth = 4;
const kLongText = /^(text|summary|description|note|reason|asStated|topic|outcome)$/;
const kPartyId = /(^partyId$|PartyId$|^partyIds$|PartyIds$)/;
const kOrganisationId = /(^organisationId$|OrganisationIds?$)/;
const kMilestoneId = /(^milestoneId$|MilestoneId$)/;

let schemasPromise = null;

// components.schemas of /api/v1/openapi.json, fetched once.
export function loadSchemas(api) {
  if (!schemasPromise) {
    schemasPromise = api.get('/api/v1/openapi.json').then((d) => d.components.schemas)
      .catch((error) => {
        schemasPromise = null;
        throw error;
      });
  }
  return schemasPromise;
}

function refName(schema) {
  return schema && schema.$ref ? schema.$ref.replace('#/components/schemas/', '') : '';
}

// The milestone kinds: DomainEvent's oneof members, with the words the
// server gives each ("Record a visit").
export function milestoneKinds(schemas) {
  const domainEvent = schemas[kDomainEvent];
  return Object.entries(domainEvent.properties).map(([field, schema]) => ({
    field,
    type: refName(schema),
    summary: (schema.description || humanize(field)).replace(/\. A member of the oneof.*$/, '').replace(/\.$/, ''),
  }));
}

export function enumValues(schemas, name) {
  return (schemas[name] && schemas[name].enum) || [];
}

function isUnspecified(value) {
  return /(^|_)UNSPECIFIED$/.test(value);
}

function labelled(label, control, hint) {
  const id = control.id || uniqueId('field');
  control.id = id;
  const hintElement = hint ? h('span', {class: 'hint', id: `${id}-hint`}, hint) : null;
  if (hintElement) control.setAttribute('aria-describedby', `${id}-hint`);
  const isCheckbox = control.type === 'checkbox';
  return h('div', {class: isCheckbox ? 'field inline' : 'field'},
    isCheckbox ? control : null, h('label', {for: id}, label), hintElement, isCheckbox ? null : control);
}

// A date in words ("June 2023", "autumn 2024", "5-7 November 2024"): checked
// as typed with GET /api/v1/dates, which answers how accord reads it or the
// parser's sentence. Its value is the parsed FuzzyDate with the words kept.
export function dateField(api, label, {value, hint} = {}) {
  const input = h('input', {type: 'text', autocomplete: 'off', spellcheck: 'false', 'data-kind': 'date'});
  const reading = h('div', {class: 'date-reading', 'aria-live': 'polite'});
  let parsed = null;
  let parsedText = '';
  let timer = null;
  let asked = 0;
  const check = async () => {
    const text = input.value.trim();
    const ask = ++asked;
    if (!text) {
      parsed = null;
      clear(reading).className = 'date-reading';
      return;
    }
    try {
      const answer = await api.get(`/api/v1/dates?text=${encodeURIComponent(text)}`);
      if (ask !== asked) return;
      parsed = answer.date;
      parsedText = text;
      reading.className = 'date-reading ok';
      reading.textContent = `Reads as: ${answer.readsAs}`;
      input.removeAttribute('aria-invalid');
    } catch (error) {
      if (ask !== asked) return;
      parsed = null;
      if (error.status === 400) {
        reading.className = 'date-reading bad';
        reading.textContent = error.detail;
        input.setAttribute('aria-invalid', 'true');
      } else {
        clear(reading).className = 'date-reading';
      }
    }
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(check, 250);
  });
  const initialText = value ? (value.asStated || (hasDate(value) ? fuzzyWords(value) : '')) : '';
  input.value = initialText;
  const element = labelled(label, input, hint || 'In words, as the source says it: "June 2023", "autumn 2024", "5-7 November 2024".');
  element.append(reading);
  if (input.value) check();
  return {
    element,
    input,
    read() {
      const text = input.value.trim();
      if (!text) return undefined;
      if (value && hasDate(value) && text === initialText) return value;  // untouched
      if (parsed && parsedText === text) return {...parsed, asStated: text};
      return {asStated: text};
    },
  };
}

function hasDate(fuzzy) {
  return Boolean(fuzzy && fuzzy.precision && fuzzy.precision !== 'PRECISION_UNSPECIFIED');
}

function scalarField(schema, label, name, value, context) {
  const parties = context.parties || [];
  if (schema.type === 'boolean') {
    const input = h('input', {type: 'checkbox'});
    input.checked = Boolean(value);
    return {element: labelled(label, input), read: () => (input.checked ? true : undefined)};
  }
  if (schema.type === 'integer' || (schema.type === 'string' && /int64/.test(schema.format || ''))) {
    const input = h('input', {type: 'number', step: '1', min: schema.minimum, inputmode: 'numeric'});
    if (value !== undefined && value !== null && String(value) !== '0') input.value = String(value);
    return {
      element: labelled(label, input),
      read() {
        if (input.value === '') return undefined;
        return schema.type === 'integer' ? Number(input.value) : String(input.value);
      },
    };
  }
  if (kPartyId.test(name) && parties.length > 0) {
    const select = h('select', {},
      h('option', {value: ''}, '— none —'),
      parties.map((p) => h('option', {value: p.id}, p.name ? `${p.name} (${p.id})` : p.id)));
    if (value) {
      if (!parties.some((p) => p.id === value)) select.append(h('option', {value}, value));
      select.value = value;
    }
    return {element: labelled(label, select), read: () => select.value || undefined};
  }
  const long = kLongText.test(name);
  const input = long ? h('textarea', {rows: '2'}) : h('input', {type: 'text', spellcheck: long ? 'true' : 'false'});
  if (kOrganisationId.test(name) && parties.length > 0 && !long) {
    input.setAttribute('list', context.partyList);
  }
  if (kMilestoneId.test(name) && (context.milestones || []).length > 0) {
    input.setAttribute('list', context.milestoneList);
  }
  if (value) input.value = value;
  return {element: labelled(label, input), read: () => input.value.trim() || undefined};
}

function enumField(schemas, typeName, label, value) {
  const select = h('select', {},
    enumValues(schemas, typeName).map((v) => h('option', {value: isUnspecified(v) ? '' : v},
      isUnspecified(v) ? '— not stated —' : humanize(v.toLowerCase().replace(/_([a-z])/g, (_, c) => c.toUpperCase())))));
  if (value && !isUnspecified(value)) select.value = value;
  return {element: labelled(label, select), read: () => select.value || undefined};
}

function singular(label) {
  if (/ies$/.test(label)) return label.replace(/ies$/, 'y');
  if (/s$/.test(label) && !/ss$/.test(label)) return label.replace(/s$/, '');
  return label;
}

function repeatedField(schemas, items, label, name, values, context, depth) {
  const fieldset = h('fieldset', {class: 'repeated'}, h('legend', {}, label));
  const list = h('div', {class: 'repeated-items'});
  const entries = [];
  const itemLabel = singular(label);
  const addItem = (value) => {
    const field = fieldFor(schemas, items, itemLabel, name.replace(/s$/, ''), value, context, depth);
    if (!field) return;
    const entry = {field};
    const remove = h('button', {type: 'button', class: 'quiet'}, `Remove this ${itemLabel.toLowerCase()}`);
    const nested = field.element.tagName === 'FIELDSET';
    const wrapper = h('div', {class: nested ? 'repeated-item' : 'repeated-item scalar'}, field.element, remove);
    remove.addEventListener('click', () => {
      entries.splice(entries.indexOf(entry), 1);
      wrapper.remove();
      add.focus();
    });
    entries.push(entry);
    list.append(wrapper);
    return wrapper;
  };
  const add = h('button', {type: 'button', class: 'quiet'}, `Add ${/^[aeiou]/i.test(itemLabel) ? 'an' : 'a'} ${itemLabel.toLowerCase()}`);
  add.addEventListener('click', () => {
    const wrapper = addItem(undefined);
    const first = wrapper && wrapper.querySelector('input, select, textarea');
    if (first) first.focus();
  });
  for (const value of values || []) addItem(value);
  fieldset.append(list, add);
  return {
    element: fieldset,
    read() {
      const read = entries.map((e) => e.field.read()).filter((v) => v !== undefined);
      return read.length ? read : undefined;
    },
  };
}

function messageFieldset(schemas, typeName, label, value, context, depth) {
  const schema = schemas[typeName];
  const fields = [];
  const fieldset = h('fieldset', {}, h('legend', {}, label));
  for (const [name, property] of Object.entries(schema.properties || {})) {
    const field = fieldFor(schemas, property, humanize(name), name, value ? value[name] : undefined, context, depth + 1);
    if (!field) continue;
    fields.push([name, field]);
    fieldset.append(field.element);
  }
  return {
    element: fieldset,
    read() {
      const out = {};
      for (const [name, field] of fields) {
        const v = field.read();
        if (v !== undefined) out[name] = v;
      }
      return Object.keys(out).length ? out : undefined;
    },
  };
}

// The field for one property of a message, or null for what a form cannot
// hold (a nested DomainEvent, anything past kMaxDepth).
export function fieldFor(schemas, schema, label, name, value, context, depth = 0) {
  if (depth > kMaxDepth) return null;
  if (schema.type === 'array') {
    return repeatedField(schemas, schema.items, label, name, value, context, depth);
  }
  const typeName = refName(schema);
  if (typeName) {
    if (typeName === kFuzzyDate) return dateField(context.api, label, {value});
    if (typeName === kDomainEvent) return null;
    const target = schemas[typeName];
    if (!target) return null;
    if (target.enum) return enumField(schemas, typeName, label, value);
    if (target.type === 'object' && target.properties) {
      return messageFieldset(schemas, typeName, label, value, context, depth);
    }
    return null;
  }
  return scalarField(schema, label, name, value, context);
}

// The fields of one message, not wrapped in a fieldset: the body of a
// milestone's form. context = {api, parties: [{id, name}], milestones: [{id, description}]}.
export function messageFields(schemas, typeName, context, value) {
  const element = h('div', {class: 'message-fields'});
  const partyList = uniqueId('parties');
  const milestoneList = uniqueId('milestones');
  const full = {...context, partyList, milestoneList};
  if ((context.parties || []).length) {
    element.append(h('datalist', {id: partyList}, context.parties.map((p) => h('option', {value: p.id}, p.name))));
  }
  if ((context.milestones || []).length) {
    element.append(h('datalist', {id: milestoneList},
      context.milestones.map((m) => h('option', {value: m.id}, m.description || m.id))));
  }
  const fields = [];
  for (const [name, property] of Object.entries(schemas[typeName].properties || {})) {
    const field = fieldFor(schemas, property, humanize(name), name, value ? value[name] : undefined, full, 1);
    if (!field) continue;
    fields.push([name, field]);
    element.append(field.element);
  }
  return {
    element,
    read() {
      const out = {};
      for (const [name, field] of fields) {
        const v = field.read();
        if (v !== undefined) out[name] = v;
      }
      return out;
    },
  };
}

// A new event id, made when a form opens: a retry or a second click sends
// the same one, and the server answers "already logged".
export function newEventId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  // randomUUID needs a secure context (https, or the loopback address).
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
