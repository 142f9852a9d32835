/**
 * The CLI end to end: validate, list-*, version, help and exit codes, run both
 * as the compiled binary from a folder outside the repository and as
 * `bun cli/main.ts`; and a community plugin loaded by npm name.
 */
import { describe, expect, test } from "bun:test";
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY, copyFixture, REPO, runRohas } from "../support.ts";
import { existsSync } from "node:fs";

const modes = existsSync(BINARY) || process.env.CI ? (["binary", "source"] as const) : (["source"] as const);

for (const mode of modes) {
  describe(`rohas CLI (${mode})`, () => {
    test("validate accepts a schema using every construct", () => {
      const dir = copyFixture("cli-valid");
      const r = runRohas(["validate"], dir, { mode });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("schema is valid");
      expect(r.stdout).toContain("4 apis, 3 events, 2 crons, 1 websockets");
    });

    test("validate --json prints the parsed blocks", () => {
      const dir = copyFixture("cli-valid");
      const r = runRohas(["validate", "--json"], dir, { mode });
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.ok).toBe(true);
      const blocks = out.files.flatMap((f: { blocks: { kind: string; name: string }[] }) => f.blocks);
      expect(blocks.map((b: { kind: string; name: string }) => `${b.kind} ${b.name}`)).toContain("ws Chat");
      const user = blocks.find((b: { name: string }) => b.name === "User");
      expect(user.fields.find((f: { name: string }) => f.name === "tags").type).toMatchObject({ name: "String", array: true });
      expect(user.span.start).toMatchObject({ line: 2, column: 1 });
    });

    test("validate reports every error with file:line:col and a caret, exit 1", () => {
      const dir = copyFixture("cli-broken");
      const r = runRohas(["validate"], dir, { mode });
      expect(r.code).toBe(1);
      const err = r.stderr;
      // several errors in one file are all reported
      expect(err).toContain("schema/broken.ro:7:10: error: expected ':' after property name");
      expect(err).toMatch(/schema\/broken\.ro:3:8: error: unknown type 'Strng'/);
      expect(err).toContain("did you mean 'String'?");
      expect(err).toMatch(/unknown event 'UserCreatd'/);
      expect(err).toContain("did you mean 'UserCreated'?");
      expect(err).toMatch(/schema\/broken\.ro:15:\d+: error: .*schedule/);
      // the source line and a caret under the column
      expect(err).toContain("    7 |   method POST");
      expect(err).toMatch(/\n\s+\|\s{10}\^/);
      expect(err).not.toContain("\x1b[");
    });

    test("validate --json on a broken schema lists diagnostics with positions", () => {
      const dir = copyFixture("cli-broken");
      const r = runRohas(["validate", "--json"], dir, { mode });
      expect(r.code).toBe(1);
      const out = JSON.parse(r.stdout);
      expect(out.ok).toBe(false);
      expect(out.diagnostics).toContainEqual(
        expect.objectContaining({ severity: "error", file: "schema/broken.ro", line: 7, column: 10 }),
      );
    });

    test("list-handlers and list-events", () => {
      const dir = copyFixture("cli-valid");
      const handlers = runRohas(["list-handlers", "--json"], dir, { mode });
      expect(handlers.code).toBe(0);
      const rows = JSON.parse(handlers.stdout) as { kind: string; name: string; file: string; exists: boolean }[];
      expect(rows).toContainEqual(expect.objectContaining({ kind: "api", name: "CreateUser", file: "src/handlers/api/CreateUser.ts", exists: false }));
      expect(rows).toContainEqual(expect.objectContaining({ kind: "event", name: "send_welcome_email", file: "src/handlers/events/send_welcome_email.ts" }));
      expect(rows).toContainEqual(expect.objectContaining({ kind: "cron", name: "daily_cleanup" }));
      expect(rows).toContainEqual(expect.objectContaining({ kind: "middleware", name: "auth", file: "src/middlewares/auth.ts" }));
      expect(rows).toContainEqual(expect.objectContaining({ kind: "websocket", name: "on_message" }));

      const events = runRohas(["list-events", "--json"], dir, { mode });
      expect(events.code).toBe(0);
      const list = JSON.parse(events.stdout) as { name: string; handlers: string[]; publishedBy: string[] }[];
      const created = list.find((e) => e.name === "UserCreated")!;
      expect(created.handlers).toEqual(["send_welcome_email", "index_user"]);
      expect(created.publishedBy).toEqual(["api CreateUser"]);
      expect(list.find((e) => e.name === "WelcomeEmailSent")!.publishedBy.sort()).toEqual(["event UserCreated", "ws Chat"]);

      const text = runRohas(["list-handlers"], dir, { mode });
      expect(text.stdout).toMatch(/api\s+CreateUser\s+src\/handlers\/api\/CreateUser\.ts\s+\(missing\)/);
    });

    test("version, help, and usage errors exit 2", () => {
      const dir = copyFixture("cli-valid");
      const v = runRohas(["version"], dir, { mode });
      expect(v.code).toBe(0);
      expect(v.stdout).toMatch(/^rohas \d+\.\d+\.\d+ \(bun \d+\.\d+\.\d+\)\n$/);

      const help = runRohas(["help"], dir, { mode });
      expect(help.code).toBe(0);
      for (const c of ["init", "codegen", "validate", "dev", "start", "list-handlers", "list-events", "version"]) expect(help.stdout).toContain(c);

      const perCommand = runRohas(["validate", "--help"], dir, { mode });
      expect(perCommand.code).toBe(0);
      expect(perCommand.stdout).toContain("--schema DIR");
      expect(perCommand.stdout).toContain("--json");

      const none = runRohas([], dir, { mode });
      expect(none.code).toBe(2);

      const unknown = runRohas(["valdate"], dir, { mode });
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain("did you mean 'validate'?");

      const badOption = runRohas(["validate", "--jsn"], dir, { mode });
      expect(badOption.code).toBe(2);
      expect(badOption.stderr).toContain("unknown option '--jsn'");

      const missingValue = runRohas(["validate", "--schema"], dir, { mode });
      expect(missingValue.code).toBe(2);
    });

    test("--schema DIR points at another schema folder; a missing one is a clear error", () => {
      const dir = copyFixture("cli-valid");
      const r = runRohas(["validate", "--schema", "nope"], dir, { mode });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("schema directory not found: nope");
    });

    test("unknown config keys are reported with their line", () => {
      const dir = copyFixture("cli-valid");
      writeFileSync(join(dir, "config/rohas.toml"), '[project]\nname = "x"\n\n[server]\nprot = 3000\n');
      const r = runRohas(["validate"], dir, { mode });
      expect(r.code).toBe(0);
      expect(r.stderr).toContain("config/rohas.toml:5:1: warning: unknown key 'prot' in [server]");
      expect(r.stderr).toContain("did you mean 'port'?");
    });

    test("invalid config values are errors naming the key", () => {
      const dir = copyFixture("cli-valid");
      writeFileSync(join(dir, "config/rohas.toml"), '[server]\nport = "eighty"\n');
      const r = runRohas(["validate"], dir, { mode });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/config\/rohas\.toml:2:1: error: server\.port: /);
    });

    test("a community plugin named in [plugins] is loaded from node_modules and its hook runs", () => {
      const dir = copyFixture("cli-valid");
      const pkg = join(dir, "node_modules", "rohas-plugin-naming");
      mkdirSync(pkg, { recursive: true });
      cpSync(join(REPO, "examples", "plugin-naming"), pkg, { recursive: true });
      writeFileSync(join(dir, "schema/events/lower.ro"), "event order_placed { payload: Json }\n");
      writeFileSync(join(dir, "config/rohas.toml"), '[project]\nname = "p"\n\n[plugins]\nnaming = "rohas-plugin-naming"\n');
      const r = runRohas(["validate"], dir, { mode });
      expect(r.code).toBe(0);
      expect(r.stderr).toContain("warning: event 'order_placed' should be PascalCase");
      expect(r.stderr).toContain("rename it to 'OrderPlaced'");

      writeFileSync(join(dir, "config/rohas.toml"), '[plugins.naming]\npackage = "rohas-plugin-naming"\noptions = { severity = "error" }\n');
      const strict = runRohas(["validate"], dir, { mode });
      expect(strict.code).toBe(1);
      expect(strict.stderr).toContain("error: event 'order_placed' should be PascalCase");
    });

    test("a plugin that fails to load names itself and why", () => {
      const dir = copyFixture("cli-valid");
      writeFileSync(join(dir, "config/rohas.toml"), '[plugins]\nghost = "rohas-plugin-ghost"\nlocal = "./plugins/nope.ts"\n');
      const r = runRohas(["validate"], dir, { mode });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("plugin 'ghost' failed to load: cannot find package 'rohas-plugin-ghost'");
      expect(r.stderr).not.toMatch(/\n\s+at /);

      mkdirSync(join(dir, "plugins"));
      writeFileSync(join(dir, "plugins/bad.ts"), "export default { name: 'bad', apply() { throw new Error('boom'); } };\n");
      writeFileSync(join(dir, "config/rohas.toml"), '[plugins]\nbad = "./plugins/bad.ts"\n');
      const bad = runRohas(["validate"], dir, { mode });
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain("plugin 'bad' failed to load: apply() threw: boom");
    });
  });
}
