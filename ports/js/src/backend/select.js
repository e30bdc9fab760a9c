// Which backend the library runs on. The browser entry (src/index.js) leaves the WebCrypto default;
// the Node entry (src/node.js, chosen by package.json's "node" export condition) selects
// node:crypto. Tests switch with testing.useBackend.
import * as webcrypto from "./webcrypto.js";

let current = webcrypto;

/** The backend in use. */
export const backend = () => current;

/** For src/node.js and testing.js only. */
export function setBackend(b) {
  current = b;
}
