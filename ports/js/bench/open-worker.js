// Web Worker of bench.html: resumes the page's session (structured-cloned record root and MAC
// key) and opens its share of the records with openMany, as an application with a large log can.
import { Keyring } from "../src/index.js";
import { resumeSession } from "../src/storage.js";

let unlocked = null;
onmessage = async ({ data }) => {
  if (data.keyring) {
    unlocked = await resumeSession(Keyring.fromBytes(data.keyring), data.state);
    postMessage({ ready: true });
    return;
  }
  const out = await unlocked.openMany(data.records.map((record, i) => ({ record, context: data.contexts[i] })));
  postMessage({ opened: out.filter((r) => r.ok).length });
};
