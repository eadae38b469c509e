/**
 * Debian's Chromium for the browser suites, through playwright-core: the one place that says
 * where it is and how it is started (headless; no sandbox, since CI runs as root; no
 * background traffic, since the machine's network is closed).
 */
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

const CHROMIUM = "/usr/bin/chromium";

/** Starts a headless Chromium. @throws naming the installer when Chromium is missing */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: run scripts/ensure-chromium.sh (npm test does) or apt-get install chromium`,
    );
  }
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
