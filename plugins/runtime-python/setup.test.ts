import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, symlinkSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { resolveInterpreter, resolvePoolSize, workerScriptPath } from "./setup.ts";
import { pythonProject, runtimeContext } from "./test-helpers.ts";

describe("runtime-python setup", () => {
  const bare = pythonProject({});
  const withVenv = pythonProject({});
  mkdirSync(join(withVenv, ".venv", "bin"), { recursive: true });
  symlinkSync("/usr/bin/env", join(withVenv, ".venv", "bin", "python"));

  afterAll(() => {
    rmSync(bare, { recursive: true, force: true });
    rmSync(withVenv, { recursive: true, force: true });
  });

  test("the interpreter is [python] interpreter, else the project's .venv, else python3", () => {
    expect(resolveInterpreter(runtimeContext(bare).config, bare)).toBe("python3");
    expect(resolveInterpreter(runtimeContext(withVenv).config, withVenv)).toBe(join(withVenv, ".venv", "bin", "python"));
    const configured = runtimeContext(withVenv, (c) => (c.python.interpreter = "python3.12")).config;
    expect(resolveInterpreter(configured, withVenv)).toBe("python3.12");
    const relative = runtimeContext(bare, (c) => (c.python.interpreter = "tools/py")).config;
    expect(resolveInterpreter(relative, bare)).toBe(join(bare, "tools", "py"));
  });

  test("the pool has [python] workers, else one per core", () => {
    expect(resolvePoolSize(runtimeContext(bare).config)).toBe(availableParallelism());
    expect(resolvePoolSize(runtimeContext(bare, (c) => (c.python.workers = 3)).config)).toBe(3);
  });

  test("from source, the worker module is run where it is", () => {
    expect(workerScriptPath()).toBe(join(import.meta.dir, "worker", "rohas_worker.py"));
  });
});
