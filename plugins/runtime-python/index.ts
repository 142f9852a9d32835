/**
 * runtime-python: Python handlers run in a pool of long-lived worker
 * processes (worker/rohas_worker.py, standard library only) speaking framed
 * JSON over stdin/stdout. Answers `resolveRuntime` for "python".
 */
import type { RohasPlugin } from "../../core/plugin.ts";
import { PythonBridge } from "./bridge.ts";

const runtimePython: RohasPlugin = {
  name: "runtime-python",
  apply(rohas) {
    const bridges: PythonBridge[] = [];
    rohas.hooks.resolveRuntime.for("python").tap("runtime-python", (context) => {
      const bridge = new PythonBridge(context);
      bridges.push(bridge);
      return bridge;
    });
    // close() is idempotent, so the engine closing the bridge too is fine.
    rohas.onShutdown("runtime-python", async () => {
      await Promise.all(bridges.map((bridge) => bridge.close()));
    });
  },
};

export default runtimePython;
export { PythonBridge } from "./bridge.ts";
