/**
 * scheduler-cron: one croner job per `cron` block. Runs in `[cron] timezone`
 * (UTC by default); a run still going when the next is due is skipped, not
 * stacked (croner's `protect`).
 */
import { Cron } from "croner";
import type { Engine } from "../../core/engine.ts";
import type { RohasPlugin } from "../../core/plugin.ts";

const schedulerCron: RohasPlugin = {
  name: "scheduler-cron",
  apply(rohas) {
    let jobs: Cron[] = [];
    const schedule = (engine: Engine) => {
      for (const job of jobs) job.stop();
      jobs = [];
      for (const cron of engine.schema.crons) {
        const job = new Cron(
          cron.schedule,
          {
            name: cron.name,
            timezone: rohas.config.cron.timezone,
            protect: () =>
              engine.record({
                type: "log",
                log: { time: Date.now(), level: "warn", message: `cron ${cron.name}: previous run still going, this run is skipped`, source: "scheduler-cron" },
              }),
          },
          () => engine.track(engine.runCron(cron)),
        );
        jobs.push(job);
      }
    };
    rohas.hooks.serve.tap("scheduler-cron", (engine) => {
      schedule(engine);
      rohas.onShutdown("scheduler-cron", () => {
        for (const job of jobs) job.stop();
      });
    });
    // A new schema in `rohas dev`: its crons replace the old ones.
    rohas.hooks.reload.tap("scheduler-cron", schedule);
  },
};

export default schedulerCron;
