// The check and audit pages in a real browser (Debian's chromium, driven by
// Playwright through tests/web/harness.mjs) against a real accordd serving
// web/: an auditor verifies the log, saves a signed checkpoint, checks the
// log against it (and a tampered copy fails), and prints an agreement's
// audit report; a recorded file passes every check and a changed copy is
// "not a recorded document". axe-core checks both pages. The audit page's
// screenshot lands in $WEB_SCREENSHOTS (docs/screenshots/audit.png is one).
// Run by CTest as WebProofPages (node --test).
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';

import * as proofs from '../../web/proofs.js';

const here = path.dirname(new URL(import.meta.url).pathname);
const kRepository = path.resolve(here, '../..');
const kScreenshots =
    process.env.WEB_SCREENSHOTS || path.join(kRepository, 'build', 'web-screenshots');
const kMou = 'cospar-apsco-mou';
const kTimeout = 15_000;

import * as harness from './harness.mjs';

let server;
let browser;
let verifierKey;

async function post(route, token, body, headers = {}) {
  const response = await fetch(`${server.url}${route}`, {
    method: 'POST',
    headers: {Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...headers},
    body,
  });
  if (!response.ok) throw new Error(`POST ${route}: ${response.status} ${await response.text()}`);
  return response;
}

// Each line of an examples/ file, as docs/http.md logs them.
async function logExample(name) {
  const lines =
      fs.readFileSync(path.join(kRepository, 'examples', name), 'utf8').split('\n').filter(Boolean);
  for (const line of lines) await post('/api/v1/agreements', server.tokens.logger, line);
}

function signIn(role) {
  return harness.signIn(browser, server, role, {width: 1200, timeout: kTimeout});
}

async function noAxeViolations(page, name) {
  const violations = await harness.axeViolations(page);
  assert.deepEqual(
      violations, [], `axe-core on the ${name} page:\n${JSON.stringify(violations, null, 2)}`);
}

async function giveKey(page, key) {
  const field = page.getByLabel('Verifier key', {exact: true});
  await field.fill(key);
  await field.dispatchEvent('change');
}

describe('the check and audit pages', {timeout: 110_000}, () => {
  before(async () => {
    server = await harness.startAccordd({args: ['--web-dir', path.join(kRepository, 'web')]});
    verifierKey = execFileSync(
                      harness.accorddPath(),
                      ['--data', path.join(server.folder, 'data'), '--print-verifier-key'], {
                        encoding: 'utf8',
                      })
                      .trim();
    browser = await harness.launchBrowser();
    await logExample('cospar-apsco-mou.ndjson');
    await logExample('apsco-convention.ndjson');
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  test(
      'an auditor verifies the log, saves a checkpoint and checks the log against it', async () => {
        const page = await signIn('auditor');
        await page.goto(`${server.url}/#/audit`);
        await page.getByRole('heading', {level: 1, name: 'Audit'}).waitFor();
        const main = page.locator('main');
        await page.getByRole('button', {name: 'Show the key this server announces'}).click();
        await main.getByText(verifierKey).waitFor();  // to compare with the published one
        await giveKey(page, verifierKey);

        await page.getByRole('button', {name: 'Verify the log'}).click();
        await main.getByText('The log verified.').waitFor();

        const downloaded = page.waitForEvent('download');
        await page.getByRole('button', {name: 'Save a signed checkpoint'}).click();
        const download = await downloaded;
        const saved = path.join(server.folder, download.suggestedFilename());
        await download.saveAs(saved);
        const note = fs.readFileSync(saved, 'utf8');
        const checkpoint =
            await proofs.openCheckpoint(note, verifierKey);  // the file is the signed note
        assert.equal(download.suggestedFilename(), `accord-${checkpoint.size}.checkpoint`);
        await main.getByText(`The checkpoint is signed by your key`).waitFor();

        await logExample('open-arrangement.ndjson');  // the log grows past the checkpoint
        await page.getByLabel('Checkpoint file').setInputFiles(saved);
        await page.getByRole('button', {name: 'Check the log against it'}).click();
        await main.getByText('The log extends your checkpoint.').waitFor();
        await main.getByText(new RegExp(`extends the saved one of ${checkpoint.size}`)).waitFor();
        fs.mkdirSync(kScreenshots, {recursive: true});
        await page.screenshot({path: path.join(kScreenshots, 'audit-checks.png'), fullPage: true});

        // The same checkpoint with another root (a forked history): refused.
        const lines = note.split('\n');
        lines[2] = proofs.toBase64(new Uint8Array(32).fill(7));
        const forged = path.join(server.folder, 'forged.checkpoint');
        fs.writeFileSync(forged, lines.join('\n'));
        await page.getByLabel('Checkpoint file').setInputFiles(forged);
        await page.getByRole('button', {name: 'Check the log against it'}).click();
        await main.locator('.check-failed').getByText(/does not match the note/).waitFor();
        await noAxeViolations(page, 'audit');
        await page.context().close();
      });

  test('an agreement\'s audit report shows and prints without the page\'s controls', async () => {
    const page = await signIn('auditor');
    await page.goto(`${server.url}/#/audit?agreement=${kMou}`);
    await page.getByRole('heading', {name: /^Audit report: Memorandum of Understanding/}).waitFor();
    await page.getByRole('button', {name: 'Verify the log'}).click();
    await page.locator('main').getByText('The log verified.').waitFor();
    await page.getByLabel('Agreement', {exact: true})
        .selectOption(kMou);  // the report again, now verified
    const report = page.locator('.audit-report');
    await report.getByText(/The log verified (on this page|when this report was made)/).waitFor();
    // The timeline is the server's drawing (timeline.svg), loaded.
    await page.waitForFunction(
        () => document.querySelector('.audit-report figure img')?.naturalWidth > 0);
    const rows = await report.locator('table tbody tr').count();
    assert.equal(rows, 7, 'the MoU example has seven events');
    await noAxeViolations(page, 'audit report');
    fs.mkdirSync(kScreenshots, {recursive: true});
    await page.screenshot({path: path.join(kScreenshots, 'audit-report.png'), fullPage: true});

    await page.emulateMedia({media: 'print'});
    assert.ok(await report.getByRole('heading', {name: /^Audit report:/}).isVisible());
    for (const name of ['Verify the log', 'Save a signed checkpoint', 'Print or save as PDF']) {
      assert.ok(!(await page.getByRole('button', {name}).isVisible()), `${name} is printed`);
    }
    assert.ok(
        !(await page.getByRole('navigation', {name: 'Main'}).isVisible()),
        'the navigation is printed');
    await page.context().close();
  });

  test(
      'a recorded file passes every check; a changed copy is not a recorded document',
      async () => {
        const file = Buffer.from('%PDF-1.4\nThe Memorandum of Understanding, as signed.\n');
        await post(
            `/api/v1/agreements/${kMou}/documents?name=mou-signed.pdf`, server.tokens.logger, file,
            {
              'Content-Type': 'application/pdf',
            });
        const page = await signIn('auditor');
        await page.goto(`${server.url}/#/check`);
        await page.getByRole('heading', {level: 1, name: 'Check a file'}).waitFor();
        await giveKey(page, verifierKey);
        const main = page.locator('main');

        await page.getByLabel('File to check')
            .setInputFiles({name: 'mou-signed.pdf', mimeType: 'application/pdf', buffer: file});
        await main.locator('.verdict').getByText('Recorded.').waitFor();
        assert.equal(await main.locator('.check-failed').count(), 0);
        assert.equal(await main.locator('.check-passed').count(), 3);
        await main.getByText('The record itself names this file\'s fingerprint.').waitFor();
        await main.getByText(/signed by your key/).first().waitFor();
        await noAxeViolations(page, 'check a file');
        fs.mkdirSync(kScreenshots, {recursive: true});
        await page.screenshot(
            {path: path.join(kScreenshots, 'check-recorded.png'), fullPage: true});

        const changed = Buffer.from(file);
        changed[changed.length - 2] ^= 0x01;
        await page.getByLabel('File to check')
            .setInputFiles({name: 'mou-copy.pdf', mimeType: 'application/pdf', buffer: changed});
        await main.locator('.verdict').getByText('Not a recorded document.').waitFor();

        // Without a key of the reader's own, the page says what the check is worth.
        await giveKey(page, '');
        await page.getByLabel('File to check')
            .setInputFiles({name: 'mou-signed.pdf', mimeType: 'application/pdf', buffer: file});
        await main.locator('.verdict').getByText(/the key the server announces/).waitFor();
        await page.context().close();
      });
});
