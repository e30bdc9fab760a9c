// Builds the example extension into a directory that Chromium loads as an unpacked extension
// (default: extension/dist/, gitignored): sw.js, popup.js and content.js bundled by esbuild, plus
// manifest.json, popup.html and popup.css copied as they are, and THIRD_PARTY_NOTICES.txt.
//
//   node extension/build.mjs [--strongroom DIR] [--outdir DIR]
//
// --strongroom DIR  where `strongroom` is resolved from, as a package: either a strongroom
//                   package directory (default: ports/js itself, through the package's
//                   self-reference) or a project directory with strongroom in its node_modules,
//                   e.g. a project that ran `npm install strongroom-0.2.0.tgz`. Either way the
//                   package's "exports" map decides the file, under esbuild's browser
//                   conditions: the "default" entry (src/index.js, WebCrypto), never "node".
//
// The bundles are IIFE scripts (no module imports at all), so the service worker needs no
// "type": "module" and has no dynamic import(), which service workers forbid. The build fails
// if a bundle has an import() anyway, or if the Node entry of strongroom got into it.
import * as esbuild from "esbuild";
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_STRONGROOM = path.resolve(HERE, "..");
const STATIC_FILES = ["manifest.json", "popup.html", "popup.css"];
const NOTICES = "THIRD_PARTY_NOTICES.txt";
const ENTRIES = { sw: "src/sw.js", popup: "src/popup.js", content: "src/content.js" };

/** esbuild plugin: resolve `strongroom` and `strongroom/...` from `fromDir`, as a package. */
function strongroomFrom(fromDir) {
  return {
    name: "strongroom-from",
    setup(build) {
      build.onResolve({ filter: /^strongroom(\/.*)?$/ }, async (args) => {
        if (args.pluginData?.strongroomFrom) return undefined; // our own resolve call below
        const result = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: fromDir,
          pluginData: { strongroomFrom: true },
        });
        if (result.errors.length > 0) return { errors: result.errors };
        return { path: result.path, sideEffects: result.sideEffects };
      });
    },
  };
}

/** The package.json of the strongroom that `fromDir` resolves to. */
async function strongroomPackage(fromDir) {
  const own = path.join(fromDir, "package.json");
  if (existsSync(own)) {
    const pkg = JSON.parse(await readFile(own, "utf8"));
    if (pkg.name === "strongroom") return { dir: fromDir, version: pkg.version };
  }
  const installed = path.join(fromDir, "node_modules", "strongroom", "package.json");
  if (!existsSync(installed)) {
    throw new Error(`--strongroom ${fromDir}: neither the strongroom package nor a project with node_modules/strongroom`);
  }
  const pkg = JSON.parse(await readFile(installed, "utf8"));
  return { dir: path.dirname(installed), version: pkg.version };
}

/**
 * The license texts the bundles need beside them: the package's NOTICE and LICENSE-MIT, and the
 * vendored Argon2id's notice, the legal comment ("slash-star-bang") at the top of
 * src/vendor/argon2id.js (esbuild keeps it at the end of each bundle too; the file makes it easy
 * to find).
 */
async function thirdPartyNotices(pkgDir) {
  const read = (f) => readFile(path.join(pkgDir, f), "utf8");
  const vendored = await read("src/vendor/argon2id.js");
  const m = vendored.match(/^\/\*!([\s\S]*?)\*\//);
  if (!m) throw new Error("src/vendor/argon2id.js does not start with its /*! notice */");
  const header = m[1].split("\n").map((l) => l.replace(/^ \* ?/, "").replace(/^ /, ""));
  return [
    "This extension bundles strongroom (JavaScript) and the third-party code inside it.",
    "",
    "== strongroom: NOTICE ==",
    (await read("NOTICE")).trimEnd(),
    "",
    "== strongroom: LICENSE-MIT ==",
    (await read("LICENSE-MIT")).trimEnd(),
    "",
    "== src/vendor/argon2id.js (hash-wasm) ==",
    header.join("\n").trimEnd(),
    "",
  ].join("\n");
}

/**
 * Builds the extension. Returns {outdir, strongroom: {dir, version}, bundles: {name: bytes},
 * inputs: [bundled files]}.
 */
export async function buildExtension({ strongroom = DEFAULT_STRONGROOM, outdir = path.join(HERE, "dist"), quiet = false } = {}) {
  const fromDir = path.resolve(strongroom);
  const pkg = await strongroomPackage(fromDir);
  outdir = path.resolve(outdir);
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });

  const result = await esbuild.build({
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, path.join(HERE, file)])),
    outdir,
    bundle: true,
    format: "iife",
    platform: "browser",
    target: ["chrome103", "firefox121"],
    charset: "utf8",
    banner: { js: `/*! Strongroom log extension, built with strongroom ${pkg.version}. Licenses of the bundled code: ${NOTICES} */` },
    metafile: true,
    logLevel: quiet ? "silent" : "warning",
    plugins: [strongroomFrom(fromDir)],
  });

  const bundles = {};
  for (const [file, info] of Object.entries(result.metafile.outputs)) {
    const text = await readFile(path.resolve(file), "utf8");
    // A service worker (and a content script) cannot use import(): it would fail at run time.
    if (/\bimport\s*\(/.test(text)) throw new Error(`${file}: the bundle contains a dynamic import()`);
    bundles[path.basename(file)] = info.bytes;
  }
  const inputs = Object.keys(result.metafile.inputs).map((p) => path.resolve(p));
  const nodeEntry = inputs.filter((p) => /[\\/]src[\\/](node|backend[\\/]node)\.js$/.test(p));
  if (nodeEntry.length > 0) throw new Error(`the Node entry of strongroom was bundled: ${nodeEntry.join(", ")}`);

  for (const file of STATIC_FILES) await cp(path.join(HERE, file), path.join(outdir, file));
  await writeFile(path.join(outdir, NOTICES), await thirdPartyNotices(pkg.dir));
  if (!quiet) {
    console.log(`strongroom ${pkg.version} from ${pkg.dir}`);
    for (const [name, bytes] of Object.entries(bundles)) console.log(`  ${name.padEnd(11)} ${bytes} bytes`);
    console.log(`extension built in ${outdir}`);
  }
  return { outdir, strongroom: pkg, bundles, inputs };
}

function parseArgs(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--strongroom" || arg === "--outdir") {
      const value = argv[++i];
      if (!value) throw new Error(`${arg} needs a directory`);
      opts[arg.slice(2)] = value;
    } else {
      throw new Error(`unknown argument ${arg}\nusage: node extension/build.mjs [--strongroom DIR] [--outdir DIR]`);
    }
  }
  return opts;
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  try {
    await buildExtension(parseArgs(process.argv.slice(2)));
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
