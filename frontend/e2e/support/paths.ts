import path from "node:path";
import { fileURLToPath } from "node:url";

export const frontendDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const repoRoot = path.resolve(frontendDir, "..");
export const distDir = path.join(frontendDir, "dist");
export const outputDir = path.join(frontendDir, "test-output");
export const screenshotDir = path.join(outputDir, "screenshots");
/** The Python environment with the `ringledger` command; RINGLEDGER_VENV overrides it. */
export const venvDir = path.resolve(process.env.RINGLEDGER_VENV ?? path.join(repoRoot, ".venv"));
export const ringledgerBin = path.join(venvDir, "bin", "ringledger");
/** That environment's Python, which runs the backend's test support (the ledger node stand-in). */
export const pythonBin = path.join(venvDir, "bin", "python");
export const backendDir = path.join(repoRoot, "backend");
