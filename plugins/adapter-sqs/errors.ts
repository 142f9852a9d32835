/** How the SQS adapter reads the errors the AWS SDK and the network give it. */

export function reason(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const text = error.message || error.name;
    return typeof code === "string" && !text.includes(code) ? `${code}: ${text}` : text;
  }
  return String(error);
}

/** The queue is gone (deleted, or a broker restarted without it): recreating it is the cure, not waiting. */
export function isQueueMissing(error: unknown): boolean {
  const e = error as { name?: string; Code?: string; code?: string } | undefined;
  const names = [e?.name, e?.Code, e?.code];
  return names.some((n) => n === "QueueDoesNotExist" || n === "AWS.SimpleQueueService.NonExistentQueue");
}

/** CreateQueue refused: a queue of that name exists with different attributes. */
export function isQueueExists(error: unknown): boolean {
  const e = error as { name?: string; Code?: string; code?: string } | undefined;
  const names = [e?.name, e?.Code, e?.code];
  return names.some((n) => n === "QueueNameExists" || n === "QueueAlreadyExists" || n === "AWS.SimpleQueueService.QueueNameExists");
}
