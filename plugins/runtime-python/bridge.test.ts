/**
 * The Python bridge against real worker processes: a temp project per group,
 * handlers written as files, calls made through the RuntimeBridge interface.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { HandlerError, type HandlerRef } from "../../core/runtime.ts";
import { PythonBridge } from "./bridge.ts";
import { pythonProject, recordingState, runtimeContext, TEST_PYTHON, writeProjectFile } from "./test-helpers.ts";

const api = (name: string): HandlerRef => ({ kind: "api", name });
const request = (body: unknown = {}, extra: Record<string, unknown> = {}) => ({ params: {}, queryParams: {}, body, headers: {}, ...extra });

async function failure(promise: Promise<unknown>): Promise<HandlerError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(HandlerError);
    return error as HandlerError;
  }
  throw new Error("expected the call to fail");
}

const readLines = (file: string): string[] => (existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : []);

/** Polls until `fn` returns a value (not undefined), or fails after `timeoutMs`. */
async function eventually<T>(fn: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await Bun.sleep(20);
  }
}

const settle = (promise: Promise<unknown>) =>
  promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const GENERATED = {
  "src/generated/__init__.py": "",
  "src/generated/api/__init__.py": "",
  "src/generated/events/__init__.py": "",
  "src/generated/api/create_user.py": `
    from pydantic import BaseModel

    class CreateUserInput(BaseModel):
        name: str
        email: str

    class CreateUserRequest(BaseModel):
        body: CreateUserInput
        query_params: dict = {}

    class CreateUserResponse(BaseModel):
        data: dict
  `,
  "src/generated/api/get_user.py": `
    from pydantic import BaseModel

    class GetUserRequest(BaseModel):
        id: str
        query_params: dict = {}
  `,
  "src/generated/events/user_created.py": `
    from pydantic import BaseModel

    class UserCreated(BaseModel):
        payload: dict
  `,
};

describe("PythonBridge: handlers, state, errors", () => {
  let dir: string;
  let bridge: PythonBridge;
  let context: ReturnType<typeof runtimeContext>;

  beforeAll(() => {
    dir = pythonProject({
      ...GENERATED,
      "src/handlers/api/create_user.py": `
        from generated.api.create_user import CreateUserRequest, CreateUserResponse

        async def handle_create_user(req: CreateUserRequest, state) -> CreateUserResponse:
            state.logger.info("creating user", email=req.body.email)
            print("print goes to the logs")
            state.trigger_event("AuditLogged", {"who": req.body.name})
            state.set_payload("UserCreated", {"name": req.body.name})
            return CreateUserResponse(data={"name": req.body.name, "trace": state.trace_id})
      `,
      "src/handlers/api/get_user.py": `
        from generated.api.get_user import GetUserRequest

        def handle_get_user(req: GetUserRequest):
            return {"id": req.id, "verbose": req.query_params.get("verbose")}
      `,
      "src/handlers/api/explode.py": `
        def check(value):
            raise ValueError(f"cannot handle {value}")

        async def handle_explode(req):
            check(req.body["value"])
      `,
      "src/handlers/events/send_welcome_email.py": `
        from generated.events.user_created import UserCreated

        async def handle_send_welcome_email(event: UserCreated, state):
            state.logger.warning("sending welcome", to=event.payload["name"])
            return {"sent_to": event.payload["name"]}
      `,
      "src/handlers/cron/daily_cleanup.py": `
        def handle_daily_cleanup(req):
            return "cleaned"
      `,
      "src/handlers/websockets/on_message.py": `
        def on_message(message, connection, state):
            return {"echo": message["text"], "connection": connection["id"]}
      `,
      "src/middlewares/auth.py": `
        class Unauthorized(Exception):
            status = 401

        def auth_middleware(context, state):
            if context["headers"].get("authorization") != "Bearer ok":
                raise Unauthorized("missing or wrong token")
            return {"payload": {**context["payload"], "user": "ada"}, "query_params": context["query_params"]}
      `,
      "src/handlers/api/wrong_name.py": `
        def handle_wrongname(req):
            return 1
      `,
      "src/handlers/api/broken.py": `
        def handle_broken(req)
            return 1
      `,
    });
    context = runtimeContext(dir);
    bridge = new PythonBridge(context, { workers: 2, interpreter: TEST_PYTHON });
  });

  afterAll(async () => {
    await bridge.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("prepare reports missing files, missing functions and import errors, naming path and function", async () => {
    const diagnostics = await bridge.prepare([
      api("CreateUser"),
      api("GetUser"),
      { kind: "event", name: "send_welcome_email" },
      { kind: "middleware", name: "auth" },
      api("DeleteUser"),
      api("WrongName"),
      api("Broken"),
    ]);
    const byCode = Object.fromEntries(diagnostics.map((d) => [d.code, d]));
    expect(diagnostics).toHaveLength(3);
    expect(byCode["runtime-python/handler-not-found"]!.message).toBe(
      "api handler 'DeleteUser' not found: expected src/handlers/api/delete_user.py defining handle_delete_user(req, state)",
    );
    expect(byCode["runtime-python/handler-function-missing"]!.message).toContain("src/handlers/api/wrong_name.py does not define handle_wrong_name");
    expect(byCode["runtime-python/handler-function-missing"]!.hint).toContain("did you mean 'handle_wrongname'?");
    const broken = byCode["runtime-python/handler-import-failed"]!;
    expect(broken.message).toContain("src/handlers/api/broken.py failed to import");
    expect(broken.message).toContain("SyntaxError");
    expect(broken.span).toMatchObject({ file: "src/handlers/api/broken.py", start: { line: 1 } });
  }, 60_000);

  test("an API handler gets its generated request model; logs, prints and events reach the state", async () => {
    const state = recordingState();
    const result = await bridge.invoke(api("CreateUser"), [request({ name: "Ada", email: "ada@example.com" })], state);
    // The generated CreateUserResponse carries the body in `data`.
    expect(result).toEqual({ name: "Ada", trace: state.traceId });
    expect(state.logs).toEqual([
      { level: "info", message: "creating user", attributes: { email: "ada@example.com" } },
      { level: "info", message: "print goes to the logs", attributes: undefined },
    ]);
    expect(state.triggered).toEqual([{ name: "AuditLogged", payload: { who: "Ada" } }]);
    expect(state.payloads).toEqual([{ name: "UserCreated", payload: { name: "Ada" } }]);
  }, 60_000);

  test("path params become fields and query params become query_params; plain def works", async () => {
    const result = await bridge.invoke(api("GetUser"), [request(undefined, { params: { id: "42" }, queryParams: { verbose: "yes" } })], recordingState());
    expect(result).toEqual({ id: "42", verbose: "yes" });
  }, 60_000);

  test("a body that does not fit the model is a 400 ValidationError", async () => {
    const error = await failure(bridge.invoke(api("CreateUser"), [request({ name: "Ada" })], recordingState()));
    expect(error.errorType).toBe("ValidationError");
    expect(error.status).toBe(400);
    expect(error.message).toContain("email");
  }, 60_000);

  test("an exception is a HandlerError with the Python type, message and traceback into user code", async () => {
    const error = await failure(bridge.invoke(api("Explode"), [request({ value: 7 })], recordingState()));
    expect(error.errorType).toBe("ValueError");
    expect(error.message).toBe("cannot handle 7");
    expect(error.handler).toEqual(api("Explode"));
    expect(error.stackText).toContain(`${dir}/src/handlers/api/explode.py", line 5, in handle_explode`);
    expect(error.stackText).toContain(`line 2, in check`);
    expect(error.stackText).toContain("ValueError: cannot handle 7");
  }, 60_000);

  test("event, cron and websocket handlers get their arguments", async () => {
    const state = recordingState();
    const sent = await bridge.invoke({ kind: "event", name: "send_welcome_email" }, [{ event: "UserCreated", payload: { name: "Ada" } }], state);
    expect(sent).toEqual({ sent_to: "Ada" });
    expect(state.logs).toEqual([{ level: "warn", message: "sending welcome", attributes: { to: "Ada" } }]);
    expect(await bridge.invoke({ kind: "cron", name: "daily_cleanup" }, [{ name: "DailyCleanup" }], recordingState())).toBe("cleaned");
    const echoed = await bridge.invoke({ kind: "websocket", name: "on_message" }, [{ text: "hi" }, { id: "c1", send: () => {} }], recordingState());
    expect(echoed).toEqual({ echo: "hi", connection: "c1" });
  }, 60_000);

  test("a middleware enriches the context or rejects with its status", async () => {
    const context = { apiName: "CreateUser", params: {}, queryParams: { a: "1" }, headers: { authorization: "Bearer ok" }, body: { name: "Ada" }, traceId: "t" };
    expect(await bridge.invoke({ kind: "middleware", name: "auth" }, [context], recordingState())).toEqual({
      body: { name: "Ada", user: "ada" },
      queryParams: { a: "1" },
    });
    const rejected = await failure(bridge.invoke({ kind: "middleware", name: "auth" }, [{ ...context, headers: {} }], recordingState()));
    expect(rejected.status).toBe(401);
    expect(rejected.message).toBe("missing or wrong token");
  }, 60_000);
});

describe("PythonBridge: concurrency, crashes, timeouts, reload", () => {
  let dir: string;

  beforeAll(() => {
    dir = pythonProject({
      "src/handlers/api/nap.py": `
        import asyncio

        async def handle_nap(req):
            await asyncio.sleep(req["body"]["seconds"])
            return req["body"]["n"]
      `,
      "src/handlers/api/marked_nap.py": `
        import asyncio, os

        async def handle_marked_nap(req):
            with open(os.path.join(os.path.dirname(__file__), "started.log"), "a") as f:
                f.write(f"{req['body']['n']} {os.getpid()}\\n")
            await asyncio.sleep(req["body"]["seconds"])
            return req["body"]["n"]
      `,
      "src/handlers/api/segfault.py": `
        import ctypes

        def handle_segfault(req):
            ctypes.string_at(0)
      `,
      "src/handlers/api/hello.py": `
        def handle_hello(req):
            return "hello v1"
      `,
      "src/handlers/api/spin.py": `
        def busy():
            while True:
                pass

        async def handle_spin(req):
            busy()
      `,
    });
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("50 concurrent calls to an async handler sleeping 1 s overlap inside one worker", async () => {
    const bridge = new PythonBridge(runtimeContext(dir), { workers: 1, interpreter: TEST_PYTHON });
    try {
      expect(await bridge.prepare([api("Nap")])).toEqual([]);
      const started = performance.now();
      const results = await Promise.all(Array.from({ length: 50 }, (_, n) => bridge.invoke(api("Nap"), [request({ seconds: 1, n })], recordingState())));
      const elapsed = performance.now() - started;
      expect(results).toEqual(Array.from({ length: 50 }, (_, n) => n));
      // Run one after another they would take 50 s.
      expect(elapsed).toBeLessThan(5_000);
    } finally {
      await bridge.close();
    }
  }, 60_000);

  test("kill -9 of a worker under load fails only the calls it was running; the pool replaces it", async () => {
    const bridge = new PythonBridge(runtimeContext(dir), { workers: 2, interpreter: TEST_PYTHON });
    const startedLog = `${dir}/src/handlers/api/started.log`;
    rmSync(startedLog, { force: true });
    try {
      await bridge.prepare([api("MarkedNap")]);
      await Promise.all(bridge.pool.workers.map((w) => w.ready));
      const calls = Array.from({ length: 40 }, (_, n) => settle(bridge.invoke(api("MarkedNap"), [request({ seconds: 1.5, n })], recordingState())));
      const started = await eventually(() => {
        const lines = readLines(startedLog);
        return lines.length === 40 ? lines : undefined;
      });
      const [victim] = bridge.pool.workers;
      const onVictim = started.filter((line) => line.endsWith(` ${victim!.pid}`)).length;
      expect(onVictim).toBeGreaterThan(0);
      expect(onVictim).toBeLessThan(40);
      process.kill(victim!.pid, "SIGKILL");

      const outcomes = await Promise.all(calls);
      const failed = outcomes.filter((o) => !o.ok);
      expect(failed).toHaveLength(onVictim);
      for (const f of failed) {
        const error = (f as { error: HandlerError }).error;
        expect(error).toBeInstanceOf(HandlerError);
        expect(error.errorType).toBe("WorkerCrashed");
        expect(error.message).toContain(`python worker ${victim!.pid} was killed by SIGKILL while this call was in flight`);
      }
      // The pool is back to two live workers, the victim replaced, and calls succeed on both.
      expect(bridge.pool.workers).toHaveLength(2);
      expect(bridge.pool.workers.map((w) => w.pid)).not.toContain(victim!.pid);
      const after = await Promise.all(Array.from({ length: 10 }, (_, n) => bridge.invoke(api("Nap"), [request({ seconds: 0.01, n })], recordingState())));
      expect(after).toEqual(Array.from({ length: 10 }, (_, n) => n));
    } finally {
      await bridge.close();
    }
  }, 60_000);

  test("calls a dead worker never read are sent to another worker, not failed", async () => {
    const bridge = new PythonBridge(runtimeContext(dir), { workers: 2, interpreter: TEST_PYTHON });
    try {
      await bridge.prepare([api("Nap")]);
      await Promise.all(bridge.pool.workers.map((w) => w.ready));
      const [frozen] = bridge.pool.workers;
      // A stopped process reads nothing: every call the pool gives it stays unread.
      process.kill(frozen!.pid, "SIGSTOP");
      const calls = Array.from({ length: 20 }, (_, n) => bridge.invoke(api("Nap"), [request({ seconds: 0.05, n })], recordingState()));
      expect(frozen!.load).toBeGreaterThan(0);
      process.kill(frozen!.pid, "SIGKILL");
      expect(await Promise.all(calls)).toEqual(Array.from({ length: 20 }, (_, n) => n));
    } finally {
      await bridge.close();
    }
  }, 60_000);

  test("a worker that crashes in C code fails the call with the Python stack faulthandler printed", async () => {
    const bridge = new PythonBridge(runtimeContext(dir), { workers: 1, interpreter: TEST_PYTHON });
    try {
      await bridge.prepare([api("Segfault"), api("Hello")]);
      const error = await failure(bridge.invoke(api("Segfault"), [request()], recordingState()));
      expect(error.errorType).toBe("WorkerCrashed");
      expect(error.message).toMatch(/was killed by SIGSEGV while this call was in flight/);
      expect(error.stackText).toContain("Fatal Python error: Segmentation fault");
      expect(error.stackText).toMatch(/segfault\.py", line 4 in handle_segfault/);
      expect(await bridge.invoke(api("Hello"), [request()], recordingState())).toBe("hello v1");
    } finally {
      await bridge.close();
    }
  }, 60_000);

  test("a call over its timeout is cancelled; the others on the worker carry on", async () => {
    // Generous against the quick call on a loaded machine; the slow one sleeps 30 s, far past it.
    const bridge = new PythonBridge(runtimeContext(dir), { workers: 1, interpreter: TEST_PYTHON, timeoutMs: 2_000 });
    try {
      // Start the worker and import the handler first, so the timeout measures the call alone.
      await bridge.prepare([api("Nap")]);
      const started = performance.now();
      const slow = failure(bridge.invoke(api("Nap"), [request({ seconds: 30, n: 0 })], recordingState()));
      const quick = bridge.invoke(api("Nap"), [request({ seconds: 0.1, n: 1 })], recordingState());
      expect(await quick).toBe(1);
      const error = await slow;
      expect(error.errorType).toBe("TimeoutError");
      expect(error.message).toContain("ran over its timeout");
      expect(error.stackText).toContain("in handle_nap");
      expect(performance.now() - started).toBeLessThan(10_000);
    } finally {
      await bridge.close();
    }
  }, 60_000);

  test("a handler that blocks its worker past the timeout gets the worker replaced", async () => {
    const bridge = new PythonBridge(runtimeContext(dir), { workers: 1, interpreter: TEST_PYTHON, timeoutMs: 300, cancelGraceMs: 500 });
    try {
      await bridge.prepare([api("Spin"), api("Hello")]);
      const pid = bridge.pool.workers[0]!.pid;
      const error = await failure(bridge.invoke(api("Spin"), [request()], recordingState()));
      expect(error.errorType).toBe("TimeoutError");
      expect(error.message).toContain("did not stop when cancelled");
      expect(await bridge.invoke(api("Hello"), [request()], recordingState())).toBe("hello v1");
      expect(bridge.pool.workers[0]!.pid).not.toBe(pid);
      expect(processAlive(pid)).toBe(false);
    } finally {
      await bridge.close();
    }
  }, 60_000);

  test("reload picks up changed code; calls in flight finish on the old workers", async () => {
    const bridge = new PythonBridge(runtimeContext(dir), { workers: 1, interpreter: TEST_PYTHON });
    try {
      await bridge.prepare([api("Hello"), api("Nap")]);
      expect(await bridge.invoke(api("Hello"), [request()], recordingState())).toBe("hello v1");
      const oldPid = bridge.pool.workers[0]!.pid;
      const inFlight = bridge.invoke(api("Nap"), [request({ seconds: 1, n: 7 })], recordingState());

      writeProjectFile(dir, "src/handlers/api/hello.py", `def handle_hello(req):\n    return "hello v2"\n`);
      const reloaded = bridge.reload([`${dir}/src/handlers/api/hello.py`]);
      expect(await bridge.invoke(api("Hello"), [request()], recordingState())).toBe("hello v2");
      expect(await inFlight).toBe(7);
      await reloaded;
      expect(processAlive(oldPid)).toBe(false);
    } finally {
      await bridge.close();
      writeProjectFile(dir, "src/handlers/api/hello.py", `def handle_hello(req):\n    return "hello v1"\n`);
    }
  }, 60_000);

  test("close stops every worker", async () => {
    const bridge = new PythonBridge(runtimeContext(dir), { workers: 2, interpreter: TEST_PYTHON });
    await bridge.prepare([api("Hello")]);
    const pids = bridge.pool.workers.map((w) => w.pid);
    expect(pids).toHaveLength(2);
    await bridge.close();
    expect(pids.filter(processAlive)).toEqual([]);
    await expect(bridge.invoke(api("Hello"), [request()], recordingState())).rejects.toThrow(/closed/);
  }, 60_000);

  test("an interpreter that does not exist is a diagnostic at prepare and an error per call", async () => {
    const bridge = new PythonBridge(runtimeContext(dir), { workers: 1, interpreter: "/nonexistent/python3" });
    try {
      const diagnostics = await bridge.prepare([api("Hello")]);
      expect(diagnostics).toHaveLength(1);
      expect(diagnostics[0]!.code).toBe("runtime-python/unavailable");
      expect(diagnostics[0]!.message).toContain("/nonexistent/python3");
      const error = await failure(bridge.invoke(api("Hello"), [request()], recordingState()));
      expect(error.errorType).toBe("PythonUnavailable");
    } finally {
      await bridge.close();
    }
  }, 60_000);
});
