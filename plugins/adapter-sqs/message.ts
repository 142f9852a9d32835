/** Rohas messages to and from SQS: body is the JSON payload, Rohas fields and headers are message attributes. */
import type { MessageAttributeValue, Message as SqsMessage } from "@aws-sdk/client-sqs";
import type { Message, PublishOptions } from "../../core/adapter.ts";

export type Attributes = Record<string, MessageAttributeValue>;

export interface Outgoing {
  body: string;
  attributes: Attributes;
  /** What SQS counts against its size limit: body plus attribute names, types and values. */
  bytes: number;
}

export function encode(id: string, payload: unknown, options: PublishOptions): Outgoing {
  const body = JSON.stringify(payload ?? null);
  const attributes: Attributes = {
    "rohas-id": { DataType: "String", StringValue: id },
    "rohas-published-at": { DataType: "Number", StringValue: String(Date.now()) },
  };
  for (const [k, v] of Object.entries(options.headers ?? {})) attributes[k] = { DataType: "String", StringValue: v };
  if (options.key) attributes["rohas-key"] = { DataType: "String", StringValue: options.key };
  let bytes = Buffer.byteLength(body);
  for (const [k, v] of Object.entries(attributes)) bytes += Buffer.byteLength(k) + v.DataType!.length + Buffer.byteLength(v.StringValue ?? "");
  return { body, attributes, bytes };
}

export function decode(event: string, raw: SqsMessage): Message {
  const attrs = raw.MessageAttributes ?? {};
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (!k.startsWith("rohas-") && v.StringValue !== undefined) headers[k] = v.StringValue;
  return {
    id: attrs["rohas-id"]?.StringValue ?? raw.MessageId ?? "",
    event,
    payload: JSON.parse(raw.Body ?? "null"),
    headers,
    attempt: Number(raw.Attributes?.ApproximateReceiveCount ?? 1),
    key: attrs["rohas-key"]?.StringValue,
    publishedAt: Number(attrs["rohas-published-at"]?.StringValue) || Date.now(),
  };
}
