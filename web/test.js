// web/test.js — browser tests of build-web/hkstat.html in Debian's headless Chromium, driven by
// playwright-core (no browser download). Run by web/test.sh, which passes the paths:
//   node web/test.js HTML HKSTAT_CLI OUT_DIR
// Every check compares the page with the command line on the same files (no expected number is written here
// except the four the issue names for the 西東京市 sample). Fails if the page makes any network request.
'use strict';
const { chromium } = require('playwright-core');
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const [html, cli, outDir] = process.argv.slice(2).map((p) => path.resolve(p));
const root = path.resolve(__dirname, '..');
const samples = path.join(root, 'data/samples');
const tmp = fs.mkdtempSync(path.join(outDir, 'test-'));
let passed = 0;
let failed = 0;

function check(name, ok, detail) {
  if (ok) { ++passed; console.log(`ok   ${name}`); } else { ++failed; console.log(`FAIL ${name}${detail ? `\n     ${detail}` : ''}`); }
}

function hk(args) { return execFileSync(cli, args, { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] }); }

// A survey in a folder of its own with the sample's codebook and run configuration beside it (as the CLI
// finds them), so that the CLI and the page read the same files.
function survey(name, csvBytes, from) {
  const dir = fs.mkdtempSync(path.join(tmp, 'survey-'));
  fs.writeFileSync(path.join(dir, `${name}.csv`), csvBytes);
  for (const ext of ['codebook.toml', 'hkstat.toml']) fs.copyFileSync(path.join(samples, `${from}.${ext}`), path.join(dir, `${name}.${ext}`));
  return { dir, csv: path.join(dir, `${name}.csv`), codebook: path.join(dir, `${name}.codebook.toml`), config: path.join(dir, `${name}.hkstat.toml`) };
}

async function waitState(page, states) {
  await page.waitForFunction((s) => s.includes(document.body.dataset.state), states, { timeout: 60000 });
  return page.evaluate(() => document.body.dataset.state);
}

async function runSample(page, button) {
  await page.evaluate(() => { document.body.dataset.state = 'running'; });
  await page.click(button);
  return waitState(page, ['done', 'error']);
}

async function runFiles(page, s) {
  await page.setInputFiles('#f-csv', s.csv);
  await page.setInputFiles('#f-codebook', s.codebook);
  await page.setInputFiles('#f-config', s.config);
  await page.evaluate(() => { document.body.dataset.state = 'running'; });
  await page.click('#run');
  return waitState(page, ['done', 'error']);
}

async function downloadBytes(page, button) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
  return fs.readFileSync(await dl.path());
}

const headline = (page) => page.$$eval('#headline .card .v', (vs) => vs.map((v) => v.textContent));

(async () => {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  const pageUrl = 'file://' + html;
  const requests = [];
  context.on('request', (r) => requests.push(r.url()));
  // Requests the page's Content-Security-Policy blocks never reach the network layer: they are counted from the
  // page's securitypolicyviolation events and from Chromium's console messages.
  const blocked = [];
  await context.addInitScript(() => {
    window.__hkViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__hkViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  page.on('websocket', (ws) => requests.push(ws.url()));
  page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) blocked.push(m.text()); });
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  const t0 = Date.now();
  await page.goto(pageUrl);
  check('the page loads its engine from the file', (await waitState(page, ['ready'])) === 'ready');
  console.log(`     (ready after ${Date.now() - t0} ms)`);

  // 西東京市 sample: the headline the issue names and the CLI's estimate CSV, byte for byte.
  check('西東京市 sample computes', (await runSample(page, '#sample-nishitokyo')) === 'done');
  const h = await headline(page);
  for (const want of ['810', '20', '2.5%', '3,239']) check(`西東京市 headline shows ${want}`, h.includes(want), JSON.stringify(h));
  await page.screenshot({ path: path.join(outDir, 'screenshot.png'), fullPage: false });
  const csv = await downloadBytes(page, '#dl-csv');
  const cliCsv = hk(['estimate', path.join(samples, 'nishitokyo2024.csv'), '--format', 'csv', '--bom']);
  check('西東京市 estimate CSV = hkstat estimate --format csv --bom (bytes)', Buffer.compare(csv, cliCsv) === 0, `${csv.length} vs ${cliCsv.length} bytes`);
  const vars = await page.$$eval('#distributions .dist', (ds) => ds.map((d) => d.dataset.variable));
  check('西東京市 distributions are tabulated with charts', vars.length > 0 && (await page.$$('#distributions .chart svg')).length === vars.length, JSON.stringify(vars));
  const dist = await downloadBytes(page, '#dl-dist');
  const cliDist = hk(['tabulate', path.join(samples, 'nishitokyo2024.csv'), '--var', vars.join(','), '--domain', 'all,broad,comparison', '--format', 'csv', '--bom']);
  check('西東京市 distributions CSV = hkstat tabulate --format csv --bom (bytes)', Buffer.compare(dist, cliDist) === 0, `${dist.length} vs ${cliDist.length} bytes`);
  check('the classification audit is shown', (await page.$$('#audit tbody tr')).length > 0);
  const xlsx = await downloadBytes(page, '#dl-xlsx');
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
  const md = (await downloadBytes(page, '#dl-md')).toString();
  const cliMd = hk(['estimate', path.join(samples, 'nishitokyo2024.csv'), '--format', 'markdown']).toString();
  const mdTable = (s) => s.split('\n').filter((l) => l.startsWith('|')).join('\n');
  check('the Markdown has the CLI\'s estimate tables (every table line)', mdTable(cliMd).length > 0 && mdTable(md).startsWith(mdTable(cliMd)));

  // English by the switch.
  await page.click('#lang');
  check('English by the switch (title, status, tables)', (await page.textContent('h1')).startsWith('hkstat — hikikomori') && (await page.textContent('#status')).startsWith('Done') && (await page.textContent('#estimate')).includes('Broad'));
  await page.click('#lang');

  // The 2015-layout sample (CP932): decoded in the page, the CLI's numbers.
  check('2015-layout CP932 sample computes', (await runSample(page, '#sample-cao2015')) === 'done');
  const csv2015 = await downloadBytes(page, '#dl-csv');
  const cli2015 = hk(['estimate', path.join(samples, 'cao2015_layout.csv'), '--format', 'csv', '--bom']);
  check('2015-layout estimate CSV = CLI (bytes)', Buffer.compare(csv2015, cli2015) === 0, `${csv2015.length} vs ${cli2015.length} bytes`);
  const row = cli2015.toString().replace(/^\uFEFF/, '').split('\n')[1].split(',');
  const h2015 = await headline(page);
  const n = Number(row[3]).toLocaleString('en-US');
  check(`2015-layout headline shows the CLI's n ${n} and cases ${row[4]}`, h2015.includes(n) && h2015.includes(row[4]), JSON.stringify(h2015));
  check('2015-layout read as CP932', (await page.textContent('#status')).includes('CP932'));

  // A broken CSV: a row with a field too many. The page names the same code, line and column as the CLI.
  const lines = fs.readFileSync(path.join(samples, 'nishitokyo2024.csv'), 'utf8').split('\n');
  lines[41] += ',extra';
  const broken = survey('broken', lines.join('\n'), 'nishitokyo2024');
  const r = spawnSync(cli, ['estimate', broken.csv]);
  const cliErr = r.stderr.toString();
  check('broken CSV: the CLI fails', r.status !== 0, cliErr);
  check('broken CSV: the page shows an error', (await runFiles(page, broken)) === 'error');
  const err = await page.$eval('#error-list .error', (e) => ({ code: e.dataset.code, where: e.querySelector('.where').textContent, line: (e.querySelector('[data-field=line]') || {}).textContent }));
  check(`broken CSV: located error ${err.code} at line ${err.line} as the CLI`, err.line === '42' && cliErr.includes(err.code) && cliErr.includes(`broken.csv:42`) && err.where.startsWith('broken.csv:42'),
    `${JSON.stringify(err)}\n     CLI: ${cliErr.split('\n')[0]}`);

  // Bytes that are neither UTF-8 nor Shift_JIS (0xFF) on line 10: an encoding error naming the line, as the CLI.
  const raw = fs.readFileSync(path.join(samples, 'nishitokyo2024.csv'));
  let at = 0;
  for (let k = 0; k < 9; ++k) at = raw.indexOf(0x0a, at) + 1;
  const garbled = Buffer.concat([raw.subarray(0, at + 7), Buffer.from([0xff, 0xff]), raw.subarray(at + 7)]);
  const enc = survey('garbled', garbled, 'nishitokyo2024');
  const re = spawnSync(cli, ['estimate', enc.csv]).stderr.toString();
  check('undecodable bytes: the page shows an error', (await runFiles(page, enc)) === 'error');
  const encErr = await page.$eval('#error-list .error', (e) => ({ code: e.dataset.code, where: e.querySelector('.where').textContent }));
  check(`undecodable bytes: ${encErr.code} at line 10 with the bytes, as the CLI`, encErr.code === 'E_CSV_ENCODING' && encErr.where.startsWith('garbled.csv:10') &&
    re.includes(`[${encErr.code}]`) && re.includes('garbled.csv:10') && re.includes('\\xFF\\xFF'), `${JSON.stringify(encErr)}\n     CLI: ${re.split('\n')[0]}`);

  // A row with an invalid value: listed with its line and column as the CLI lists it; with "leave out" ticked
  // (the CLI's --rejects) the estimate and the rows left out are the CLI's.
  const badLines = fs.readFileSync(path.join(samples, 'nishitokyo2024.csv'), 'utf8').split('\n');
  const cells = badLines[29].split(',');
  cells[1] = '77';
  badLines[29] = cells.join(',');
  const invalid = survey('invalid', badLines.join('\n'), 'nishitokyo2024');
  const ri = spawnSync(cli, ['estimate', invalid.csv]);
  const cliInvalid = ri.stderr.toString();
  check('invalid value: the page stops with an error', (await runFiles(page, invalid)) === 'error');
  const listed = await page.$$eval('#error-list .error', (es) => es.map((e) => ({ code: e.dataset.code, where: e.querySelector('.where').textContent })));
  const rowErr = listed.find((e) => e.where.startsWith('invalid.csv:30:2'));
  check('invalid value: located at line 30, column 2 with the CLI\'s code', ri.status === 3 && !!rowErr && cliInvalid.includes('invalid.csv:30:2') && cliInvalid.includes(rowErr.code),
    `${JSON.stringify(listed)}\n     CLI: ${cliInvalid.split('\n')[0]}`);
  await page.check('#leave-out');
  check('invalid value left out: the page computes', (await runFiles(page, invalid)) === 'done');
  const rejectsFile = path.join(invalid.dir, 'rejects.csv');
  const cliLeft = hk(['estimate', invalid.csv, '--rejects', rejectsFile, '--format', 'csv', '--bom']);
  check('invalid value left out: estimate CSV = CLI with --rejects (bytes)', Buffer.compare(await downloadBytes(page, '#dl-csv'), cliLeft) === 0);
  const pageRejects = (await downloadBytes(page, '#dl-rejects')).toString().replace(/^\uFEFF/, '');
  check('invalid value left out: rows left out = the CLI\'s --rejects file', pageRejects === fs.readFileSync(rejectsFile, 'utf8').replace(/^\uFEFF/, '')); // with --bom the CLI's file starts with a BOM too
  await page.uncheck('#leave-out');

  // A survey written by hkstat weight (its codebook's [data_file]: SHA-256 and rows): the page gives the CLI's
  // weighted estimate; the same file edited by one byte is refused with the CLI's code.
  const wdir = fs.mkdtempSync(path.join(tmp, 'weight-'));
  for (const f of fs.readdirSync(samples)) if (f.startsWith('nishitokyo2024.')) fs.copyFileSync(path.join(samples, f), path.join(wdir, f));
  hk(['weight', path.join(wdir, 'nishitokyo2024.csv'), '--out', path.join(wdir, 'w.csv')]);
  const weighted = { csv: path.join(wdir, 'w.csv'), codebook: path.join(wdir, 'w.codebook.toml'), config: path.join(wdir, 'nishitokyo2024.hkstat.toml') };
  check('weighted survey (hkstat weight output) computes', (await runFiles(page, weighted)) === 'done');
  check('weighted estimate CSV = CLI (bytes)', Buffer.compare(await downloadBytes(page, '#dl-csv'),
    hk(['estimate', weighted.csv, '--config', weighted.config, '--format', 'csv', '--bom'])) === 0);
  const edited = fs.readFileSync(weighted.csv, 'utf8').replace(/\n([^,\n]*)1,/, '\n$12,');
  fs.writeFileSync(path.join(wdir, 'e.csv'), edited);
  fs.copyFileSync(weighted.codebook, path.join(wdir, 'e.codebook.toml'));
  const editedSurvey = { csv: path.join(wdir, 'e.csv'), codebook: path.join(wdir, 'e.codebook.toml'), config: weighted.config };
  const rw = spawnSync(cli, ['estimate', editedSurvey.csv, '--config', weighted.config]).stderr.toString();
  check('edited weighted survey: the page refuses it', (await runFiles(page, editedSurvey)) === 'error');
  const wErr = await page.$eval('#error-list .error', (e) => ({ code: e.dataset.code, key: (e.querySelector('[data-field=key]') || {}).textContent }));
  check(`edited weighted survey: ${wErr.code} at [data_file] as the CLI`, wErr.key === 'data_file.sha256' && rw.includes(`[${wErr.code}]`), `${JSON.stringify(wErr)}\n     CLI: ${rw.split('\n')[0]}`);

  // 10,000 rows in under a second (from the click to the page showing the results).
  const [header, ...body] = fs.readFileSync(path.join(samples, 'nishitokyo2024.csv'), 'utf8').split('\n').filter((l) => l !== '');
  const big = [header];
  for (let i = 0; i < 10000; ++i) big.push(body[i % body.length].replace(/^[^,]*/, `B${String(i + 1).padStart(5, '0')}`));
  const bigSurvey = survey('big10000', big.join('\n') + '\n', 'nishitokyo2024');
  // Twice, the faster counting (the first run also warms up the browser's compiler; CI's machine may be busy).
  const times = [];
  for (let k = 0; k < 2; ++k) {
    check(`10,000-row survey computes (run ${k + 1})`, (await runFiles(page, bigSurvey)) === 'done');
    times.push(Number(await page.evaluate(() => document.body.dataset.elapsedMs)));
  }
  check(`10,000-row survey in under a second (${times.join(' ms, ')} ms)`, Math.min(...times) < 1000);
  const bigCsv = await downloadBytes(page, '#dl-csv');
  check('10,000-row estimate CSV = CLI (bytes)', Buffer.compare(bigCsv, hk(['estimate', bigSurvey.csv, '--format', 'csv', '--bom'])) === 0);

  // SHA-256 without OpenSSL (web/sha256_portable.cpp; the rule-set label uses it): against Node's crypto.
  const crypto = require('crypto');
  const inputs = [''];
  for (let len = 1; len <= 200; ++len) inputs.push('abcdefghijklmnopqrstuvwxyz0123456789'.repeat(6).slice(0, len));
  inputs.push('日本語のテキスト'.repeat(20));
  const digests = await page.evaluate((xs) => xs.map((x) => state.M.sha256(x)), inputs);
  const bad = inputs.filter((x, i) => digests[i] !== crypto.createHash('sha256').update(x, 'utf8').digest('hex'));
  check('SHA-256 in the page = Node crypto (0..200 bytes and UTF-8)', bad.length === 0, `${bad.length} differ`);

  check('no script error on the page', consoleErrors.length === 0, consoleErrors.join('\n'));
  const outside = requests.filter((u) => u !== pageUrl && !u.startsWith('blob:'));
  const violations = await page.evaluate(() => window.__hkViolations.slice());
  check(`no network request (${requests.length} requests seen: the page itself and its downloads; none blocked)`,
    outside.length === 0 && violations.length === 0 && blocked.length === 0, [...outside, ...violations, ...blocked].join('\n     '));
  // Self-check of the detector: a request the page would never make is seen.
  await page.evaluate(() => { fetch('http://127.0.0.1:9/hkstat-test').catch(() => {}); new Image().src = 'http://127.0.0.1:9/hkstat-test.png'; });
  await page.waitForTimeout(500);
  const seen = (await page.evaluate(() => window.__hkViolations.length)) + blocked.length + requests.filter((u) => u.includes('hkstat-test')).length;
  check('self-check: the detector sees a request made on purpose', seen > 0);
  await browser.close();
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})().catch((e) => {
  console.error(e);
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
