/**
 * Runs the repository's TypeScript tools (plan, bench, netpol, docs) on plain Node:
 * `node -r ./tools/register.js tools/plan/main.ts`.
 *
 * Why not tsx: tsx hooks both module systems and inspects every JavaScript file Node loads (several
 * thousand in the Pulumi SDKs), which cost the offline plan about 0.5 s of its 2–3 s. This hook only
 * handles `.ts` files: esbuild transpiles each to CommonJS (types stripped, no type check — that is
 * `tsc --noEmit`'s job), with the tsconfig options that change emitted code, and the result is cached
 * on disk by content, so an unchanged file is read back instead of transpiled again.
 *
 * Source maps are inline; Node applies them when started with --enable-source-maps (the plan turns
 * them on for --verbose).
 */
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const Module = require("node:module");
const os = require("node:os");
const path = require("node:path");
const esbuild = require("esbuild");

/** Options that change emitted code (tsconfig.json: target ES2022, CommonJS under Node). */
const OPTIONS = {
  loader: "ts",
  format: "cjs",
  target: "es2022",
  platform: "node",
  sourcemap: "inline",
  tsconfigRaw: {
    compilerOptions: { target: "ES2022", useDefineForClassFields: true, esModuleInterop: true },
  },
};
const SALT = JSON.stringify([esbuild.version, OPTIONS]);

function cacheDir() {
  const fromEnv = process.env.AMEIDE_TS_CACHE;
  if (fromEnv === "0" || fromEnv === "off") return undefined;
  if (fromEnv) return fromEnv;
  const nodeModules = path.join(__dirname, "..", "node_modules");
  return fs.existsSync(nodeModules)
    ? path.join(nodeModules, ".cache", "ameide-ts")
    : path.join(os.tmpdir(), "ameide-ts-cache");
}
const CACHE = cacheDir();

function transpile(source, filename) {
  const key = crypto
    .createHash("sha256")
    .update(SALT)
    .update("\0")
    .update(filename)
    .update("\0")
    .update(source);
  const file = CACHE && path.join(CACHE, `${key.digest("hex").slice(0, 40)}.js`);
  if (file) {
    try {
      return fs.readFileSync(file, "utf8");
    } catch {
      // not cached yet
    }
  }
  const { code } = esbuild.transformSync(source, { ...OPTIONS, sourcefile: filename });
  if (file) {
    try {
      fs.mkdirSync(CACHE, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, code);
      fs.renameSync(tmp, file);
    } catch {
      // a read-only checkout still works, just without the cache
    }
  }
  return code;
}

// Replaces Node's own `.ts` handler (type stripping, which rejects enums and parameter
// properties and leaves import syntax to the ES module loader).
Module._extensions[".ts"] = function loadTypeScript(module, filename) {
  module._compile(transpile(fs.readFileSync(filename, "utf8"), filename), filename);
};
