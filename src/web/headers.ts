// The headers every response carries (issue 15): a CSP with no inline script or style and no other origin, HSTS,
// no framing, no referrer. The page is built for this (build/page.mjs emits only external files), so the policy
// never needs 'unsafe-inline' or 'unsafe-eval'.
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  // the live channel: same host, wss only
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function securityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': CSP,
    // a year: the unit only speaks HTTPS on this host (RFC 6797); no includeSubDomains, `.local` names are not ours
    'Strict-Transport-Security': 'max-age=31536000',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=()',
  };
}
