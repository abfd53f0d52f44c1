// The agreements report (replayed from the whole log) as a page, with its
// CSV, JSON and Markdown files.
import {agreementLink, enumWords, fuzzyElement, h, section, table} from './dom.js';

function days(value) {
  return Number(value) < 0 ? '—' : `${value} days`;
}

export async function render(main, ctx) {
  const report = await ctx.api.get('/api/v1/report');
  main.append(h('h1', {}, 'Agreements report'),
    h('p', {class: 'lede'}, `Replayed from ${report.eventsReplayed} events; statuses judged on `,
      fuzzyElement(report.asOf), '.'),
    h('div', {class: 'actions'},
      h('a', {class: 'button quiet', href: '/api/v1/report.csv', download: 'accord-report.csv'}, 'Download CSV'),
      h('a', {class: 'button quiet', href: '/api/v1/report.json', download: 'accord-report.json'}, 'Download JSON'),
      h('a', {class: 'button quiet', href: '/api/v1/report.md', download: 'accord-report.md'}, 'Download Markdown')));
  main.append(section('Pipeline', table('', [
    ['Stage', (s) => enumWords(s.stage)],
    ['Agreements', (s) => (s.agreementIds || []).map((id, i) => [i ? ', ' : '', agreementLink(id)])],
  ], report.pipeline || [])));
  main.append(section('Cycle times',
    h('p', {}, `Median, proposed to agreed: ${days(report.medianDaysProposedToAgreed)}; agreed to signed: ${days(report.medianDaysAgreedToSigned)}.`),
    table('', [
      ['Agreement', (c) => agreementLink(c.agreementId)],
      ['Proposed to agreed', (c) => days(c.daysProposedToAgreed)],
      ['Agreed to signed', (c) => days(c.daysAgreedToSigned)],
    ], report.cycleTimes || [])));
  main.append(section('Overdue milestones', (report.overdue || []).length === 0 ? h('p', {class: 'empty'}, 'None.')
    : table('', [
      ['Agreement', (o) => agreementLink(o.agreementId)],
      ['Milestone', (o) => o.plan.description || o.plan.milestoneId],
      ['Planned', (o) => fuzzyElement(o.plan.planned)],
    ], report.overdue)));
  main.append(section('Open commitments', (report.openCommitments || []).length === 0 ? h('p', {class: 'empty'}, 'None.')
    : table('', [
      ['Party', (c) => c.partyId],
      ['Agreement', (c) => agreementLink(c.agreementId)],
      ['Commitment', (c) => c.commitment.description],
      ['Kind', (c) => enumWords(c.commitment.kind)],
    ], report.openCommitments)));
  main.append(section('Parties of multilateral agreements', (report.conventionParties || []).length === 0
    ? h('p', {class: 'empty'}, 'None.')
    : table('', [
      ['Agreement', (c) => agreementLink(c.agreementId)],
      ['Party', (c) => c.party.party.name],
      ['Signed', (c) => (c.party.signature ? fuzzyElement(c.party.signedOn) : '—')],
      ['Consent', (c) => (c.party.consent ? [enumWords(c.party.consent.instrument) || 'consent', ' ', fuzzyElement(c.party.consent.deposited)] : '—')],
      ['Category', (c) => (/UNSPECIFIED/.test(c.party.category || 'UNSPECIFIED') ? '—' : enumWords(c.party.category))],
    ], report.conventionParties)));
}
