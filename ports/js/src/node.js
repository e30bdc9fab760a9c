// The package's entry point under Node (package.json export condition "node"): the same API as
// src/index.js, on node:crypto (src/backend/node.js) instead of WebCrypto. Same bytes, same errors.
import { setBackend } from "./backend/select.js";
import * as nodeBackend from "./backend/node.js";

setBackend(nodeBackend);

export * from "./index.js";
