// Runs the shared vector runner (conformance/run-vectors.js) inside the page, loading the vector
// files from the test server with fetch. The outcome goes to window.__result, which
// test/browser.test.js polls: either the runner's summary, or {error} if anything threw, so the
// test fails with the reason instead of waiting for its timeout.
//
// `node --test test/` also executes this file (it runs every .js under test/), so nothing happens
// outside a page.
if (typeof document !== "undefined") main();

async function main() {
  const status = document.getElementById("status");
  const pre = document.getElementById("log");
  const log = (...parts) => {
    const line = parts.map((p) => (typeof p === "string" ? p : JSON.stringify(p))).join(" ");
    // console too: the Playwright test forwards console messages as progress.
    console.log(line);
    pre.textContent += line + "\n";
  };
  try {
    const { runAllVectors } = await import("../../conformance/run-vectors.js");
    const loadFile = async (name) => {
      const file = name.endsWith(".json") ? name : `${name}.json`;
      const res = await fetch(`/vectors/${encodeURIComponent(file)}`, { cache: "no-store" });
      if (!res.ok) throw new Error(`fetch /vectors/${file}: HTTP ${res.status}`);
      return res.json();
    };
    const started = performance.now();
    status.textContent = "running…";
    const summary = await runAllVectors({ loadFile, log });
    const seconds = (performance.now() - started) / 1000;
    const fails = summary.failures?.length ?? 0;
    log(`done in ${seconds.toFixed(1)} s: ${summary.total} vectors, ${fails} failures`);
    status.textContent = `${fails === 0 ? "PASS" : "FAIL"}: ${summary.total} vectors, ${fails} failures, ${seconds.toFixed(1)} s`;
    status.className = fails === 0 ? "pass" : "fail";
    window.__result = { ...summary, seconds, userAgent: navigator.userAgent };
  } catch (err) {
    const message = `${err && err.name}: ${err && err.message}\n${(err && err.stack) || ""}`;
    log("ERROR", message);
    status.textContent = "ERROR: " + (err && err.message);
    status.className = "fail";
    window.__result = { error: message };
  }
}
