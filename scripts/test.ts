/**
 * `bun run test`: builds the single binary (the end-to-end tests run it from
 * outside the repository), then runs every bun test and the Python worker's
 * pytest suite. Fails if anything fails.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dir, "..");
const run = (label: string, argv: string[]): boolean => {
  console.log(`\n=== ${label}: ${argv.join(" ")}`);
  const started = performance.now();
  const proc = Bun.spawnSync(argv, { cwd: root, stdout: "inherit", stderr: "inherit", env: process.env });
  console.log(`=== ${label}: ${proc.exitCode === 0 ? "ok" : `FAILED (exit ${proc.exitCode})`} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return proc.exitCode === 0;
};

const results: boolean[] = [];
results.push(run("typecheck", [join(root, "node_modules", ".bin", "tsc"), "--noEmit", "-p", "."]));
// The Workbench front end targets browsers (DOM types, no node), so it is a project of its own.
results.push(run("typecheck workbench", [join(root, "node_modules", ".bin", "tsc"), "--noEmit", "-p", "workbench-static"]));
results.push(run("build", [process.execPath, "run", "build"]));
const extra = process.argv.slice(2);
// bunfig's [test] timeout is not read by bun 1.4.5; end-to-end tests start servers, so allow a minute each.
results.push(run("bun tests", [process.execPath, "test", "--timeout", "60000", ...extra]));

const python = join(root, ".venv", "bin", "python");
const pyTests = join(root, "plugins", "runtime-python");
if (existsSync(pyTests)) {
  if (!existsSync(python)) {
    console.error("missing .venv: run ./scripts/setup first");
    results.push(false);
  } else {
    results.push(run("python tests", [python, "-m", "pytest", "-q", pyTests]));
  }
}

const failed = results.filter((ok) => !ok).length;
console.log(failed === 0 ? "\nall test suites passed" : `\n${failed} test suite(s) failed`);
process.exit(failed === 0 ? 0 : 1);
