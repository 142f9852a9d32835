/**
 * TypeScript generation: golden files for a schema using every construct,
 * then `tsc` over the generated code, the stubs and a file that uses the
 * types (with @ts-expect-error lines, so the types must also reject what is
 * wrong), and the TypeBox schemas validating at run time.
 */
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expectGolden, loadFixtureSchema, ODD_NAMES_SCHEMA, writeFiles, type OutputFile } from "../../test/support-codegen.ts";
import { generateTypeScript, type TypeScriptOptions } from "./generate.ts";

const REPO = join(import.meta.dir, "..", "..");
const FIXTURE = join(REPO, "test", "fixtures", "every-construct");
const TSC = join(REPO, "node_modules", ".bin", "tsc");

async function generateFixture(overrides: Partial<TypeScriptOptions> = {}): Promise<OutputFile[]> {
  const { schema, label } = await loadFixtureSchema(FIXTURE);
  const output = generateTypeScript(schema, { srcDir: "src", dateTime: "string", source: label, schemaLabel: "schema/", ...overrides });
  return [...output.files, ...output.stubs];
}

const TSCONFIG = {
  compilerOptions: {
    target: "ESNext",
    module: "Preserve",
    moduleResolution: "bundler",
    lib: ["ESNext"],
    types: ["bun-types"],
    strict: true,
    noUncheckedIndexedAccess: true,
    verbatimModuleSyntax: true,
    isolatedModules: true,
    noEmit: true,
    skipLibCheck: true,
    paths: { "@generated/*": ["./src/generated/*"] },
  },
  include: ["src"],
};

/** A temp project holding `files`, with the repository's node_modules (typebox, bun-types). */
function project(files: OutputFile[]): string {
  const dir = mkdtempSync(join(tmpdir(), "rohas-codegen-ts-"));
  writeFiles(dir, files);
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2));
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

function tsc(dir: string): { code: number | null; output: string } {
  expect(existsSync(TSC)).toBe(true);
  const proc = spawnSync(TSC, ["-p", dir], { encoding: "utf8", timeout: 120_000 });
  return { code: proc.status, output: `${proc.stdout}${proc.stderr}` };
}

/** Uses the generated types the way handlers do; every @ts-expect-error must meet an error. */
const USAGE = `
import { Value } from "@sinclair/typebox/value";
import { CreateUserInputSchema, ImportPostsInputSchema, UserFilterSchema, type CreateUserInput, type User, type State } from "./generated";
import type { GetPostRequest, ListUsersRequest, HealthResponse, ChatConnection, CreateUserRequest } from "./generated";
import type { ChatMessage as ChatSocketMessage } from "./generated/websockets/chat";
import type { HealthResponse as HealthShape } from "@generated/dto/health_response";

const input: CreateUserInput = { name: "Ada", email: "ada@example.com", tags: ["x"], address: { street: "s", city: "c" }, birthday: "2024-01-01T00:00:00Z" };
// @ts-expect-error email is required
export const missing: CreateUserInput = { name: "Ada" };

// Type checks only: never called.
export function typeChecks(state: State, user: User, post: GetPostRequest, list: ListUsersRequest, create: CreateUserRequest, connection: ChatConnection) {
  state.triggerEvent("UserCreated", user);
  // @ts-expect-error UserCreated carries a User
  state.triggerEvent("UserCreated", { nope: true });
  // @ts-expect-error no such event
  state.setPayload("NoSuchEvent", 1);
  state.setPayload("CleanupDone", 3);
  const ids: [string, string] = [post.params.userId, post.params.postId];
  // @ts-expect-error GetPost has no body
  const noBody = post.body;
  const limit: number | undefined = list.queryParams.limit;
  const email: string = create.body.email;
  const health: HealthResponse = { status: "ok", timestamp: "now" } satisfies HealthShape;
  const chat: ChatSocketMessage = { text: "hi" };
  connection.send({ text: "echo" });
  return { ids, noBody, limit, email, health, chat };
}

const author: User = { id: 1, name: "A", email: "a@x", tags: [], score: 1, active: true, role: "r", createdAt: "2024-01-01T00:00:00Z", posts: [] };
console.log(JSON.stringify({
  valid: Value.Check(CreateUserInputSchema, input),
  missingEmail: Value.Check(CreateUserInputSchema, { name: "Ada" }),
  badDate: Value.Check(CreateUserInputSchema, { ...input, birthday: "yesterday" }),
  nestedCycle: Value.Check(ImportPostsInputSchema, { posts: [{ id: 1, title: "t", authorId: 1, author: { ...author, posts: [{ id: 2, title: "u", authorId: 1, author }] } }] }),
  badNested: Value.Check(ImportPostsInputSchema, { posts: [{ id: 1, title: "t", authorId: 1, author: { id: "x" } }] }),
  filter: Value.Check(UserFilterSchema, { limit: 5, roles: ["a"] }),
  badFilter: Value.Check(UserFilterSchema, { limit: 1.5 }),
}));
`;

describe("codegen-typescript", () => {
  test("matches the golden files for a schema using every construct", async () => {
    expectGolden(join(import.meta.dir, "golden", "every-construct"), await generateFixture());
  }, 120_000);

  test("every generated file starts with the header naming its .ro file; stubs do not", async () => {
    const files = await generateFixture();
    for (const file of files) {
      const first = file.content.split("\n")[0]!;
      if (file.path.startsWith("src/generated/")) expect(first).toMatch(/^\/\/ Generated by rohas from schema\/\S* — do not edit\.$/);
      else expect(first).not.toContain("Generated by rohas");
    }
    expect(files.find((f) => f.path === "src/generated/models/user.ts")!.content.split("\n")[0]).toBe(
      "// Generated by rohas from schema/models/user.ro — do not edit.",
    );
  }, 120_000);

  test("tsc accepts the generated code, the stubs and code using them; TypeBox schemas validate at run time", async () => {
    const dir = project(await generateFixture());
    writeFileSync(join(dir, "src", "usage.ts"), USAGE);
    const result = tsc(dir);
    expect(result.output).toBe("");
    expect(result.code).toBe(0);

    const run = spawnSync(process.execPath, [join(dir, "src", "usage.ts")], { cwd: dir, encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual({
      valid: true,
      missingEmail: false,
      badDate: false,
      nestedCycle: true,
      badNested: false,
      filter: true,
      badFilter: false,
    });
  }, 120_000);

  test("stubs import generated types by relative path and run under Bun", async () => {
    const files = await generateFixture();
    const stub = files.find((f) => f.path === "src/handlers/api/CreateUser.ts")!;
    expect(stub.content).toContain('from "../../generated/api/create_user"');
    expect(stub.content).toContain("export async function handler(req: CreateUserRequest, state: State): Promise<CreateUserResponse>");
    const dir = project(files);
    const script = `
      const mod = await import("./src/handlers/events/send_welcome_email.ts");
      const logs: unknown[] = [];
      const state = { logger: { debug() {}, info: (...a: unknown[]) => logs.push(a), warn() {}, error() {} }, traceId: "t", spanId: "s", triggerEvent() {}, setPayload() {} };
      await mod.handler({ payload: { id: 1 }, timestamp: "now" }, state);
      const api = await import("./src/handlers/api/Ping.ts");
      const error = await api.handler({ params: {}, queryParams: {}, headers: {} }, state).catch((e: Error) => e.message);
      console.log(JSON.stringify({ logs, error }));
    `;
    writeFileSync(join(dir, "run.ts"), script);
    const run = spawnSync(process.execPath, ["run.ts"], { cwd: dir, encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual({
      logs: [
        ["send_welcome_email received an event", { payload: { id: 1 } }],
        ["Ping called", { request: { params: {}, queryParams: {}, headers: {} } }],
      ],
      error: "Ping is not implemented yet (src/handlers/api/Ping.ts)",
    });
  }, 120_000);

  test("DateTime becomes Date in models and types when configured; inputs keep the ISO string of the wire", async () => {
    const files = await generateFixture({ dateTime: "date" });
    const user = files.find((f) => f.path === "src/generated/models/user.ts")!.content;
    expect(user).toContain("  createdAt: Date; // @default(now)");
    const schemas = files.find((f) => f.path === "src/generated/schemas.ts")!.content;
    expect(schemas).toContain('birthday: Type.Optional(Type.String({ format: "date-time" }))');
    const result = tsc(project(files));
    expect(result.output).toBe("");
    expect(result.code).toBe(0);
  }, 120_000);

  test("names that clash with keywords, each other or generated names still compile", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rohas-odd-"));
    writeFiles(dir, [{ path: "schema/main.ro", content: ODD_NAMES_SCHEMA }]);
    const { schema, label } = await loadFixtureSchema(dir);
    const output = generateTypeScript(schema, { srcDir: "src", dateTime: "string", source: label, schemaLabel: "schema/" });
    const result = tsc(project([...output.files, ...output.stubs]));
    expect(result.output).toBe("");
    expect(result.code).toBe(0);
  }, 120_000);

  test("a custom src_dir moves generated code and stubs, and stub imports follow", async () => {
    const { schema, label } = await loadFixtureSchema(FIXTURE);
    const output = generateTypeScript(schema, { srcDir: "app/src", dateTime: "string", source: label, schemaLabel: "schema/" });
    expect(output.files.every((f) => f.path.startsWith("app/src/generated/"))).toBe(true);
    const stub = output.stubs.find((f) => f.path === "app/src/middlewares/auth.ts")!;
    expect(stub.content).toContain('from "../generated/state"');
  }, 120_000);
});
