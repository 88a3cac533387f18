// ESM entry point: the same objects as the CommonJS facade (index.js).
import tlsguard from './index.js';

export const {
  fetch, Client, Response, Certificate, loadCertificates, verifyChain, Verifier, lint,
  inspect, audit, trustReport, TlsGuardError, errorCodes, lintCodes, version, TlsGuardAgent, HttpsAgent,
} = tlsguard;
export default tlsguard;
