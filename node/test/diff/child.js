'use strict';
// Node's global fetch over the matrix of cases.js (run with NODE_EXTRA_CA_CERTS set to the
// kit's root); prints the results as JSON.
const fs = require('node:fs');
const { runAll } = require('./cases.js');

if (process.argv[2] === undefined) process.exit(0); // found by `node --test test/`: not a test
const kit = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
runAll(globalThis.fetch, kit).then((out) => {
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
});
