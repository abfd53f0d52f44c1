// Checking accord's proofs in the browser (and in Node.js 20), trusting
// nothing the server says until it is proved. The same checks as the C++
// client's (core/merkle.cc, core/checkpoint.cc, core/proof_check.cc), in
// the same standard forms, so that an auditor needs neither accord's
// client nor the server's word:
//
//   Merkle trees     RFC 6962 / RFC 9162: SHA-256, leaf hash = H(0x00 || leaf),
//                    node hash = H(0x01 || left || right); inclusion proofs
//                    (RFC 9162 2.1.3.2) and consistency proofs (2.1.4.2).
//   checkpoints      C2SP tlog-checkpoint in a C2SP signed note:
//                      <origin>\n<tree size>\n<base64 root>\n[extension lines\n]
//                      \n
//                      — <key name> <base64(key id (4 bytes) || Ed25519 signature)>\n
//   verifier keys    <name>+<hex key id>+<base64(0x01 || 32-byte public key)>,
//                    key id = SHA-256(name || "\n" || 0x01 || public key)[0:4].
//   leaves           the stored bytes of an accord.v1.EventRecord
//                    (proto/accord/v1/record.proto), read here by a minimal
//                    protobuf wire-format reader.
//
// Only WebCrypto (globalThis.crypto.subtle: SHA-256 and Ed25519); no other
// code. Hashes and keys are Uint8Arrays; sizes and positions are BigInts
// (a log may outgrow 2^53, and the proofs' bit arithmetic needs 64 bits).
// The answers' JSON is protobuf's JSON mapping: bytes in base64, 64-bit
// integers as decimal strings.
//
// The check* functions return what was proved or throw a ProofError whose
// message is a sentence naming what failed.

const subtle = globalThis.crypto.subtle;
const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', {fatal: true});

const kSignatureDash = '\u2014 ';  // "— ", an em dash and a space
const kEd25519Type = 0x01;
const kKeyBytes = 32;
const kHashBytes = 32;
const kMaxSignatureLines = 100;

export class ProofError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ProofError';
  }
}

function fail(message) {
  throw new ProofError(message);
}

// ---- bytes, hex and base64 -------------------------------------------------

export function concatBytes(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function bytesEqual(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; ++i) diff |= a[i] ^ b[i];
  return diff === 0;
}

export function toHex(bytes) {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

// Lower or upper case; throws on anything else.
export function fromHex(text) {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) fail('not hexadecimal');
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; ++i) out[i] = parseInt(text.substr(2 * i, 2), 16);
  return out;
}

const kBase64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const kBase64Values = new Map([...kBase64].map((c, i) => [c, i]));

export function toBase64(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += kBase64[(n >> 18) & 63] + kBase64[(n >> 12) & 63];
    out += i + 1 < bytes.length ? kBase64[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.length ? kBase64[n & 63] : '=';
  }
  return out;
}

// The standard alphabet with padding, in its one canonical spelling (as
// the server writes it): no whitespace, no missing padding, no stray bits
// after the last byte. Signatures and keys must not have two spellings.
export function fromBase64(text) {
  if (typeof text !== 'string' || text.length % 4 !== 0) fail('base64 of a wrong length');
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let bits = 0;
  let count = 0;
  let at = 0;
  for (let i = 0; i < text.length - padding; ++i) {
    const v = kBase64Values.get(text[i]);
    if (v === undefined) fail('not base64');
    bits = (bits << 6) | v;
    count += 6;
    if (count >= 8) {
      count -= 8;
      out[at++] = (bits >> count) & 0xff;
    }
  }
  if ((bits & ((1 << count) - 1)) !== 0) fail('not base64 in its canonical form');
  return out;
}

// ---- hashes ----------------------------------------------------------------

export async function sha256(bytes) {
  return new Uint8Array(await subtle.digest('SHA-256', bytes));
}

export async function leafHash(leaf) {
  return sha256(concatBytes(Uint8Array.of(0x00), leaf));
}

export async function nodeHash(left, right) {
  return sha256(concatBytes(Uint8Array.of(0x01), left, right));
}

// The root of a tree whose leaves have these leaf hashes (RFC 6962's MTH):
// for tests and for small trees, not for proving.
export async function rootOfLeafHashes(hashes) {
  if (hashes.length === 0) return sha256(new Uint8Array(0));
  if (hashes.length === 1) return hashes[0];
  let k = 1;
  while (k * 2 < hashes.length) k *= 2;
  return nodeHash(
      await rootOfLeafHashes(hashes.slice(0, k)),
      await rootOfLeafHashes(hashes.slice(k)),
  );
}

// ---- Merkle proofs (RFC 9162) ------------------------------------------------

const big = (n) => BigInt(n);

// 2.1.3.2: true when `proof` leads from the leaf hash at `index` in the tree
// of `size` leaves to `root`.
export async function verifyInclusion(leafHashBytes, index, size, proof, root) {
  let fn = big(index);
  let sn = big(size) - 1n;
  if (fn > sn) return false;
  let r = leafHashBytes;
  for (const p of proof) {
    if (sn === 0n) return false;
    if ((fn & 1n) !== 0n || fn === sn) {
      r = await nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && bytesEqual(r, root);
}

// 2.1.4.2: true when `proof` shows the tree of `second` leaves with
// `secondRoot` extends the tree of `first` leaves with `firstRoot`.
export async function verifyConsistency(first, second, firstRoot, secondRoot, proof) {
  first = big(first);
  second = big(second);
  if (first > second) return false;
  if (first === second) return proof.length === 0 && bytesEqual(firstRoot, secondRoot);
  if (first === 0n) return proof.length === 0;  // every tree extends the empty one
  if (proof.length === 0) return false;
  const path = (first & (first - 1n)) === 0n ? [firstRoot, ...proof] : [...proof];
  let fn = first - 1n;
  let sn = second - 1n;
  while ((fn & 1n) !== 0n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) !== 0n || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return bytesEqual(fr, firstRoot) && bytesEqual(sr, secondRoot) && sn === 0n;
}

// ---- signed notes and checkpoints (C2SP) -------------------------------------

function validKeyName(name) {
  if (name.length === 0) return false;
  for (const c of utf8.encode(name)) {
    if (c <= 0x20 || c === 0x2b /* + */ || c === 0x7f) return false;
  }
  return true;
}

async function keyId(name, publicKey) {
  const digest = await sha256(
      concatBytes(utf8.encode(name), Uint8Array.of(0x0a, kEd25519Type), publicKey),
  );
  return digest.slice(0, 4);
}

// `<name>+<hex key id>+<base64(0x01 || public key)>` -> {name, keyId (4
// bytes), publicKey (32 bytes)}, with the id checked against the key.
// Surrounding whitespace (a pasted or saved key's newline) is ignored.
export async function parseVerifierKey(text) {
  text = String(text).trim();
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  if (second < 0) fail('the verifier key is not name+keyid+key');
  const name = text.slice(0, first);
  const hexId = text.slice(first + 1, second);
  if (!validKeyName(name)) fail('the verifier key is not name+keyid+key');
  let raw;
  try {
    raw = fromBase64(text.slice(second + 1));
  } catch {
    raw = null;
  }
  if (!/^[0-9a-f]{8}$/.test(hexId) || !raw || raw.length !== kKeyBytes + 1 ||
      raw[0] !== kEd25519Type) {
    fail('the verifier key is not a well-formed Ed25519 key');
  }
  const publicKey = raw.slice(1);
  const id = fromHex(hexId);
  if (!bytesEqual(id, await keyId(name, publicKey))) {
    fail('the verifier key\'s id does not match its key');
  }
  return {name, keyId: id, publicKey, text};
}

async function verifyEd25519(publicKey, message, signature) {
  if (signature.length !== 64) return false;
  const key = await subtle.importKey('raw', publicKey, {name: 'Ed25519'}, false, ['verify']);
  return subtle.verify({name: 'Ed25519'}, key, signature, message);
}

// Checks `note`'s signature by `verifierKey` (text) and returns the note's
// text (up to and including the newline before the blank line). Fails
// unless the note has a valid signature by exactly that key; signatures by
// other keys are passed over.
export async function openNote(note, verifierKey) {
  const key = await parseVerifierKey(verifierKey);
  if (typeof note !== 'string' || !note.endsWith('\n')) fail('a signed note ends with a newline');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) fail('the note has no blank line before its signatures');
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split('\n');
  if (lines.length > kMaxSignatureLines) fail('too many signatures');
  for (let line of lines) {
    if (!line.startsWith(kSignatureDash)) fail(`'${line}' is not a signature line`);
    line = line.slice(kSignatureDash.length);
    const space = line.indexOf(' ');
    if (space < 0) fail('a signature line has no signature');
    const signer = line.slice(0, space);
    let blob;
    try {
      blob = fromBase64(line.slice(space + 1));
    } catch {
      blob = null;
    }
    if (!blob || blob.length < 5) fail('a signature is not base64 of a key id and signature');
    if (signer !== key.name || !bytesEqual(blob.slice(0, 4), key.keyId)) continue;
    if (!(await verifyEd25519(key.publicKey, utf8.encode(text), blob.slice(4)))) {
      fail(`the signature by '${key.name}' does not match the note`);
    }
    return text;
  }
  fail(`the note is not signed by the key '${key.name}'`);
}

// A checkpoint's text (not a signed note) -> {origin, size (BigInt),
// rootHash (32 bytes)}. Extension lines after the root are allowed.
export function parseCheckpointBody(body) {
  if (typeof body !== 'string' || !body.endsWith('\n')) fail('a checkpoint ends with a newline');
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3) fail('a checkpoint has an origin, a size and a root hash');
  const [origin, size, root] = lines;
  if (origin.length === 0) fail('the origin line is empty');
  if (!/^(0|[1-9][0-9]*)$/.test(size) || BigInt(size) > 0xffffffffffffffffn) {
    fail(`the size line '${size}' is not a decimal number`);
  }
  let rootHash;
  try {
    rootHash = fromBase64(root);
  } catch {
    rootHash = null;
  }
  if (!rootHash || rootHash.length !== kHashBytes) {
    fail('the root hash line is not 32 bytes in base64');
  }
  return {origin, size: BigInt(size), rootHash};
}

// openNote, then parseCheckpointBody; the result keeps the note.
export async function openCheckpoint(note, verifierKey) {
  const text = await openNote(note, verifierKey);
  return {...parseCheckpointBody(text), note};
}

// Which key to check with: the one the auditor holds, or (with a warning
// the caller must show) the one the server announces in its answer, which
// proves only that the answer is self-consistent.
function keyToUse(checkpointJson, trustedKey) {
  return trustedKey && String(trustedKey).trim() ? trustedKey : checkpointJson.verifierKey;
}

// An accord.v1.SignedCheckpoint (JSON) whose note opens with the key, and
// whose size and root are the note's. Returns the checkpoint.
export async function checkSignedCheckpoint(checkpointJson, trustedKey) {
  if (!checkpointJson || typeof checkpointJson.note !== 'string') {
    fail('the answer holds no signed checkpoint');
  }
  let opened;
  try {
    opened = await openCheckpoint(checkpointJson.note, keyToUse(checkpointJson, trustedKey));
  } catch (e) {
    if (!(e instanceof ProofError)) throw e;
    fail(`the checkpoint's signature does not hold: ${e.message}`);
  }
  let fieldsAgree;
  try {
    fieldsAgree = BigInt(checkpointJson.size ?? 0) === opened.size &&
        bytesEqual(fromBase64(checkpointJson.rootHash ?? ''), opened.rootHash);
  } catch {
    fieldsAgree = false;
  }
  if (!fieldsAgree) fail('the checkpoint\'s note and its fields disagree');
  return opened;
}

function hashesOf(list) {
  try {
    return (list ?? []).map(fromBase64);
  } catch {
    fail('a proof hash is not base64');
  }
}

// An accord.v1.ConsistencyProof (JSON): its checkpoint is signed, has the
// origin of `earlier` (a checkpoint from openCheckpoint or
// checkSignedCheckpoint), and the proof shows its tree extends earlier's.
// Returns the later checkpoint.
export async function checkConsistency(earlier, proofJson, trustedKey) {
  const later = await checkSignedCheckpoint(proofJson.checkpoint, trustedKey);
  if (later.origin !== earlier.origin) {
    fail(`the server's log is '${later.origin}', not '${earlier.origin}' as checkpointed`);
  }
  const firstSize = BigInt(proofJson.firstSize ?? 0);
  if (firstSize !== earlier.size) {
    fail(`the proof starts at ${firstSize} records, not at the checkpoint's ${earlier.size}`);
  }
  if (later.size < earlier.size) {
    fail(
        `the log now holds ${later.size} records, fewer than the ${earlier.size} checkpointed: ` +
            'records were dropped',
    );
  }
  const proof = hashesOf(proofJson.hashes);
  if (!(await verifyConsistency(
          earlier.size, later.size, earlier.rootHash, later.rootHash, proof))) {
    const sizes = `the log of ${later.size} records does not extend the checkpointed log`;
    fail(`${sizes} of ${earlier.size}: its history was rewritten or forked`);
  }
  return later;
}

// An accord.v1.InclusionProof (JSON): its checkpoint is signed, the leaf is
// a record at the proof's position, and the path leads from the leaf's hash
// to the checkpoint's root. With `eventId`, the record must be that event.
// Returns {record (readEventRecord's), checkpoint, leaf}.
export async function checkInclusion(proofJson, trustedKey, {eventId} = {}) {
  const checkpoint = await checkSignedCheckpoint(proofJson.checkpoint, trustedKey);
  const position = BigInt(proofJson.position ?? 0);
  let leaf;
  let record;
  try {
    leaf = fromBase64(proofJson.leaf ?? '');
    record = readEventRecord(leaf);
  } catch {
    record = null;
  }
  if (!record || record.position !== position) {
    fail(`the leaf sent is not the record at position ${position}`);
  }
  if (eventId && record.eventId !== eventId) {
    fail(`the leaf sent is event ${record.eventId}, not ${eventId}`);
  }
  const proof = hashesOf(proofJson.hashes);
  if (!(await verifyInclusion(
          await leafHash(leaf), position, checkpoint.size, proof, checkpoint.rootHash))) {
    fail(
        `the proof does not lead from the record at position ${position} to the root of the log ` +
            `of ${checkpoint.size} records`,
    );
  }
  return {record, checkpoint, leaf};
}

// ---- the protobuf wire format, as far as records need it ---------------------

// A reader over one message's bytes: tags, varints (as BigInt) and
// length-delimited fields; fixed-width fields are skipped. Throws on
// truncated or malformed input (and on groups, which accord never writes).
class WireReader {
  constructor(bytes) {
    this.bytes = bytes;
    this.at = 0;
  }
  done() {
    return this.at >= this.bytes.length;
  }
  varint() {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.at >= this.bytes.length) fail('a varint runs past the end');
      const b = this.bytes[this.at++];
      value |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return value & 0xffffffffffffffffn;
    }
    fail('a varint is too long');
  }
  // -> {field, wireType}
  tag() {
    const tag = this.varint();
    const field = Number(tag >> 3n);
    if (field === 0) fail('field number 0');
    return {field, wireType: Number(tag & 7n)};
  }
  lengthDelimited() {
    const length = this.varint();
    if (length > BigInt(this.bytes.length - this.at)) fail('a field runs past the end');
    const out = this.bytes.subarray(this.at, this.at + Number(length));
    this.at += Number(length);
    return out;
  }
  skip(wireType) {
    const widths = {1: 8, 5: 4};
    if (wireType === 0)
      this.varint();
    else if (wireType === 2)
      this.lengthDelimited();
    else if (widths[wireType]) {
      if (this.at + widths[wireType] > this.bytes.length) fail('a field runs past the end');
      this.at += widths[wireType];
    } else
      fail(`wire type ${wireType} is not read here`);
  }
}

// Reads the fields of `bytes` named in `schema` ({number: [name, kind]},
// kind 'uint64' | 'uint32' | 'int64' | 'int32' | 'string' | 'bytes' | a
// nested schema object) into an object; other fields are skipped. As
// protobuf parsers do, a repeated scalar keeps its last value; a field of
// the wrong wire type is an error.
export function readMessage(bytes, schema) {
  const reader = new WireReader(bytes);
  const out = {};
  while (!reader.done()) {
    const {field, wireType} = reader.tag();
    const spec = schema[field];
    if (!spec) {
      reader.skip(wireType);
      continue;
    }
    const [name, kind] = spec;
    if (typeof kind === 'object') {
      if (wireType !== 2) fail(`field ${name} has the wrong wire type`);
      // A message field given twice is merged, as protobuf merges it (one
      // level deep here: enough for the fields read).
      out[name] = {...(out[name] ?? {}), ...readMessage(reader.lengthDelimited(), kind)};
    } else if (kind === 'string' || kind === 'bytes') {
      if (wireType !== 2) fail(`field ${name} has the wrong wire type`);
      const value = reader.lengthDelimited();
      out[name] = kind === 'string' ? utf8Strict.decode(value) : value.slice();
    } else {
      if (wireType !== 0) fail(`field ${name} has the wrong wire type`);
      let value = reader.varint();
      if (kind === 'uint32') value &= 0xffffffffn;
      if (kind === 'int64') value = BigInt.asIntN(64, value);
      if (kind === 'int32') value = BigInt.asIntN(32, value);
      out[name] = value;
    }
  }
  return out;
}

const kTimestamp = {
  1: ['seconds', 'int64'],
  2: ['nanos', 'int32']
};

// proto/accord/v1/record.proto, EventRecord.
const kEventRecord = {
  1: ['position', 'uint64'],
  2: ['streamId', 'string'],
  3: ['streamVersion', 'uint64'],
  4: ['eventId', 'string'],
  5: ['eventType', 'string'],
  6: ['schemaVersion', 'uint32'],
  7: ['recordedAt', kTimestamp],
  9: ['actor', 'string'],
  12: ['payload', 'bytes'],
  13: ['prevHash', 'bytes'],
};

// proto/accord/v1/events.proto: Document, DocumentAttached, and the two
// places a digest can be recorded (a DocumentAttached event, or a
// correction whose replacement is one: EventCorrected.replacement, a
// DomainEvent whose document_attached member is field 19).
// tests/web/proofs.test.mjs checks these numbers against the .proto files.
export const kDocument = {
  1: ['sha256', 'string'],
  2: ['name', 'string'],
  3: ['mediaType', 'string'],
  4: ['size', 'uint64'],
};
export const kDocumentAttached = {
  1: ['agreementId', 'string'],
  2: ['aboutEventId', 'string'],
  3: ['document', kDocument],
  4: ['note', 'string'],
};
export const kDomainEventDocumentAttached = 19;
export const kEventCorrected = {
  1: ['correctedEventId', 'string'],
  3: ['replacement', {[kDomainEventDocumentAttached]: ['documentAttached', kDocumentAttached]}],
};

function withDefaults(message, defaults) {
  return {...defaults, ...message};
}

// An EventRecord's stored bytes -> {position, streamId, streamVersion,
// eventId, eventType, schemaVersion, recordedAt (Date or null), actor,
// payload, prevHash}, unset fields at their defaults.
export function readEventRecord(bytes) {
  const r = withDefaults(readMessage(bytes, kEventRecord), {
    position: 0n,
    streamId: '',
    streamVersion: 0n,
    eventId: '',
    eventType: '',
    schemaVersion: 0n,
    actor: '',
    payload: new Uint8Array(0),
    prevHash: new Uint8Array(0),
  });
  const ts = r.recordedAt;
  r.recordedAt = ts ?
      new Date(Number(ts.seconds ?? 0n) * 1000 + Math.floor(Number(ts.nanos ?? 0n) / 1e6)) :
      null;
  return r;
}

// The document a record names, read from its own payload: for an
// accord.v1.DocumentAttached event, or an accord.v1.EventCorrected whose
// replacement is one. -> {agreementId, aboutEventId, note, document:
// {sha256, name, mediaType, size}}, or null when the record names none.
export function documentOfRecord(record) {
  let attached = null;
  if (record.eventType === 'accord.v1.DocumentAttached') {
    attached = readMessage(record.payload, kDocumentAttached);
  } else if (record.eventType === 'accord.v1.EventCorrected') {
    attached = readMessage(record.payload, kEventCorrected).replacement?.documentAttached ?? null;
  }
  if (!attached || !attached.document) return null;
  return withDefaults(
      {
        ...attached,
        document: withDefaults(attached.document, {sha256: '', name: '', mediaType: '', size: 0n})
      },
      {agreementId: '', aboutEventId: '', note: ''},
  );
}
