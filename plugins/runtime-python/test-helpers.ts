/** Shared by the bridge tests and the bench: temp Python projects and recording handler states. */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { defaultConfig, type RohasConfig } from "../../core/config.ts";
import type { RuntimeContext } from "../../core/hooks.ts";
import type { HandlerState, LogLevel } from "../../core/runtime.ts";
import type { TelemetryRecord } from "../../core/telemetry.ts";

const REPO = resolve(import.meta.dir, "..", "..");

/** The repository's virtualenv (pydantic installed) when there is one, else python3. */
export const TEST_PYTHON = existsSync(join(REPO, ".venv", "bin", "python")) ? join(REPO, ".venv", "bin", "python") : "python3";

/** Writes `files` (paths relative to the project) into a fresh temp project folder. */
export function pythonProject(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "rohas-py-"));
  for (const [path, text] of Object.entries(files)) writeProjectFile(dir, path, text);
  mkdirSync(join(dir, "src"), { recursive: true });
  return dir;
}

export function writeProjectFile(dir: string, path: string, text: string): void {
  const full = join(dir, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, dedent(text));
}

/** Strips the common indentation of a template literal, so tests can indent Python naturally. */
export function dedent(text: string): string {
  const lines = text.replace(/^\n/, "").split("\n");
  const indents = lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut)).join("\n");
}

export function runtimeContext(projectDir: string, edit?: (config: RohasConfig) => void): RuntimeContext & { records: TelemetryRecord[] } {
  const config = defaultConfig();
  config.project.language = "python";
  edit?.(config);
  const records: TelemetryRecord[] = [];
  return { config, projectDir, records, record: (record) => records.push(record) };
}

export interface RecordingState extends HandlerState {
  logs: { level: LogLevel; message: string; attributes?: Record<string, unknown> }[];
  triggered: { name: string; payload: unknown }[];
  payloads: { name: string; payload: unknown }[];
}

export function recordingState(traceId = "0af7651916cd43dd8448eb211c80319c"): RecordingState {
  const logs: RecordingState["logs"] = [];
  const log = (level: LogLevel) => (message: string, attributes?: Record<string, unknown>) => logs.push({ level, message, attributes });
  const state: RecordingState = {
    traceId,
    spanId: "b7ad6b7169203331",
    logs,
    triggered: [],
    payloads: [],
    logger: { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") },
    triggerEvent: (name, payload) => state.triggered.push({ name, payload }),
    setPayload: (name, payload) => state.payloads.push({ name, payload }),
  };
  return state;
}
