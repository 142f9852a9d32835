/** The part of Rohas's `state` argument these handlers use (`rohas codegen` writes the full type to src/generated/state.ts). */
export interface State {
  logger: {
    info(message: string, attributes?: Record<string, unknown>): void;
    warn(message: string, attributes?: Record<string, unknown>): void;
  };
  traceId: string;
  triggerEvent(name: string, payload: unknown): void;
}
