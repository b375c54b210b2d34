// Locations shared by the helper scripts: the frontend folder, the repository root and the
// Python environment that provides the `ringledger` command (override with RINGLEDGER_VENV).
import path from "node:path";
import { fileURLToPath } from "node:url";

export const frontendDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const repoRoot = path.resolve(frontendDir, "..");
export const venvDir = path.resolve(process.env.RINGLEDGER_VENV ?? path.join(repoRoot, ".venv"));
export const ringledgerBin = path.join(venvDir, "bin", "ringledger");
export const openapiFile = path.join(frontendDir, "openapi.json");
export const schemaFile = path.join(frontendDir, "src", "api", "schema.d.ts");
export const openapiTypescriptBin = path.join(
  frontendDir,
  "node_modules",
  ".bin",
  "openapi-typescript",
);
