// End-to-end test of the built book (target/book, from `cargo xtask build`) in headless
// Chromium, as a reader uses it. Run by .ci/run; by hand:
//   cargo xtask build && (cd tests/browser && npm ci && npm test)
// The book is served from a local static server on 127.0.0.1 started here. The browser
// reaches nothing else: the playground's crate list (which mdBook fetches to decide whether to
// show Run buttons) is answered by a stub, and any other outside request fails the test.
// Artifacts (screenshots, the list of external links) go to target/browser/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BOOK = path.join(ROOT, 'target/book');
const ARTIFACTS = path.join(ROOT, 'target/browser');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const RECIPE = 'ch10/10-06-reloading-modules.html';
const TIME_LIMIT_MS = 240_000;

// The whole run is bounded: a hung browser or server must not hang CI.
setTimeout(() => {
  console.error(`browser test: still running after ${TIME_LIMIT_MS / 1000} s; giving up`);
  process.exit(1);
}, TIME_LIMIT_MS).unref();

/** The chapters of src/SUMMARY.md that have a page: { title, md, html, heading }. */
function chapters() {
  const summary = fs.readFileSync(path.join(ROOT, 'src/SUMMARY.md'), 'utf8');
  const found = [];
  for (const [, title, md] of summary.matchAll(/\[([^\]]+)\]\(([^)]+\.md)\)/g)) {
    const html = md.replace(/(^|\/)README\.md$/, '$1index.md').replace(/\.md$/, '.html');
    const text = fs.readFileSync(path.join(ROOT, 'src', md), 'utf8');
    const heading = (text.match(/^# (.+)$/m) || [])[1];
    // A page that shows a recipe's package: it includes code from examples/.
    // A recipe page that shows its own package: it includes code from examples/ch10/NN-MM-…/,
    // with the page's NN-MM (10.6's nested pages show the 10.6 programs).
    const recipe = (md.match(/(\d+-\d+)-[^/]*\.md$/) || [])[1];
    const showsPackage =
      recipe !== undefined &&
      new RegExp(`\\{\\{#(rustdoc_)?include [^}]*examples/[^/]+/${recipe}-`).test(text);
    found.push({ title, md, html, heading, showsPackage });
  }
  return found;
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain',
};

let server;
let origin;
let context;
let userDataDir;
const served = []; // [status, path]
const outside = []; // external URLs the pages tried to reach

before(async () => {
  assert.ok(
    fs.existsSync(path.join(BOOK, 'index.html')),
    `no built book in ${BOOK}: run \`cargo xtask build\` first`,
  );
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    let file = path.normalize(path.join(BOOK, decodeURIComponent(url.pathname)));
    if (!file.startsWith(BOOK)) {
      res.writeHead(403).end();
      return;
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    fs.readFile(file, (err, data) => {
      const status = err ? 404 : 200;
      served.push([status, url.pathname]);
      if (err) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' });
      res.end(data);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;

  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cookbook-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60_000,
    viewport: { width: 1280, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  context.setDefaultTimeout(15_000);
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.origin === origin) return route.continue();
    if (url.href === 'https://play.rust-lang.org/meta/crates') {
      // The playground's list of crates (none needed: only std blocks may run).
      return route.fulfill({ status: 200, contentType: 'application/json', body: '{"crates":[]}' });
    }
    outside.push(url.href);
    return route.abort();
  });
});

after(async () => {
  await context?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
  if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
});

/** Opens a page and collects what went wrong while it loaded. */
async function open(relative) {
  const page = await context.newPage();
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught exception: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} for ${response.url()}`);
  });
  const response = await page.goto(`${origin}/${relative}`, { waitUntil: 'load' });
  assert.equal(response.status(), 200, `${relative}: HTTP ${response.status()}`);
  // mdBook's scripts run on load; give the deferred ones (sidebar, highlighting) a moment.
  await page.waitForLoadState('networkidle');
  return { page, problems };
}

test('every page of SUMMARY.md loads with no console error', async () => {
  const all = [...chapters().map((c) => c.html), 'print.html', 'index.html'];
  const failures = [];
  for (const relative of all) {
    const { page, problems } = await open(relative);
    const h1 = await page.locator('main h1').first().textContent();
    if (!h1?.trim()) problems.push('no heading in <main>');
    // An include's marker lines must never reach the reader.
    const code = (await page.locator('main pre code').allInnerTexts()).join('\n');
    if (/^\s*(\/\/|#)\s*ANCHOR(_END)?:/m.test(code)) problems.push('a code block shows an ANCHOR marker line');
    if (problems.length) failures.push(`${relative}:\n  ${problems.join('\n  ')}`);
    await page.close();
  }
  assert.deepEqual(outside, [], `pages tried to reach outside the book: ${outside.join(', ')}`);
  assert.equal(failures.length, 0, failures.join('\n'));
  console.log(`loaded ${all.length} pages without a console error`);
});

test('the sidebar lists every chapter and each of its links resolves', async () => {
  const { page, problems } = await open('index.html');
  const hrefs = await page
    .locator('#mdbook-sidebar a[href]')
    .evaluateAll((links) => links.map((a) => a.href));
  assert.ok(hrefs.length > 0, 'the sidebar has no link');
  const paths = new Set(hrefs.map((h) => new URL(h).pathname.replace(/^\//, '')));
  for (const chapter of chapters()) {
    assert.ok(paths.has(chapter.html), `the sidebar has no link to ${chapter.html} (${chapter.title})`);
  }
  const dead = [];
  for (const href of new Set(hrefs)) {
    const response = await page.request.get(href);
    if (response.status() !== 200) dead.push(`${href}: ${response.status()}`);
  }
  assert.deepEqual(dead, [], `dead sidebar links:\n${dead.join('\n')}`);
  // Following one as a reader would.
  await page.locator(`#mdbook-sidebar a[href$="${RECIPE}"]`).first().click();
  await page.waitForURL(`**/${RECIPE}`);
  assert.match(await page.locator('main h1').first().textContent(), /10\.6/);
  assert.deepEqual(problems, []);
  console.log(`sidebar: ${paths.size} links, all resolve`);
  await page.close();
});

test('every link and #fragment inside the pages resolves', async () => {
  const ids = new Map(); // pathname -> Set of ids
  async function idsOf(pathname, page) {
    if (!ids.has(pathname)) {
      const response = await page.request.get(`${origin}${pathname}`);
      const html = response.status() === 200 ? await response.text() : null;
      ids.set(pathname, html && new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1])));
    }
    return ids.get(pathname);
  }
  const dead = [];
  const external = new Set();
  let checked = 0;
  for (const relative of [...chapters().map((c) => c.html), 'print.html']) {
    const { page } = await open(relative);
    const links = await page
      .locator('main a[href]')
      .evaluateAll((as) => as.map((a) => ({ href: a.href, raw: a.getAttribute('href') })));
    for (const { href, raw } of links) {
      const url = new URL(href);
      if (url.origin !== origin) {
        if (/^https?:$/.test(url.protocol)) external.add(url.href);
        continue;
      }
      checked += 1;
      const found = await idsOf(url.pathname, page);
      if (!found) dead.push(`${relative}: ${raw} (no such page)`);
      else if (url.hash && !found.has(decodeURIComponent(url.hash.slice(1)))) {
        dead.push(`${relative}: ${raw} (no element with id ${url.hash})`);
      }
    }
    await page.close();
  }
  fs.writeFileSync(path.join(ARTIFACTS, 'external-links.txt'), [...external].sort().join('\n') + '\n');
  assert.deepEqual(dead, [], `dead links in the built book:\n${dead.join('\n')}`);
  console.log(
    `links: ${checked} internal links resolve; ${external.size} external links listed in target/browser/external-links.txt`,
  );
});

test('external links answer, when a network is present', async (t) => {
  const list = path.join(ARTIFACTS, 'external-links.txt');
  const links = fs.existsSync(list) ? fs.readFileSync(list, 'utf8').split('\n').filter(Boolean) : [];
  const reachable = await fetch('https://www.rust-lang.org/', {
    method: 'HEAD',
    signal: AbortSignal.timeout(5_000),
  }).then(
    (r) => r.ok,
    () => false,
  );
  if (!reachable) {
    t.skip(`no network: ${links.length} external links listed in target/browser/external-links.txt, not checked`);
    return;
  }
  const dead = [];
  for (const link of links) {
    const status = await fetch(link, { method: 'GET', redirect: 'follow', signal: AbortSignal.timeout(15_000) }).then(
      (r) => r.status,
      (e) => e.message,
    );
    if (status !== 200) dead.push(`${link}: ${status}`);
  }
  assert.deepEqual(dead, [], `external links that do not answer 200:\n${dead.join('\n')}`);
});

test('the search box finds "reload" on the 10.6 page', async () => {
  const { page, problems } = await open('index.html');
  await page.locator('#mdbook-search-toggle').click();
  await page.locator('#mdbook-searchbar').fill('reload');
  const hit = page.locator(`#mdbook-searchresults a[href*="${RECIPE}"]`).first();
  await hit.waitFor({ state: 'visible' });
  const count = await page.locator('#mdbook-searchresults a').count();
  await hit.click();
  await page.waitForURL(`**/${RECIPE}*`);
  assert.match(await page.locator('main h1').first().textContent(), /10\.6 Reloading modules/);
  assert.deepEqual(problems, []);
  console.log(`search "reload": ${count} results, one of them opens ${RECIPE}`);
  await page.close();
});

test('the eye button shows the hidden lines of a rustdoc_include block', async () => {
  const { page, problems } = await open(RECIPE);
  // The first block with hidden lines: `{{#rustdoc_include …/counter.rs:counter}}`.
  const block = page.locator('pre:has(code .boring)').first();
  const boring = block.locator('.boring').first();
  assert.equal(await boring.isVisible(), false, 'hidden lines are visible before the click');
  const before = (await block.locator('code').innerText()).split('\n').length;
  // mdBook shows a block's buttons while the pointer is over it, as for a reader.
  await block.hover();
  await block.locator('button[title="Show hidden lines"]').click();
  await boring.waitFor({ state: 'visible' });
  const afterLines = (await block.locator('code').innerText()).split('\n').length;
  assert.ok(afterLines > before, `the block shows ${afterLines} lines after the click, ${before} before`);
  await block.hover();
  await block.locator('button[title="Hide lines"]').click();
  await boring.waitFor({ state: 'hidden' });
  assert.deepEqual(problems, []);
  console.log(`eye button: a block of ${before} visible lines shows ${afterLines} with its hidden ones`);
  await page.close();
});

test('Run buttons appear only on blocks that are whole std-only programs', async () => {
  const report = [];
  for (const relative of chapters().map((c) => c.html)) {
    const { page, problems } = await open(relative);
    // mdBook shows a Run button once it has the playground's crate list (stubbed here).
    const blocks = await page.locator('pre.playground').evaluateAll((pres) =>
      pres.map((pre) => ({
        visible: !!pre.querySelector('.play-button') && !pre.querySelector('.play-button').hidden,
        code: pre.querySelector('code').textContent,
      })),
    );
    const wrong = blocks.filter((b) => b.visible && /^\s*(pub(\([^)]*\))?\s+)?mod\s+\w+\s*;/m.test(b.code));
    assert.deepEqual(
      wrong.map((b) => b.code.slice(0, 200)),
      [],
      `${relative}: a Run button on a block that needs another file`,
    );
    const rust = await page.locator('code.language-rust').count();
    report.push(`${relative}: ${blocks.filter((b) => b.visible).length} of ${rust} Rust blocks with a Run button`);
    assert.deepEqual(problems, []);
    await page.close();
  }
  const tested = report.find((r) => r.startsWith('how-this-book-is-tested.html'));
  assert.ok(tested && !tested.startsWith('how-this-book-is-tested.html: 0 '), `no Run button on the std-only example block: ${tested}`);
  console.log(report.join('\n'));
});

test('every page that shows a package shows how to run it, with its Cargo.toml', async () => {
  const recipes = chapters().filter((c) => c.showsPackage);
  assert.ok(recipes.length > 0, 'no recipe page in SUMMARY.md');
  for (const recipe of recipes) {
    const { page, problems } = await open(recipe.html);
    const section = page.locator('h2:has-text("Run it locally")');
    assert.ok((await section.count()) > 0, `${recipe.md}: no "Run it locally" section`);
    const toml = await page.locator('pre code.language-toml').allTextContents();
    const commands = (await page.locator('pre code.language-console').allTextContents()).join('\n');
    assert.ok(toml.some((t) => t.includes('[package]')), `${recipe.md}: no package manifest shown`);
    // `cargo run -p NAME` in a console block or in the section's sentence.
    const text = await page.locator('main').innerText();
    assert.match(text, /cargo (run|test) -p \S+/, `${recipe.md}: no cargo command for the package`);
    assert.match(commands, /\$ cp -r examples\/\S+/, `${recipe.md}: no copy-the-folder command`);
    assert.deepEqual(problems, []);
    await page.close();
  }
  console.log(`Run it locally sections on all ${recipes.length} recipe pages`);
});

// A heading as text: mdBook's smart punctuation turns ' and " into curly quotes.
function plain(heading) {
  return heading.replace(/[\u2018\u2019]/g, "'").replace(/[\u201c\u201d]/g, '"').trim();
}

test('the print page holds every chapter', async () => {
  const { page, problems } = await open('print.html');
  const headings = new Set(
    (await page.locator('main h1').allTextContents()).map((h) => plain(h)),
  );
  const missing = chapters()
    .filter((c) => c.heading && !headings.has(plain(c.heading.replace(/`/g, ''))))
    .map((c) => `${c.md} (# ${c.heading})`);
  assert.deepEqual(missing, [], `chapters missing from print.html: ${missing.join(', ')}`);
  assert.deepEqual(problems, []);
  console.log(`print page: ${headings.size} chapter headings, all ${chapters().length} chapters present`);
  await page.close();
});

test('screenshots of the 10.6 page', async () => {
  const { page, problems } = await open(RECIPE);
  const top = path.join(ARTIFACTS, '10-06-reloading-modules.png');
  await page.screenshot({ path: top });
  const box = page.locator('h2:has-text("Run it locally")').first();
  if (await box.count()) {
    await box.scrollIntoViewIfNeeded();
    await page.evaluate(() => window.scrollBy(0, -60));
    await page.screenshot({ path: path.join(ARTIFACTS, '10-06-run-it-locally.png') });
  }
  assert.deepEqual(problems, []);
  console.log(`screenshots in ${ARTIFACTS}`);
  await page.close();
});
