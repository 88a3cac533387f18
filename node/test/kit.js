'use strict';
// Starts the shared test kit (`tlsguard-testkit serve`) once per test file and returns its
// manifest. The kit serves until its stdin closes, so it dies with this process.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');

const ROOT = path.resolve(__dirname, '..', '..');

function kitBinary() {
  const bin = process.env.TLSGUARD_TESTKIT || path.join(ROOT, 'target', 'debug', 'tlsguard-testkit');
  if (!fs.existsSync(bin)) {
    throw new Error(`${bin} not found: run \`cargo build -p tlsguard-testkit\` at the repository root first`);
  }
  return bin;
}

let started = null;

/** Starts the kit (once) and resolves to { manifest, stop }. */
function startKit() {
  if (started) return started;
  started = new Promise((resolve, reject) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tlsguard-node-kit-'));
    const child = spawn(kitBinary(), ['serve', '--dir', dir], { stdio: ['pipe', 'pipe', 'inherit'] });
    const timer = setTimeout(() => reject(new Error('test kit did not print READY within 60 s')), 60_000);
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`test kit exited early with ${code}`)));
    const rl = readline.createInterface({ input: child.stdout });
    rl.on('line', (line) => {
      const m = /^READY (.+)$/.exec(line.trim());
      if (!m) return;
      clearTimeout(timer);
      const manifest = JSON.parse(fs.readFileSync(m[1], 'utf8'));
      child.unref();
      child.stdout.unref?.();
      child.stdin.unref?.();
      resolve({
        manifest,
        manifestPath: m[1],
        stop() {
          child.stdin.end();
          child.kill('SIGTERM');
        },
      });
    });
  });
  return started;
}

/** snake_case option name -> the JS API's camelCase name. */
function camel(name) {
  return name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
}

/** A manifest scenario's options in the JS API's shape (names camelCase, seconds -> ms). */
function jsOptions(options) {
  const out = {};
  for (const [k, v] of Object.entries(options)) {
    out[camel(k)] = ['timeout', 'connect_timeout', 'read_timeout', 'pool_idle_timeout'].includes(k) ? v * 1000 : v;
  }
  return out;
}

module.exports = { startKit, jsOptions, camel, ROOT };
