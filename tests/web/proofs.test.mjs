// web/proofs.js, the browser's proof checker, on Node.js's WebCrypto: the
// known answers tests/core/merkle_test.cc and tests/core/checkpoint_test.cc
// hold the C++ code to, every forgery refused, the field numbers it reads
// checked against the .proto files, and a real accordd's checkpoints and
// proofs checked over HTTP.
//   ACCORDD=build/tools/accordd ACCORD_CLI=build/tools/accord node --test tests/web/proofs.test.mjs
// Without ACCORDD the tests against a real server are skipped.
import assert from 'node:assert/strict';
import {execFile, spawn} from 'node:child_process';
import {mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';

import * as proofs from '../../web/proofs.js';

const repository = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const hex = proofs.fromHex;
const utf8 = new TextEncoder();

async function refuses(promise, pattern) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof proofs.ProofError, `not a ProofError: ${e}`);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

// ---- Merkle trees --------------------------------------------------------------

// The leaves of the Certificate Transparency test suite (merkle_test.cc).
const kLeaves = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(hex);

// RFC 9162's PATH and PROOF, as core/merkle.cc generates them, over
// subtree hashes recomputed from the leaves (memoised).
function treeOf(leafHashes) {
  const memo = new Map();
  const subtree = (begin, end) => {
    const key = `${begin}:${end}`;
    if (!memo.has(key)) memo.set(key, proofs.rootOfLeafHashes(leafHashes.slice(begin, end)));
    return memo.get(key);
  };
  const split = (n) => {
    let k = 1;
    while (k * 2 < n) k *= 2;
    return k;
  };
  async function path(index, begin, end, out) {
    const n = end - begin;
    if (n <= 1) return;
    const k = split(n);
    if (index < k) {
      await path(index, begin, begin + k, out);
      out.push(await subtree(begin + k, end));
    } else {
      await path(index - k, begin + k, end, out);
      out.push(await subtree(begin, begin + k));
    }
  }
  async function subProof(m, begin, end, whole, out) {
    const n = end - begin;
    if (m === n) {
      if (!whole) out.push(await subtree(begin, end));
      return;
    }
    const k = split(n);
    if (m <= k) {
      await subProof(m, begin, begin + k, whole, out);
      out.push(await subtree(begin + k, end));
    } else {
      await subProof(m - k, begin + k, end, false, out);
      out.push(await subtree(begin, begin + k));
    }
  }
  return {
    root: (size) => subtree(0, size),
    inclusion: async (index, size) => {
      const out = [];
      await path(index, 0, size, out);
      return out;
    },
    consistency: async (first, second) => {
      const out = [];
      await subProof(first, 0, second, true, out);
      return out;
    },
  };
}

function flipped(bytes, at, mask) {
  const out = bytes.slice();
  out[at] ^= mask;
  return out;
}

describe('Merkle', () => {
  it('roots match the known answers', async () => {
    const roots = [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
      'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
      '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
      'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
      '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
    ];
    const leafHashes = await Promise.all(kLeaves.map(proofs.leafHash));
    for (let n = 1; n <= 8; ++n) {
      assert.equal(
          proofs.toHex(await proofs.rootOfLeafHashes(leafHashes.slice(0, n))), roots[n - 1]);
    }
    assert.equal(
        proofs.toHex(await proofs.rootOfLeafHashes([])),
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('the known proofs verify, and are the proofs the RFC generates', async () => {
    const leafHashes = await Promise.all(kLeaves.map(proofs.leafHash));
    const tree = treeOf(leafHashes);
    const cases = [
      [
        'inclusion', 0, 8,
        [
          '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
          '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
          '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'
        ]
      ],
      [
        'inclusion', 5, 8,
        [
          'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
          'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
          'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'
        ]
      ],
      [
        'consistency', 3, 7,
        [
          '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
          '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
          'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
          '837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e'
        ]
      ],
      ['consistency', 4, 8, ['6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
      [
        'consistency', 6, 8,
        [
          '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
          'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
          'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'
        ]
      ],
    ];
    for (const [kind, a, b, expected] of cases) {
      const proof = expected.map(hex);
      if (kind === 'inclusion') {
        assert.deepEqual((await tree.inclusion(a, b)).map(proofs.toHex), expected);
        assert.ok(await proofs.verifyInclusion(leafHashes[a], a, b, proof, await tree.root(b)));
      } else {
        assert.deepEqual((await tree.consistency(a, b)).map(proofs.toHex), expected);
        assert.ok(
            await proofs.verifyConsistency(a, b, await tree.root(a), await tree.root(b), proof));
      }
    }
  });

  // As merkle_test.cc's GeneratedProofsVerifyAndEveryForgeryFails, over 33
  // leaves (past a power of two; the C++ test goes to 40).
  it('every proof of every tree up to 33 leaves verifies; every forgery fails', async () => {
    const count = 33;
    const leaves = await Promise.all(
        Array.from({length: count}, (_, i) => proofs.leafHash(utf8.encode(String(i)))),
    );
    const tree = treeOf(leaves);
    const roots = [await proofs.rootOfLeafHashes([])];
    for (let n = 1; n <= count; ++n) roots.push(await tree.root(n));
    for (let size = 1; size <= count; ++size) {
      for (let i = 0; i < size; ++i) {
        const proof = await tree.inclusion(i, size);
        const at = `${i}@${size}`;
        assert.ok(await proofs.verifyInclusion(leaves[i], i, size, proof, roots[size]), at);
        assert.ok(
            await proofs.verifyInclusion(leaves[i], BigInt(i), String(size), proof, roots[size]),
            at);
        if (size < count) {
          assert.ok(
              !(await proofs.verifyInclusion(leaves[i], i, size + 1, proof, roots[size + 1])), at);
        }
        assert.ok(!(await proofs.verifyInclusion(leaves[i], i, size, proof, roots[size - 1])), at);
        // A proof for a perfect tree is one hash short for the next size,
        // even with its own root (a checkpoint binds a size to its root;
        // the path's length must fit the size too).
        if ((size & (size - 1)) === 0) {
          assert.ok(
              !(await proofs.verifyInclusion(leaves[i], i, size + 1, proof, roots[size])), at);
        }
        assert.ok(
            !(await proofs.verifyInclusion(flipped(leaves[i], 0, 1), i, size, proof, roots[size])),
            at);
        if (size > 1) {
          assert.ok(
              !(await proofs.verifyInclusion(leaves[i], (i + 1) % size, size, proof, roots[size])),
              at);
          if (i < size - 1) {
            assert.ok(
                !(await proofs.verifyInclusion(leaves[i], i, size - 1, proof, roots[size - 1])),
                at);
          }
        }
        assert.ok(!(await proofs.verifyInclusion(leaves[i], size, size, proof, roots[size])), at);
        for (let k = 0; k < proof.length; ++k) {
          const forged = proof.slice();
          forged[k] = flipped(forged[k], k % 32, 0x01);
          assert.ok(!(await proofs.verifyInclusion(leaves[i], i, size, forged, roots[size])), at);
        }
        if (proof.length > 0) {
          assert.ok(
              !(await proofs.verifyInclusion(leaves[i], i, size, proof.slice(0, -1), roots[size])),
              at);
        }
        assert.ok(
            !(await proofs.verifyInclusion(leaves[i], i, size, [...proof, roots[0]], roots[size])),
            at);
      }
      for (let first = 1; first <= size; ++first) {
        const proof = await tree.consistency(first, size);
        const at = `${first}->${size}`;
        assert.ok(
            await proofs.verifyConsistency(first, size, roots[first], roots[size], proof), at);
        if (first < size) {
          assert.ok(
              !(await proofs.verifyConsistency(first, size, roots[first - 1], roots[size], proof)),
              at);
          assert.ok(
              !(await proofs.verifyConsistency(first, size, roots[first], roots[size - 1], proof)),
              at);
          assert.ok(
              !(await proofs.verifyConsistency(
                  first + 1, size, roots[first + 1], roots[size], proof)),
              at);
          if (size < count) {
            assert.ok(
                !(await proofs.verifyConsistency(
                    first, size + 1, roots[first], roots[size + 1], proof)),
                at);
          }
          assert.ok(
              !(await proofs.verifyConsistency(size, first, roots[size], roots[first], proof)), at);
          assert.ok(
              !(await proofs.verifyConsistency(
                  first, size, roots[first], roots[size], proof.slice(1))),
              at);
          for (let k = 0; k < proof.length; ++k) {
            const forged = proof.slice();
            forged[k] = flipped(forged[k], 31 - (k % 32), 0x80);
            assert.ok(
                !(await proofs.verifyConsistency(first, size, roots[first], roots[size], forged)),
                at);
          }
        }
      }
    }
    // The empty tree is extended by every tree, with an empty proof only.
    assert.ok(await proofs.verifyConsistency(0, 5, roots[0], roots[5], []));
    assert.ok(!(await proofs.verifyConsistency(0, 5, roots[0], roots[5], [roots[1]])));
  });

  it('64-bit sizes and positions do not wrap', async () => {
    // A path for the last leaf of a tree of 2^40 + 1 leaves is one hash
    // long; with 32-bit arithmetic the position would read as 0.
    const leaf = await proofs.leafHash(utf8.encode('last'));
    const left = await proofs.leafHash(utf8.encode('left'));
    const root = await proofs.nodeHash(left, leaf);
    const size = 2n ** 40n + 1n;
    assert.ok(await proofs.verifyInclusion(leaf, size - 1n, size, [left], root));
    assert.ok(!(await proofs.verifyInclusion(leaf, 0n, size, [left], root)));
  });
});

// ---- signed notes and checkpoints ---------------------------------------------

// The C2SP signed-note example of golang.org/x/mod/sumdb/note
// (checkpoint_test.cc).
const kSkey = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const kVkey = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const kText = 'If you think cryptography is the answer to your problem,\n' +
    'then you don\'t know what your problem is.\n';
const kSignedNote = kText + '\n' +
    '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';

// A signed-note signer for the tests, on WebCrypto: from a PRIVATE+KEY+
// line (seed wrapped as PKCS #8), or new.
async function signerFrom(privateKeyLine) {
  const [, , name, id] = privateKeyLine.split('+');
  const seedBase64 = privateKeyLine.split('+').slice(4).join('+');  // base64 may hold '+'
  const seed = proofs.fromBase64(seedBase64).slice(1);
  const pkcs8 = proofs.concatBytes(hex('302e020100300506032b657004220420'), seed);
  const key = await crypto.subtle.importKey('pkcs8', pkcs8, {name: 'Ed25519'}, true, ['sign']);
  const jwk = await crypto.subtle.exportKey('jwk', key);
  const publicKey = Buffer.from(jwk.x, 'base64url');
  return {
    name,
    verifierKey:
        `${name}+${id}+${proofs.toBase64(proofs.concatBytes(Uint8Array.of(1), publicKey))}`,
    async sign(text) {
      const signature = new Uint8Array(await crypto.subtle.sign('Ed25519', key, utf8.encode(text)));
      const blob = proofs.concatBytes(hex(id), signature);
      return `${text}\n\u2014 ${name} ${proofs.toBase64(blob)}\n`;
    },
  };
}

async function newSigner(name) {
  const pair = await crypto.subtle.generateKey({name: 'Ed25519'}, true, ['sign', 'verify']);
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
  const seed = pkcs8.slice(16);
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  const id = (await proofs.sha256(
                  proofs.concatBytes(utf8.encode(name), Uint8Array.of(0x0a, 1), publicKey)))
                 .slice(0, 4);
  const encodedSeed = proofs.toBase64(proofs.concatBytes(Uint8Array.of(1), seed));
  return signerFrom(`PRIVATE+KEY+${name}+${proofs.toHex(id)}+${encodedSeed}`);
}

describe('Signed notes', () => {
  it('open the reference note with the reference key', async () => {
    assert.equal(await proofs.openNote(kSignedNote, kVkey), kText);
    assert.equal(await proofs.openNote(kSignedNote, `${kVkey}\n`), kText);  // a key file's newline
    const key = await proofs.parseVerifierKey(kVkey);
    assert.equal(key.name, 'PeterNeumann');
    assert.equal(proofs.toHex(key.keyId), 'c74f20a3');
  });

  it('the tests\' signer signs as the reference implementation does', async () => {
    const signer = await signerFrom(kSkey);
    assert.equal(signer.verifierKey, kVkey);
    assert.equal(await signer.sign(kText), kSignedNote);
  });

  it('every altered byte is refused', async () => {
    const bytes = utf8.encode(kSignedNote);
    for (let i = 0; i < bytes.length; ++i) {
      const forged = new TextDecoder().decode(flipped(bytes, i, 0x01));
      await refuses(proofs.openNote(forged, kVkey), undefined);
    }
  });

  it('another key, a forged key id or a signature by another key is refused', async () => {
    const other = await newSigner('PeterNeumann');
    await refuses(proofs.openNote(kSignedNote, other.verifierKey), /not signed by/);
    await refuses(
        proofs.openNote(
            kSignedNote, 'PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'),
        /id does not match/,
    );
    // Another key's signature under the reference key's name and id.
    const forged = await other.sign(kText);
    const blob = forged.slice(forged.lastIndexOf(' ') + 1, -1);
    const bytes = proofs.fromBase64(blob);
    bytes.set(hex('c74f20a3'), 0);
    const relabelled = forged.replace(blob, proofs.toBase64(bytes));
    await refuses(proofs.openNote(relabelled, kVkey), /does not match the note/);
    // The reference signature under another name is not the key's.
    await refuses(
        proofs.openNote(kSignedNote.replace('\u2014 PeterNeumann', '\u2014 PeterNeumanm'), kVkey),
        /not signed by/);
    for (const bad
             of ['', 'PeterNeumann', 'Peter Neumann+c74f20a3+AA==', `${kVkey}A`,
                 'a+c74f20a3+AQ==']) {
      await refuses(proofs.openNote(kSignedNote, bad), /verifier key/);
    }
  });

  it('a note signed by several keys opens with any of them', async () => {
    const a = await newSigner('witness-a');
    const signed = await a.sign(kText);
    const both = kSignedNote + signed.slice(signed.lastIndexOf('\u2014'));
    assert.equal(await proofs.openNote(both, kVkey), kText);
    assert.equal(await proofs.openNote(both, a.verifierKey), kText);
  });
});

describe('Checkpoints', () => {
  const root = 'WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlo=';

  it('round trip through a signed note', async () => {
    const signer = await newSigner('accord.example/agreements');
    const body = 'accord.example/agreements\n25\n' + root + '\n';
    const opened = await proofs.openCheckpoint(await signer.sign(body), signer.verifierKey);
    assert.equal(opened.origin, 'accord.example/agreements');
    assert.equal(opened.size, 25n);
    assert.deepEqual(opened.rootHash, new Uint8Array(32).fill(0x5a));
  });

  it('malformed bodies are refused with a reason', () => {
    for (const body
             of ['', `origin\n25\n${root}`, `\n25\n${root}\n`, `origin\n025\n${root}\n`,
                 `origin\n-1\n${root}\n`, `origin\n2x\n${root}\n`, 'origin\n25\nnot base64\n',
                 'origin\n25\nWlpa\n', 'origin\n25\n', `origin\n18446744073709551616\n${root}\n`]) {
      assert.throws(
          () => proofs.parseCheckpointBody(body), proofs.ProofError, JSON.stringify(body));
    }
    assert.equal(proofs.parseCheckpointBody(`origin\n0\n${root}\nextension line\n`).size, 0n);
  });

  it('base64 has one spelling', () => {
    assert.equal(proofs.toBase64(utf8.encode('hello')), 'aGVsbG8=');
    assert.deepEqual(proofs.fromBase64('aGVsbG8='), utf8.encode('hello'));
    assert.deepEqual(proofs.fromBase64(''), new Uint8Array(0));
    for (const bad of ['aGVsbG8', 'aGVs bG8=', 'aGV=bG8=', 'aGVsbG8=\n', 'aGVsbG9=', 'QQ=A']) {
      assert.throws(() => proofs.fromBase64(bad), proofs.ProofError, bad);
    }
    for (let n = 0; n < 40; ++n) {
      const bytes = Uint8Array.from({length: n}, (_, i) => (i * 37 + n) & 0xff);
      assert.equal(proofs.toBase64(bytes), Buffer.from(bytes).toString('base64'));
      assert.deepEqual(proofs.fromBase64(proofs.toBase64(bytes)), bytes);
    }
  });
});

// ---- the protobuf wire format ----------------------------------------------------

// A tiny protobuf writer for the tests: [field, value] pairs; a bigint is a
// varint, a string or Uint8Array length-delimited, an array a nested message.
function encode(fields) {
  const out = [];
  const varint = (v) => {
    v = BigInt.asUintN(64, BigInt(v));
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v) b |= 0x80;
      out.push(b);
    } while (v);
  };
  for (const [field, value] of fields) {
    if (typeof value === 'bigint') {
      varint(BigInt(field) << 3n);
      varint(value);
    } else {
      const bytes = typeof value === 'string' ? utf8.encode(value) :
          Array.isArray(value)                ? encode(value) :
                                                value;
      varint((BigInt(field) << 3n) | 2n);
      varint(bytes.length);
      out.push(...bytes);
    }
  }
  return Uint8Array.from(out);
}

describe('Records', () => {
  const digest = 'a'.repeat(64);
  const attached = [
    [1, 'cospar-apsco-mou'], [2, 'c05a0000-0000-4000-8000-000000000002'],
    [3, [[1, digest], [2, 'signed.pdf'], [3, 'application/pdf'], [4, 1234n]]],
    [4, 'the signed text']
  ];

  it('read an EventRecord and the document its payload names', () => {
    const bytes = encode([
      [1, 300n], [2, 'cospar-apsco-mou'], [3, 7n], [4, 'e-1'], [5, 'accord.v1.DocumentAttached'],
      [6, 1n], [7, [[1, 1733443200n], [2, 5000000n]]], [8, [[1, 3n]]], [9, 'legal-affairs'],
      [12, encode(attached)], [13, new Uint8Array(32)], [99, 'an unknown field is skipped']
    ]);
    const record = proofs.readEventRecord(bytes);
    assert.equal(record.position, 300n);
    assert.equal(record.streamId, 'cospar-apsco-mou');
    assert.equal(record.streamVersion, 7n);
    assert.equal(record.eventId, 'e-1');
    assert.equal(record.actor, 'legal-affairs');
    assert.equal(record.recordedAt.toISOString(), '2024-12-06T00:00:00.005Z');
    const document = proofs.documentOfRecord(record);
    assert.equal(document.agreementId, 'cospar-apsco-mou');
    assert.equal(document.aboutEventId, 'c05a0000-0000-4000-8000-000000000002');
    assert.deepEqual(
        document.document,
        {sha256: digest, name: 'signed.pdf', mediaType: 'application/pdf', size: 1234n});
    assert.equal(document.note, 'the signed text');
  });

  it('a correction whose replacement attaches a document names it', () => {
    const corrected =
        encode([[1, 'e-1'], [2, 'document.name'], [3, [[19, attached]]], [5, 'misnamed']]);
    const record =
        proofs.readEventRecord(encode([[5, 'accord.v1.EventCorrected'], [12, corrected]]));
    assert.equal(proofs.documentOfRecord(record).document.sha256, digest);
    const other =
        proofs.readEventRecord(encode([[5, 'accord.v1.NoteAdded'], [12, encode([[1, digest]])]]));
    assert.equal(proofs.documentOfRecord(other), null);
  });

  it('truncated or malformed bytes are refused', () => {
    const bytes = encode([[1, 300n], [2, 'cospar-apsco-mou']]);
    for (let n = 1; n < bytes.length; ++n) {
      if (n === 3) continue;  // the position field alone is a whole record
      assert.throws(
          () => proofs.readEventRecord(bytes.slice(0, n)), proofs.ProofError, `${n} bytes`);
    }
    assert.throws(
        () => proofs.readEventRecord(encode([[1, 'a string for a number']])), proofs.ProofError);
    assert.throws(() => proofs.readEventRecord(Uint8Array.of(0x0b)), proofs.ProofError);  // a group
    assert.throws(
        () => proofs.readEventRecord(Uint8Array.of(0x12, 0x01, 0xff)), TypeError);  // not UTF-8
  });

  // The numbers proofs.js reads are the .proto files' own.
  it('the field numbers read are the .proto files\'', async () => {
    const protos = join(repository, 'proto', 'accord', 'v1');
    let text = '';
    for (const file of await readdir(protos))
      if (file.endsWith('.proto')) text += await readFile(join(protos, file), 'utf8');
    const fieldsOf = (message) => {
      const start = text.search(new RegExp(`\\nmessage ${message} \\{`));
      if (start < 0) return null;
      let depth = 0;
      let end = text.indexOf('{', start);
      for (; end < text.length; ++end) {
        if (text[end] === '{') ++depth;
        if (text[end] === '}' && --depth === 0) break;
      }
      const fields = {};
      for (const m of text.slice(start, end)
               .matchAll(/^\s*(?:repeated |optional )?[\w.]+ (\w+) = (\d+)/gm)) {
        fields[m[1].replace(/_(\w)/g, (_, c) => c.toUpperCase())] = Number(m[2]);
      }
      return fields;
    };
    const check = (message, schema) => {
      const fields = fieldsOf(message);
      assert.ok(fields, `no message ${message} in proto/accord/v1`);
      for (const [number, [name]] of Object.entries(schema))
        assert.equal(fields[name], Number(number), `${message}.${name}`);
    };
    check('EventRecord', Object.fromEntries(Object.entries({
      1: ['position'],
      2: ['streamId'],
      3: ['streamVersion'],
      4: ['eventId'],
      5: ['eventType'],
      6: ['schemaVersion'],
      7: ['recordedAt'],
      9: ['actor'],
      12: ['payload'],
      13: ['prevHash']
    })));
    check('EventCorrected', proofs.kEventCorrected);
    check('DocumentAttached', proofs.kDocumentAttached);
    check('Document', proofs.kDocument);
    assert.equal(fieldsOf('DomainEvent').documentAttached, proofs.kDomainEventDocumentAttached);
  });
});

// ---- against a real accordd --------------------------------------------------------

const accordd = process.env.ACCORDD;
const accordCli = process.env.ACCORD_CLI;

// Starts accordd on a fresh folder with any free ports and no tokens;
// resolves when its log names the HTTP address.
async function startAccordd(folder) {
  const data = join(folder, 'data');
  const {stdout} = await promisify(execFile)(accordd, ['--data', data, '--print-verifier-key']);
  const server =
      spawn(accordd, ['--data', data, '--no-auth', '--port', '0', '--http-port', 'any'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
  let log = '';
  const addresses = await new Promise((resolve, reject) => {
    server.stderr.on('data', (chunk) => {
      log += chunk;
      const http = log.match(/HTTP at (http:\/\/127\.0\.0\.1:\d+\/api\/v1)\//);
      const tcp = log.match(/listening at 127\.0\.0\.1:(\d+)/);
      if (http && tcp) resolve({api: http[1], tcpPort: tcp[1]});
    });
    server.on('exit', (code) => reject(new Error(`accordd exited (${code}): ${log}`)));
  });
  return {server, verifierKey: stdout.trim(), ...addresses};
}

describe('Against a real accordd', {skip: !accordd && 'ACCORDD is not set'}, () => {
  let folder;
  let door;
  const get = async (path) => {
    const answer = await fetch(door.api + path);
    assert.equal(answer.status, 200, `${path}: ${answer.status} ${await answer.clone().text()}`);
    return answer.json();
  };
  const logFile = (name) => promisify(execFile)(
      accordCli, ['--port', door.tcpPort, 'log', join(repository, 'examples', name)]);

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'accord-web-proofs-'));
    door = await startAccordd(folder);
  });
  after(async () => {
    if (door) {
      const exited = new Promise((resolve) => door.server.on('exit', resolve));
      door.server.kill('SIGTERM');
      await exited;
    }
    await rm(folder, {recursive: true, force: true});
  });

  let kept;  // a checkpoint saved before the last examples were logged

  it('its checkpoint is signed by the key it prints, and by no other', async () => {
    await logFile('cospar-apsco-mou.ndjson');
    const answer = await get('/checkpoint');
    kept = await proofs.checkSignedCheckpoint(answer, door.verifierKey);
    assert.equal(kept.origin, 'accord.local/log');
    assert.equal(kept.size, BigInt(answer.size));
    assert.ok(kept.size > 0n);
    assert.equal(answer.verifierKey, door.verifierKey);
    const other = await newSigner('accord.local/log');
    await refuses(
        proofs.checkSignedCheckpoint(answer, other.verifierKey), /signature does not hold/);
    await refuses(
        proofs.checkSignedCheckpoint({...answer, size: String(kept.size + 1n)}, door.verifierKey),
        /disagree/);
    await refuses(
        proofs.checkSignedCheckpoint(
            {...answer, note: answer.note.replace(`\n${answer.size}\n`, `\n${kept.size + 1n}\n`)},
            door.verifierKey),
        /signature does not hold/);
  });

  it('every record is proved in the log, and reads as the server shows it', async () => {
    for (const name of ['apsco-convention.ndjson', 'open-arrangement.ndjson']) await logFile(name);
    const checkpoint =
        await proofs.checkSignedCheckpoint(await get('/checkpoint'), door.verifierKey);
    const log = await get(`/log?from=0&limit=1000`);
    assert.equal(BigInt(log.events.length), checkpoint.size);
    for (const shown of log.events) {
      const position = shown.record.position;
      const proof =
          await get(`/proofs/inclusion?position=${position}&tree_size=${checkpoint.size}`);
      const {record, checkpoint: proved} =
          await proofs.checkInclusion(proof, door.verifierKey, {eventId: shown.record.eventId});
      assert.deepEqual(proved.rootHash, checkpoint.rootHash);
      assert.equal(record.position, BigInt(position));
      assert.equal(record.streamId, shown.record.streamId);
      assert.equal(record.streamVersion, BigInt(shown.record.streamVersion));
      assert.equal(record.eventType, shown.record.eventType);
      assert.equal(record.actor, shown.record.actor);
      assert.equal(
          record.recordedAt.toISOString().slice(0, 23), shown.record.recordedAt.slice(0, 23));
      assert.equal(proofs.toBase64(record.prevHash), shown.record.prevHash);
      // The record's hash is the SHA-256 of the leaf itself.
      assert.equal(
          proofs.toBase64(await proofs.sha256(proofs.fromBase64(proof.leaf))), shown.record.hash);
    }
  });

  it('a tampered inclusion proof is refused', async () => {
    const proof = await get('/proofs/inclusion?position=5');
    await proofs.checkInclusion(proof, door.verifierKey);
    const hashes = proof.hashes.map(proofs.fromBase64);
    for (let k = 0; k < hashes.length; ++k) {
      const forged = hashes.map((h, i) => proofs.toBase64(i === k ? flipped(h, 7, 0x10) : h));
      await refuses(
          proofs.checkInclusion({...proof, hashes: forged}, door.verifierKey), /does not lead/);
    }
    await refuses(
        proofs.checkInclusion({...proof, hashes: proof.hashes.slice(1)}, door.verifierKey),
        /does not lead/);
    await refuses(
        proofs.checkInclusion({...proof, position: '6'}, door.verifierKey),
        /not the record at position 6/);
    const leaf = proofs.fromBase64(proof.leaf);
    await refuses(
        proofs.checkInclusion(
            {...proof, leaf: proofs.toBase64(flipped(leaf, leaf.length - 1, 0x01))},
            door.verifierKey),
        /does not lead/);
    await refuses(
        proofs.checkInclusion(proof, door.verifierKey, {eventId: 'another-event'}),
        /not another-event/);
    // A proof for a smaller tree, presented with today's checkpoint.
    const small = await get('/proofs/inclusion?position=5&tree_size=9');
    await refuses(
        proofs.checkInclusion({...small, checkpoint: proof.checkpoint}, door.verifierKey),
        /does not lead/);
  });

  it('the log extends the kept checkpoint; a forked or shrunk one is caught', async () => {
    const proof = await get(`/proofs/consistency?first=${kept.size}`);
    const later = await proofs.checkConsistency(kept, proof, door.verifierKey);
    assert.ok(later.size > kept.size);
    const forkedRoot = flipped(kept.rootHash, 0, 0x01);
    await refuses(
        proofs.checkConsistency({...kept, rootHash: forkedRoot}, proof, door.verifierKey),
        /rewritten or forked/);
    for (let k = 0; k < proof.hashes.length; ++k) {
      const forged = proof.hashes.map(
          (h, i) => (i === k ? proofs.toBase64(flipped(proofs.fromBase64(h), 0, 0x01)) : h));
      await refuses(
          proofs.checkConsistency(kept, {...proof, hashes: forged}, door.verifierKey),
          /rewritten or forked/);
    }
    await refuses(
        proofs.checkConsistency({...kept, origin: 'elsewhere/log'}, proof, door.verifierKey),
        /not 'elsewhere\/log'/);
    await refuses(
        proofs.checkConsistency({...later, size: later.size + 5n}, proof, door.verifierKey),
        /starts at/);
    const bigger = {...later, size: later.size + 5n};
    await refuses(
        proofs.checkConsistency(
            bigger, {...proof, firstSize: String(bigger.size)}, door.verifierKey),
        /records were dropped/,
    );
  });

  it('a checkpoint saved here is the file accord\'s client saves and reads', async () => {
    const cli = join(folder, 'cli.checkpoint');
    await promisify(execFile)(
        accordCli,
        ['--port', door.tcpPort, 'checkpoint', '--vkey', door.verifierKey, '--out', cli]);
    const opened = await proofs.openCheckpoint(await readFile(cli, 'utf8'), door.verifierKey);
    assert.equal(opened.origin, 'accord.local/log');
    const browser = join(folder, `accord-${kept.size}.checkpoint`);
    await writeFile(browser, kept.note);
    await promisify(execFile)(
        accordCli,
        ['--port', door.tcpPort, 'verify', '--since', browser, '--vkey', door.verifierKey]);
  });

  it('a recorded document is proved by its own record', async () => {
    const file = utf8.encode('%PDF-1.4 the signed text of the MoU\n');
    const digest = proofs.toHex(await proofs.sha256(file));
    const posted = await fetch(`${door.api}/agreements/cospar-apsco-mou/documents?name=mou.pdf`, {
      method: 'POST',
      headers: {'Content-Type': 'application/pdf'},
      body: file,
    });
    assert.equal(posted.status, 201, await posted.clone().text());
    const {records} = await get(`/documents/${digest}/records`);
    assert.equal(records.length, 1);
    const proof = await get(`/proofs/inclusion?position=${records[0].position}`);
    const {record} =
        await proofs.checkInclusion(proof, door.verifierKey, {eventId: records[0].eventId});
    const named = proofs.documentOfRecord(record);
    assert.equal(named.document.sha256, digest);
    assert.equal(named.document.name, 'mou.pdf');
    assert.equal(named.agreementId, 'cospar-apsco-mou');
    const changed = proofs.toHex(await proofs.sha256(utf8.encode('%PDF-1.4 another text\n')));
    assert.equal((await fetch(`${door.api}/documents/${changed}/records`)).status, 404);
  });
});
