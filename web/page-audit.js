// The audit page (auditors and admins): have the server verify the log;
// save a signed checkpoint, checked here first; check here that today's log
// still extends a saved checkpoint (a consistency proof, web/proofs.js);
// and one agreement's audit report as a page that prints cleanly to PDF
// (web/print.css), with the timeline drawn by the server's one renderer.
import {clear, enumWords, eventKind, eventTypeWords, fuzzyWords, h, humanize, momentWords, problemElement, section, table} from './dom.js';
import {checkLine, keyWords, verifierKeyField} from './page-check.js';
import * as proofs from './proofs.js';

// A button that runs `action(out)` and shows its result, or its error, in
// `out`; disabled while it runs.
function actionButton(label, out, action) {
  const button = h('button', {type: 'button'}, label);
  button.addEventListener('click', async () => {
    button.disabled = true;
    clear(out);
    out.append(h('p', {class: 'meta'}, 'Working…'));
    try {
      const shown = await action();
      clear(out).append(...[shown].flat());
    } catch (error) {
      clear(out).append(problemElement(error));
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

// The last verification made on this page, for the report.
let lastVerified = null;

function verifySection(ctx) {
  const out = h('div', {'aria-live': 'polite'});
  return section(
      'Verify the log',
      h('p', {},
        'The server walks the whole log: every record\'s hash, the chain from each record ',
        'to the next, ', 'gapless positions, and every index entry against the log.'),
      h('div', {class: 'actions'},
        actionButton(
            'Verify the log', out,
            async () => {
              const verified = await ctx.api.post('/api/v1/verify');
              lastVerified = {...verified, at: new Date()};
              ctx.announce?.('The log verified.');
              const {records, streams, agreementsIndexed} = verified;
              const head = proofs.toHex(proofs.fromBase64(verified.headHash || ''));
              return h(
                  'div', {class: 'success', role: 'status'}, h('strong', {}, 'The log verified. '),
                  `${records} records in ${streams} streams: every hash and the chain hold, and `,
                  `${agreementsIndexed} agreement index entries agree with the log. Head hash `,
                  h('code', {}, head), '.');
            })),
      out,
  );
}

function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], {type: 'text/plain'}));
  const link = h('a', {href: url, download: name}, name);
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return h('a', {href: url, download: name}, name);
}

function checkpointFacts(checkpoint) {
  return h(
      'dl', {class: 'summary'}, h('dt', {}, 'Log'), h('dd', {}, checkpoint.origin),
      h('dt', {}, 'Records'), h('dd', {}, String(checkpoint.size)), h('dt', {}, 'Root hash'),
      h('dd', {}, h('code', {}, proofs.toHex(checkpoint.rootHash))));
}

function saveSection(ctx, keys) {
  const out = h('div', {'aria-live': 'polite'});
  return section(
      'Save a signed checkpoint',
      h('p', {},
        'A checkpoint is the log\'s size and Merkle root, signed by the server. Keep it outside ',
        'accord: later, anyone can check that the log still extends it, so that nothing ',
        'recorded before ', 'it was changed or removed.'),
      h('div', {class: 'actions'},
        actionButton(
            'Save a signed checkpoint', out,
            async () => {
              const choice = await keys.choose();
              const answer = await ctx.api.get('/api/v1/checkpoint');
              const checkpoint = await proofs.checkSignedCheckpoint(answer, choice.key);
              const name = `accord-${checkpoint.size}.checkpoint`;
              const link = download(name, answer.note);
              ctx.announce?.(`Saved ${name}.`);
              return [
                h('ol', {class: 'items checks'},
                  checkLine(true, `The checkpoint is signed by ${keyWords(choice)}.`)),
                h('p', {class: 'success', role: 'status'}, 'Saved as ', link, '.'),
                checkpointFacts(checkpoint),
                h('pre', {class: 'checkpoint-note'}, answer.note),
              ];
            })),
      out,
  );
}

// A saved checkpoint's text: the note itself, or the JSON of
// GET /api/v1/checkpoint (as `curl ... > checkpoint.json` keeps it).
function noteOf(text) {
  if (text.trimStart().startsWith('{')) {
    try {
      const json = JSON.parse(text);
      if (typeof json.note === 'string') return json.note;
    } catch {
      // Not JSON after all: read as a note, whose check names what is wrong.
    }
  }
  return text.replace(/\r\n/g, '\n');
}

function consistencySection(ctx, keys) {
  const out = h('div', {'aria-live': 'polite'});
  const id = 'saved-checkpoint-file';
  const file = h('input', {id, type: 'file', accept: '.checkpoint,.json,text/plain'});
  const check = actionButton('Check the log against it', out, async () => {
    if (!file.files[0]) throw new Error('Choose a saved checkpoint file first.');
    const choice = await keys.choose();
    const steps = h('ol', {class: 'items checks'});
    const shown = [steps];
    let earlier;
    try {
      earlier = await proofs.openCheckpoint(noteOf(await file.files[0].text()), choice.key);
      steps.append(checkLine(
          true,
          `The saved checkpoint of ${earlier.size} records is signed by ${keyWords(choice)}.`));
    } catch (error) {
      steps.append(checkLine(
          false, `The saved checkpoint is signed by ${keyWords(choice)}.`, error.message));
      shown.push(
          h('p', {class: 'problem', role: 'alert'},
            h('strong', {}, 'The saved checkpoint does not hold. '),
            'It was not signed with this key, or it was changed after it was saved: ',
            'nothing can be checked against it.'));
      return shown;
    }
    try {
      const proof = await ctx.api.get(`/api/v1/proofs/consistency?first=${earlier.size}`);
      const later = await proofs.checkConsistency(earlier, proof, choice.key);
      steps.append(checkLine(
          true, `Today's checkpoint of ${later.size} records is signed by the same key.`));
      const sizes = `${later.size} records extends the saved one of ${earlier.size}`;
      steps.append(checkLine(
          true,
          `The log of ${sizes}: nothing recorded before the saved checkpoint was changed or ` +
              'removed (consistency proof checked in this browser).'));
      shown.push(
          h('p', {class: 'success', role: 'status'},
            h('strong', {}, 'The log extends your checkpoint.')));
      ctx.announce?.('The log extends the saved checkpoint.');
    } catch (error) {
      steps.append(checkLine(false, 'The log extends the saved checkpoint.', error.message));
      shown.push(
          h('p', {class: 'problem', role: 'alert'},
            h('strong', {}, 'The log does not extend your checkpoint. '),
            'Keep the saved checkpoint and this result: they are the evidence.'));
    }
    return shown;
  });
  return section(
      'Check the log against a saved checkpoint',
      h('p', {},
        'Load a checkpoint saved earlier (an accord-<size>.checkpoint file). Its signature and a ',
        'consistency proof from it to today\'s log are checked in this browser.'),
      h('div', {class: 'field'}, h('label', {'for': id}, 'Checkpoint file'), file),
      h('div', {class: 'actions'}, check),
      out,
  );
}

// ---- the audit report of one agreement ----------------------------------------

// Every agreement, for the picker: listing pages followed to the end.
async function allAgreements(api) {
  const agreements = [];
  let after = '';
  for (;;) {
    const page = await api.get(
        `/api/v1/agreements?limit=100${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    agreements.push(...(page.agreements || []));
    if (page.endOfData || !page.nextAfter || !(page.agreements || []).length) return agreements;
    after = page.nextAfter;
  }
}

// The agreement's accord.v1.AuditReport: the server's (GET .../audit), or,
// where the server has none, the same message built from its history.
async function auditReport(api, id) {
  try {
    return await api.get(`/api/v1/agreements/${encodeURIComponent(id)}/audit`);
  } catch (error) {
    if (error.status !== 404)
      throw error;  // 404: no such route here (the history says if no agreement)
  }
  const entries = [];
  for (let from = 0;;) {
    const page = await api.get(
        `/api/v1/agreements/${encodeURIComponent(id)}/history?from=${from}&limit=1000`);
    entries.push(
        ...(page.events || []).map((e) => ({record: e.record, event: e.event, correctedBy: []})));
    if (page.endOfData || !(page.events || []).length) break;
    from = Number(page.next);
  }
  const byEvent = new Map(entries.map((e) => [e.record.eventId, e]));
  for (const entry of entries) {
    const corrected = entry.event?.eventCorrected?.correctedEventId;
    if (corrected && byEvent.has(corrected))
      byEvent.get(corrected).correctedBy.push(entry.record.eventId);
  }
  return {
    agreementId: id,
    entries,
    logVerified: false,
    verification: '',
    logRecords: '0',
    logHeadHash: ''
  };
}

// What an event says, as "Field: value" lines, nested fields flattened.
function eventLines(value, prefix = '') {
  const lines = [];
  for (const [name, field] of Object.entries(value || {})) {
    const label = prefix ? `${prefix} · ${humanize(name)}` : humanize(name);
    if (field === '' || field === false || field === null ||
        (Array.isArray(field) && !field.length))
      continue;
    if (field && typeof field === 'object' && 'precision' in field) {
      lines.push([label, fuzzyWords(field)]);
    } else if (Array.isArray(field) && field.every((item) => typeof item !== 'object')) {
      lines.push([label, field.join('; ')]);
    } else if (Array.isArray(field)) {
      field.forEach((item, i) => lines.push(...eventLines(item, `${label} ${i + 1}`)));
    } else if (field && typeof field === 'object') {
      lines.push(...eventLines(field, label));
    } else if (typeof field === 'string' && name !== 'acronym' && /^[A-Z][A-Z0-9_]*$/.test(field)) {
      if (!field.endsWith('_UNSPECIFIED'))
        lines.push([label, enumWords(field)]);  // an enum value's name
    } else if (field !== 0) {
      lines.push([label, String(field)]);
    }
  }
  return lines;
}

function shortHash(base64) {
  if (!base64) return '';
  return proofs.toHex(proofs.fromBase64(base64)).slice(0, 16);
}

function reportElement(summary, report, id) {
  const entries = report.entries || [];
  const title = summary?.title || id;
  const verifiedWords = report.verification || 'every hash and the chain hold';
  const verification = report.logVerified ?
      h('p', {class: 'success'}, `The log verified when this report was made: ${verifiedWords}. `,
        `${report.logRecords} records; head hash `, h('code', {}, shortHash(report.logHeadHash)),
        '.') :
      lastVerified ?
      h('p', {class: 'success'},
        `The log verified on this page at ${momentWords(lastVerified.at.toISOString())}: `,
        `${lastVerified.records} records, every hash and the chain hold; head hash `,
        h('code', {}, shortHash(lastVerified.headHash)), '.') :
      h('p', {class: 'notice'},
        report.verification ||
            'The log has not been verified for this report: use "Verify the log" above ' +
                'before printing it.');
  const img = h('img', {
    src: `/api/v1/agreements/${encodeURIComponent(id)}/timeline.svg`,
    alt: `Timeline of ${title}: what happened above the axis, planned milestones below it.`,
  });
  const figure =
      h('figure', {class: 'timeline-figure'}, img,
        h('figcaption', {class: 'meta'},
          'When each milestone happened, beside when it was recorded.'));
  img.addEventListener(
      'error',
      () => figure.replaceChildren(
          h('p', {class: 'meta'}, 'The timeline drawing is not available.')));
  const parties = (summary?.parties || []).map((p) => p.party || p);
  const printed = momentWords(new Date().toISOString());
  return h(
      'article', {class: 'audit-report'},
      h('header', {}, h('h2', {}, `Audit report: ${title}`),
        h('p', {class: 'meta'}, `Agreement ${id}. Printed from the accord log on ${printed}.`)),
      section(
          'Summary',
          h('dl', {class: 'summary'}, h('dt', {}, 'Title'), h('dd', {}, title),
            summary?.kind ? [h('dt', {}, 'Kind'), h('dd', {}, enumWords(summary.kind))] : null,
            summary?.stage ? [h('dt', {}, 'Stage'), h('dd', {}, enumWords(summary.stage))] : null,
            parties.length ?
                [
                  h('dt', {}, 'Parties'),
                  h('dd', {}, parties.map((p) => p.name || p.organisationId).join('; '))
                ] :
                null,
            h('dt', {}, 'Events'), h('dd', {}, String(entries.length))),
          verification),
      section('Timeline', figure),
      section(
          'Events in the order they were recorded',
          table(
              'Every event of the agreement',
              [
                ['Position', (e) => e.record.position],
                [
                  'Recorded',
                  (e) =>
                      h('span', {}, momentWords(e.record.recordedAt),
                        h('span', {class: 'meta snippet'}, `by ${e.record.actor || '?'}`))
                ],
                [
                  'Event',
                  (e) =>
                      h('span', {}, eventTypeWords(e.record.eventType),
                        e.correctedBy?.length ?
                            h('span', {class: 'status status-overdue'}, 'corrected later') :
                            null)
                ],
                ['Happened', (e) => fuzzyWords(e.record.effective)],
                ['Record hash', (e) => h('code', {}, shortHash(e.record.hash))],
              ],
              entries)),
      section(
          'What each event says',
          h('ol', {class: 'items history audit-events'}, entries.map((e) => {
            const [kind, value] = eventKind(e.event);
            const recorded = `${momentWords(e.record.recordedAt)} by ${e.record.actor || '?'}`;
            return h(
                'li', {},
                h('h3', {}, `${e.record.position}. ${eventTypeWords(e.record.eventType)}`),
                h('p', {class: 'meta'},
                  `Event ${e.record.eventId}, version ${e.record.streamVersion}; recorded `,
                  `${recorded}; happened ${fuzzyWords(e.record.effective)}.`,
                  e.correctedBy?.length ? ` Corrected by ${e.correctedBy.join(', ')}.` : ''),
                kind ? h('dl', {class: 'event-fields'},
                         eventLines(value).map(
                             ([term, text]) => [h('dt', {}, term), h('dd', {}, text)])) :
                       null);
          }))));
}

function reportSection(ctx) {
  const out = h('div', {class: 'audit-report-place'});
  const id = 'audit-agreement';
  const select =
      h('select', {id, name: 'agreement'}, h('option', {value: ''}, 'Choose an agreement…'));
  const print =
      h('button', {type: 'button', class: 'quiet', hidden: true, on: {click: () => window.print()}},
        'Print or save as PDF');
  const show = async (agreement) => {
    clear(out);
    print.hidden = true;
    if (!agreement) return;
    history.replaceState(null, '', `#/audit?agreement=${encodeURIComponent(agreement)}`);
    out.append(h('p', {class: 'meta'}, 'Loading the report…'));
    try {
      const path = `/api/v1/agreements/${encodeURIComponent(agreement)}`;
      const [summary, report] =
          await Promise.all([ctx.api.get(path), auditReport(ctx.api, agreement)]);
      clear(out).append(reportElement(summary, report, agreement));
      print.hidden = false;
    } catch (error) {
      clear(out).append(problemElement(error));
    }
  };
  select.addEventListener('change', () => show(select.value));
  const load = allAgreements(ctx.api).then((agreements) => {
    for (const a of agreements)
      select.append(
          h('option', {value: a.agreementId}, `${a.title || a.agreementId} (${a.agreementId})`));
    const wanted = ctx.query?.get('agreement');
    if (wanted) {
      select.value = wanted;
      return show(wanted);
    }
    return undefined;
  });
  const element = section(
      'Audit report of one agreement',
      h('p', {}, 'Everything the log holds of one agreement, in the order it was recorded, ',
        'with its timeline: ', 'a page that prints cleanly to PDF.'),
      h('div', {class: 'field'}, h('label', {'for': id}, 'Agreement'), select),
      h('div', {class: 'actions'}, print), out);
  element.classList.add('audit-report-section');
  return {element, load};
}

export async function render(main, ctx) {
  const keys = verifierKeyField(ctx.api);
  const tools =
      h('div', {class: 'audit-tools'}, verifySection(ctx), keys.element, saveSection(ctx, keys),
        consistencySection(ctx, keys));
  const report = reportSection(ctx);
  clear(main).append(
      h('h1', {}, 'Audit'),
      h('p', {class: 'lede'},
        'Verify the log, keep signed checkpoints of it, check that it still extends them, and ',
        'print the audit report of an agreement.'),
      tools,
      report.element,
  );
  await report.load;
}
