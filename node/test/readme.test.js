'use strict';
// The README's quickstart runs, against the kit's good server and test root.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFile } = require('node:child_process');
const { startKit } = require('./kit.js');

test('README quickstart', { timeout: 60_000 }, async () => {
  const kit = await startKit();
  try {
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const block = /## Quickstart\s+```js\n([\s\S]*?)```/.exec(readme)[1];
    const code = block
      .replaceAll('https://localhost:8443', kit.manifest.servers.good)
      .replaceAll('./root_ca.pem', kit.manifest.pki.root_ca)
      .replace("require('tlsguard')", `require(${JSON.stringify(path.resolve(__dirname, '..'))})`);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tlsguard-readme-')), 'quickstart.js');
    fs.writeFileSync(file, code);
    const out = await new Promise((resolve, reject) =>
      execFile(process.execPath, [file], { timeout: 30_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout))),
    );
    assert.match(out, /^200 HTTP\/1\.1 TLSv1\.3 /m);
    assert.match(out, /world/);
    assert.match(out, /^CERT_UNKNOWN_ISSUER - /m);
    assert.match(out, /^hint: /m);
  } finally {
    kit.stop();
  }
});
