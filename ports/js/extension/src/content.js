// Content script on http://127.0.0.1/* and http://localhost/*: lets the page append entries to
// the encrypted log. It cannot read the log, unlock it or lock it: the service worker accepts
// only "append" from a content script.
//
// The page sends:   window.postMessage({type: "strongroom-log-append", text, id}, "*")
// and receives:     {type: "strongroom-log-append-result", id, ok: true, position}
//              or   {type: "strongroom-log-append-result", id, ok: false, error: {code, message}}
//                   (code "locked" while the log is locked: the entry is not kept).
// document.documentElement carries data-strongroom-log="ready" once this script listens.
const APPEND = "strongroom-log-append";
const RESULT = "strongroom-log-append-result";

window.addEventListener("message", (event) => {
  // Only the page's own window, and only our message type.
  if (event.source !== window || event.data?.type !== APPEND) return;
  const { text, id = null } = event.data;
  const answer = (body) => window.postMessage({ type: RESULT, id, ...body }, window.location.origin);
  chrome.runtime
    .sendMessage({ type: "append", text })
    .then((res) => {
      if (res?.ok) answer({ ok: true, position: res.position });
      else answer({ ok: false, error: { code: res?.error?.code ?? "internal", message: res?.error?.message ?? "no answer" } });
    })
    .catch((err) => answer({ ok: false, error: { code: "unavailable", message: String(err?.message ?? err) } }));
});

document.documentElement.dataset.strongroomLog = "ready";
