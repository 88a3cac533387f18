// Type-checked by test/types.test.js (`tsc --noEmit`): proves index.d.ts describes the API.
import { fetch, Client, Certificate, loadCertificates, verifyChain, lint, inspect, trustReport, TlsGuardError, TlsGuardAgent, HttpsAgent } from 'tlsguard';
import * as https from 'node:https';
import type { Response, ChainReport, ServerReport } from 'tlsguard';

async function main(): Promise<void> {
  const controller = new AbortController();
  const res: Response = await fetch('https://example.com/', {
    method: 'POST', headers: { 'x-a': '1' }, body: new URLSearchParams({ a: '1' }), signal: controller.signal,
    timeout: 5000, roots: 'mozilla', caFile: 'ca.pem', caPem: '-----BEGIN CERTIFICATE-----', pins: ['sha256/x'],
    clientCert: 'c.pem', clientKey: 'k.pem', clientKeyPassword: 'p', crls: ['crl.pem'], minTls: '1.3',
    maxRedirects: 3, allowHttp: false, proxy: '', fetchMissingIntermediates: true, aiaAllowPrivate: false,
  });
  const status: number = res.status;
  const ok: boolean = res.ok;
  const type: string | null = res.headers.get('content-type');
  res.headers.forEach((v: string, k: string) => void [v, k]);
  for (const [k, v] of res.headers.entries()) void [k, v];
  const text: string = await res.text();
  const data: { a: number } = await res.json<{ a: number }>();
  const buf: ArrayBuffer = await res.arrayBuffer();
  const v: string | null = res.tlsVersion;
  const h: string | null = res.httpVersion;
  const when: Date = res.peerCertificates[0].notAfter;
  const client = new Client({ roots: 'none', caFile: 'ca.pem', timeout: 1000 });
  await client.fetch(new URL('https://example.com/'), { body: Buffer.from('x'), timeout: 100 });
  const streamed = await client.stream('https://example.com/big', { signal: controller.signal, timeout: 100 });
  const reader: ReadableStreamDefaultReader<Uint8Array> = streamed.body!.getReader();
  const chunk: ReadableStreamReadResult<Uint8Array> = await reader.read();
  void chunk;
  await reader.cancel();
  const maybe: ReadableStream<Uint8Array> | null = res.body;
  const isWeb: boolean = res instanceof globalThis.Response;
  const copy: Response = res.clone();
  const blob: Blob = await copy.blob();
  void [isWeb, blob];
  const posted = await fetch(new Request('https://example.com/', { method: 'POST', body: 'x' }), { redirect: 'manual' });
  const tooStrict: boolean = new TlsGuardError('x') instanceof TypeError;
  void [posted, tooStrict];
  // A drop-in for the global fetch: assignable to its type.
  const asGlobal: typeof globalThis.fetch = fetch;
  void asGlobal;
  const form = new FormData();
  form.append('f', new Blob(['x'], { type: 'text/plain' }), 'f.txt');
  await client.fetch('https://example.com/', { method: 'POST', body: form, cache: 'no-store', referrer: 'https://example.com/', keepalive: true, priority: 'high', headersTimeout: 1000 });
  async function* chunks(): AsyncGenerator<Uint8Array> { yield new Uint8Array(1); }
  await fetch('https://example.com/', { method: 'PUT', body: chunks(), duplex: 'half', bodyTimeout: 5000 });
  void maybe;
  const slow = new Client({ readTimeout: 5000, poolIdleTimeout: 60_000 });
  slow.close();
  client.close();
  const cert: Certificate = Certificate.fromPem('...');
  const der: Buffer = Certificate.fromDer(cert.der).der;
  const chain: Certificate[] = loadCertificates('fullchain.pem');
  const report: ChainReport = verifyChain(chain, { hostname: 'example.com', at: new Date(), roots: 'none' });
  if (report.error) {
    const code: string = report.error.code;
    void code;
  }
  const findings = lint('...', { key: 'k.pem', hostnames: ['a'], warnDays: 30 });
  const sev: string = findings[0].severity;
  const server: ServerReport = await inspect('example.com', { port: 443, roots: 'mozilla' });
  const verdict: TlsGuardError | null = server.verdict;
  const total: number = trustReport({ roots: 'none' }).total;
  try {
    await fetch('https://expired.badssl.com/');
  } catch (e) {
    if (e instanceof TlsGuardError) {
      const c: string = e.code, hint: string = e.hint, url: string | null = e.url;
      const subject: string | undefined = e.chain[0]?.subject;
      void [c, hint, url, subject];
    }
  }
  // The adapters: an undici Dispatcher and an https.Agent.
  const agent = new TlsGuardAgent({ roots: 'none', caFile: 'ca.pem', pins: ['sha256/x'] });
  const perCall = { method: 'GET', dispatcher: agent }; // Node's fetch reads `dispatcher` (lib.dom's RequestInit does not name it)
  await globalThis.fetch('https://example.com/', perCall);
  const started: boolean = agent.dispatch({ origin: 'https://example.com', path: '/', method: 'GET', headers: {} }, {
    onRequestStart(ctrl) { ctrl.pause(); ctrl.resume(); },
    onResponseStart(_ctrl, statusCode: number) { void statusCode; },
    onResponseError(_ctrl, err: Error) { void err; },
  });
  await agent.close();
  agent.destroy(null, () => {});
  const httpsAgent = new HttpsAgent({ roots: 'none', caFile: 'ca.pem', keepAlive: true, maxSockets: 4, timeout: 5000, connectTimeout: 1000 });
  https.get('https://example.com/', { agent: httpsAgent }, (res) => res.resume());
  const base: https.Agent = httpsAgent;
  // @ts-expect-error: the HTTP exchange is the library's under https.request
  new HttpsAgent({ maxResponseBytes: 10 });
  void [started, base];
  void [status, ok, type, text, data, buf, v, h, when, der, sev, verdict, total];
}
void main;
