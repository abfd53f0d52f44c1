// The web desk in a real browser (Debian's chromium, driven by Playwright)
// against a real accordd: a logger logs the COSPAR-APSCO MoU through the
// generated forms, a refusal writes nothing, a double submit writes once,
// search finds the visit by a delegate, the desk shows the overdue signing, a
// document is attached and downloads identically, roles see only their
// actions, a request without the CSRF token is refused, and axe-core finds
// no violation on any page. Run by CTest as WebDesk (node --test).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';
import * as harness from './harness.mjs';
import {axeViolations, launchBrowser, logPosition, startAccordd} from './harness.mjs';

const kRepository = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const kScreenshots = process.env.WEB_SCREENSHOTS || path.join(kRepository, 'build', 'web-screenshots');
const kMou = 'cospar-apsco-mou';
const kTimeout = 10_000;

let server;
let browser;
let logger;   // the logger's page, signed in
const checked = new Map();  // page name -> axe violations

function signIn(role) {
  return harness.signIn(browser, server, role, {timeout: kTimeout});
}

async function checkAccessibility(page, name) {
  const violations = await axeViolations(page);
  checked.set(name, violations);
  assert.deepEqual(violations, [], `axe-core on the ${name} page:\n${JSON.stringify(violations, null, 2)}`);
}

async function screenshot(page, name) {
  fs.mkdirSync(kScreenshots, {recursive: true});
  await page.screenshot({path: path.join(kScreenshots, `${name}.png`), fullPage: true});
}

// The form of one milestone kind on the agreement's "Log a milestone" page.
async function openMilestoneForm(page, kindLabel) {
  await page.goto(`${server.url}/#/agreements/${kMou}/log`);
  await page.getByRole('heading', {level: 1, name: 'Log a milestone'}).waitFor();
  await page.getByLabel('What happened').selectOption({label: kindLabel});
  return page.locator('form.command-form');
}

async function submitAndExpect(form, pattern) {
  await form.getByRole('button', {name: /^(Log it|Propose)$/}).click();
  await form.locator('.form-message').getByText(pattern).waitFor();
}

describe('the web desk', {timeout: 110_000}, () => {
  before(async () => {
    // The pages built into accordd, as users get them; WEB_DIR=web serves
    // them from the folder instead, to try an edit without a rebuild.
    server = await startAccordd({args: process.env.WEB_DIR ? ['--web-dir', process.env.WEB_DIR] : []});
    browser = await launchBrowser();
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  test('serves the desk with its security headers, and a wrong token is refused', async () => {
    const response = await fetch(`${server.url}/`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-security-policy') || '', /script-src 'self'/);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    await page.getByLabel('Token').fill('acc_not-a-token');
    await page.getByRole('button', {name: 'Sign in'}).click();
    await page.getByRole('alert').getByText('not known').waitFor({timeout: kTimeout});
    await checkAccessibility(page, 'sign-in');
    await context.close();
  });

  test('a logger proposes the MoU through the generated form', async () => {
    logger = await signIn('logger');
    await logger.goto(`${server.url}/#/propose`);
    const form = logger.locator('form.command-form');
    await form.getByLabel('Agreement id').fill(kMou);
    await form.getByLabel('When it happened').fill('undated: before the July 2024 visit');
    await form.getByLabel('Title', {exact: true}).fill('Memorandum of Understanding between COSPAR and APSCO');
    await form.getByLabel('Kind', {exact: true}).selectOption('MEMORANDUM_OF_UNDERSTANDING');
    const parties = [
      ['cospar', 'Committee on Space Research', 'COSPAR'],
      ['apsco', 'Asia-Pacific Space Cooperation Organization', 'APSCO'],
    ];
    for (const [index, [id, name, acronym]] of parties.entries()) {
      await form.getByRole('button', {name: 'Add a party'}).click();
      const party = form.getByRole('group', {name: 'Party', exact: true}).nth(index);
      await party.getByLabel('Organisation id').fill(id);
      await party.getByLabel('Name', {exact: true}).fill(name);
      await party.getByLabel('Acronym').fill(acronym);
      await party.getByLabel('Role').selectOption('SIGNATORY');
    }
    await checkAccessibility(logger, 'propose');
    await submitAndExpect(form, /Logged at position 0/);
  });

  test('logs the visit, the terms with commitments and the signing planned in words', async () => {
    let form = await openMilestoneForm(logger, 'Record a visit');
    await form.getByLabel('When it happened').fill('July 2024');
    const place = form.getByRole('group', {name: 'Place'});
    await place.getByLabel('Name').fill('APSCO headquarters');
    await place.getByLabel('City').fill('Beijing');
    await form.getByLabel('Host party id').selectOption('apsco');
    await form.getByRole('button', {name: 'Add a delegation'}).click();
    const delegate = form.getByRole('group', {name: 'Delegation', exact: true});
    await delegate.getByLabel('Name').fill('Ms. Aisha Jagirani');
    await delegate.getByLabel('Title').fill('Director General, External Relations and Legal Affairs Department');
    await delegate.getByLabel('Organisation id').fill('apsco');
    await form.getByRole('group', {name: 'Topics'}).getByRole('button', {name: 'Add a topic'}).click();
    await form.getByRole('group', {name: 'Topics'}).getByLabel('Topic').fill('capacity building');
    await checkAccessibility(logger, 'log a milestone');
    await submitAndExpect(form, /Logged at position 1/);

    form = await openMilestoneForm(logger, 'Record the terms agreed and their commitments');
    await form.getByLabel('When it happened').fill('July 2024');
    await form.getByLabel('Summary').fill('The MoU was agreed after the July 2024 visit.');
    const commitments = [
      ['train-the-trainers', 'Collaborate on education and training, particularly the Train the Trainers program', 'UNDERTAKING'],
      ['planetary-protection', 'Explore cooperation in planetary protection', 'AREA_TO_EXPLORE'],
    ];
    for (const [index, [id, description, kind]] of commitments.entries()) {
      await form.getByRole('button', {name: 'Add a commitment'}).click();
      const commitment = form.getByRole('group', {name: 'Commitment', exact: true}).nth(index);
      await commitment.getByLabel('Id', {exact: true}).fill(id);
      await commitment.getByLabel('Description').fill(description);
      await commitment.getByRole('button', {name: 'Add a responsible party id'}).click();
      await commitment.getByLabel('Responsible party id', {exact: true}).selectOption('cospar');
      await commitment.getByLabel('Kind').selectOption(kind);
    }
    await submitAndExpect(form, /Logged at position 2/);

    form = await openMilestoneForm(logger, 'Plan (or re-plan) a milestone');
    await form.getByLabel('When it happened').fill('undated: announced after the July 2024 visit');
    await form.getByLabel('Milestone id').fill('signing');
    await form.getByLabel('Kind', {exact: true}).selectOption('SIGNING');
    await form.getByLabel('Description').fill('Signing of the Memorandum of Understanding');
    await form.getByLabel('Planned').fill('autumn 2024');
    await form.getByText(/Reads as: .*autumn/i).waitFor();
    await submitAndExpect(form, /Logged at position 3/);
  });

  test('a refused step shows the rule\'s sentence and writes nothing', async () => {
    // The terms are agreed already: agreeing them again is refused.
    const before = await logPosition(server);
    const form = await openMilestoneForm(logger, 'Record the terms agreed and their commitments');
    await form.getByLabel('When it happened').fill('August 2024');
    await form.getByLabel('Summary').fill('Agreed again by mistake.');
    await form.getByRole('button', {name: 'Log it'}).click();
    const alert = form.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent(), /TERMS_ALREADY_AGREED/);
    assert.match(await alert.locator('.problem-detail').textContent(), /\w+ \w+/, 'a sentence');
    assert.equal(await logPosition(server), before, 'the refusal wrote nothing');
  });

  test('a double submit writes once and a resubmit is answered "already logged"', async () => {
    const before = await logPosition(server);
    const form = await openMilestoneForm(logger, 'Add a note');
    await form.getByLabel('When it happened').fill('December 2024');
    await form.getByLabel('Text').fill('Signing planned for the coming months.');
    await form.getByRole('button', {name: 'Log it'}).dblclick();
    await form.locator('.form-message').getByText(/Logged at position|Already logged/).waitFor();
    await form.getByRole('button', {name: 'Log it'}).click();
    await form.locator('.form-message').getByText(/Already logged/).waitFor();
    assert.equal(await logPosition(server), before + 1, 'one note written');
  });

  test('search finds the visit by a delegate\'s name and opens it in the history', async () => {
    await logger.goto(`${server.url}/#/agreements`);
    await logger.getByRole('searchbox').fill('Jagirani');
    await logger.getByRole('button', {name: 'Search'}).click();
    const hit = logger.locator('.search-hits li').first();
    await hit.waitFor();
    assert.match(await hit.textContent(), /Visit held/);
    await checkAccessibility(logger, 'agreements');
    await hit.getByRole('link').click();
    const highlighted = logger.locator('.history li.highlight');
    await highlighted.waitFor();
    assert.match(await highlighted.textContent(), /Visit held/);
    assert.match(await highlighted.textContent(), /Jagirani/);
  });

  test('the desk shows the overdue signing', async () => {
    await logger.goto(`${server.url}/#/desk`);
    const overdue = logger.getByRole('region', {name: 'Overdue'});
    await overdue.getByText('Signing of the Memorandum of Understanding').waitFor();
    assert.match(await overdue.textContent(), /autumn 2024/i);
    await logger.getByRole('heading', {name: 'Pipeline by stage'}).waitFor();
    await logger.locator('.activity li[data-position]').first().waitFor();
    await checkAccessibility(logger, 'desk');
    await screenshot(logger, 'desk');
  });

  test('an agreement shows its parties, commitments, plans and history, and as it stood before', async () => {
    await logger.goto(`${server.url}/#/agreements/${kMou}`);
    await logger.getByRole('heading', {level: 1, name: /Memorandum of Understanding/}).waitFor();
    const parties = logger.getByRole('region', {name: 'Parties'});
    assert.match(await parties.textContent(), /Committee on Space Research.*Asia-Pacific Space Cooperation Organization/s);
    assert.match(await logger.getByRole('region', {name: 'Commitments'}).textContent(), /Train the Trainers/);
    const plans = logger.getByRole('region', {name: 'Planned milestones'});
    assert.match(await plans.textContent(), /Signing of the Memorandum of Understanding.*autumn 2024.*overdue/s);
    const history = logger.getByRole('region', {name: 'History'});
    assert.match(await history.textContent(), /Visit held.*July 2024.*Jagirani/s);
    assert.match(await history.textContent(), /by lena/);
    await checkAccessibility(logger, 'agreement');
    await screenshot(logger, 'agreement');
    // Before anything was recorded, there was no such agreement.
    await logger.getByLabel('As recorded before').fill('2001-01-01T00:00');
    await logger.getByRole('button', {name: 'Show'}).click();
    await logger.getByText('This agreement had not been logged at that point.').waitFor();
  });

  test('a document is attached, listed and downloads identically', async () => {
    const bytes = Buffer.from('%PDF-1.4\n% the signed text of the MoU, page 1\n');
    await logger.goto(`${server.url}/#/agreements/${kMou}`);
    await logger.getByLabel('File').setInputFiles({name: 'mou-signed.pdf', mimeType: 'application/pdf', buffer: bytes});
    await logger.getByLabel('About which event').selectOption({label: '1. Visit held'});
    await logger.getByLabel('Note').fill('minutes of the visit');
    await logger.getByRole('button', {name: 'Attach'}).click();
    const link = logger.getByRole('link', {name: 'mou-signed.pdf'});
    await link.waitFor();
    const response = await logger.request.get(`${server.url}${await link.getAttribute('href')}`);
    assert.equal(response.status(), 200);
    assert.deepEqual(Buffer.from(await response.body()), bytes);
    await checkAccessibility(logger, 'agreement');
    await screenshot(logger, 'agreement');
  });

  test('corrections and reports pages pass axe', async () => {
    await logger.goto(`${server.url}/#/agreements/${kMou}/correct`);
    await logger.getByLabel('Which event').selectOption({index: 2});
    await logger.locator('form.correct-form').waitFor();
    await checkAccessibility(logger, 'correct');
    await logger.goto(`${server.url}/#/reports`);
    await logger.getByRole('heading', {level: 1, name: 'Agreements report'}).waitFor();
    await checkAccessibility(logger, 'reports');
  });

  test('a logger cannot see the auditor\'s actions, nor an auditor the logging forms; the desk follows the log live', async () => {
    const nav = logger.getByRole('navigation', {name: 'Main'});
    assert.equal(await nav.getByRole('link', {name: 'Audit'}).count(), 0);
    // Checking a file is for everyone: a logger may ask for checkpoints and inclusion proofs.
    assert.equal(await nav.getByRole('link', {name: 'Check a file'}).count(), 1);
    await logger.goto(`${server.url}/#/audit`);
    await logger.getByRole('heading', {level: 1, name: 'Not for your role'}).waitFor();

    const auditor = await signIn('auditor');
    // Recent activity follows the log live (the SSE stream, with the cookie).
    await auditor.getByText('Live: new events appear as they are recorded.').waitFor();
    const logged = await (await fetch(`${server.url}/api/v1/agreements/${kMou}/milestones`, {
      method: 'POST',
      headers: {Authorization: `Bearer ${server.tokens.logger}`, 'Content-Type': 'application/json'},
      body: JSON.stringify({effective: {asStated: 'January 2025'}, milestone: {noteAdded: {text: 'live'}}}),
    })).json();
    await auditor.locator(`.activity li[data-position="${logged.position}"]`).waitFor();
    const auditorNav = auditor.getByRole('navigation', {name: 'Main'});
    await auditorNav.getByRole('link', {name: 'Audit'}).waitFor();
    assert.equal(await auditorNav.getByRole('link', {name: 'Propose an agreement'}).count(), 0);
    await auditor.goto(`${server.url}/#/agreements/${kMou}`);
    await auditor.getByRole('heading', {level: 1, name: /Memorandum/}).waitFor();
    assert.equal(await auditor.getByRole('link', {name: 'Log a milestone'}).count(), 0);
    assert.equal(await auditor.getByRole('button', {name: 'Attach'}).count(), 0);
    await auditor.goto(`${server.url}/#/audit`);
    await auditor.locator('main h1').waitFor();
    await screenshot(auditor, 'audit');
    await auditor.context().close();
  });

  test('a state-changing request without the CSRF token is refused and writes nothing', async () => {
    const before = await logPosition(server);
    // The page's own cookie, no X-CSRF-Token header.
    const response = await logger.request.post(`${server.url}/api/v1/agreements/${kMou}/milestones`, {
      headers: {'Content-Type': 'application/json'},
      data: {effective: {asStated: 'December 2024'}, milestone: {noteAdded: {text: 'forged'}}},
    });
    assert.equal(response.status(), 403);
    assert.match(await response.text(), /CSRF_TOKEN_MISSING/);
    assert.equal(await logPosition(server), before, 'nothing written');
  });

  test('signing out ends the session', async () => {
    await logger.getByRole('button', {name: 'Sign out'}).click();
    await logger.getByLabel('Token').waitFor();
    const response = await logger.request.get(`${server.url}/api/v1/session`);
    assert.equal(response.status(), 401);
  });
});
