// SPDX-License-Identifier: GPL-2.0-only
// The desk's web UI in a real browser: Debian's Chromium, headless, driven by playwright-core
// (no browser download), against a real collector and Redis that raqib agents filled
// (tests/e2e/desk_ui.sh). One browser for every case. It signs in, triages an incident from its
// story, follows the document's provenance, exports the case, checks the Arabic layout runs
// right to left with dates in the locale, that a viewer cannot search by value, and saves a
// screenshot of every page in every language into $SHOTS.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');

const URL = process.env.DESK_URL;
const SHOTS = process.env.SHOTS;
const TOKENS = {
  viewer: process.env.TOKEN_VIEWER,
  analyst: process.env.TOKEN_ANALYST,
  investigator: process.env.TOKEN_INVESTIGATOR,
  administrator: process.env.TOKEN_ADMINISTRATOR,
};
const LIVE = process.env.LIVE_INCIDENT; // the live upload's incident
const LETTER = process.env.LETTER_NAME; // the file the stand-in app sent
const DOC_SHA = process.env.DOC_SHA;
const LANGS = { en: 'en-GB', fr: 'fr-MA', ar: 'ar-MA' };

let browser;
let failures = 0;

async function step(name, page, fn) {
  const t0 = Date.now();
  try {
    await fn();
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${name}: ${e.message}`);
    if (page) await page.screenshot({ path: path.join(SHOTS, `FAIL-${name.replace(/\W+/g, '-')}.png`), fullPage: true }).catch(() => {});
  }
}

async function newPage(lang) {
  const ctx = await browser.newContext({
    locale: LANGS[lang],
    ignoreHTTPSErrors: true,
    viewport: { width: 1400, height: 900 },
    acceptDownloads: true,
  });
  const page = await ctx.newPage();
  page.setDefaultTimeout(15000);
  page.on('pageerror', (e) => { failures++; console.log(`FAIL page error (${lang}): ${e.message}`); });
  // nothing may be loaded from anywhere but the collector
  page.on('request', (r) => {
    if (!r.url().startsWith(URL) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) {
      failures++;
      console.log(`FAIL a request outside the collector: ${r.url()}`);
    }
  });
  return page;
}

async function signIn(page, token) {
  await page.goto(URL + '/');
  await page.fill('#token', token);
  await page.click('#signin');
  await page.waitForSelector('main[data-page="incidents"] table.list tbody tr');
}

async function go(page, hash, pageName, ready) {
  await page.goto(URL + '/' + hash);
  await page.waitForSelector(`main[data-page="${pageName}"]`);
  if (ready) await page.waitForSelector(ready);
}

// Every page is photographed, and first read as a person would: no value the code forgot to
// turn into text ("[object HTMLElement]", "undefined", "NaN") may show.
async function shot(page, lang, name) {
  const text = await page.evaluate(() => document.body.innerText);
  const leak = /\[object [A-Za-z]+\]|\bundefined\b|\bNaN\b/.exec(text);
  if (leak) throw new Error(`${name} (${lang}) shows "${leak[0]}"`);
  await page.screenshot({ path: path.join(SHOTS, `${name}-${lang}.png`), fullPage: true });
}

async function api(page, method, p, token, body) {
  return page.evaluate(async ({ method, p, token, body }) => {
    const r = await fetch(p, { method, headers: { Authorization: 'Bearer ' + token }, body });
    return { status: r.status, body: await r.text() };
  }, { method, p, token, body });
}

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--proxy-server=127.0.0.1:9', '--proxy-bypass-list=127.0.0.1'],
  });

  // ---- signing in --------------------------------------------------------------------
  let page = await newPage('en');
  await step('a bad token is refused', page, async () => {
    await page.goto(URL + '/');
    await page.fill('#token', 'f'.repeat(64));
    await page.click('#signin');
    await page.waitForSelector('form.login p.error:not([hidden])');
    assert.match(await page.textContent('form.login p.error'), /not valid/);
    assert.equal(await page.isVisible('#nav'), false);
  });
  await step('an analyst signs in', page, async () => {
    await signIn(page, TOKENS.analyst);
    assert.match(await page.textContent('#whoami'), /analyst-1 · analyst/);
    assert.equal(await page.isVisible('#nav-audit'), false);
  });

  // ---- the queues, from the keyboard ----------------------------------------------------
  await step('incidents move with j/k and open with Enter', page, async () => {
    const rows = await page.$$('main table.list tbody tr');
    assert.ok(rows.length >= 3, `${rows.length} incidents`);
    assert.equal(await rows[0].getAttribute('aria-selected'), 'true');
    await page.keyboard.press('j');
    assert.equal(await rows[1].getAttribute('aria-selected'), 'true');
    await page.keyboard.press('k');
    await page.keyboard.press('ArrowDown');
    assert.equal(await rows[1].getAttribute('aria-selected'), 'true');
    await page.keyboard.press('Enter');
    await page.waitForSelector('main[data-page="incident"] ol.story');
  });
  await step('the alert queue filters by host and opens an alert from the keyboard', page, async () => {
    await go(page, '#/queue', 'queue', 'table.list tbody tr');
    const all = await page.$$eval('main table.list tbody tr', (r) => r.length);
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => document.activeElement.name), 'from');
    await page.fill('form.filters input[name="host"]', 'ws-live');
    await page.press('form.filters input[name="host"]', 'Enter');
    await page.waitForFunction(() => location.hash.includes('host=ws-live'));
    await page.waitForSelector('main[data-page="queue"] table.list tbody tr');
    const rows = await page.$$eval('main table.list tbody tr', (r) => r.length);
    assert.ok(rows >= 1 && rows < all, `${rows} of ${all}`);
    await page.locator('main table.list tbody tr').first().focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('aside.detail:not([hidden])');
    assert.match(await page.textContent('aside.detail'), new RegExp(LETTER.replace('.', '\\.')));
    await page.keyboard.press('Escape');
    assert.equal(await page.isVisible('aside.detail'), false);
  });

  // ---- triage: the story, then state, assignee, note -------------------------------------
  await step('the incident tells the story of the upload', page, async () => {
    await go(page, '#/incident/' + encodeURIComponent(LIVE), 'incident', 'ol.story li.step');
    const story = await page.textContent('ol.story');
    for (const want of ['App running', 'Document opened', 'Inspected', 'Bytes sent to the messaging service', 'Alert raised']) assert.ok(story.includes(want), `the story lacks "${want}": ${story}`);
    assert.ok(story.includes(LETTER), 'the story names the letter');
    assert.match(await page.textContent('li.step-inspect'), /CIN [A-Z]{2}\d*\*+/);
    assert.match(await page.textContent('li.step-upload'), /\d[\d,]* bytes/);
    // in order: opened, inspected, sent, alert
    const kinds = await page.$$eval('ol.story li.step', (l) => l.map((x) => x.className.replace('step step-', '')));
    assert.deepEqual(kinds.filter((k) => k !== 'gap').slice(0, 5), ['app', 'open', 'inspect', 'upload', 'alert']);
  });
  await step('an analyst triages the incident', page, async () => {
    await page.selectOption('#state', 'confirmed');
    await page.click('text=Assign to me');
    assert.equal(await page.inputValue('#assignee'), 'analyst-1');
    await page.fill('#note', 'Letter sent to Telegram by the registry office: reported to the CNDP.');
    await page.click('#save');
    await page.waitForSelector('.state-confirmed');
    await page.waitForSelector('ul.notes li');
    assert.match(await page.textContent('ul.notes'), /analyst-1.*reported to the CNDP/s);
    const r = await api(page, 'GET', '/api/incident?id=' + encodeURIComponent(LIVE), TOKENS.analyst);
    const inc = JSON.parse(r.body).incident;
    assert.equal(inc.state, 'confirmed');
    assert.equal(inc.assignee, 'analyst-1');
  });
  await shot(page, 'en', 'incident-triaged');
  await page.context().close();

  // ---- an investigator follows the document, exports the case, searches by value --------
  page = await newPage('en');
  await signIn(page, TOKENS.investigator);
  await step('the document\'s provenance is a picture of hosts and people', page, async () => {
    await go(page, '#/incident/' + encodeURIComponent(LIVE), 'incident', 'ol.story');
    await page.click('a.button[href^="#/provenance/"]');
    await page.waitForSelector('main[data-page="provenance"] svg.swimlanes g.ev');
    assert.ok(page.url().endsWith(DOC_SHA));
    const lanes = await page.$$eval('svg .lane-host', (t) => t.map((x) => x.textContent));
    assert.ok(lanes.includes('ws-live') && lanes.includes('ws-copy'), `lanes: ${lanes}`);
    assert.equal(await page.$$eval('svg g.ev-sent', (g) => g.length), 1);
    assert.equal(await page.$$eval('svg g.ev-holds_copy', (g) => g.length), 1);
    assert.ok(await page.$('svg path.trail'), 'no line follows the document');
    // the send comes before the copy at rest: left of it in a left-to-right page
    const sx = await page.$eval('svg g.ev-sent', (g) => g.getBBox().x);
    const cx = await page.$eval('svg g.ev-holds_copy', (g) => g.getBBox().x);
    assert.ok(sx < cx, `sent at ${sx}, copy at ${cx}`);
  });
  await step('an investigator exports the case', page, async () => {
    await go(page, '#/incident/' + encodeURIComponent(LIVE), 'incident', 'ol.story');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
    const file = path.join(SHOTS, 'case-report.html');
    await download.saveAs(file);
    const html = fs.readFileSync(file, 'utf8');
    assert.match(download.suggestedFilename(), /^raqib-case-s-rabat-\d+\.html$/);
    assert.ok(html.includes(LIVE) && html.includes('Audit trail of this incident'));
    assert.ok(html.includes('analyst-1') && html.includes('investigator-1'), 'the trail names who read and changed it');
    assert.ok(html.includes('reported to the CNDP'));
    assert.ok(!/<script|src=|href=/i.test(html), 'the report loads something');
  });
  await step('an investigator searches by value, which stays nowhere in the page', page, async () => {
    await go(page, '#/search', 'search', '#value');
    await page.fill('#value', 'BK 734021');
    await page.press('#value', 'Enter');
    await page.waitForSelector('.results p.summary');
    assert.match(await page.textContent('.results p.summary'), /\d+ alerts hold this CIN/);
    assert.ok((await page.$$('.results table tbody tr')).length >= 1);
    assert.equal(await page.inputValue('#value'), '');
    assert.ok(!(await page.content()).includes('734021'), 'the value is in the page');
  });
  await page.context().close();

  // ---- a viewer cannot search by value, nor change or export ------------------------------
  page = await newPage('en');
  await signIn(page, TOKENS.viewer);
  await step('a viewer cannot search by value', page, async () => {
    await go(page, '#/search', 'search', 'p.denied');
    assert.match(await page.textContent('p.denied'), /Only investigators may search by value/);
    assert.equal(await page.isDisabled('form.search input'), true);
    assert.equal(await page.isDisabled('form.search button'), true);
    const r = await api(page, 'POST', '/api/find', TOKENS.viewer, 'BK 734021');
    assert.equal(r.status, 403);
    assert.ok(!r.body.includes('734021'));
  });
  await step('a viewer reads an incident but cannot change or export it', page, async () => {
    await go(page, '#/incident/' + encodeURIComponent(LIVE), 'incident', 'ol.story');
    assert.equal(await page.$('form.triage'), null);
    assert.equal(await page.$('#export'), null);
    const r = await api(page, 'POST', '/api/incident?id=' + encodeURIComponent(LIVE), TOKENS.viewer, '{"state":"closed"}');
    assert.equal(r.status, 403);
  });
  await page.context().close();

  // ---- languages: chosen by the browser, switched by hand; Arabic right to left ------------
  page = await newPage('en');
  await step('the language switch', page, async () => {
    await signIn(page, TOKENS.analyst);
    assert.equal(await page.textContent('#nav a[data-page="queue"]'), 'Alert queue');
    await page.selectOption('#lang', 'fr');
    await page.waitForFunction(() => document.documentElement.lang === 'fr');
    assert.equal(await page.textContent('#nav a[data-page="queue"]'), "File d'alertes");
    await page.reload();
    await page.waitForSelector('main[data-page="incidents"]');
    assert.equal(await page.textContent('#nav a[data-page="queue"]'), "File d'alertes", 'the choice is kept');
  });
  await page.context().close();

  for (const lang of Object.keys(LANGS)) {
    page = await newPage(lang);
    await step(`${lang}: chosen from the browser's language`, page, async () => {
      await page.goto(URL + '/');
      await page.waitForSelector('#token');
      assert.equal(await page.getAttribute('html', 'lang'), lang);
      assert.equal(await page.getAttribute('html', 'dir'), lang === 'ar' ? 'rtl' : 'ltr');
    });
    await shot(page, lang, 'signin');
    await signIn(page, TOKENS.investigator);
    await shot(page, lang, 'incidents');
    await go(page, '#/queue', 'queue', 'table.list tbody tr');
    await shot(page, lang, 'queue');
    await go(page, '#/incident/' + encodeURIComponent(LIVE), 'incident', 'ol.story li.step');
    await shot(page, lang, 'incident');
    if (lang === 'ar') {
      await step('ar: the layout runs right to left', page, async () => {
        const brand = await page.locator('a.brand').boundingBox();
        const signout = await page.locator('#signout').boundingBox();
        assert.ok(brand.x > signout.x, 'the brand is not on the right');
        const [summary, story] = await page.$$('.incident > section');
        assert.ok((await summary.boundingBox()).x > (await story.boundingBox()).x, 'the summary is not on the right');
        const dir = await page.$eval('ol.story', (o) => getComputedStyle(o).direction);
        assert.equal(dir, 'rtl');
        // a masked value keeps its order inside Arabic text
        assert.equal(await page.$eval('li.step-inspect bdi', (b) => b.getAttribute('dir')), 'ltr');
      });
    }
    await step(`${lang}: dates and numbers follow the locale`, page, async () => {
      const first = await page.textContent('ol.story time');
      const want = await page.evaluate((loc) => new Intl.DateTimeFormat(loc, { dateStyle: 'medium' }).formatToParts(new Date()).find((p) => p.type === 'month').value, LANGS[lang]);
      if (lang === 'ar') assert.match(first, /[\u0600-\u06ff]/, first);
      if (lang === 'fr') assert.match(first, /(janv|févr|mars|avr|mai|juin|juil|août|sept|oct|nov|déc)/, first);
      if (lang === 'en') assert.match(first, /(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)/, first);
      assert.ok(want.length > 0);
    });
    await go(page, '#/provenance/' + DOC_SHA, 'provenance', 'svg g.ev');
    if (lang === 'ar') {
      await step('ar: time runs right to left in the provenance', page, async () => {
        const sx = await page.$eval('svg g.ev-sent', (g) => g.getBBox().x);
        const cx = await page.$eval('svg g.ev-holds_copy', (g) => g.getBBox().x);
        assert.ok(sx > cx, `sent at ${sx}, copy at ${cx}`);
      });
    }
    await shot(page, lang, 'provenance');
    await go(page, '#/search', 'search', '#value');
    await page.fill('#value', 'BK 734021');
    await page.press('#value', 'Enter');
    await page.waitForSelector('.results p.summary');
    await shot(page, lang, 'search');
    await go(page, '#/agents', 'agents', 'table.list');
    await step(`${lang}: the agents page shows every agent and the coverage gaps`, page, async () => {
      assert.equal(await page.$$eval('main table.list:not(.gaps) tbody tr', (r) => r.length), 4);
      const gaps = await page.$$eval('main table.gaps tbody tr', (r) => r.map((x) => x.textContent));
      assert.ok(gaps.some((g) => g.includes('ws-old') && g.includes('2–3')), `gaps: ${gaps}`);
    });
    await shot(page, lang, 'agents');
    await go(page, '#/rules', 'rules', 'table.list.rules');
    await shot(page, lang, 'rules');
    await page.context().close();
    page = await newPage(lang);
    await signIn(page, TOKENS.administrator);
    await go(page, '#/audit', 'audit', 'table.audit');
    await step(`${lang}: the administrator verifies the audit log`, page, async () => {
      await page.click('#verify');
      await page.waitForSelector('p.chain.intact');
    });
    await shot(page, lang, 'audit');
    await page.context().close();
  }

  await browser.close();
  if (failures) {
    console.log(`${failures} failure(s); screenshots in ${SHOTS}`);
    process.exit(1);
  }
  console.log(`PASS; screenshots in ${SHOTS}`);
}

main().catch(async (e) => {
  console.log(`FAIL ${e.stack || e}`);
  if (browser) await browser.close().catch(() => {});
  process.exit(1);
});
