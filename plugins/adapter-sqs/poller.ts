/**
 * One receive loop of a subscription. It long-polls for up to 10 messages at a
 * time and hands them to `deliver`. A broker that is down, restarting or slow
 * never ends the loop: every failure backs off (growing, capped, with jitter)
 * and the loop polls again. A queue that stays missing is recreated, but only
 * after RECREATE_AFTER_MS: ElasticMQ answers requests before it has restored its
 * persisted queues, and creating one of them in that window makes its restore
 * fail (and the server stop), so a queue missing for a moment is waited for.
 *
 * Stopping does not abort a receive under way: SQS finishes a long poll whatever the
 * client does, so messages it takes for a receive nobody reads stay hidden for the
 * visibility timeout and count a receive (enough of those, say over rolling deploys,
 * and the redrive parks messages that never failed). The loop waits for the receive
 * (at most the long-poll wait plus RECEIVE_GRACE_MS) and hands back what it brought.
 */
import { ReceiveMessageCommand, type SQSClient, type Message as SqsMessage } from "@aws-sdk/client-sqs";
import { isQueueMissing } from "./errors.ts";
import type { Slots } from "./slots.ts";

export interface PollerOptions {
  client: SQSClient;
  queueUrl: string;
  waitTimeSeconds: number;
  /** Messages asked for per receive (SQS allows at most 10). */
  batchSize: number;
  slots: Slots;
  /** Takes ownership of a received message and of the slot it holds. */
  deliver(raw: SqsMessage): void;
  /** Makes messages received after `signal` aborted visible again at once (their slots are released by the loop). */
  handBack(raws: SqsMessage[]): Promise<void>;
  /** Called when the queue stayed missing for `recreateAfterMs`; should create it again. */
  recreate(): Promise<void>;
  recreateAfterMs?: number;
  /** Told about each failed receive (for logs and tests); the loop goes on regardless. */
  onError?(error: unknown): void;
  /** Stops the loop: no new receive starts, one under way is waited for and its messages handed back. */
  signal: AbortSignal;
}

const BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 2_000;
/** On top of the long-poll wait: how long a receive may take before the connection is presumed dead. */
const RECEIVE_GRACE_MS = 5_000;
/** How long a queue must stay missing before it is created again (longer than a broker's restore). */
export const RECREATE_AFTER_MS = 10_000;

export async function poll(o: PollerOptions): Promise<void> {
  let failures = 0;
  let missingSince: number | undefined;
  while (!o.signal.aborted) {
    if (!(await o.slots.acquire(o.batchSize, o.signal))) break;
    let got: SqsMessage[] = [];
    try {
      const out = await o.client.send(
        new ReceiveMessageCommand({
          QueueUrl: o.queueUrl,
          MaxNumberOfMessages: o.batchSize,
          WaitTimeSeconds: o.waitTimeSeconds,
          MessageAttributeNames: ["All"],
          MessageSystemAttributeNames: ["ApproximateReceiveCount"],
        }),
        // A connection cut by a broker restart can hang without an error; the timeout turns that into one.
        // Not `o.signal`: see the top of this file.
        { abortSignal: AbortSignal.timeout(o.waitTimeSeconds * 1000 + RECEIVE_GRACE_MS) },
      );
      got = out.Messages ?? [];
      failures = 0;
      missingSince = undefined;
    } catch (error) {
      o.slots.release(o.batchSize);
      if (o.signal.aborted) break;
      o.onError?.(error);
      failures++;
      if (isQueueMissing(error)) {
        missingSince ??= Date.now();
        if (Date.now() - missingSince >= (o.recreateAfterMs ?? RECREATE_AFTER_MS)) {
          await o.recreate().then(
            () => (missingSince = undefined),
            (e) => o.onError?.(e),
          );
        }
      } else {
        missingSince = undefined;
      }
      await sleep(backoff(failures), o.signal);
      continue;
    }
    if (o.signal.aborted) {
      // Stopped while the receive was under way: not ours to handle any more.
      if (got.length > 0) await o.handBack(got).catch((e) => o.onError?.(e));
      o.slots.release(o.batchSize);
      break;
    }
    o.slots.release(o.batchSize - got.length);
    for (const raw of got) o.deliver(raw);
  }
}

function backoff(failures: number): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, BACKOFF_MS * 2 ** Math.min(failures - 1, 10));
  // Jitter so many subscriptions do not hammer a broker that just came back in lockstep.
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
