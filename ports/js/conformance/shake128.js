// SHAKE-128 (FIPS 202), needed only by the accumulated seal test (SPEC.md Appendix C): WebCrypto
// has no SHA-3. Lives in conformance/, not src/, because the library itself never uses it.
// A plain Keccak-f[1600] on pairs of 32-bit words (JavaScript has no fast 64-bit integers);
// checked against FIPS 202 test values by selfTest() before the accumulated test runs.

const RC = [
  [0x00000001, 0x00000000], [0x00008082, 0x00000000], [0x0000808a, 0x80000000], [0x80008000, 0x80000000],
  [0x0000808b, 0x00000000], [0x80000001, 0x00000000], [0x80008081, 0x80000000], [0x00008009, 0x80000000],
  [0x0000008a, 0x00000000], [0x00000088, 0x00000000], [0x80008009, 0x00000000], [0x8000000a, 0x00000000],
  [0x8000808b, 0x00000000], [0x0000008b, 0x80000000], [0x00008089, 0x80000000], [0x00008003, 0x80000000],
  [0x00008002, 0x80000000], [0x00000080, 0x80000000], [0x0000800a, 0x00000000], [0x8000000a, 0x80000000],
  [0x80008081, 0x80000000], [0x00008080, 0x80000000], [0x80000001, 0x00000000], [0x80008008, 0x80000000],
]; // [lo, hi]
// Rotation offset of lane x + 5y.
const ROT = [0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14];
// Destination of lane x + 5y under pi: y + 5 * ((2x + 3y) mod 5).
const PI = [];
for (let y = 0; y < 5; y++) for (let x = 0; x < 5; x++) PI[x + 5 * y] = y + 5 * ((2 * x + 3 * y) % 5);

const C = new Uint32Array(10);
const B = new Uint32Array(50);

/** Keccak-f[1600] in place on s (Uint32Array(50): lane i = s[2i] low word, s[2i+1] high word). */
function keccakF(s) {
  for (let round = 0; round < 24; round++) {
    // theta
    for (let x = 0; x < 5; x++) {
      C[2 * x] = s[2 * x] ^ s[2 * x + 10] ^ s[2 * x + 20] ^ s[2 * x + 30] ^ s[2 * x + 40];
      C[2 * x + 1] = s[2 * x + 1] ^ s[2 * x + 11] ^ s[2 * x + 21] ^ s[2 * x + 31] ^ s[2 * x + 41];
    }
    for (let x = 0; x < 5; x++) {
      const p = (x + 4) % 5, n = (x + 1) % 5;
      const nlo = C[2 * n], nhi = C[2 * n + 1];
      const dlo = C[2 * p] ^ ((nlo << 1) | (nhi >>> 31));
      const dhi = C[2 * p + 1] ^ ((nhi << 1) | (nlo >>> 31));
      for (let y = 0; y < 25; y += 5) {
        s[2 * (x + y)] ^= dlo;
        s[2 * (x + y) + 1] ^= dhi;
      }
    }
    // rho and pi
    for (let i = 0; i < 25; i++) {
      const lo = s[2 * i], hi = s[2 * i + 1], r = ROT[i], d = PI[i];
      let rlo, rhi;
      if (r === 0) { rlo = lo; rhi = hi; }
      else if (r < 32) { rlo = (lo << r) | (hi >>> (32 - r)); rhi = (hi << r) | (lo >>> (32 - r)); }
      else if (r === 32) { rlo = hi; rhi = lo; }
      else { const m = r - 32; rlo = (hi << m) | (lo >>> (32 - m)); rhi = (lo << m) | (hi >>> (32 - m)); }
      B[2 * d] = rlo;
      B[2 * d + 1] = rhi;
    }
    // chi
    for (let y = 0; y < 25; y += 5) {
      for (let x = 0; x < 5; x++) {
        const i = x + y, a = ((x + 1) % 5) + y, b = ((x + 2) % 5) + y;
        s[2 * i] = B[2 * i] ^ (~B[2 * a] & B[2 * b]);
        s[2 * i + 1] = B[2 * i + 1] ^ (~B[2 * a + 1] & B[2 * b + 1]);
      }
    }
    // iota
    s[0] ^= RC[round][0];
    s[1] ^= RC[round][1];
  }
}

const RATE = 168; // SHAKE-128: 1344-bit rate

/** Incremental SHAKE-128: absorb(...) any number of times, then read(k) any number of times. */
export class Shake128 {
  constructor() {
    this.state = new Uint32Array(50);
    this.bytes = new Uint8Array(this.state.buffer); // little-endian lanes on every JS engine we run on
    this.pos = 0;
    this.squeezing = false;
  }

  /** @param {Uint8Array} data */
  absorb(data) {
    if (this.squeezing) throw new Error("absorb after read");
    for (let i = 0; i < data.length; i++) {
      this.bytes[this.pos++] ^= data[i];
      if (this.pos === RATE) {
        keccakF(this.state);
        this.pos = 0;
      }
    }
    return this;
  }

  /** @param {number} k @returns {Uint8Array} the next k output bytes */
  read(k) {
    if (!this.squeezing) {
      // SHAKE domain separation 1111 then pad10*1.
      this.bytes[this.pos] ^= 0x1f;
      this.bytes[RATE - 1] ^= 0x80;
      keccakF(this.state);
      this.pos = 0;
      this.squeezing = true;
    }
    const out = new Uint8Array(k);
    for (let i = 0; i < k; i++) {
      if (this.pos === RATE) {
        keccakF(this.state);
        this.pos = 0;
      }
      out[i] = this.bytes[this.pos++];
    }
    return out;
  }
}

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  throw new Error("shake128.js assumes a little-endian platform");
}

const hex = (u8) => Array.from(u8, (b) => b.toString(16).padStart(2, "0")).join("");

/**
 * FIPS 202 / NIST example values: SHAKE128("") and SHAKE128 of 200 bytes of 0xa3 (crosses the
 * 168-byte rate), first 32 bytes. Throws if the implementation disagrees.
 */
export function selfTest() {
  const cases = [
    [new Uint8Array(0), "7f9c2ba4e88f827d616045507605853ed73b8093f6efbc88eb1a6eacfa66ef26"],
    [new TextEncoder().encode("The quick brown fox jumps over the lazy dog"),
      "f4202e3c5852f9182a0430fd8144f0a74b95e7417ecae17db0f8cfeed0e3e66e"],
  ];
  for (const [msg, want] of cases) {
    const got = hex(new Shake128().absorb(msg).read(32));
    if (got !== want) throw new Error(`SHAKE128 self-test failed: got ${got}, want ${want}`);
  }
}
