// The desk: what needs attention (overdue and coming milestones, open
// commitments by party, the pipeline) and recent activity, live.
import {agreementLink, clear, enumWords, eventTypeWords, h, isoDay, problemElement, section,
  timeElement} from './dom.js';

const kRecent = 12;

function plannedList(items, emptyWords, extraClass) {
  if (!items || items.length === 0) return h('p', {class: 'empty'}, emptyWords);
  return h('ul', {class: `items ${extraClass || ''}`}, items.map((item) => h('li', {},
    h('div', {}, h('strong', {}, agreementLink(item.agreementId, item.agreementTitle,
      item.eventId ? `?event=${encodeURIComponent(item.eventId)}` : ''))),
    h('div', {}, item.description || enumWords(item.milestone),
      ' · ', h('span', {class: 'status status-planned'}, enumWords(item.milestone) || 'milestone')),
    h('div', {class: 'meta'}, 'Planned: ', item.plannedText || 'not stated', item.place ? ` · ${item.place}` : ''))));
}

function commitmentsByParty(parties) {
  if (!parties || parties.length === 0) return h('p', {class: 'empty'}, 'No open commitments.');
  return h('div', {class: 'grid'}, parties.map((entry) => h('div', {class: 'card'},
    h('h3', {}, entry.partyName && entry.partyName !== entry.party ? `${entry.partyName} (${entry.party})` : entry.party),
    h('ul', {class: 'items'}, (entry.commitments || []).map((c) => h('li', {},
      h('div', {}, c.text),
      h('div', {class: 'meta'}, agreementLink(c.agreementId, c.agreementTitle),
        c.dueText ? ` · due ${c.dueText}` : '')))))));
}

function pipeline(stages) {
  if (!stages || stages.length === 0) return h('p', {class: 'empty'}, 'No agreements yet.');
  return h('ul', {class: 'pipeline'}, stages.map((s) => h('li', {},
    h('a', {href: `#/agreements?stage=${encodeURIComponent(s.stage)}`},
      h('span', {class: 'count'}, String(s.count)), enumWords(s.stage)))));
}

function activityItem(recorded) {
  const record = recorded.record || {};
  return h('li', {'data-position': record.position},
    h('div', {}, h('strong', {}, eventTypeWords(record.eventType)), ' · ',
      agreementLink(record.streamId, record.streamId,
        record.eventId ? `?event=${encodeURIComponent(record.eventId)}` : '')),
    h('div', {class: 'meta'}, `#${record.position} · `, timeElement(record.recordedAt),
      record.actor ? ` · ${record.actor}` : ''));
}

// Recent activity: the log's last events, then each new one as it is
// recorded. Auditors and admins follow the SSE stream; loggers, who may not
// subscribe, read the log's new records every few seconds.
async function followActivity(ctx, list, status) {
  const health = await ctx.api.get('/api/v1/health');
  const from = Math.max(0, Number(health.logPosition || 0) - kRecent);
  const seen = new Set();
  const show = (recorded) => {
    const position = recorded.record && recorded.record.position;
    if (position === undefined || seen.has(position)) return;
    seen.add(position);
    const empty = list.querySelector('.empty');
    if (empty) empty.remove();
    list.prepend(activityItem(recorded));
    while (list.children.length > kRecent) list.lastElementChild.remove();
  };
  if (ctx.session.role !== 'logger') {
    const source = new EventSource(`/api/v1/stream?from=${from}`, {withCredentials: true});
    source.addEventListener('recorded', (event) => show(JSON.parse(event.data)));
    source.addEventListener('caught-up', () => { status.textContent = 'Live: new events appear as they are recorded.'; });
    source.addEventListener('error', () => { status.textContent = 'Reconnecting…'; });
    ctx.onLeave(() => source.close());
    return;
  }
  let next = from;
  let stopped = false;
  const poll = async () => {
    if (stopped) return;
    try {
      const page = await ctx.api.get(`/api/v1/log?from=${next}&limit=100`);
      for (const recorded of page.events || []) show(recorded);
      if (page.next) next = Number(page.next);
      status.textContent = 'Live: checked for new events every few seconds.';
    } catch (error) {
      status.textContent = `Could not read the log: ${error.message}`;
    }
    if (!stopped) timer = setTimeout(poll, 3000);
  };
  let timer = null;
  ctx.onLeave(() => { stopped = true; clearTimeout(timer); });
  await poll();
}

export async function render(main, ctx) {
  const today = ctx.query.get('today') || '';
  main.append(h('h1', {}, 'Desk'));
  const attention = h('div', {class: 'desk-main'});
  const status = h('p', {class: 'meta', role: 'status'}, 'Loading recent activity…');
  const list = h('ol', {class: 'items activity', 'aria-label': 'Recent events, newest first'},
    h('li', {class: 'empty'}, 'No events yet.'));
  main.append(h('div', {class: 'desk-layout'}, attention,
    h('div', {class: 'desk-side'}, section('Recent activity', status, list))));
  followActivity(ctx, list, status).catch((error) => {
    clear(status).append(problemElement(error));
  });
  let desk;
  try {
    desk = await ctx.api.get(`/api/v1/desk${today ? `?today=${encodeURIComponent(today)}` : ''}`);
  } catch (error) {
    attention.append(problemElement(error));
    return;
  }
  const todayWords = dayWords(desk.today || isoDay());
  const overdueCount = (desk.overdue || []).length;
  attention.append(
    h('p', {class: 'lede'}, `What needs attention on ${todayWords}: `,
      h('strong', {}, overdueCount === 1 ? 'one milestone overdue' : `${overdueCount} milestones overdue`), '. ',
      h('a', {href: '/api/v1/calendar.ics', download: 'accord-calendar.ics'},
        'Download the calendar of planned milestones and commitments (iCalendar)')),
    section('Overdue', plannedList(desk.overdue, 'Nothing is overdue.', 'overdue-list')),
    h('div', {class: 'grid'},
      section('Due within 30 days', plannedList(desk.dueWithin30Days, 'Nothing in the next 30 days.')),
      section('Due within 90 days', plannedList(desk.dueWithin90Days, 'Nothing in the next 90 days.'))),
    section('Open commitments by party', commitmentsByParty(desk.openCommitmentsByParty)),
    section('Pipeline by stage', pipeline(desk.pipeline)));
}

// "2026-12-06" -> "6 December 2026".
function dayWords(day) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return day;
  return new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]))
    .toLocaleDateString('en-GB', {day: 'numeric', month: 'long', year: 'numeric'});
}
