// Vector runner shared by Node (test/vectors.test.js) and Chromium (test/browser/vectors-page.js):
// runs every vector of vectors/*.json through ops.js and judges it as CONFORMANCE.md section 5
// does, plus the checks a library-level runner can make that a process adapter cannot: no KDF
// ran in a failure other than unlock_failed / keyring_tampered, the unlocked keyring an operation
// failed on is unchanged (SR-ERR-3), the DEK (as a fingerprint), and the informative
// intermediates the API exposes. No node: imports; files come from the caller's loadFile.
import { runVectorOperationDetailed, OPERATIONS } from "./ops.js";
import { dekFingerprintFromBytes } from "../src/testing.js";
import { normalizePassword } from "../src/index.js";
import { hex, fromHex } from "../src/bytes.js";

/** The vector files of vectors/README.md section 1, cheapest first. */
export const VECTOR_FILES = [
  "cbor.json",
  "object.json",
  "version.json",
  "text.json",
  "password.json",
  "policy.json",
  "kdf.json",
  "recovery.json",
  "keyring.json",
  "record.json",
  "tamper.json",
  "hardening.json",
  "accumulated.json",
  "log.json",
  "stream.json",
];

const KNOWN_SCHEMA_VERSIONS = [1];
// Failures that legitimately come after a KDF run (vectors/README.md section 2).
const KDF_ALLOWED = new Set(["unlock_failed", "keyring_tampered"]);

function deepEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
}

const short = (v) => {
  const s = JSON.stringify(v);
  return s === undefined ? "undefined" : s.length > 160 ? s.slice(0, 157) + "..." : s;
};

/** Compares the intermediates the API can expose; returns a list of mismatch messages. */
function checkIntermediates(vector, extras) {
  const inter = vector.intermediates;
  if (!inter) return [];
  const bad = [];
  const cmp = (group, field, want, got) => {
    if (got !== undefined && want !== undefined && got !== want) {
      bad.push(`intermediate ${group}.${field}: expected ${short(want)}, got ${short(got)}`);
    }
  };
  if (inter.slot && extras.slots && Number.isInteger(inter.slot.index)) {
    const s = extras.slots[inter.slot.index];
    if (!s) bad.push(`intermediate slot.index ${inter.slot.index}: no such slot in the result`);
    else for (const f of ["slot_bytes", "commitment", "wrapped_dek", "slot_aad"]) cmp("slot", f, inter.slot[f], s[f]);
  }
  if (inter.keyring && extras.keyring) {
    for (const f of ["mac_input", "mac"]) cmp("keyring", f, inter.keyring[f], extras.keyring[f]);
  }
  if (inter.record && extras.record) {
    for (const f of ["header", "commitment", "ciphertext"]) cmp("record", f, inter.record[f], extras.record[f]);
  }
  if (inter.recovery && extras.recovery) {
    for (const f of ["check", "payload"]) cmp("recovery", f, inter.recovery[f], extras.recovery[f]);
  }
  if (inter.log && extras.log) {
    for (const f of ["context", "leaf"]) cmp("log", f, inter.log[f], extras.log[f]);
  }
  if (inter.stream && extras.stream) {
    for (const f of ["header", "commitment"]) cmp("stream", f, inter.stream[f], extras.stream[f]);
    if (Array.isArray(inter.stream.frames) && !deepEqual(inter.stream.frames, extras.stream.frames)) {
      bad.push(`intermediate stream.frames: expected ${short(inter.stream.frames)}, got ${short(extras.stream.frames)}`);
    }
  }
  if (inter.secret_key && extras.secret_key) {
    for (const f of ["secret_key", "check", "payload"]) cmp("secret_key", f, inter.secret_key[f], extras.secret_key[f]);
  }
  if (typeof inter.password_nfc === "string") {
    const pw = vector.inputs.password ?? vector.inputs.new_password;
    if (pw && typeof pw.string === "string") cmp("", "password_nfc", inter.password_nfc, hex(normalizePassword(pw.string)));
  }
  return bad;
}

/**
 * SPEC.md 11.3 step 6.1: with a preferred slot that did not open, the budget check of the other
 * slots comes after the preferred slot's one KDF run, so unlock_work_exceeded may follow exactly
 * one KDF there (and nowhere else).
 */
function afterPreferredSlot(vector, answer, kdfRuns) {
  return vector.inputs?.preferred !== undefined && kdfRuns === 1
    && answer.class === "limit_exceeded" && answer.reason === "unlock_work_exceeded";
}

/**
 * Judges one vector; returns null on pass or a failure message.
 * @param {object} vector {id, operation, inputs, expected, output?, intermediates?}
 */
async function judge(vector) {
  const { answer, kdfRuns, keyringUnchanged, extras } = await runVectorOperationDetailed(vector.operation, vector.inputs);
  const exp = vector.expected;
  if (answer.result === "protocol_error") return `protocol_error: ${answer.message}`;
  if (answer.result === "unsupported") return "ops.js answered unsupported";
  if (exp.result === "success") {
    if (answer.result !== "success") return `expected success, got ${answer.class}/${answer.reason}`;
    const out = answer.output ?? {};
    for (const [field, want] of Object.entries(vector.output ?? {})) {
      if (field === "dek") {
        // The DEK is a non-extractable CryptoKey: compare fingerprints (CONFORMANCE.md 3.1).
        const fp = await dekFingerprintFromBytes(fromHex(want));
        if (out.dek_fingerprint !== fp) return `output.dek: fingerprint ${out.dek_fingerprint} != ${fp} of the expected DEK`;
      } else if (!Object.hasOwn(out, field)) {
        return `output.${field} missing`;
      } else if (!deepEqual(out[field], want)) {
        return `output.${field}: expected ${short(want)}, got ${short(out[field])}`;
      }
    }
    const bad = checkIntermediates(vector, extras);
    if (bad.length) return bad.join("; ");
    return null;
  }
  // Expected error.
  const wantReason = exp.reason ?? null;
  if (answer.result === "success") return `unexpected success, expected ${exp.class}/${wantReason}`;
  if (answer.result !== "error") return `unknown answer ${short(answer)}`;
  if (Object.hasOwn(answer, "output")) return "error answer carries an output (SR-ERR-3)";
  if (answer.class !== exp.class || (answer.reason ?? null) !== wantReason) {
    return `expected ${exp.class}/${wantReason}, got ${answer.class}/${answer.reason ?? null}`;
  }
  // open_stream: a consumer that releases chunks released exactly as many as the vector says.
  if (Object.hasOwn(exp, "released_chunks") && answer.released_chunks !== exp.released_chunks) {
    return `expected ${exp.released_chunks} chunk(s) released before the failure, got ${answer.released_chunks}`;
  }
  if (kdfRuns !== 0 && !KDF_ALLOWED.has(answer.class) && !afterPreferredSlot(vector, answer, kdfRuns)) {
    return `${kdfRuns} KDF run(s) before failing with ${answer.class}`;
  }
  if (keyringUnchanged === false) return "the unlocked keyring changed although the operation failed (SR-ERR-3)";
  return null;
}

/** Expands a tamper set (vectors/README.md section 5) into the base vector and one per mutation. */
function* tamperVectors(set) {
  yield { ...set, expected: { result: "success" }, output: undefined, intermediates: undefined };
  const base = set.inputs[set.target];
  if (typeof base !== "string") throw new Error(`${set.id}: target ${set.target} is not hex`);
  const bytes = fromHex(base);
  for (const m of set.mutations) {
    let mutated, suffix;
    if (Object.hasOwn(m, "truncate")) {
      mutated = bytes.slice(0, m.truncate);
      suffix = `t${m.truncate}`;
    } else if (Object.hasOwn(m, "flip")) {
      const [offset, bit] = m.flip;
      mutated = Uint8Array.from(bytes);
      mutated[offset] ^= 1 << bit;
      suffix = `f${offset}.${bit}`;
    } else {
      throw new Error(`${set.id}: unknown mutation ${JSON.stringify(m)}`);
    }
    const expected = { result: "error", class: m.class };
    if (m.reason !== undefined) expected.reason = m.reason;
    if (m.released_chunks !== undefined) expected.released_chunks = m.released_chunks;
    yield {
      id: `${set.id}/${suffix}`,
      operation: set.operation,
      flags: set.flags,
      inputs: { ...set.inputs, [set.target]: hex(mutated) },
      expected,
    };
  }
}

/**
 * Runs every vector file.
 * @param {{loadFile: (name: string) => Promise<object>, log?: (...parts: any[]) => void,
 *          files?: string[], slow?: boolean, filter?: (id: string) => boolean}} options
 *   `slow`: also run vectors flagged Slow (the 1,000,000-iteration accumulated test).
 * @returns {Promise<{files: Object<string, {pass: number, fail: number, skip: number}>,
 *   failures: Array<{file: string, id: string, op: string, message: string}>,
 *   skipped: Array<{file: string, id: string, reason: string}>, total: number}>}
 */
export async function runAllVectors({ loadFile, log = () => {}, files = VECTOR_FILES, slow = false, filter } = {}) {
  const summary = { files: {}, failures: [], skipped: [], total: 0 };
  for (const file of files) {
    const name = file.replace(/\.json$/, "");
    const counts = (summary.files[name] = { pass: 0, fail: 0, skip: 0 });
    const fail = (id, op, message) => {
      counts.fail++;
      summary.total++;
      summary.failures.push({ file: name, id, op, message });
      log(`FAIL ${id} (${op}): ${message}`);
    };
    let data;
    try {
      data = await loadFile(file);
    } catch (e) {
      fail(`${name}:load`, "-", `cannot load ${file}: ${e?.message ?? e}`);
      continue;
    }
    // vectors/README.md section 7: refuse a file format we do not know.
    if (!KNOWN_SCHEMA_VERSIONS.includes(data?.schema_version)) {
      fail(`${name}:schema_version`, "-", `unknown schema_version ${short(data?.schema_version)}`);
      continue;
    }
    const started = Date.now();
    const all = [...(data.vectors ?? [])];
    for (const set of data.tamper_sets ?? []) all.push(...tamperVectors(set));
    for (const v of all) {
      if (filter && !filter(v.id)) continue;
      if (v.status === "deprecated") {
        counts.skip++;
        summary.total++;
        summary.skipped.push({ file: name, id: v.id, reason: `deprecated: ${v.deprecated_reason ?? ""}` });
        continue;
      }
      if (v.status !== undefined && v.status !== "active") {
        fail(v.id, v.operation, `unknown status ${short(v.status)}`);
        continue;
      }
      if (!slow && (v.flags ?? []).includes("Slow")) {
        counts.skip++;
        summary.total++;
        summary.skipped.push({ file: name, id: v.id, reason: "flag Slow (run with slow: true)" });
        continue;
      }
      // Never skip an operation we do not know (vectors/README.md section 7).
      if (!OPERATIONS.includes(v.operation)) {
        fail(v.id, v.operation, `unknown operation ${short(v.operation)}`);
        continue;
      }
      let message;
      try {
        message = await judge(v);
      } catch (e) {
        message = `runner error: ${e?.name}: ${e?.message}`;
      }
      if (message === null) {
        counts.pass++;
        summary.total++;
      } else {
        fail(v.id, v.operation, message);
      }
    }
    log(`${name}: ${counts.pass} pass, ${counts.fail} fail, ${counts.skip} skip (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
  const t = Object.values(summary.files).reduce((a, c) => ({ pass: a.pass + c.pass, fail: a.fail + c.fail, skip: a.skip + c.skip }), { pass: 0, fail: 0, skip: 0 });
  log(`total: ${summary.total} vectors, ${t.pass} pass, ${t.fail} fail, ${t.skip} skip`);
  return summary;
}
