'use strict';
// index.d.ts is right: a usage file type-checks (tsc --noEmit), and the declarations match
// what is exported at run time (the generated native.d.ts against the loaded addon, and the
// hand-written index.d.ts against the facade), so neither drifts.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const DIR = path.resolve(__dirname, '..');

function declared(file) {
  const text = fs.readFileSync(path.join(DIR, file), 'utf8');
  const names = new Set();
  for (const m of text.matchAll(/^export declare (?:function|class|const) ([A-Za-z_$][\w$]*)/gm)) names.add(m[1]);
  return names;
}

test('tsc --noEmit accepts the usage files', { timeout: 120_000 }, () => {
  const tsc = require.resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', path.join(__dirname, 'types', 'tsconfig.json')], { stdio: 'pipe' });
});

test('native.d.ts declares exactly what the addon exports', () => {
  const native = require('../native.js');
  const runtime = new Set(Object.keys(native));
  const types = declared('native.d.ts');
  assert.deepEqual([...runtime].sort(), [...types].sort());
});

test('index.d.ts declares exactly what the facade exports', () => {
  const facade = require('..');
  const runtime = Object.keys(facade).sort();
  const types = [...declared('index.d.ts')].sort();
  assert.deepEqual(runtime, types);
});

test('the ESM entry point exports the same names', async () => {
  const esm = await import('../index.mjs');
  const cjs = require('..');
  assert.deepEqual(Object.keys(esm).filter((k) => k !== 'default').sort(), Object.keys(cjs).sort());
  assert.equal(esm.fetch, cjs.fetch);
  assert.equal(esm.default, cjs);
});

test('index.d.ts declares every Certificate property the addon provides', () => {
  // The fields come from the addon (certificateFieldNames), `der` from the facade.
  const native = require('../native.js');
  const text = fs.readFileSync(path.join(DIR, 'index.d.ts'), 'utf8');
  const body = /export declare class Certificate \{([\s\S]*?)\n\}/.exec(text)[1];
  const declared = [...body.matchAll(/^ {2}([A-Za-z]\w*)\??: /gm)].map((m) => m[1]);
  assert.deepEqual(declared.sort(), [...native.certificateFieldNames(), 'der'].sort());
  const { Certificate } = require('..');
  for (const name of native.certificateFieldNames()) {
    assert.ok(Object.getOwnPropertyDescriptor(Certificate.prototype, name).get, name);
  }
});
