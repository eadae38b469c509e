import { pagePolicy } from "../security/page-policy.ts";

/**
 * The workbench's Content-Security-Policy: scripts, styles, images and requests from this
 * origin only, with no `unsafe-inline` and no `unsafe-eval`. The one exception is the
 * per-response `nonce`: CodeMirror (through style-mod) writes its theme into a `<style>`
 * element, which it marks with this nonce (`EditorView.cspNonce`); the page's script
 * carries it so the bundle can read it. CodeMirror's inline styles are set through the
 * CSSOM (`element.style`), which CSP does not govern. Lint underlines are `data:` SVGs.
 */
export function consoleCsp(nonce: string): string {
  return pagePolicy({
    defaultSrc: "'self'",
    scriptSrc: `'self' 'nonce-${nonce}'`,
    styleSrc: `'self' 'nonce-${nonce}'`,
    fontSrc: "'self'",
  });
}
