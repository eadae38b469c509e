/**
 * A strict Content-Security-Policy (CSP Level 3) for a page Rulegate serves: what each page
 * allows for its scripts, styles, fonts and form targets, and what every page denies alike — requests to
 * other origins, a `<base>` element, framing (clickjacking) and plugins; images
 * from this origin and `data:` URLs only.
 */
export function pagePolicy(page: {
  defaultSrc: string;
  scriptSrc: string;
  styleSrc: string;
  fontSrc: string;
  /** Where the page's forms may post (and a post may redirect to); none unless given. */
  formAction?: string;
}): string {
  return [
    `default-src ${page.defaultSrc}`,
    `script-src ${page.scriptSrc}`,
    `style-src ${page.styleSrc}`,
    "img-src 'self' data:",
    `font-src ${page.fontSrc}`,
    "connect-src 'self'",
    "base-uri 'none'",
    `form-action ${page.formAction ?? "'none'"}`,
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join("; ");
}
