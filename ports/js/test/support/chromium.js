// Shared by the browser tests: find and launch Debian's Chromium through playwright-core.
// (No side effects at import: `node --test test/` also runs this file as if it were a test.)
import { existsSync } from "node:fs";

// STRONGROOM_CHROMIUM overrides the path (e.g. a local Chrome); CI uses Debian's package,
// installed by scripts/install-browser.sh.
export const CHROMIUM_PATH = process.env.STRONGROOM_CHROMIUM || "/usr/bin/chromium";

// The flags keep the browser from reaching the network on its own (updates, sync, field
// trials), and --no-sandbox is needed when running as root in a container.
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Throws a clear, actionable error when Chromium is not installed (instead of hanging). */
export function requireChromium() {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. Run ports/js/scripts/install-browser.sh ` +
        `(apt-get install chromium) or set STRONGROOM_CHROMIUM to a Chromium/Chrome binary.`,
    );
  }
}

/** Launches Chromium; each launch gets a fresh temporary profile from Playwright. */
export async function launchChromium() {
  requireChromium();
  let chromium;
  try {
    ({ chromium } = await import("playwright-core"));
  } catch (err) {
    throw new Error(`playwright-core is not installed (run npm ci in ports/js): ${err.message}`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 60_000, // a launch that cannot complete fails the test instead of hanging it
  });
}
