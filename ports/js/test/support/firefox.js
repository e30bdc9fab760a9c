// Shared by the Firefox test: find and launch Debian's Firefox ESR through puppeteer-core, which
// drives it over WebDriver BiDi (no browser download: puppeteer-core never fetches one).
// (No side effects at import: `node --test test/` also runs this file as if it were a test.)
import { existsSync } from "node:fs";

// STRONGROOM_FIREFOX overrides the path (e.g. a local Firefox); CI uses Debian's package,
// installed by scripts/install-firefox.sh.
export const FIREFOX_PATH = process.env.STRONGROOM_FIREFOX || "/usr/bin/firefox-esr";

// Firefox's own network traffic. puppeteer-core already writes a profile that turns off
// updates, telemetry, Safe Browsing and the like, and points Remote Settings at dummy.test; but
// a release (or ESR) build ignores that override ("Ignoring preference override of remote
// settings server", services-settings/Utils.sys.mjs) and syncs a dozen collections from
// firefox.settings.services.mozilla.com at startup. With MOZ_DISABLE_NONLOCAL_CONNECTIONS=1 in
// the environment (as in Mozilla's own test harness) the override is honoured, and for the
// URL "data:,#remote-settings-dummy/v1" the sync is skipped altogether. That variable also makes
// any connection to a non-loopback address abort the browser with "FATAL ERROR: Non-local
// network connections are disabled and a connection attempt to <host> (<ip>) was made.", so a
// test run can never reach the network unnoticed. With these two, Firefox ESR 153 looked up no
// host but 127.0.0.1 and localhost (MOZ_LOG=nsHostResolver:5) over a 150 s idle session and a
// full vector run; the other prefs are defence in depth against services that would try
// (captive portal and connectivity checks, DNS-over-HTTPS, prefetching, region lookup, studies).
export const FIREFOX_ENV = { MOZ_DISABLE_NONLOCAL_CONNECTIONS: "1" };

export const FIREFOX_PREFS = {
  "services.settings.server": "data:,#remote-settings-dummy/v1",
  "messaging-system.rsexperimentloader.enabled": false,
  "app.shield.optoutstudies.enabled": false,
  "network.captive-portal-service.enabled": false,
  "network.connectivity-service.enabled": false,
  "network.trr.mode": 5, // DNS-over-HTTPS off
  "network.dns.disablePrefetch": true,
  "network.prefetch-next": false,
  "network.predictor.enabled": false,
  "browser.region.network.url": "",
  "browser.region.update.enabled": false,
  "extensions.blocklist.enabled": false,
  "toolkit.telemetry.enabled": false,
  "toolkit.telemetry.server": "",
};

/** Throws a clear, actionable error when Firefox is not installed (instead of hanging). */
export function requireFirefox() {
  if (!existsSync(FIREFOX_PATH)) {
    throw new Error(
      `Firefox not found at ${FIREFOX_PATH}. Run ports/js/scripts/install-firefox.sh ` +
        `(apt-get install firefox-esr) or set STRONGROOM_FIREFOX to a Firefox binary.`,
    );
  }
}

/** Launches Firefox headless; each launch gets a fresh temporary profile from puppeteer. */
export async function launchFirefox() {
  requireFirefox();
  let puppeteer;
  try {
    ({ default: puppeteer } = await import("puppeteer-core"));
  } catch (err) {
    throw new Error(`puppeteer-core is not installed (run npm ci in ports/js): ${err.message}`);
  }
  return puppeteer.launch({
    browser: "firefox",
    executablePath: FIREFOX_PATH,
    headless: true,
    env: { ...process.env, ...FIREFOX_ENV },
    extraPrefsFirefox: FIREFOX_PREFS,
    timeout: 60_000, // a launch that cannot complete fails the test instead of hanging it
  });
}

/**
 * Collects the "FATAL ERROR" lines that Firefox prints on stderr before it aborts (such as a
 * refused non-local connection), so a test can say why the browser went away. puppeteer keeps
 * reading the pipe as well, so it never fills up.
 */
export function collectFatalErrors(browser) {
  const lines = [];
  let pending = "";
  browser.process()?.stderr?.on("data", (chunk) => {
    pending += chunk;
    const parts = pending.split("\n");
    pending = parts.pop();
    for (const line of parts) if (line.includes("FATAL ERROR")) lines.push(line.trim());
  });
  return lines;
}
