// web/test.js — browser tests of build-web/hkstat.html, opened from file:// in Debian's headless Chromium and in
// Debian's headless Firefox ESR, both driven by puppeteer-core (Chromium through the DevTools protocol, Firefox
// through WebDriver BiDi; no browser is downloaded). Run by web/test.sh, which passes the paths:
//   node web/test.js HTML HKSTAT_CLI OUT_DIR
// HKSTAT_WEB_BROWSERS=chromium,firefox (the default) chooses the browsers; CHROMIUM / FIREFOX their executables.
// Every check compares the page with the command line on the same files (no expected number is written here
// except the four the issue names for the 西東京市 sample). Fails if the page makes any network request.
'use strict';
const puppeteer = require('puppeteer-core');
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const [html, cli, outDir] = process.argv.slice(2).map((p) => path.resolve(p));
const root = path.resolve(__dirname, '..');
const samples = path.join(root, 'data/samples');
const tmp = fs.mkdtempSync(path.join(outDir, 'test-'));
const pageUrl = 'file://' + html;
const browsers = (process.env.HKSTAT_WEB_BROWSERS || 'chromium,firefox').split(',').filter((b) => b !== '');
let passed = 0;
let failed = 0;
let prefix = '';
const measured = {}; // browser → 10,000-row timings, printed at the end

function check(name, ok, detail) {
  if (ok) { ++passed; console.log(`ok   ${prefix}${name}`); } else { ++failed; console.log(`FAIL ${prefix}${name}${detail ? `\n     ${detail}` : ''}`); }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The CLI, each command line run once for all browsers.
const cliRuns = new Map();
function hk(args) {
  const key = JSON.stringify(args);
  if (!cliRuns.has(key)) cliRuns.set(key, execFileSync(cli, args, { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] }));
  return cliRuns.get(key);
}
const cliFails = new Map();
function hkFails(args) {
  const key = JSON.stringify(args);
  if (!cliFails.has(key)) cliFails.set(key, spawnSync(cli, args));
  return cliFails.get(key);
}

// A survey in a folder of its own with the sample's codebook and run configuration beside it (as the CLI
// finds them), so that the CLI and the page read the same files.
function survey(name, csvBytes, from) {
  const dir = fs.mkdtempSync(path.join(tmp, 'survey-'));
  fs.writeFileSync(path.join(dir, `${name}.csv`), csvBytes);
  for (const ext of ['codebook.toml', 'hkstat.toml']) fs.copyFileSync(path.join(samples, `${from}.${ext}`), path.join(dir, `${name}.${ext}`));
  return { dir, csv: path.join(dir, `${name}.csv`), codebook: path.join(dir, `${name}.codebook.toml`), config: path.join(dir, `${name}.hkstat.toml`) };
}

// ---- the files of the checks, written once -----------------------------------------------------------

const nishitokyo = path.join(samples, 'nishitokyo2024.csv');
const sampleLines = () => fs.readFileSync(nishitokyo, 'utf8').split('\n');
// A broken CSV: a row with a field too many.
const brokenLines = sampleLines();
brokenLines[41] += ',extra';
const broken = survey('broken', brokenLines.join('\n'), 'nishitokyo2024');
// Bytes that are neither UTF-8 nor Shift_JIS (0xFF) on line 10.
const raw = fs.readFileSync(nishitokyo);
let at = 0;
for (let k = 0; k < 9; ++k) at = raw.indexOf(0x0a, at) + 1;
const garbled = survey('garbled', Buffer.concat([raw.subarray(0, at + 7), Buffer.from([0xff, 0xff]), raw.subarray(at + 7)]), 'nishitokyo2024');
// A row with an invalid value (line 30, column 2).
const badLines = sampleLines();
const cells = badLines[29].split(',');
cells[1] = '77';
badLines[29] = cells.join(',');
const invalid = survey('invalid', badLines.join('\n'), 'nishitokyo2024');
// A survey written by hkstat weight, and the same file edited by one byte.
const wdir = fs.mkdtempSync(path.join(tmp, 'weight-'));
for (const f of fs.readdirSync(samples)) if (f.startsWith('nishitokyo2024.')) fs.copyFileSync(path.join(samples, f), path.join(wdir, f));
hk(['weight', path.join(wdir, 'nishitokyo2024.csv'), '--out', path.join(wdir, 'w.csv')]);
const weighted = { csv: path.join(wdir, 'w.csv'), codebook: path.join(wdir, 'w.codebook.toml'), config: path.join(wdir, 'nishitokyo2024.hkstat.toml') };
fs.writeFileSync(path.join(wdir, 'e.csv'), fs.readFileSync(weighted.csv, 'utf8').replace(/\n([^,\n]*)1,/, '\n$12,'));
fs.copyFileSync(weighted.codebook, path.join(wdir, 'e.codebook.toml'));
const editedSurvey = { csv: path.join(wdir, 'e.csv'), codebook: path.join(wdir, 'e.codebook.toml'), config: weighted.config };
// 10,000 rows: the sample's rows over and over, with new ids.
const [header, ...body] = sampleLines().filter((l) => l !== '');
const big = [header];
for (let i = 0; i < 10000; ++i) big.push(body[i % body.length].replace(/^[^,]*/, `B${String(i + 1).padStart(5, '0')}`));
const bigSurvey = survey('big10000', big.join('\n') + '\n', 'nishitokyo2024');

// ---- driving a browser -------------------------------------------------------------------------------

async function launch(name, downloads) {
  if (name === 'chromium') {
    return puppeteer.launch({ browser: 'chrome', executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
      args: ['--no-sandbox'], downloadBehavior: { policy: 'allow', downloadPath: downloads } });
  }
  if (name === 'firefox') {
    // Downloads go to `downloads` without a dialog (Firefox's preferences of the profile puppeteer creates).
    return puppeteer.launch({ browser: 'firefox', executablePath: process.env.FIREFOX || '/usr/bin/firefox-esr', headless: true,
      extraPrefsFirefox: { 'browser.download.dir': downloads, 'browser.download.folderList': 2, 'browser.download.useDownloadDir': true,
        'browser.download.always_ask_before_handling_new_types': false, 'browser.download.start_downloads_in_tmp_dir': false } });
  }
  throw new Error(`unknown browser ${name} (HKSTAT_WEB_BROWSERS: chromium, firefox)`);
}

async function waitState(page, states) {
  await page.waitForFunction((s) => s.includes(document.body.dataset.state), { timeout: 60000, polling: 20 }, states);
  return page.evaluate(() => document.body.dataset.state);
}

async function runSample(page, button) {
  await page.evaluate(() => { document.body.dataset.state = 'running'; });
  await page.click(button);
  return waitState(page, ['done', 'error']);
}

async function setFiles(page, selector, file) { await (await page.$(selector)).uploadFile(file); }

// `timed`, if given, is told the milliseconds from the click on 集計する to the results.
async function runFiles(page, s, timed) {
  await setFiles(page, '#f-csv', s.csv);
  await setFiles(page, '#f-codebook', s.codebook);
  await setFiles(page, '#f-config', s.config);
  await page.evaluate(() => { document.body.dataset.state = 'running'; });
  const t0 = Date.now();
  await page.click('#run');
  const state = await waitState(page, ['done', 'error']);
  if (timed) timed(Date.now() - t0);
  return state;
}

// The options of the page (the command line's --by, --where, --min-cell); {} clears them.
async function setOptions(page, o) {
  await page.evaluate((v) => {
    document.getElementById('options').open = true;
    for (const [id, value] of Object.entries({ 'o-estimate-by': v.estimateBy, 'o-tabulate-by': v.tabulateBy, 'o-where': v.where, 'o-min-cell': v.minCell }))
      document.getElementById(id).value = value === undefined ? '' : String(value);
  }, o);
}

const setChecked = (page, selector, on) => page.$eval(selector, (e, v) => { if (e.checked !== v) e.click(); }, on);
const textOf = (page, selector) => page.$eval(selector, (e) => e.textContent);

// A download as the browser saves it: the new file in the download folder, once the browser has finished
// writing it (no .part / .crdownload left, size unchanged); removed after reading, so that names never clash.
async function downloadBytes(page, button, downloads) {
  const before = new Set(fs.readdirSync(downloads));
  await page.click(button);
  const partial = (n) => n.startsWith('.') || /\.(part|crdownload)$/.test(n);
  let last = -1;
  for (const deadline = Date.now() + 30000; Date.now() < deadline; await sleep(50)) {
    const names = fs.readdirSync(downloads);
    const done = names.filter((n) => !before.has(n) && !partial(n));
    if (done.length === 0 || names.some(partial)) continue;
    const file = path.join(downloads, done[0]);
    const size = fs.statSync(file).size;
    if (size !== last) { last = size; continue; }
    const bytes = fs.readFileSync(file);
    fs.rmSync(file);
    return bytes;
  }
  throw new Error(`no download from ${button}`);
}

const headline = (page) => page.$$eval('#headline .card .v', (vs) => vs.map((v) => v.textContent));

// ---- the checks, in one browser ----------------------------------------------------------------------

async function suite(name) {
  prefix = `[${name}] `;
  const downloads = fs.mkdtempSync(path.join(tmp, `downloads-${name}-`));
  const t0 = Date.now();
  const browser = await launch(name, downloads);
  console.log(`     ${name}: ${await browser.version()} (started in ${Date.now() - t0} ms)`);
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  // Requests the page's Content-Security-Policy blocks never reach the network layer: they are counted from the
  // page's securitypolicyviolation events and from the browser's console messages.
  const blocked = [];
  await page.evaluateOnNewDocument(() => {
    window.__hkViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__hkViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  page.on('console', (m) => { if (/Content Security Policy|Content-Security-Policy|Refused to/i.test(m.text())) blocked.push(m.text()); });
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  const download = (button) => downloadBytes(page, button, downloads);

  const t1 = Date.now();
  await page.goto(pageUrl);
  check('the page loads its engine from the file', (await waitState(page, ['ready'])) === 'ready');
  console.log(`     (ready after ${Date.now() - t1} ms)`);

  // 西東京市 sample: the headline the issue names and the CLI's estimate CSV, byte for byte.
  check('西東京市 sample computes', (await runSample(page, '#sample-nishitokyo')) === 'done');
  const h = await headline(page);
  for (const want of ['810', '20', '2.5%', '3,239']) check(`西東京市 headline shows ${want}`, h.includes(want), JSON.stringify(h));
  await page.screenshot({ path: path.join(outDir, name === 'chromium' ? 'screenshot.png' : `screenshot-${name}.png`) });
  const csv = await download('#dl-csv');
  const cliCsv = hk(['estimate', nishitokyo, '--format', 'csv', '--bom']);
  check('西東京市 estimate CSV = hkstat estimate --format csv --bom (bytes)', Buffer.compare(csv, cliCsv) === 0, `${csv.length} vs ${cliCsv.length} bytes`);
  const vars = await page.$$eval('#distributions .dist', (ds) => ds.map((d) => d.dataset.variable));
  check('西東京市 distributions are tabulated with charts', vars.length > 0 && (await page.$$('#distributions .chart svg')).length === vars.length, JSON.stringify(vars));
  const tabulateArgs = ['tabulate', nishitokyo, '--var', vars.join(','), '--domain', 'all,broad,comparison', '--format', 'csv', '--bom'];
  const dist = await download('#dl-dist');
  const cliDist = hk(tabulateArgs);
  check('西東京市 distributions CSV = hkstat tabulate --format csv --bom (bytes)', Buffer.compare(dist, cliDist) === 0, `${dist.length} vs ${cliDist.length} bytes`);
  check('the classification audit is shown', (await page.$$('#audit tbody tr')).length > 0);
  const xlsx = await download('#dl-xlsx');
  check('the Excel workbook downloads (a zip)', xlsx.length > 1000 && xlsx.subarray(0, 2).toString() === 'PK');
  // Its prevalence sheet holds the CLI's CSV: the same header, every number the same double, texts the same.
  const ExcelJS = require('exceljs');
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(xlsx);
  const sheetRows = [];
  wb.getWorksheet('prevalence').eachRow({ includeEmpty: true }, (r) => sheetRows.push(r.values.slice(1)));
  const csvRows = cliCsv.toString().replace(/^\uFEFF/, '').trimEnd().split('\n').map((l) => l.split(','));
  const same = csvRows.length === sheetRows.length && csvRows.every((r, i) => r.every((f, j) => {
    const v = sheetRows[i][j];
    if (f === '') return v === undefined || v === null;
    return typeof v === 'number' ? v === Number(f) : v === f;
  }));
  check(`the workbook's prevalence sheet = the CLI's estimate CSV (${csvRows.length} rows)`, same && !cliCsv.includes('"'.charCodeAt(0)),
    JSON.stringify(sheetRows.slice(0, 2)));
  const md = (await download('#dl-md')).toString();
  const cliMd = hk(['estimate', nishitokyo, '--format', 'markdown']).toString();
  const mdTable = (s) => s.split('\n').filter((l) => l.startsWith('|')).join('\n');
  check('the Markdown has the CLI\'s estimate tables (every table line)', mdTable(cliMd).length > 0 && mdTable(md).startsWith(mdTable(cliMd)));

  // English by the switch.
  await page.click('#lang');
  check('English by the switch (title, status, tables)', (await textOf(page, 'h1')).startsWith('hkstat — hikikomori') && (await textOf(page, '#status')).startsWith('Done') &&
    (await textOf(page, '#estimate')).includes('Broad'));
  await page.click('#lang');

  // The command line's options in the page: --by (estimate: a code variable; tabulate: an age banding and a code
  // variable) with the CLI's small-cell suppression, and --where with --min-cell, each the CLI's CSV byte for byte.
  await setOptions(page, { estimateBy: '問3', tabulateBy: 'age2,問3' });
  check('--by: the 西東京市 sample computes', (await runSample(page, '#sample-nishitokyo')) === 'done');
  const byCsv = await download('#dl-csv');
  const cliBy = hk(['estimate', nishitokyo, '--by', '問3', '--format', 'csv', '--bom']);
  check('--by 問3: estimate CSV = hkstat estimate --by 問3 (bytes)', Buffer.compare(byCsv, cliBy) === 0 && cliBy.length > cliCsv.length, `${byCsv.length} vs ${cliBy.length} bytes`);
  const byDist = await download('#dl-dist');
  const cliByDist = hk([...tabulateArgs, '--by', 'age2,問3']);
  // This table has suppressed cells (fewer than 5 persons, and the cells hidden to protect them): the rows whose
  // column `suppressed` is 1 (counted from the end of the row: a label may hold a quoted comma).
  const hiddenRows = (b) => {
    const [head, ...rows] = b.toString().replace(/^\uFEFF/, '').trimEnd().split('\n');
    const cols = head.split(',');
    const fromEnd = cols.length - cols.indexOf('suppressed');
    return cols.includes('suppressed') ? rows.filter((l) => { const f = l.split(','); return f[f.length - fromEnd] === '1'; }).length : 0;
  };
  const hidden = hiddenRows(cliByDist);
  check(`--by age2,問3: distributions CSV = hkstat tabulate --by age2,問3 (bytes; ${hidden} rows with suppressed cells)`,
    Buffer.compare(byDist, cliByDist) === 0 && hidden > 0, `${byDist.length} vs ${cliByDist.length} bytes`);
  const where = '問2 >= 40 and 問1 = 2';
  await setOptions(page, { where, minCell: 10 });
  check('--where: the 西東京市 sample computes', (await runSample(page, '#sample-nishitokyo')) === 'done');
  const whereCsv = await download('#dl-csv');
  const cliWhere = hk(['estimate', nishitokyo, '--where', where, '--min-cell', '10', '--format', 'csv', '--bom']);
  check(`--where '${where}' --min-cell 10: estimate CSV = CLI (bytes)`, Buffer.compare(whereCsv, cliWhere) === 0 && Buffer.compare(cliWhere, cliCsv) !== 0,
    `${whereCsv.length} vs ${cliWhere.length} bytes`);
  const whereDist = await download('#dl-dist');
  const cliWhereDist = hk([...tabulateArgs, '--where', where, '--min-cell', '10']);
  check(`--where '${where}' --min-cell 10: distributions CSV = CLI (bytes)`, Buffer.compare(whereDist, cliWhereDist) === 0 && Buffer.compare(cliWhereDist, cliDist) !== 0,
    `${whereDist.length} vs ${cliWhereDist.length} bytes`);
  // A --where the library refuses: the CLI's code and the place in the expression.
  const badWhere = '問2 >= 40 and';
  await setOptions(page, { where: badWhere });
  check('a malformed --where: the page shows an error', (await runSample(page, '#sample-nishitokyo')) === 'error');
  const cliBad = hkFails(['estimate', nishitokyo, '--where', badWhere]);
  const whereErr = await page.$$eval('#error-list .error', (es) => (es.length ? { code: es[0].dataset.code, value: (es[0].querySelector('[data-field=value]') || {}).textContent || '' } : {}));
  check(`a malformed --where: ${whereErr.code} as the CLI`, !!whereErr.code && cliBad.status === 2 && cliBad.stderr.toString().includes(`[${whereErr.code}]`), `${JSON.stringify(whereErr)}\n     CLI: ${cliBad.stderr.toString().split('\n')[0]}`);
  await setOptions(page, {});

  // The 2015-layout sample (CP932): decoded in the page, the CLI's numbers.
  check('2015-layout CP932 sample computes', (await runSample(page, '#sample-cao2015')) === 'done');
  const csv2015 = await download('#dl-csv');
  const cli2015 = hk(['estimate', path.join(samples, 'cao2015_layout.csv'), '--format', 'csv', '--bom']);
  check('2015-layout estimate CSV = CLI (bytes)', Buffer.compare(csv2015, cli2015) === 0, `${csv2015.length} vs ${cli2015.length} bytes`);
  const row = cli2015.toString().replace(/^\uFEFF/, '').split('\n')[1].split(',');
  const h2015 = await headline(page);
  const n = Number(row[3]).toLocaleString('en-US');
  check(`2015-layout headline shows the CLI's n ${n} and cases ${row[4]}`, h2015.includes(n) && h2015.includes(row[4]), JSON.stringify(h2015));
  check('2015-layout read as CP932', (await textOf(page, '#status')).includes('CP932'));

  // A broken CSV: a row with a field too many. The page names the same code, line and column as the CLI.
  const r = hkFails(['estimate', broken.csv]);
  const cliErr = r.stderr.toString();
  check('broken CSV: the CLI fails', r.status !== 0, cliErr);
  check('broken CSV: the page shows an error', (await runFiles(page, broken)) === 'error');
  const err = await page.$eval('#error-list .error', (e) => ({ code: e.dataset.code, where: e.querySelector('.where').textContent, line: (e.querySelector('[data-field=line]') || {}).textContent }));
  check(`broken CSV: located error ${err.code} at line ${err.line} as the CLI`, err.line === '42' && cliErr.includes(err.code) && cliErr.includes(`broken.csv:42`) && err.where.startsWith('broken.csv:42'),
    `${JSON.stringify(err)}\n     CLI: ${cliErr.split('\n')[0]}`);

  // Bytes that are neither UTF-8 nor Shift_JIS (0xFF) on line 10: an encoding error naming the line, as the CLI.
  const re = hkFails(['estimate', garbled.csv]).stderr.toString();
  check('undecodable bytes: the page shows an error', (await runFiles(page, garbled)) === 'error');
  const encErr = await page.$eval('#error-list .error', (e) => ({ code: e.dataset.code, where: e.querySelector('.where').textContent }));
  check(`undecodable bytes: ${encErr.code} at line 10 with the bytes, as the CLI`, encErr.code === 'E_CSV_ENCODING' && encErr.where.startsWith('garbled.csv:10') &&
    re.includes(`[${encErr.code}]`) && re.includes('garbled.csv:10') && re.includes('\\xFF\\xFF'), `${JSON.stringify(encErr)}\n     CLI: ${re.split('\n')[0]}`);

  // A row with an invalid value: listed with its line and column as the CLI lists it; with "leave out" ticked
  // (the CLI's --rejects) the estimate and the rows left out are the CLI's.
  const ri = hkFails(['estimate', invalid.csv]);
  const cliInvalid = ri.stderr.toString();
  check('invalid value: the page stops with an error', (await runFiles(page, invalid)) === 'error');
  const listed = await page.$$eval('#error-list .error', (es) => es.map((e) => ({ code: e.dataset.code, where: e.querySelector('.where').textContent })));
  const rowErr = listed.find((e) => e.where.startsWith('invalid.csv:30:2'));
  check('invalid value: located at line 30, column 2 with the CLI\'s code', ri.status === 3 && !!rowErr && cliInvalid.includes('invalid.csv:30:2') && cliInvalid.includes(rowErr.code),
    `${JSON.stringify(listed)}\n     CLI: ${cliInvalid.split('\n')[0]}`);
  await setChecked(page, '#leave-out', true);
  check('invalid value left out: the page computes', (await runFiles(page, invalid)) === 'done');
  const rejectsFile = path.join(invalid.dir, 'rejects.csv');
  const cliLeft = hk(['estimate', invalid.csv, '--rejects', rejectsFile, '--format', 'csv', '--bom']);
  check('invalid value left out: estimate CSV = CLI with --rejects (bytes)', Buffer.compare(await download('#dl-csv'), cliLeft) === 0);
  const pageRejects = (await download('#dl-rejects')).toString().replace(/^\uFEFF/, '');
  check('invalid value left out: rows left out = the CLI\'s --rejects file', pageRejects === fs.readFileSync(rejectsFile, 'utf8').replace(/^\uFEFF/, '')); // with --bom the CLI's file starts with a BOM too
  await setChecked(page, '#leave-out', false);

  // A survey written by hkstat weight (its codebook's [data_file]: SHA-256 and rows): the page gives the CLI's
  // weighted estimate; the same file edited by one byte is refused with the CLI's code.
  check('weighted survey (hkstat weight output) computes', (await runFiles(page, weighted)) === 'done');
  check('weighted estimate CSV = CLI (bytes)', Buffer.compare(await download('#dl-csv'),
    hk(['estimate', weighted.csv, '--config', weighted.config, '--format', 'csv', '--bom'])) === 0);
  const rw = hkFails(['estimate', editedSurvey.csv, '--config', weighted.config]).stderr.toString();
  check('edited weighted survey: the page refuses it', (await runFiles(page, editedSurvey)) === 'error');
  const wErr = await page.$eval('#error-list .error', (e) => ({ code: e.dataset.code, key: (e.querySelector('[data-field=key]') || {}).textContent }));
  check(`edited weighted survey: ${wErr.code} at [data_file] as the CLI`, wErr.key === 'data_file.sha256' && rw.includes(`[${wErr.code}]`), `${JSON.stringify(wErr)}\n     CLI: ${rw.split('\n')[0]}`);

  // 10,000 rows, once: the page's own time (decoding, computing, showing the results) and the time from the click
  // to the results as the test sees it. Recorded; asserted only against a generous bound (3 s, three times the
  // issue's target: the CI machine is shared), so that a busy machine does not fail the suite.
  let wall = 0;
  check('10,000-row survey computes', (await runFiles(page, bigSurvey, (ms) => { wall = ms; })) === 'done');
  const inPage = Number(await page.evaluate(() => document.body.dataset.elapsedMs));
  measured[name] = { inPage, wall };
  check(`10,000-row survey within the generous bound of 3 s (in the page ${inPage} ms; click to results ${wall} ms)`, inPage < 3000);
  const bigCsv = await download('#dl-csv');
  check('10,000-row estimate CSV = CLI (bytes)', Buffer.compare(bigCsv, hk(['estimate', bigSurvey.csv, '--format', 'csv', '--bom'])) === 0);

  // SHA-256 (lib/src/io/sha256.cpp, compiled into the page; the rule-set label and [data_file] use it): against
  // Node's crypto on every length around the block boundaries and UTF-8 text.
  const crypto = require('crypto');
  const inputs = [''];
  for (let len = 1; len <= 200; ++len) inputs.push('abcdefghijklmnopqrstuvwxyz0123456789'.repeat(6).slice(0, len));
  inputs.push('日本語のテキスト'.repeat(20));
  const digests = await page.evaluate((xs) => xs.map((x) => state.M.sha256(x)), inputs);
  const bad = inputs.filter((x, i) => digests[i] !== crypto.createHash('sha256').update(x, 'utf8').digest('hex'));
  check('SHA-256 in the page = Node crypto (0..200 bytes and UTF-8)', bad.length === 0, `${bad.length} differ`);

  check('no script error on the page', consoleErrors.length === 0, consoleErrors.join('\n'));
  // data: URLs are not network requests (Firefox reports one of its own for a built-in font); any other URL but
  // the page itself and its downloads (blob:) is.
  const outside = requests.filter((u) => u !== pageUrl && !u.startsWith('blob:') && !u.startsWith('data:'));
  const violations = await page.evaluate(() => window.__hkViolations.slice());
  check(`no network request (${requests.length} requests seen: the page itself, its downloads, data: URLs; none blocked)`,
    outside.length === 0 && violations.length === 0 && blocked.length === 0, [...outside, ...violations, ...blocked].join('\n     '));
  // Self-check of the detector: a request the page would never make is seen.
  await page.evaluate(() => { fetch('http://127.0.0.1:9/hkstat-test').catch(() => {}); new Image().src = 'http://127.0.0.1:9/hkstat-test.png'; });
  await sleep(500);
  const seen = (await page.evaluate(() => window.__hkViolations.length)) + blocked.length + requests.filter((u) => u.includes('hkstat-test')).length;
  check('self-check: the detector sees a request made on purpose', seen > 0);
  await browser.close();
}

(async () => {
  for (const name of browsers) {
    try {
      await suite(name);
    } catch (e) {
      ++failed;
      console.log(`FAIL [${name}] the checks stopped: ${e && e.stack ? e.stack : e}`);
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  for (const [name, m] of Object.entries(measured))
    console.log(`     10,000 rows in ${name}: ${m.inPage} ms in the page, ${m.wall} ms from the click to the results (target: under 1 s)`);
  fs.writeFileSync(path.join(outDir, 'timing.json'), JSON.stringify(measured, null, 1) + '\n');
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})();
