import { fetch, TlsGuardError } from 'tlsguard';
import tlsguard from 'tlsguard';
const r = await fetch('https://example.com/');
const s: number = r.status;
void [s, TlsGuardError, tlsguard];
