// "Check a file": is this file exactly a document recorded in the log? The
// browser computes the file's SHA-256 itself, asks the server which records
// name that digest, and then proves each one here, trusting none of the
// server's words: the checkpoint's signature against the verifier key the
// reader holds, the inclusion proof against the checkpoint's root, and the
// proven record's own bytes naming the digest (web/proofs.js).
//
// Also exports verifierKeyField, the key chooser the audit page shares.
import {clear, h, momentWords, problemElement, section} from './dom.js';
import * as proofs from './proofs.js';

const kKeyStorage = 'accord.verifierKey';

function storedKey() {
  try {
    return localStorage.getItem(kKeyStorage) || '';
  } catch {
    return '';  // storage refused (a private window): the key is typed each time
  }
}

function storeKey(text) {
  try {
    if (text)
      localStorage.setItem(kKeyStorage, text);
    else
      localStorage.removeItem(kKeyStorage);
  } catch {
    // As above: nothing kept.
  }
}

// The checkpoint signer's verifier key, as the reader obtained it apart
// from the server (pasted, or loaded from a saved file), remembered in this
// browser. Returns {element, choose()}: choose() resolves to {key,
// announced} where `announced` is true when the reader has given no key and
// the key the server announces is used instead (which proves less: the
// caller says so).
export function verifierKeyField(api) {
  const id = `verifier-key-${Math.random().toString(36).slice(2, 8)}`;
  const input = h('textarea', {
    id,
    name: 'verifier-key',
    rows: '2',
    spellcheck: 'false',
    autocomplete: 'off',
    'aria-describedby': `${id}-hint`,
    placeholder: 'accord.local/log+1a2b3c4d+AUF…',
  });
  input.value = storedKey();
  const status = h('p', {class: 'meta', role: 'status'});
  const describe = async () => {
    const text = input.value.trim();
    if (!text) {
      storeKey('');
      status.textContent =
          'No key given: checks will use the key the server announces, which proves less.';
      return;
    }
    try {
      const key = await proofs.parseVerifierKey(text);
      const id = proofs.toHex(key.keyId);
      status.textContent =
          `A well-formed key named ${key.name} (key id ${id}), remembered in this browser.`;
      storeKey(text);
    } catch (error) {
      status.textContent = `This is not a usable key: ${error.message}.`;
    }
  };
  input.addEventListener('change', describe);
  const fileId = `${id}-file`;
  const file = h('input', {id: fileId, type: 'file', accept: '.vkey,.txt,.key,text/plain'});
  file.addEventListener('change', async () => {
    if (!file.files[0]) return;
    input.value = (await file.files[0].text()).trim();
    await describe();
  });
  // The server's own key, shown to be compared with the published one, never
  // taken as the reader's without the reader pasting it.
  const announcedOut = h('p', {class: 'meta', 'aria-live': 'polite'});
  const showAnnounced =
      h('button', {type: 'button', class: 'quiet'}, 'Show the key this server announces');
  showAnnounced.addEventListener('click', async () => {
    try {
      const {verifierKey} = await api.get('/api/v1/checkpoint');
      announcedOut.replaceChildren(
          'This server announces ', h('code', {}, verifierKey), '. Compare it with the key your ',
          'administrator published before you paste it above: a check with the key a server ',
          'announces itself proves only that its answers agree with each other.');
    } catch (error) {
      announcedOut.replaceChildren(problemElement(error));
    }
  });
  const element = h(
      'fieldset',
      {class: 'verifier-key'},
      h('legend', {}, 'The log\'s verifier key'),
      h(
          'p',
          {class: 'hint', id: `${id}-hint`},
          'The key that signs the log\'s checkpoints, as your administrator published it ',
          '(accordd --print-verifier-key). Checking with a key you obtained apart from this ',
          'server ',
          'is what makes the check independent of the server\'s word.',
          ),
      h('div', {class: 'field'}, h('label', {'for': id}, 'Verifier key'), input),
      h('div', {class: 'field'}, h('label', {'for': fileId}, 'Or load it from a saved file'), file),
      h('div', {class: 'actions'}, showAnnounced),
      announcedOut,
      status,
  );
  describe();
  return {
    element,
    async choose() {
      const text = input.value.trim();
      if (text) {
        await proofs.parseVerifierKey(text);  // a malformed key fails here, named
        return {key: text, announced: false};
      }
      const checkpoint = await api.get('/api/v1/checkpoint');
      return {key: checkpoint.verifierKey, announced: true};
    },
  };
}

// Words for which key a check used.
export function keyWords(choice) {
  const name = choice.key.split('+').slice(0, 2).join('+');
  return choice.announced ?
      `the key the server announces (${name}): this shows only that the server's answers agree ` +
          'with each other, not that they are the log your administrator vouches for. Give the ' +
          'published key above for a real check' :
      `your key ${name}`;
}

// One check's line: passed or failed, in words, not only colour.
export function checkLine(passed, sentence, detail) {
  return h(
      'li',
      {class: passed ? 'check check-passed' : 'check check-failed'},
      h('span', {class: passed ? 'status status-fulfilled' : 'status status-overdue'},
        passed ? 'passed' : 'failed'),
      ' ',
      sentence,
      detail ? h('span', {class: 'meta snippet'}, detail) : null,
  );
}

function sizeWords(bytes) {
  const n = Number(bytes);
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB (${n} bytes)`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB (${n} bytes)`;
}

// Proves one record the server listed for `digest`, each step a line.
// Returns true when every check passed.
async function proveRecord(api, listed, digest, checkpoint, choice, list) {
  let proved;
  try {
    proved = await proofs.checkInclusion(
        await api.get(
            `/api/v1/proofs/inclusion?position=${listed.position}&tree_size=${checkpoint.size}`),
        choice.key,
        {eventId: listed.eventId},
    );
    if (!proofs.bytesEqual(proved.checkpoint.rootHash, checkpoint.rootHash)) {
      throw new proofs.ProofError('the proof\'s checkpoint is not the one checked above');
    }
  } catch (error) {
    list.append(checkLine(
        false, `The record at position ${listed.position} is in the log.`, error.message));
    return false;
  }
  const {record} = proved;
  const type = record.eventType.replace(/^accord\.v1\./, '');
  const recorded = momentWords(record.recordedAt?.toISOString());
  const actor = record.actor || 'an unnamed actor';
  list.append(checkLine(
      true,
      `The record at position ${record.position} is in that log: ` +
          'its inclusion proof leads to the signed root.',
      `Event ${record.eventId} (${type}) of ${record.streamId}, ` +
          `recorded ${recorded} by ${actor}.`));
  let named = null;
  try {
    named = proofs.documentOfRecord(record);
  } catch (error) {
    list.append(checkLine(false, 'The record can be read.', error.message));
    return false;
  }
  const namesDigest = named !== null && named.document.sha256 === digest;
  const file = named?.document;
  const recordSays = file ?
      `It records "${file.name}" (${file.mediaType}, ${sizeWords(file.size)}), ` +
          `fingerprint ${file.sha256}.` :
      `It is a ${record.eventType} event, which records no document.`;
  list.append(checkLine(
      namesDigest,
      namesDigest ? 'The record itself names this file\'s fingerprint.' :
                    'The record itself names this file\'s fingerprint: it does not.',
      recordSays));
  const agreementAgrees = record.streamId === listed.agreementId;
  if (!agreementAgrees) {
    list.append(
        checkLine(
            false, `The record belongs to agreement ${listed.agreementId}, as the server said.`,
            `The proven record belongs to ${record.streamId}.`),
    );
  }
  return namesDigest && agreementAgrees;
}

// Checks `file` and fills `out` with what was found, step by step.
async function checkFile(ctx, file, keys, out) {
  clear(out);
  const heading = h('h2', {tabindex: '-1'}, `Checking ${file.name}`);
  const facts = h('dl', {class: 'summary'});
  out.append(heading, facts);
  const fact = (term, value) => facts.append(h('dt', {}, term), h('dd', {}, value));
  fact('File', `${file.name}, ${sizeWords(file.size)}`);
  const digest = proofs.toHex(await proofs.sha256(new Uint8Array(await file.arrayBuffer())));
  fact('Fingerprint (SHA-256), computed in this browser', h('code', {}, digest));

  let records;
  try {
    records = (await ctx.api.get(`/api/v1/documents/${digest}/records`)).records || [];
  } catch (error) {
    if (error.status !== 404) throw error;
    records = [];
  }
  if (records.length === 0) {
    out.append(
        h('div', {class: 'problem verdict', role: 'alert'},
          h('strong', {}, 'Not a recorded document. '),
          'No record in the log names a file with this fingerprint. ',
          'If you expected this file to be ',
          'recorded, this copy differs from the recorded one, by as little as one byte.'),
    );
    heading.focus();
    return;
  }

  const choice = await keys.choose();
  const steps = h('ol', {class: 'items checks'});
  out.append(section('The log', steps));
  let checkpoint;
  try {
    checkpoint =
        await proofs.checkSignedCheckpoint(await ctx.api.get('/api/v1/checkpoint'), choice.key);
    steps.append(
        checkLine(
            true,
            `The log's checkpoint of ${checkpoint.size} records is signed by ${keyWords(choice)}.`,
            `Log ${checkpoint.origin}, root ${proofs.toHex(checkpoint.rootHash)}.`),
    );
  } catch (error) {
    steps.append(
        checkLine(false, `The log's checkpoint is signed by ${keyWords(choice)}.`, error.message));
    out.append(
        h('div', {class: 'problem verdict', role: 'alert'}, h('strong', {}, 'Not proved. '),
          'The log could not be checked, so nothing it says about this file is proved.'));
    heading.focus();
    return;
  }

  const proved = [];
  for (const listed of records) {
    const list = h('ol', {class: 'items checks'});
    const where = h(
        'a', {href: `#/agreements/${encodeURIComponent(listed.agreementId)}`}, listed.agreementId);
    out.append(
        section(
            `Agreement ${listed.agreementId}, position ${listed.position}`,
            h('p', {class: 'meta'}, 'Recorded on ', where, `, event ${listed.eventId}`,
              listed.aboutEventId ? `, about event ${listed.aboutEventId}` :
                                    ', about the agreement as a whole',
              '.'),
            list),
    );
    if (await proveRecord(ctx.api, listed, digest, checkpoint, choice, list)) proved.push(listed);
  }
  const where = proved.map((r) => `on ${r.agreementId} at position ${r.position}`).join(', and ');
  const verdict = proved.length ?
      h('div', {class: 'success verdict', role: 'status'}, h('strong', {}, 'Recorded. '),
        `This file is exactly the document recorded ${where}. `, 'Checked in this browser with ',
        keyWords(choice), '.') :
      h('div', {class: 'problem verdict', role: 'alert'}, h('strong', {}, 'Not proved. '),
        'The server lists records for this fingerprint, but none of them could be proved: ',
        'see the failed checks.');
  heading.after(verdict);
  heading.focus();
  ctx.announce?.(proved.length ? `${file.name}: recorded.` : `${file.name}: not proved.`);
}

export async function render(main, ctx) {
  const keys = verifierKeyField(ctx.api);
  const out = h('div', {class: 'check-results', 'aria-live': 'polite'});
  const inputId = 'check-file-input';
  const input = h('input', {id: inputId, type: 'file', name: 'file'});
  // One check at a time: a file dropped while another is checked waits its
  // turn, so that two checks never write into the results at once.
  let queue = Promise.resolve();
  const run = (file) => {
    if (!file) return;
    queue = queue.then(async () => {
      try {
        await checkFile(ctx, file, keys, out);
      } catch (error) {
        out.append(problemElement(error));
      }
    });
  };
  input.addEventListener('change', () => run(input.files[0]));
  const zone = h(
      'div',
      {class: 'card drop-zone'},
      h('p', {}, h('strong', {}, 'Drop a file here'), ', or choose one:'),
      h('div', {class: 'field'}, h('label', {'for': inputId}, 'File to check'), input),
      h('p', {class: 'hint'},
        'The file does not leave your computer: only its fingerprint is sent.'),
  );
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('drop-zone-over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('drop-zone-over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('drop-zone-over');
    run(event.dataTransfer.files[0]);
  });
  clear(main).append(
      h('h1', {}, 'Check a file'),
      h(
          'p',
          {class: 'lede'},
          'Learn whether a file is exactly a document recorded in the log, on which agreement and ',
          'event. Your browser computes the file\'s fingerprint and checks the log\'s proofs ',
          'itself: ',
          'it does not take the server\'s word for it.',
          ),
      keys.element,
      zone,
      out,
  );
}
