#!/usr/bin/env node
'use strict';
// tlsguard demo: one verified fetch and three refusals, against the test kit.
//   node examples/demo.js /path/to/manifest.json   (from `tlsguard-testkit serve --dir DIR`)
const fs = require('node:fs');
const { fetch, TlsGuardError } = require('..');

async function main() {
  const manifestPath = process.argv[2];
  if (!manifestPath) {
    console.error('usage: node examples/demo.js MANIFEST.json');
    process.exit(2);
  }
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  const trust = { roots: 'none', caFile: manifest.pki.root_ca };
  const byName = Object.fromEntries(manifest.scenarios.map((s) => [s.name, s]));

  const good = byName.good.url;
  const res = await fetch(good, trust);
  const leaf = res.peerCertificates[0];
  console.log(`OK      ${good}`);
  console.log(`        ${res.status} ${res.statusText}, ${res.httpVersion} over ${res.tlsVersion} (${res.cipherSuite})`);
  console.log(`        certificate ${leaf.subject}, issued by ${leaf.issuer}, valid until ${leaf.notAfter.toISOString()}`);
  console.log(`        body: ${JSON.stringify((await res.text()).trim().slice(0, 60))}`);

  let refusals = 0;
  for (const name of ['expired', 'missing_intermediate', 'tls10_only']) {
    const url = byName[name].url;
    try {
      const r = await fetch(url, trust);
      console.log(`\nUNEXPECTED ${name}: ${r.status}`);
    } catch (e) {
      if (!(e instanceof TlsGuardError)) throw e;
      refusals++;
      console.log(`\nREFUSED ${url}  (${name})`);
      console.log(`        code:    ${e.code}`);
      console.log(`        message: ${e.message}`);
      console.log(`        hint:    ${e.hint}`);
      if (e.chain.length) console.log(`        chain:   ${e.chain.map((c) => c.subject).join(' <- ')}`);
    }
  }
  process.exitCode = refusals === 3 ? 0 : 1;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
