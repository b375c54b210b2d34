// Writes the backend's current OpenAPI document to frontend/openapi.json (then run gen:api).
import { execFileSync } from "node:child_process";
import { openapiFile, repoRoot, ringledgerBin } from "./paths.mjs";

execFileSync(ringledgerBin, ["openapi", "--out", openapiFile], { cwd: repoRoot, stdio: "inherit" });
console.log(`wrote ${openapiFile}`);
