// web/page/app.js — the page around the hkstat library (WebAssembly, web/hkstat_web.cpp). It reads the chosen
// files in the browser, decodes a Shift_JIS (CP932) survey to UTF-8 (TextDecoder), hands everything to the
// library through its in-memory file system and shows what comes back. It makes no network request: the
// page's Content-Security-Policy forbids every connection, and web/test.sh checks that none is attempted.
'use strict';

const I18N = {
  ja: {
    title: 'hkstat — ひきこもり調査の集計', lang: 'English',
    lead: '調査データはこのパソコンの中だけで集計されます。ファイルはどこにも送信されません（ネットワークを使いません）。',
    inputs: '入力', csv: '調査データ（CSV、UTF-8 または Shift_JIS）', codebook: 'コードブック（.codebook.toml）',
    config: '実行設定（.hkstat.toml、任意）', extra: 'その他のファイル（人口ファイルなど、任意）',
    leaveOut: '不正な値のある行を除いて続行する（コマンド版の --rejects）', run: '集計する', orSample: 'またはサンプル:',
    sampleNishitokyo: '西東京市 2024（架空）', sampleCao2015: '平成27年度形式・Shift_JIS（架空）',
    errors: 'エラー', headline: '結果', download: 'ダウンロード:', dlCsv: '推計 CSV（BOM付き）', dlMd: 'Markdown',
    dlXlsx: 'Excel ブック', dlSvg: 'グラフ（SVG）', dlDist: '分布 CSV', dlAudit: '判定の内訳 CSV', dlRejects: '除いた行 CSV',
    distributions: '回答の分布', pickVars: '集計する設問を選ぶ', rerun: '選んだ設問で集計し直す',
    audit: '判定の内訳（除外の監査）',
    footer: '架空のサンプルデータ以外の調査データは、このファイルと同じパソコンの中だけで扱われます。',
    loading: '計算エンジンを準備しています…', ready: '準備ができました。ファイルを選んで「集計する」を押してください。',
    running: '集計しています…', done: (ms, n, enc) => `集計しました（${n} 行、${enc}、${ms} ミリ秒）。`,
    failed: '集計できませんでした。下のエラーを見てください。', needCsv: '調査データ（CSV）を選んでください。',
    where: '場所', code: 'コード', value: '値', expected: '期待', line: '行', column: '列', key: '項目',
    moreProblems: (n) => `…ほか ${n}件`, rowProblems: '不正な値', warning: '警告', noDist: '集計する設問がありません。',
    svgOne: 'SVG',
    options: '集計の条件（コマンド版のオプション、任意）', estimateBy: '推計の区分（estimate --by）', tabulateBy: '分布の区分（tabulate --by）',
    where: '対象の絞り込み（--where）', minCell: '秘匿する人数の境（--min-cell）',
    optionsHint: '空欄はコマンド版でそのオプションを付けないのと同じです（実行設定の値、なければ既定値）。区分に使える設問は、コードブックを選ぶと候補に出ます。',
  },
  en: {
    title: 'hkstat — hikikomori survey statistics', lang: '日本語',
    lead: 'The survey data are processed only on this PC. No file is sent anywhere (the page uses no network).',
    inputs: 'Input', csv: 'Survey data (CSV, UTF-8 or Shift_JIS)', codebook: 'Codebook (.codebook.toml)',
    config: 'Run configuration (.hkstat.toml, optional)', extra: 'Other files (population file etc., optional)',
    leaveOut: 'Leave out rows with invalid values and go on (the command line\'s --rejects)', run: 'Compute', orSample: 'or a sample:',
    sampleNishitokyo: 'Nishitokyo 2024 (synthetic)', sampleCao2015: '2015 layout, Shift_JIS (synthetic)',
    errors: 'Errors', headline: 'Results', download: 'Download:', dlCsv: 'Estimate CSV (BOM)', dlMd: 'Markdown',
    dlXlsx: 'Excel workbook', dlSvg: 'Charts (SVG)', dlDist: 'Distributions CSV', dlAudit: 'Classification audit CSV', dlRejects: 'Rows left out CSV',
    distributions: 'Distributions', pickVars: 'Choose the questions to tabulate', rerun: 'Tabulate the chosen questions',
    audit: 'Classification audit (exclusions)',
    footer: 'Survey data other than the synthetic samples are handled only on the PC where this file is opened.',
    loading: 'Preparing the engine…', ready: 'Ready. Choose the files and press Compute.',
    running: 'Computing…', done: (ms, n, enc) => `Done (${n} rows, ${enc}, ${ms} ms).`,
    failed: 'Nothing could be computed: see the errors below.', needCsv: 'Choose the survey data (CSV).',
    where: 'where', code: 'code', value: 'value', expected: 'expected', line: 'line', column: 'column', key: 'key',
    moreProblems: (n) => `... and ${n} more`, rowProblems: 'invalid values', warning: 'warning', noDist: 'No question to tabulate.',
    svgOne: 'SVG',
    options: 'Options (as on the command line; optional)', estimateBy: 'Estimate by (estimate --by)', tabulateBy: 'Distributions by (tabulate --by)',
    where: 'Subpopulation (--where)', minCell: 'Suppress cells below (--min-cell)',
    optionsHint: 'An empty field is the option not given on the command line (the run configuration\'s value, else the default). The questions usable for “by” are suggested once a codebook is chosen.',
  },
};

const state = { lang: 'ja', M: null, inputs: null, result: null, variables: null };
const $ = (id) => document.getElementById(id);
const t = (key) => I18N[state.lang][key];

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('data-')) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

// ---- files -------------------------------------------------------------------------------------------

function fromBase64(b64) {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; ++i) out[i] = s.charCodeAt(i);
  return out;
}

async function readInput(input) {
  const f = input.files && input.files[0];
  if (!f) return null;
  return { name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) };
}

// UTF-8 (with or without BOM) is handed over as it is; otherwise Shift_JIS as the browser knows it
// (WHATWG Shift_JIS = Windows-31J = CP932) is decoded to UTF-8; bytes that are neither go to the library
// as they are, which reports the first bad line.
function decodeSurvey(bytes) {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { bytes, encoding: '' };
  } catch (e) { /* not UTF-8 */ }
  try {
    const text = new TextDecoder('shift_jis', { fatal: true }).decode(bytes);
    return { bytes: new TextEncoder().encode(text), encoding: 'CP932' };
  } catch (e) { /* neither */ }
  return { bytes, encoding: '' };
}

function sample(prefix) {
  const s = window.HKSTAT_SAMPLES;
  const file = (name) => ({ name, bytes: fromBase64(s[name]) });
  const main = [prefix + '.csv', prefix + '.codebook.toml', prefix + '.hkstat.toml'];
  const extra = Object.keys(s).filter((n) => n.startsWith(prefix + '.') && !main.includes(n)).map(file);
  return { csv: file(prefix + '.csv'), codebook: file(prefix + '.codebook.toml'), config: file(prefix + '.hkstat.toml'), extra };
}

// The status line, kept as a function so that the language switch can say it again.
function setStatus(f) { state.status = f; $('status').textContent = f(); }

// ---- running -----------------------------------------------------------------------------------------

function writeFiles(inputs) {
  const FS = state.M.FS;
  try { FS.mkdir('/in'); } catch (e) { /* exists */ }
  for (const name of FS.readdir('/in')) if (name !== '.' && name !== '..') FS.unlink('/in/' + name);
  FS.chdir('/in');
  const decoded = decodeSurvey(inputs.csv.bytes);
  for (const f of [inputs.codebook, inputs.config, ...inputs.extra]) if (f) FS.writeFile('/in/' + f.name, f.bytes);
  FS.writeFile('/in/' + inputs.csv.name, decoded.bytes);
  return decoded.encoding;
}

function compute(inputs, variables) {
  setStatus(() => t('running'));
  const t0 = performance.now();
  const encoding = writeFiles(inputs);
  const req = {
    csv: inputs.csv.name, codebook: inputs.codebook ? inputs.codebook.name : '', config: inputs.config ? inputs.config.name : '',
    encoding, leave_out_rejected: $('leave-out').checked, domains: 'all,broad,comparison',
    ...options(),
  };
  if (variables) req.variables = variables;
  let res;
  try {
    res = state.M.run(req);
  } catch (e) { // the engine itself failed (e.g. out of memory): not a problem of the data
    res = { ok: false, error: { code: 'E_INTERNAL', file: '', line: 0, column: 0, column_name: '', key: '', value: String(e),
      message: { ja: '計算エンジンが停止しました', en: 'the engine stopped' }, expected: { ja: 'ページを開き直してください', en: 'reload the page' } } };
  }
  const ms = Math.round(performance.now() - t0);
  document.body.dataset.elapsedMs = String(ms);
  state.inputs = inputs;
  state.result = res;
  if (res.ok && !variables && inputs.codebook) {
    const v = state.M.codebookVariables(inputs.codebook.name);
    state.variables = v.ok ? v.variables : [];
    suggestBy(state.variables);
  }
  render();
  setStatus(() => (res.ok ? t('done')(ms, res.rows_read, res.encoding) : t('failed')));
  document.body.dataset.state = res.ok ? 'done' : 'error';
}

// The command line's --by, --where and --min-cell as typed (trimmed); an empty field is the option not given.
function options() {
  const o = { estimate_by: $('o-estimate-by').value.trim(), tabulate_by: $('o-tabulate-by').value.trim(), where: $('o-where').value.trim() };
  const m = $('o-min-cell').value.trim();
  if (m !== '') o.min_cell = Number(m);
  return o;
}

// The suggestions of the --by fields: the codebook's single-answer questions (and tabulate's age bands and sex).
function suggestBy(variables) {
  const opt = (value, label) => el('option', { value, label });
  const codes = (variables || []).filter((v) => !v.multi).map((v) => opt(v.name, v.label));
  $('by-estimate').replaceChildren(...codes);
  $('by-tabulate').replaceChildren(opt('age5', ''), opt('age10', ''), opt('age2', ''), opt('sex', ''), ...codes.map((o) => o.cloneNode()));
}

async function codebookChosen() {
  const cb = await readInput($('f-codebook'));
  if (!cb || !state.M) return;
  const FS = state.M.FS;
  try { FS.mkdir('/peek'); } catch (e) { /* exists */ }
  FS.writeFile('/peek/codebook.toml', cb.bytes);
  const v = state.M.codebookVariables('/peek/codebook.toml');
  if (v.ok) suggestBy(v.variables);
}

async function computeFromInputs() {
  const csv = await readInput($('f-csv'));
  if (!csv) { setStatus(() => t('needCsv')); return; }
  const extra = [];
  for (const f of $('f-extra').files) extra.push({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) });
  compute({ csv, codebook: await readInput($('f-codebook')), config: await readInput($('f-config')), extra });
}

// ---- rendering ---------------------------------------------------------------------------------------

function tx(text) { return text[state.lang]; }

function renderTable(table) {
  const cols = table.columns.map((c, i) => ({ c, i })).filter(({ c }) => c.human);
  const head = el('tr', {}, ...cols.map(({ c }) => el('th', {}, tx(c.header))));
  const body = table.rows.map((r) => el('tr', {}, ...cols.map(({ c, i }) => el('td', { class: c.right ? 'r' : '', 'data-col': c.id }, r[i][state.lang]))));
  const wrap = el('div', { class: 'table', 'data-table': table.id });
  if (tx(table.title)) wrap.append(el('h3', {}, tx(table.title)));
  wrap.append(el('table', {}, el('thead', {}, head), el('tbody', {}, ...body)));
  if (table.notes.length) wrap.append(el('ul', { class: 'notes' }, ...table.notes.map((n) => el('li', {}, tx(n)))));
  return wrap;
}

function renderDocument(doc) {
  const wrap = el('div', {});
  wrap.append(el('table', { class: 'facts' }, el('tbody', {}, ...doc.facts.map((f) => el('tr', {}, el('th', {}, tx(f.key)), el('td', {}, tx(f.value)))))));
  for (const tb of doc.tables) wrap.append(renderTable(tb));
  if (doc.notes.length) wrap.append(el('ul', { class: 'notes' }, ...doc.notes.map((n) => el('li', {}, tx(n)))));
  return wrap;
}

function renderProblem(p) {
  const where = [p.file, p.line ? `${p.line}` : '', p.column ? `${p.column}` : ''].filter((x) => x !== '').join(':');
  const box = el('div', { class: 'error', 'data-code': p.code });
  box.append(el('div', { class: 'where' }, `${where}${p.column_name ? ` (${p.column_name})` : ''}  ${tx(p.message)}`));
  const dl = el('dl', {});
  const add = (k, v) => { if (v) dl.append(el('dt', {}, t(k)), el('dd', { 'data-field': k }, v)); };
  add('code', p.code);
  add('line', p.line ? String(p.line) : '');
  add('column', p.column ? `${p.column}${p.column_name ? ` (${p.column_name})` : ''}` : '');
  add('key', p.key);
  add('value', p.value);
  add('expected', tx(p.expected));
  box.append(dl);
  return box;
}

function renderErrors(res) {
  const list = $('error-list');
  list.replaceChildren();
  if (res.ok && !res.row_problems && !res.distributions_error) { $('errors').hidden = true; return; }
  $('errors').hidden = false;
  if (!res.ok) list.append(renderProblem(res.error));
  if (res.distributions_error) list.append(renderProblem(res.distributions_error));
  if (res.row_problems) {
    for (const p of res.row_problems) list.append(renderProblem(p));
    if (res.row_problems_total > res.row_problems.length) list.append(el('p', {}, t('moreProblems')(res.row_problems_total - res.row_problems.length)));
  }
}

// The first row of the prevalence table (広義のひきこもり群, 全体): each column after 区分 and 年齢 a card.
function renderHeadline(res) {
  const table = res.estimate.tables[0];
  const row = table.rows[0];
  const human = table.columns.map((c, i) => ({ c, i })).filter(({ c }) => c.human);
  const what = human.slice(0, 2).map(({ i }) => row[i][state.lang]).join(' ');
  const cards = human.slice(2).map(({ c, i }) =>
    el('div', { class: 'card', 'data-col': c.id }, el('div', { class: 'k' }, `${what}: ${tx(c.header)}`), el('div', { class: 'v' }, row[i][state.lang])));
  $('headline').replaceChildren(...cards);
}

function renderDistributions(res) {
  const box = $('distributions');
  box.replaceChildren();
  if (!res.distributions.length) box.append(el('p', {}, t('noDist')));
  for (const d of res.distributions) {
    const chart = el('div', { class: 'chart' });
    chart.innerHTML = d.svg[state.lang]; // SVG text from the library (deterministic, every text XML-escaped)
    const btn = el('button', { type: 'button' }, `${t('svgOne')}: ${d.variable}`);
    btn.addEventListener('click', () => download(`${stem()}.${d.variable}.svg`, d.svg[state.lang], 'image/svg+xml'));
    box.append(el('div', { class: 'dist', 'data-variable': d.variable }, renderTable(d.table), chart, btn));
  }
  const list = $('var-list');
  list.replaceChildren();
  const chosen = new Set(res.distributions.map((d) => d.variable));
  for (const v of state.variables || []) {
    list.append(el('label', {}, el('input', { type: 'checkbox', value: v.name, checked: chosen.has(v.name) }), ` ${v.name} ${v.label}`), el('br'));
  }
}

function render() {
  const res = state.result;
  if (!res) return;
  renderErrors(res);
  if (!res.ok) { $('results').hidden = true; return; }
  $('results').hidden = false;
  renderHeadline(res);
  $('warnings').replaceChildren(...res.warnings.map((w) => el('div', { class: 'warning' }, `${t('warning')}: ${tx(w.formatted)}`)));
  $('estimate').replaceChildren(renderDocument(res.estimate));
  renderDistributions(res);
  $('audit').replaceChildren(renderTable(res.audit));
  $('dl-rejects').hidden = !res.rejects_csv;
  $('dl-dist').hidden = !res.distributions_csv;
}

function applyLanguage() {
  document.documentElement.lang = state.lang;
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  $('lang').textContent = t('lang');
  document.title = t('title');
  if (state.status) $('status').textContent = state.status();
  render();
}

// ---- downloads ---------------------------------------------------------------------------------------

function stem() { return state.inputs ? state.inputs.csv.name.replace(/\.[^.]*$/, '') : 'hkstat'; }

function download(name, content, type) {
  const blob = content instanceof Blob ? content : new Blob([content], { type });
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// CSV downloads start with a UTF-8 BOM, for Excel (as hkstat --bom).
function downloadCsv(name, csv) { download(name, '\uFEFF' + csv, 'text/csv'); }

function cellValue(raw) {
  if (raw === '') return null;
  if (/^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(raw)) return Number(raw);
  return raw;
}

// The workbook: the machine tables (the CSV columns, numbers as numbers), one sheet each, with exceljs.
async function workbook(res) {
  const wb = new ExcelJS.Workbook();
  wb.creator = res.version;
  wb.created = new Date(Date.UTC(1980, 0, 1)); // fixed: the same data give the same workbook content
  const sheet = (name, table) => {
    const ws = wb.addWorksheet(name.slice(0, 31));
    const cols = table.columns.map((c, i) => ({ c, i })).filter(({ c }) => c.machine);
    ws.addRow(cols.map(({ c }) => c.id)).font = { bold: true };
    for (const r of table.rows) ws.addRow(cols.map(({ i }) => cellValue(r[i].raw)));
    ws.views = [{ state: 'frozen', ySplit: 1 }];
  };
  sheet('prevalence', res.estimate_machine);
  for (const d of res.distributions) sheet(d.variable, d.table);
  sheet('audit', res.audit);
  return new Blob([await wb.xlsx.writeBuffer()], { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
}

function markdown(res) {
  let md = res.estimate.markdown[state.lang];
  if (res.distributions_doc) md += '\n' + res.distributions_doc.markdown[state.lang];
  return md;
}

// ---- start -------------------------------------------------------------------------------------------

function wire() {
  $('lang').addEventListener('click', () => { state.lang = state.lang === 'ja' ? 'en' : 'ja'; applyLanguage(); });
  $('run').addEventListener('click', () => computeFromInputs());
  $('f-codebook').addEventListener('change', () => codebookChosen());
  $('sample-nishitokyo').addEventListener('click', () => compute(sample('nishitokyo2024')));
  $('sample-cao2015').addEventListener('click', () => compute(sample('cao2015_layout')));
  $('rerun').addEventListener('click', () => {
    const vars = [...$('var-list').querySelectorAll('input:checked')].map((i) => i.value);
    if (state.inputs) compute(state.inputs, vars);
  });
  $('dl-csv').addEventListener('click', () => downloadCsv(`${stem()}.estimate.csv`, state.result.estimate_csv));
  $('dl-md').addEventListener('click', () => download(`${stem()}.${state.lang}.md`, markdown(state.result), 'text/markdown'));
  $('dl-dist').addEventListener('click', () => downloadCsv(`${stem()}.distributions.csv`, state.result.distributions_csv));
  $('dl-audit').addEventListener('click', () => downloadCsv(`${stem()}.audit.csv`, state.result.audit_csv));
  $('dl-rejects').addEventListener('click', () => downloadCsv(`${stem()}.rejects.csv`, state.result.rejects_csv));
  $('dl-svg').addEventListener('click', () => {
    for (const d of state.result.distributions) download(`${stem()}.${d.variable}.svg`, d.svg[state.lang], 'image/svg+xml');
  });
  $('dl-xlsx').addEventListener('click', async () => download(`${stem()}.xlsx`, await workbook(state.result)));
}

wire();
applyLanguage();
setStatus(() => t('loading'));
// The wasm is in the page (base64): handed over, so that the module fetches nothing.
HkstatModule({ wasmBinary: fromBase64(window.HKSTAT_WASM) }).then((M) => {
  state.M = M;
  $('version').textContent = M.version();
  setStatus(() => t('ready'));
  document.body.dataset.state = 'ready';
});
