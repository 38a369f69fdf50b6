// web/assemble.js — writes the one self-contained page: web/page/index.html with the style, the samples,
// exceljs, the emscripten output (its wasm as base64) and web/page/app.js put inline.
// Usage: node web/assemble.js BUILD_WEB_DIR   (called by web/build.sh)
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const out = path.resolve(process.argv[2] || path.join(root, 'build-web'));
const read = (p) => fs.readFileSync(p, 'utf8');
// Text inside <script>: "</script" would end the element early; source-map comments would make a browser's
// developer tools ask for a file.
const inline = (js) => js.replace(/<\/script/gi, '<\\/script').replace(/^\/\/# sourceMappingURL=.*$/gm, '');

// The synthetic samples of data/samples/, byte for byte (the 2015-layout one is CP932).
const samples = {};
for (const stem of ['nishitokyo2024', 'cao2015_layout']) {
  for (const f of fs.readdirSync(path.join(root, 'data/samples')).sort()) {
    if (!f.startsWith(stem + '.') || f.endsWith('.expected.json')) continue;
    samples[f] = fs.readFileSync(path.join(root, 'data/samples', f)).toString('base64');
  }
}

const exceljsDir = path.join(root, 'web/node_modules/exceljs');
const exceljs = `/*! exceljs ${JSON.parse(read(path.join(exceljsDir, 'package.json'))).version} (MIT license):\n${read(path.join(exceljsDir, 'LICENSE'))}*/\n` +
  read(path.join(exceljsDir, 'dist/exceljs.min.js'));

const parts = {
  '/*@STYLE@*/': read(path.join(root, 'web/page/style.css')),
  '/*@SAMPLES@*/': `window.HKSTAT_SAMPLES = ${JSON.stringify(samples)};`,
  '/*@EXCELJS@*/': inline(exceljs),
  '/*@HKSTAT@*/': `window.HKSTAT_WASM = '${fs.readFileSync(path.join(out, 'wasm/hkstat_web.wasm')).toString('base64')}';\n` +
    inline(read(path.join(out, 'wasm/hkstat_web.js'))),
  '/*@APP@*/': inline(read(path.join(root, 'web/page/app.js'))),
};
let html = read(path.join(root, 'web/page/index.html'));
for (const [mark, text] of Object.entries(parts)) {
  if (!html.includes(mark)) throw new Error(`web/page/index.html has no ${mark}`);
  html = html.replace(mark, () => text);
}
fs.writeFileSync(path.join(out, 'hkstat.html.tmp'), html);
fs.renameSync(path.join(out, 'hkstat.html.tmp'), path.join(out, 'hkstat.html'));
console.log(`${path.relative(process.cwd(), path.join(out, 'hkstat.html'))}: ${(html.length / 1e6).toFixed(1)} MB`);
