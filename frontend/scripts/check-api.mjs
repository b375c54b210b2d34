// Fails when the committed TypeScript types no longer match openapi.json, and (when the
// backend's Python environment is present) when openapi.json no longer matches the backend.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  openapiFile,
  openapiTypescriptBin,
  repoRoot,
  ringledgerBin,
  schemaFile,
} from "./paths.mjs";

const scratch = mkdtempSync(path.join(os.tmpdir(), "ringledger-api-"));
const problems = [];
try {
  const regenerated = path.join(scratch, "schema.d.ts");
  execFileSync(openapiTypescriptBin, [openapiFile, "--output", regenerated], { stdio: "pipe" });
  if (readFileSync(regenerated, "utf8") !== readFileSync(schemaFile, "utf8")) {
    problems.push("src/api/schema.d.ts is stale: run `npm run gen:api` and commit the result");
  }
  if (existsSync(ringledgerBin)) {
    const exported = path.join(scratch, "openapi.json");
    execFileSync(ringledgerBin, ["openapi", "--out", exported], { cwd: repoRoot, stdio: "pipe" });
    if (readFileSync(exported, "utf8") !== readFileSync(openapiFile, "utf8")) {
      problems.push(
        "openapi.json differs from the backend: run `npm run export:api && npm run gen:api`",
      );
    }
  } else {
    console.log(`(backend not found at ${ringledgerBin}; compared the committed document only)`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
if (problems.length > 0) {
  for (const problem of problems) console.error(`✗ ${problem}`);
  process.exit(1);
}
console.log("✓ the API types match the OpenAPI document");
