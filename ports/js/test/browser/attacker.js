// The attacker of SPEC.md section 19.1's table: script running on the origin that reads a saved
// session straight out of IndexedDB (not through strongroom/storage) and tries, with every stored
// key and every stored byte string, each route by which WebCrypto could give up a key:
//
//   export     exportKey in every format, for every key;
//   decrypt    AES-GCM decrypt / unwrapKey of every stored byte string, under every key that
//              allows it, with every stored 12-byte string as nonce and every stored byte
//              string (and none) as AAD;
//   keystream  AES-GCM encrypt of zeros under every key that allows it, with every stored
//              12-byte string as nonce, XORed with every stored byte string (GCM nonce reuse);
//   derive     HKDF deriveBits, and deriveKey into an extractable HMAC key then exportKey, with
//              every label of SPEC.md (alone and followed by the keyring id) and every salt the
//              session or the keyring offers (keyring id, stored strings, empty, zeros);
//   sign       HMAC sign with every key that allows it, over the keyring's MAC input (a forged
//              MAC), and over every label of SPEC.md (alone, followed by 01, and followed by the
//              keyring id) and every stored byte string (an HKDF-Expand or Extract by hand).
//
// `secrets` are the values that must not come out: the DEK and the keyring MAC key (the test
// knows them because it scripted the DEK), plus a forged MAC. Every candidate output is compared
// with each; the result lists every hit by route.
const subtle = globalThis.crypto.subtle;
const hex = (u8) => Array.from(u8, (b) => b.toString(16).padStart(2, "0")).join("");

/** Every CryptoKey and every byte string in a structured-cloned value, with its path. */
export function collect(value) {
  const keys = [];
  const bytes = [];
  const walk = (v, path) => {
    if (typeof CryptoKey !== "undefined" && v instanceof CryptoKey) keys.push({ path, key: v });
    else if (v instanceof ArrayBuffer) bytes.push({ path, bytes: new Uint8Array(v) });
    else if (ArrayBuffer.isView(v)) bytes.push({ path, bytes: new Uint8Array(v.buffer, v.byteOffset, v.byteLength) });
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
  };
  walk(value, "$");
  return { keys, bytes };
}

/** Reads every entry of every object store of an IndexedDB database, as a script would. */
export async function readDatabase(name) {
  const db = await new Promise((resolve, reject) => {
    const req = indexedDB.open(name);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const out = {};
  for (const store of db.objectStoreNames) {
    out[store] = await new Promise((resolve, reject) => {
      const tx = db.transaction(store, "readonly");
      const req = tx.objectStore(store).getAll();
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  db.close();
  return out;
}

const attempt = async (fn) => {
  try {
    return await fn();
  } catch {
    return null;
  }
};

/**
 * Runs every route. `loot` is what was read (any structured-cloned value); `extraSalts` and
 * `macInput` come from the keyring the server serves (public); `labels` are SPEC.md's labels as
 * strings; `secrets` maps a name to the hex of a value that must not be recovered.
 * Returns {tried: {route: count}, hits: [{route, secret, how}]}.
 */
export async function attack({ loot, labels, keyringId, macInput, mac, secrets }) {
  const { keys, bytes } = collect(loot);
  const wanted = new Map(Object.entries(secrets).map(([name, h]) => [h, name]));
  const tried = { export: 0, decrypt: 0, keystream: 0, derive: 0, sign: 0 };
  const hits = [];
  const check = (route, out, how) => {
    if (!out) return;
    const u8 = new Uint8Array(out);
    // A secret may sit anywhere in a longer output (a decrypted 48-byte string, say).
    for (const [h, name] of wanted) {
      if (hex(u8).includes(h)) hits.push({ route, secret: name, how });
    }
  };
  const nonces = bytes.filter((b) => b.bytes.length === 12);
  const aads = [{ path: "none", bytes: undefined }, ...bytes];
  const te = new TextEncoder();
  const infos = [];
  for (const l of labels) {
    infos.push({ name: l, bytes: te.encode(l) });
    infos.push({ name: `${l}||id`, bytes: new Uint8Array([...te.encode(l), ...keyringId]) });
  }
  const salts = [
    { path: "keyring id", bytes: keyringId },
    { path: "empty", bytes: new Uint8Array(0) },
    { path: "zeros", bytes: new Uint8Array(32) },
    ...bytes,
  ];

  for (const { path, key } of keys) {
    for (const format of ["raw", "jwk", "pkcs8", "spki"]) {
      tried.export++;
      const out = await attempt(() => subtle.exportKey(format, key));
      if (out) hits.push({ route: "export", secret: "any key", how: `${path} as ${format}` });
    }
    const u = key.usages;
    if (key.algorithm.name === "AES-GCM") {
      for (const n of nonces) {
        for (const a of aads) {
          for (const c of bytes) {
            if (c.bytes.length < 16) continue;
            const alg = { name: "AES-GCM", iv: n.bytes, ...(a.bytes ? { additionalData: a.bytes } : {}) };
            if (u.includes("decrypt")) {
              tried.decrypt++;
              check("decrypt", await attempt(() => subtle.decrypt(alg, key, c.bytes)), `${path}(${c.path}, iv ${n.path}, aad ${a.path})`);
            }
            if (u.includes("unwrapKey")) {
              tried.decrypt++;
              const k = await attempt(() => subtle.unwrapKey("raw", c.bytes, key, alg, { name: "HMAC", hash: "SHA-256" }, true, ["sign"]));
              if (k) check("decrypt", await attempt(() => subtle.exportKey("raw", k)), `unwrapKey ${path}(${c.path}, iv ${n.path}, aad ${a.path})`);
            }
          }
        }
        if (u.includes("encrypt")) {
          // GCM keystream reuse: E(0^n) XOR stored ciphertext under the same nonce.
          tried.keystream++;
          const stream = await attempt(() => subtle.encrypt({ name: "AES-GCM", iv: n.bytes }, key, new Uint8Array(64)));
          if (stream) {
            const ks = new Uint8Array(stream);
            for (const c of bytes) {
              const x = c.bytes.slice(0, 64).map((b, i) => b ^ ks[i]);
              check("keystream", x, `${path} nonce ${n.path} XOR ${c.path}`);
            }
          }
        }
      }
    }
    if (key.algorithm.name === "HKDF") {
      for (const s of salts) {
        for (const info of infos) {
          const params = { name: "HKDF", hash: "SHA-256", salt: s.bytes, info: info.bytes };
          if (u.includes("deriveBits")) {
            tried.derive++;
            check("derive", await attempt(() => subtle.deriveBits(params, key, 256)), `deriveBits ${path} salt ${s.path} info ${info.name}`);
          }
          if (u.includes("deriveKey")) {
            tried.derive++;
            const k = await attempt(() => subtle.deriveKey(params, key, { name: "HMAC", hash: "SHA-256", length: 256 }, true, ["sign"]));
            if (k) check("derive", await attempt(() => subtle.exportKey("raw", k)), `deriveKey ${path} salt ${s.path} info ${info.name}`);
          }
        }
      }
    }
    if (key.algorithm.name === "HMAC" && u.includes("sign")) {
      tried.sign++;
      const tag = await attempt(() => subtle.sign("HMAC", key, macInput));
      if (tag && hex(new Uint8Array(tag)) === hex(mac)) hits.push({ route: "sign", secret: "keyring MAC", how: `${path} signs the keyring body` });
      const messages = [...infos.flatMap((i) => [i, { name: `${i.name}||01`, bytes: new Uint8Array([...i.bytes, 1]) }]), ...bytes.map((b) => ({ name: b.path, bytes: b.bytes }))];
      for (const m of messages) {
        tried.sign++;
        check("sign", await attempt(() => subtle.sign("HMAC", key, m.bytes)), `${path} signs ${m.name}`);
      }
    }
  }
  return { keys: keys.map((k) => ({ path: k.path, alg: k.key.algorithm.name, usages: [...k.key.usages], extractable: k.key.extractable })), bytes: bytes.length, tried, hits };
}
