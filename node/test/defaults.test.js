'use strict';
// The defaults index.d.ts documents for ClientOptions and TrustOptions ("(default X)") are the
// core's (ClientOptions::defaults_json, through the addon in the JS shape): a default changed in
// the core fails here until the documentation follows.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const native = require('../native.js');

/** `name -> documented default text` of the properties of `interface <name>` in index.d.ts. */
function documentedDefaults(source, iface) {
  const start = source.indexOf(`export interface ${iface} `);
  assert.ok(start >= 0, iface);
  const body = source.slice(start, source.indexOf('\n}\n', start));
  const out = {};
  const re = /\/\*\*([\s\S]*?)\*\/\s*(\w+)\?:/g;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    const doc = m[1].replace(/\n\s*\*\s?/g, ' ');
    const d = /\(default ([^;:)]*)/.exec(doc);
    if (d) out[m[2]] = d[1].trim();
  }
  return out;
}

/** The documented text as a value: true/false, `30 000` (ms), `100 MiB`, `'text'`, `a, b, c`. */
function parse(text) {
  if (text === 'true' || text === 'false') return text === 'true';
  const mib = /^(\d+) MiB$/.exec(text);
  if (mib) return Number(mib[1]) * 1024 * 1024;
  if (/^\d[\d\s]*$/.test(text)) return Number(text.replace(/\s/g, ''));
  const quoted = /^'(.*)'$/.exec(text);
  if (quoted) return quoted[1];
  return text.split(/,\s*/);
}

test('the documented ClientOptions defaults are the core\'s', () => {
  const source = fs.readFileSync(path.join(__dirname, '..', 'index.d.ts'), 'utf8');
  const documented = { ...documentedDefaults(source, 'TrustOptions'), ...documentedDefaults(source, 'ClientOptions') };
  const core = native.clientDefaults();
  assert.ok(Object.keys(documented).length >= 6, JSON.stringify(documented));
  for (const [name, text] of Object.entries(documented)) {
    assert.ok(Object.hasOwn(core, name), `${name} is documented but is not a core option`);
    assert.deepEqual(parse(text), core[name], `${name}: index.d.ts says "${text}", the core ${JSON.stringify(core[name])}`);
  }
});
