/**
 * The workbench's Content-Security-Policy: scripts, styles, images and requests from this
 * origin only, with no `unsafe-inline` and no `unsafe-eval`. The one exception is the
 * per-response `nonce`: CodeMirror (through style-mod) writes its theme into a `<style>`
 * element, which it marks with this nonce (`EditorView.cspNonce`); the page's script
 * carries it so the bundle can read it. CodeMirror's inline styles are set through the
 * CSSOM (`element.style`), which CSP does not govern. Lint underlines are `data:` SVGs.
 */
export function consoleCsp(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join("; ");
}
