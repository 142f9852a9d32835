/**
 * Python generation: golden files for a schema using every construct, then
 * `mypy --strict` over the generated package, the stubs and a file using
 * them (strict mode reports unused `type: ignore`s, so the negative checks
 * must really fail), and Python importing and running all of it.
 */
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expectGolden, loadFixtureSchema, ODD_NAMES_SCHEMA, writeFiles, type OutputFile } from "../../test/support-codegen.ts";
import { generatePython } from "./generate.ts";

const REPO = join(import.meta.dir, "..", "..");
const FIXTURE = join(REPO, "test", "fixtures", "every-construct");
const VENV_BIN = join(REPO, ".venv", "bin");

async function generate(projectDir: string, srcDir = "src"): Promise<OutputFile[]> {
  const { schema, label } = await loadFixtureSchema(projectDir);
  const output = generatePython(schema, { srcDir, source: label, schemaLabel: "schema/" });
  return [...output.files, ...output.stubs];
}

function tool(name: "mypy" | "python"): string {
  const path = join(VENV_BIN, name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run ./scripts/setup (it installs mypy and pydantic into .venv)`);
  return path;
}

function mypy(srcDir: string): { code: number | null; output: string } {
  const targets = ["generated", "handlers", "middlewares"].filter((d) => existsSync(join(srcDir, d)));
  const proc = spawnSync(tool("mypy"), ["--strict", "--explicit-package-bases", "--no-incremental", ...targets], {
    cwd: srcDir,
    encoding: "utf8",
    timeout: 300_000,
  });
  return { code: proc.status, output: `${proc.stdout}${proc.stderr}` };
}

function python(cwd: string, script: string): { code: number | null; stdout: string; stderr: string } {
  const proc = spawnSync(tool("python"), ["-c", script], { cwd, encoding: "utf8", timeout: 120_000 });
  return { code: proc.status, stdout: proc.stdout, stderr: proc.stderr };
}

/** Uses the generated models as handlers and the runtime do; `type: ignore` lines must meet an error. */
const USAGE = `
from datetime import datetime

from generated.api.get_post import GetPostRequest, GetPostResponse
from generated.api.health import HealthResponse
from generated.api.list_users import ListUsersRequest
from generated.dto.health_response import HealthResponse as HealthShape
from generated.events.user_created import UserCreated
from generated.models.post import Post
from generated.models.user import User
from generated.state import State
from generated.websockets.chat import ChatConnection, ChatMessage


def checks(state: State, user: User, post: Post) -> None:
    req = GetPostRequest(userId="1", postId="2")
    a: str = req.userId
    b: int = req.postId  # type: ignore[assignment]
    filters: ListUsersRequest = ListUsersRequest.model_validate({"query_params": {"limit": "5"}})
    limit: int | None = filters.query_params.limit
    created: datetime = user.createdAt
    keyword: str | None = post.from_
    response = HealthResponse(data=HealthShape(status="ok", timestamp="now"))
    missing = GetPostResponse()  # data is optional (response: Post?)
    event = UserCreated(payload=user)
    when: datetime = event.timestamp
    state.trigger_event("UserCreated", user)
    state.set_payload("WelcomeEmailSent", {"to": user.email})
    state.logger.info("checked", user=user.id)
    message = ChatMessage.model_validate({"text": "hi"})
    text: str = message.data.text
    connection = ChatConnection(id="c1", path="/ws/chat")
    print(a, b, limit, created, keyword, response, missing, when, text, connection.connection_id)
`;

/** Imports every module (stubs included, the way the Python runtime does) and exercises the models. */
const RUN = `
import asyncio, importlib, json, pathlib, sys, warnings
warnings.simplefilter("error")
sys.path.insert(0, "src")
src = pathlib.Path("src")
for path in sorted(src.rglob("*.py")):
    module = ".".join(path.relative_to(src).with_suffix("").parts)
    importlib.import_module(module.removesuffix(".__init__"))

from generated.models.post import Post
from generated.api.list_users import ListUsersRequest
from generated.api.get_post import GetPostRequest
from generated.websockets.chat import ChatMessage, ChatConnection
from generated.events.user_created import UserCreated
from generated.state import State
from handlers.events.send_welcome_email import handle_send_welcome_email
from middlewares.auth import auth_middleware
from handlers.api.ping import handle_ping

author = {"id": 2, "name": "n", "email": "e", "tags": [], "createdAt": "2024-01-01T00:00:00Z", "posts": []}
post = Post.model_validate({"id": 1, "title": "t", "authorId": 2, "from": "x", "json": {"a": 1}, "author": {**author, "posts": [{"id": 3, "title": "u", "authorId": 2, "author": author}]}})
logs = []
state = State("test", lambda level, handler, message, attrs: logs.append([level, message]))
asyncio.run(handle_send_welcome_email(UserCreated.model_validate({"payload": author}), state))
try:
    asyncio.run(handle_ping(None, state))
    ping = "returned"
except NotImplementedError as error:
    ping = str(error)
state.set_payload("CleanupDone", 3)
print(json.dumps({
    "keyword": [post.from_, post.model_dump()["from"], post.model_dump(mode="json")["json"]],
    "cycle": post.author.posts[0].author.name,
    "query": ListUsersRequest.model_validate({"query_params": {"limit": "5", "active": "true"}}).query_params.model_dump(),
    "path": GetPostRequest.model_validate({"userId": "u", "postId": "p", "params": {"userId": "u"}, "headers": {"x": "1"}}).headers,
    "raw_message": ChatMessage.model_validate({"text": "hi"}).data.text,
    "v010_message": ChatMessage.model_validate({"data": {"text": "yo"}, "timestamp": "2024-01-01T00:00:00Z"}).data.text,
    "connection": ChatConnection.model_validate({"id": "c", "path": "/ws/chat", "query_params": {}}).connection_id,
    "middleware": asyncio.run(auth_middleware({"trace_id": "t"}, state)),
    "ping": ping,
    "logs": logs,
    "payloads": state.get_all_auto_trigger_payloads(),
}))
`;

describe("codegen-python", () => {
  test("matches the golden files for a schema using every construct", async () => {
    expectGolden(join(import.meta.dir, "golden", "every-construct"), await generate(FIXTURE));
  }, 120_000);

  test("every generated file starts with the header naming its .ro file; stubs do not", async () => {
    const files = await generate(FIXTURE);
    for (const file of files) {
      const first = file.content.split("\n")[0]!;
      if (file.path.startsWith("src/generated/")) expect(first).toMatch(/^# Generated by rohas from schema\/\S* — do not edit\.$/);
      else expect(first).not.toContain("Generated by rohas");
    }
    expect(files.find((f) => f.path === "src/generated/api/create_user.py")!.content.split("\n")[0]).toBe(
      "# Generated by rohas from schema/api/user.ro — do not edit.",
    );
  }, 120_000);

  test("follows the Rohas v0.1.0 layout and handler names", async () => {
    const paths = (await generate(FIXTURE)).map((f) => f.path);
    for (const path of [
      "src/generated/__init__.py",
      "src/generated/state.py",
      "src/generated/models/user.py",
      "src/generated/dto/create_user_input.py",
      "src/generated/api/create_user.py",
      "src/generated/events/user_created.py",
      "src/generated/websockets/chat.py",
      "src/handlers/api/create_user.py",
      "src/handlers/events/send_welcome_email.py",
      "src/handlers/cron/daily_cleanup.py",
      "src/handlers/cron/hourly.py",
      "src/handlers/websockets/on_message.py",
      "src/middlewares/auth.py",
    ]) {
      expect(paths).toContain(path);
    }
    const files = await generate(FIXTURE);
    const content = (path: string) => files.find((f) => f.path === path)!.content;
    expect(content("src/handlers/api/create_user.py")).toContain(
      "async def handle_create_user(req: CreateUserRequest, state: State) -> CreateUserResponse:",
    );
    expect(content("src/handlers/events/send_welcome_email.py")).toContain("async def handle_send_welcome_email(event: UserCreated, state: State) -> None:");
    expect(content("src/handlers/events/handle_heartbeat.py")).toContain("async def handle_heartbeat(");
    expect(content("src/handlers/cron/hourly.py")).toContain("async def handle_hourly(req: Any, state: State) -> None:");
    expect(content("src/handlers/websockets/on_connect.py")).toContain("async def on_connect(connection: ChatConnection, state: State) -> None:");
    expect(content("src/middlewares/rate_limit.py")).toContain("async def rate_limit_middleware(context: Dict[str, Any], state: State)");
  }, 120_000);

  test("mypy --strict accepts the generated package, the stubs and code using them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rohas-codegen-py-"));
    writeFiles(dir, await generate(FIXTURE));
    writeFileSync(join(dir, "src", "handlers", "usage_check.py"), USAGE);
    const result = mypy(join(dir, "src"));
    expect(result.output).toMatch(/^Success: no issues found in \d+ source files\n$/);
    expect(result.code).toBe(0);
  }, 120_000);

  test("Python imports every module, resolves the User/Post cycle, and the models accept what the runtime passes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rohas-codegen-py-"));
    writeFiles(dir, await generate(FIXTURE));
    const run = python(dir, RUN);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      keyword: ["x", "x", { a: 1 }],
      cycle: "n",
      query: { active: true, limit: 5, roles: null },
      path: { x: "1" },
      raw_message: "hi",
      v010_message: "yo",
      connection: "c",
      middleware: null,
      ping: "Ping is not implemented yet (src/handlers/api/ping.py)",
      logs: [
        ["info", "send_welcome_email received an event"],
        ["info", "Ping called"],
        ["debug", "auth middleware"],
      ],
      payloads: { CleanupDone: 3 },
    });
  }, 120_000);

  test("names that clash with keywords, builtins, BaseModel or generated names pass mypy and import", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rohas-odd-"));
    writeFiles(dir, [{ path: "schema/main.ro", content: ODD_NAMES_SCHEMA }]);
    writeFiles(dir, await generate(dir));
    const result = mypy(join(dir, "src"));
    expect(result.output).toMatch(/^Success: no issues found/);
    const run = python(
      dir,
      `import sys, warnings, json
warnings.simplefilter("error")
sys.path.insert(0, "src")
from generated.dto.input import input
from generated.models.datetime import datetime
from generated.models.a import A
from generated.api.api import apiRequest
print(json.dumps([input.model_validate({"api": "a", "cron": "c", "ws": "w", "class": "k", "model_name": "m"}).model_dump(), datetime.model_validate({"datetime": "2024-01-01T00:00:00Z", "Any": 1, "str": "s", "list": []}).str_, A.model_validate({"b": {"c": {"a": {}}}}).b is not None, apiRequest.model_validate({"class": "x", "from": "y"}).from_]))`,
    );
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual([
      { api: "a", cron: "c", ws: "w", class: "k", def: null, model_name: "m" },
      "s",
      true,
      "y",
    ]);
  }, 120_000);
});
