/**
 * The `rohas init` scaffolds, imported as text so the single binary embeds
 * them. Every file is an eta template (`it.name`, `it.language`, …). A
 * project is: the common files, the language's files, and one example's
 * schema plus its handlers in that language.
 *
 * Adding a file: put it under this folder and list it below (a test checks
 * that the folder and this list agree).
 */
/// <reference path="../eta.d.ts" />
import rohasToml from "./common/rohas.toml.eta" with { type: "text" };
import helloSchema from "./examples/hello/schema/api/hello.ro.eta" with { type: "text" };
import helloEventSchema from "./examples/hello/schema/events/greeted.ro.eta" with { type: "text" };
import helloPyGreet from "./examples/hello/python/src/handlers/api/greet.py.eta" with { type: "text" };
import helloPyHello from "./examples/hello/python/src/handlers/api/hello.py.eta" with { type: "text" };
import helloPyLog from "./examples/hello/python/src/handlers/events/log_greeting.py.eta" with { type: "text" };
import helloTsGreet from "./examples/hello/typescript/src/handlers/api/Greet.ts.eta" with { type: "text" };
import helloTsHello from "./examples/hello/typescript/src/handlers/api/Hello.ts.eta" with { type: "text" };
import helloTsLog from "./examples/hello/typescript/src/handlers/events/log_greeting.ts.eta" with { type: "text" };
import minimalSchema from "./examples/minimal/schema/api/ping.ro.eta" with { type: "text" };
import minimalPyPing from "./examples/minimal/python/src/handlers/api/ping.py.eta" with { type: "text" };
import minimalTsPing from "./examples/minimal/typescript/src/handlers/api/Ping.ts.eta" with { type: "text" };
import pyGitignore from "./python/gitignore.eta" with { type: "text" };
import pyMypy from "./python/mypy.ini.eta" with { type: "text" };
import pyReadme from "./python/README.md.eta" with { type: "text" };
import pyRequirements from "./python/requirements.txt.eta" with { type: "text" };
import tsGitignore from "./typescript/gitignore.eta" with { type: "text" };
import tsPackage from "./typescript/package.json.eta" with { type: "text" };
import tsReadme from "./typescript/README.md.eta" with { type: "text" };
import tsConfig from "./typescript/tsconfig.json.eta" with { type: "text" };

export interface ScaffoldFile {
  /** Template file, relative to templates/init. */
  source: string;
  /** Where it goes in the new project. */
  path: string;
  template: string;
}

export type InitLanguage = "typescript" | "python";

export interface Example {
  summary: string;
  /** A paragraph for the project's README. */
  readme: string;
  schema: ScaffoldFile[];
  handlers: Record<InitLanguage, ScaffoldFile[]>;
}

const file = (source: string, path: string, template: string): ScaffoldFile => ({ source, path, template });

export const commonFiles: ScaffoldFile[] = [file("common/rohas.toml.eta", "config/rohas.toml", rohasToml)];

export const languageFiles: Record<InitLanguage, ScaffoldFile[]> = {
  typescript: [
    file("typescript/package.json.eta", "package.json", tsPackage),
    file("typescript/tsconfig.json.eta", "tsconfig.json", tsConfig),
    file("typescript/gitignore.eta", ".gitignore", tsGitignore),
    file("typescript/README.md.eta", "README.md", tsReadme),
  ],
  python: [
    file("python/requirements.txt.eta", "requirements.txt", pyRequirements),
    file("python/mypy.ini.eta", "mypy.ini", pyMypy),
    file("python/gitignore.eta", ".gitignore", pyGitignore),
    file("python/README.md.eta", "README.md", pyReadme),
  ],
};

export const DEFAULT_EXAMPLE = "hello";

export const examples: Record<string, Example> = {
  hello: {
    summary: "GET /hello/:name and POST /greetings, both triggering the Greeted event",
    readme:
      "Try it: `curl http://127.0.0.1:3000/hello/ada`, or `curl -X POST http://127.0.0.1:3000/greetings " +
      "-H 'content-type: application/json' -d '{\"name\":\"ada\",\"greeting\":\"Hi\"}'`. Each call also " +
      "publishes `Greeted`, which `log_greeting` handles (see the trace in the Workbench).",
    schema: [
      file("examples/hello/schema/api/hello.ro.eta", "schema/api/hello.ro", helloSchema),
      file("examples/hello/schema/events/greeted.ro.eta", "schema/events/greeted.ro", helloEventSchema),
    ],
    handlers: {
      typescript: [
        file("examples/hello/typescript/src/handlers/api/Hello.ts.eta", "src/handlers/api/Hello.ts", helloTsHello),
        file("examples/hello/typescript/src/handlers/api/Greet.ts.eta", "src/handlers/api/Greet.ts", helloTsGreet),
        file("examples/hello/typescript/src/handlers/events/log_greeting.ts.eta", "src/handlers/events/log_greeting.ts", helloTsLog),
      ],
      python: [
        file("examples/hello/python/src/handlers/api/hello.py.eta", "src/handlers/api/hello.py", helloPyHello),
        file("examples/hello/python/src/handlers/api/greet.py.eta", "src/handlers/api/greet.py", helloPyGreet),
        file("examples/hello/python/src/handlers/events/log_greeting.py.eta", "src/handlers/events/log_greeting.py", helloPyLog),
      ],
    },
  },
  minimal: {
    summary: "one API, GET /ping",
    readme: "Try it: `curl http://127.0.0.1:3000/ping`.",
    schema: [file("examples/minimal/schema/api/ping.ro.eta", "schema/api/ping.ro", minimalSchema)],
    handlers: {
      typescript: [file("examples/minimal/typescript/src/handlers/api/Ping.ts.eta", "src/handlers/api/Ping.ts", minimalTsPing)],
      python: [file("examples/minimal/python/src/handlers/api/ping.py.eta", "src/handlers/api/ping.py", minimalPyPing)],
    },
  },
};

/** Every file of the scaffold for a language and example, in write order. */
export function scaffoldFiles(language: InitLanguage, example: Example): ScaffoldFile[] {
  return [...commonFiles, ...languageFiles[language], ...example.schema, ...example.handlers[language]];
}

/** Every template listed here (for the test that the folder and the list agree). */
export function allScaffoldSources(): string[] {
  const all = [...commonFiles, ...languageFiles.typescript, ...languageFiles.python];
  for (const example of Object.values(examples)) all.push(...example.schema, ...example.handlers.typescript, ...example.handlers.python);
  return all.map((f) => f.source);
}
