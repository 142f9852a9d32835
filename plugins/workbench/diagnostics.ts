/**
 * The schema's current problems as `rohas dev` last reported them (core
 * hook `diagnostics`), ready for the browser: each with its file:line:col,
 * the source line and where the caret goes. Listeners (the live streams)
 * hear every change, including the empty list that means "fixed".
 */
import type { Diagnostic } from "../../grammar/ast.ts";
import type { SchemaDiagnostics } from "../../core/hooks.ts";

export interface DiagnosticJson {
  severity: Diagnostic["severity"];
  code: string;
  message: string;
  hint?: string;
  file?: string;
  /** 1-based, as printed by the CLI. */
  line?: number;
  column?: number;
  /** The source line the span starts on, and how many characters from `column` the caret covers. */
  lineText?: string;
  length?: number;
}

export interface DiagnosticsView {
  diagnostics: DiagnosticJson[];
  /** When they were reported (ms since the epoch); 0 before any report. */
  updatedAt: number;
}

export function diagnosticJson(d: Diagnostic, sources: Map<string, string>): DiagnosticJson {
  const out: DiagnosticJson = { severity: d.severity, code: d.code, message: d.message };
  if (d.hint) out.hint = d.hint;
  const span = d.span;
  if (!span) return out;
  out.file = span.file;
  out.line = span.start.line;
  out.column = span.start.column;
  const source = sources.get(span.file);
  const lineText = source?.split("\n")[span.start.line - 1]?.replace(/\r$/, "");
  if (lineText !== undefined) {
    out.lineText = lineText;
    const rest = Math.max(1, lineText.length - (span.start.column - 1));
    const length = span.end.line === span.start.line ? span.end.column - span.start.column : rest;
    out.length = Math.max(1, Math.min(length, rest));
  }
  return out;
}

type Listener = (view: DiagnosticsView) => void;

export class DiagnosticsBoard {
  private view: DiagnosticsView = { diagnostics: [], updatedAt: 0 };
  private readonly listeners = new Set<Listener>();

  get current(): DiagnosticsView {
    return this.view;
  }

  report(report: SchemaDiagnostics): void {
    this.view = { diagnostics: report.diagnostics.map((d) => diagnosticJson(d, report.sources)), updatedAt: Date.now() };
    for (const fn of this.listeners) fn(this.view);
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
