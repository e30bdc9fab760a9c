// The node:crypto backend: the same operations as backend/webcrypto.js, computed synchronously with
// OpenSSL through node:crypto (each WebCrypto call in Node is a thread-pool round trip costing
// 60-100 µs; these cost a few µs). Only PBKDF2 stays asynchronous, on libuv's thread pool, so that
// an unlock does not block a server's event loop for its whole KDF.
//
// Node has no non-extractable keys: a handle here keeps its bytes in a private field of a frozen
// object that no other module can read, which protects against accidents (logging, serializing)
// but not against code running in the same process.
import { createCipheriv, createDecipheriv, createHash, createHmac, pbkdf2 as pbkdf2Cb, randomFillSync, timingSafeEqual } from "node:crypto";

export const name = "node";

/** An opaque key: its bytes and the usages it was made with (checked like WebCrypto does). */
class NodeKey {
  #bytes;
  constructor(bytes, kind, usages) {
    this.#bytes = bytes;
    this.kind = kind;
    this.usages = Object.freeze([...usages]);
    Object.freeze(this);
  }

  static bytesOf(key, kind, usage) {
    if (!(key instanceof NodeKey) || key.kind !== kind || (usage && !key.usages.includes(usage))) {
      throw new TypeError(`node backend: key is not a ${kind} key with usage ${usage}`);
    }
    return key.#bytes;
  }
}

const IKM_USAGES = ["deriveBits", "deriveKey"];
const ikmBytes = (k) => NodeKey.bytesOf(k, "ikm", "deriveBits");

/** HKDF-SHA256 with L = 32: one Extract, one Expand block (RFC 5869). */
function hkdf32(ikm, salt, info) {
  const prk = createHmac("sha256", salt).update(ikm).digest();
  const okm = createHmac("sha256", prk).update(info).update(ONE).digest();
  prk.fill(0);
  return okm;
}
const ONE = Uint8Array.of(1);

// CSPRNG output is fetched 4 KiB at a time: one system call per ~90 records instead of two per
// record. Bytes handed out are wiped from the pool, so none is ever given twice (SR-KEY-9).
const POOL_BYTES = 4096;
const pool = new Uint8Array(POOL_BYTES);
let poolUsed = POOL_BYTES;

/** Fills `buf` with CSPRNG output (OpenSSL's, through node:crypto). */
export function randomFill(buf) {
  if (buf.length > 256) {
    randomFillSync(buf);
    return;
  }
  if (poolUsed + buf.length > POOL_BYTES) {
    randomFillSync(pool);
    poolUsed = 0;
  }
  buf.set(pool.subarray(poolUsed, poolUsed + buf.length));
  pool.fill(0, poolUsed, poolUsed + buf.length);
  poolUsed += buf.length;
}

const asU8 = (buf) => new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);

export function pbkdf2(P, salt, iterations) {
  return new Promise((resolve, reject) => {
    pbkdf2Cb(P, salt, iterations, 32, "sha256", (err, key) => (err ? reject(err) : resolve(asU8(key))));
  });
}

export function importIkm(bytes) {
  const copy = Buffer.from(bytes);
  bytes.fill(0);
  return new NodeKey(copy, "ikm", IKM_USAGES);
}

/** An HMAC-SHA256 key with the usage sign only; the bytes are wiped. */
export function importHmacSign(bytes) {
  const copy = Buffer.from(bytes);
  bytes.fill(0);
  return new NodeKey(copy, "mac", ["sign"]);
}

export function sha256(data) {
  return asU8(createHash("sha256").update(data).digest());
}

/** Synchronous SHA-256 of the concatenated parts (the Merkle tree of logs, SPEC.md 11.15.3). */
export function sha256Sync(...parts) {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return asU8(h.digest());
}

export function hkdfBits(ikm, salt, info) {
  return asU8(hkdf32(ikmBytes(ikm), salt, info));
}

export function hkdfAes(ikm, salt, info, usages) {
  return new NodeKey(hkdf32(ikmBytes(ikm), salt, info), "aes", usages);
}

export function hkdfMac(ikm, salt, info, usages) {
  return new NodeKey(hkdf32(ikmBytes(ikm), salt, info), "mac", usages);
}

export function hkdfIkm(ikm, salt, info) {
  return new NodeKey(hkdf32(ikmBytes(ikm), salt, info), "ikm", IKM_USAGES);
}

/**
 * Record key and commitment from one Extract (SR-KEY-7): three HMAC calls instead of four. The
 * WebCrypto backend has the same function so that record.js does not care which one runs.
 */
export function hkdfAesAndBits(ikm, salt, keyInfo, usages, bitsInfo) {
  const prk = createHmac("sha256", salt).update(ikmBytes(ikm)).digest();
  const key = createHmac("sha256", prk).update(keyInfo).update(ONE).digest();
  const bits = createHmac("sha256", prk).update(bitsInfo).update(ONE).digest();
  prk.fill(0);
  return { aes: new NodeKey(key, "aes", usages), bits: asU8(bits) };
}

/** ciphertext || tag, written into `out` when given (it must be plaintext.length + 16 long). */
function encrypt(key, iv, aad, plaintext, out) {
  const c = createCipheriv("aes-256-gcm", key, iv, { authTagLength: 16 });
  c.setAAD(aad);
  const head = c.update(plaintext);
  const tail = c.final();
  const tag = c.getAuthTag();
  const dst = out ?? new Uint8Array(head.length + tail.length + 16);
  dst.set(head, 0);
  dst.set(tail, head.length);
  dst.set(tag, head.length + tail.length);
  return dst;
}

/**
 * OpenSSL's decipher hands out plaintext before final() has checked the tag; it stays in this
 * function and is wiped if the tag fails, so nothing unauthenticated is released (SR-OP-9).
 */
function decrypt(key, iv, aad, ciphertext) {
  if (ciphertext.length < 16) return null;
  const d = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: 16 });
  d.setAAD(aad);
  d.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const out = d.update(ciphertext.subarray(0, ciphertext.length - 16));
  try {
    d.final();
  } catch {
    out.fill(0);
    return null;
  }
  return asU8(out);
}

export function gcmEncrypt(aes, iv, aad, plaintext, out) {
  return encrypt(NodeKey.bytesOf(aes, "aes", "encrypt"), iv, aad, plaintext, out);
}

export function gcmDecrypt(aes, iv, aad, ciphertext) {
  return decrypt(NodeKey.bytesOf(aes, "aes", "decrypt"), iv, aad, ciphertext);
}

export function gcmUnwrapIkm(aes, iv, aad, wrapped) {
  const dek = decrypt(NodeKey.bytesOf(aes, "aes", "unwrapKey"), iv, aad, wrapped);
  return dek === null ? null : importIkm(dek);
}

export function gcmRewrap(from, to) {
  const dek = decrypt(NodeKey.bytesOf(from.aes, "aes", "unwrapKey"), from.iv, from.aad, from.wrapped);
  if (dek === null) return null;
  try {
    return encrypt(NodeKey.bytesOf(to.aes, "aes", "wrapKey"), to.iv, to.aad, dek);
  } finally {
    dek.fill(0);
  }
}

export function hmacSign(mac, data) {
  return asU8(createHmac("sha256", NodeKey.bytesOf(mac, "mac", "sign")).update(data).digest());
}

export function hmacVerify(mac, tag, data) {
  const expected = createHmac("sha256", NodeKey.bytesOf(mac, "mac", "verify")).update(data).digest();
  return tag.length === expected.length && timingSafeEqual(expected, tag);
}

export function isHandle(h) {
  return h instanceof NodeKey;
}
