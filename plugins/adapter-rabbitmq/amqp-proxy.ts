/**
 * Test helper: a TCP proxy between an adapter and the broker on 127.0.0.1:5672 that reads the
 * AMQP 0-9-1 frames the client sends. Tests use it to see what the adapter does on the wire
 * (connections opened, acks sent) and to make faults the broker would otherwise need a
 * misbehaving client for (a cut connection, a publish or an ack the broker refuses), without
 * reaching into the adapter's private state.
 */
import { createServer, connect, type Server, type Socket } from "node:net";

const BROKER = { host: "127.0.0.1", port: 5672 };
const PROTOCOL_HEADER = 8; // "AMQP" 0 0 9 1
const FRAME_METHOD = 1;
const CHANNEL = 20;
const CHANNEL_OPEN = 10;
const CHANNEL_CLOSE = 40;
const CHANNEL_CLOSE_OK = 41;
const BASIC = 60;
const BASIC_PUBLISH = 40;
const BASIC_ACK = 80;

export interface AmqpProxy {
  /** The URL to give the adapter (guest/guest on the proxy's port). */
  readonly url: string;
  /** Client connections accepted so far: more than one means the adapter reconnected. */
  readonly connections: number;
  /** basic.ack frames the client sent, split by the `multiple` flag. */
  readonly acks: { single: number; multiple: number };
  /**
   * Channels the client has open now, from the channel.open, channel.close and channel.close-ok
   * (its answer to a close by the broker) frames it sent: a number that only grows is a leak.
   * Summed over every connection the proxy carried, so only meaningful while there is one.
   */
  readonly channels: number;
  /** Destroys every open client and broker socket, as a network failure would. */
  cut(): void;
  /** The next basic.publish with this routing key goes to an exchange that does not exist: the broker closes that channel (404). */
  failNextPublish(routingKey: string): void;
  /** The next basic.ack carries a delivery tag the broker never sent: it closes that channel (406). */
  failNextAck(): void;
  close(): Promise<void>;
}

export async function amqpProxy(): Promise<AmqpProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  const acks = { single: 0, multiple: 0 };
  let connections = 0;
  let channels = 0;
  let publishToFail: string | undefined;
  let failAck = false;

  /** Looks at one whole client frame and, when a fault is armed, changes it in place. */
  const inspect = (frame: Buffer): void => {
    if (frame[0] !== FRAME_METHOD) return;
    if (frame.readUInt16BE(7) === CHANNEL) {
      const method = frame.readUInt16BE(9);
      if (method === CHANNEL_OPEN) channels++;
      else if (method === CHANNEL_CLOSE || method === CHANNEL_CLOSE_OK) channels--;
      return;
    }
    if (frame.readUInt16BE(7) !== BASIC) return;
    const method = frame.readUInt16BE(9);
    if (method === BASIC_ACK) {
      // method payload: class, method, delivery-tag (64 bits), bits (multiple = bit 0)
      if (frame[19]! & 1) acks.multiple++;
      else acks.single++;
      if (failAck) {
        failAck = false;
        frame.writeBigUInt64BE(2n ** 40n, 11);
      }
    } else if (method === BASIC_PUBLISH && publishToFail !== undefined) {
      // reserved short, then exchange and routing key as short strings
      const exchangeAt = 13;
      const exchangeLength = frame[exchangeAt]!;
      const keyAt = exchangeAt + 1 + exchangeLength;
      const key = frame.toString("utf8", keyAt + 1, keyAt + 1 + frame[keyAt]!);
      if (key !== publishToFail || exchangeLength === 0) return;
      publishToFail = undefined;
      frame.fill("_".charCodeAt(0), exchangeAt + 1, keyAt); // same length: the frame size stays right
    }
  };

  const server: Server = createServer((client) => {
    connections++;
    const upstream = connect(BROKER);
    const pair = { client, upstream };
    pairs.add(pair);
    let pending: Buffer = Buffer.alloc(0);
    let headerSeen = false;
    client.on("data", (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let at = 0;
      if (!headerSeen) {
        if (pending.length < PROTOCOL_HEADER) return;
        headerSeen = true;
        at = PROTOCOL_HEADER;
      }
      // Whole frames only: type (1), channel (2), size (4), payload, end marker (1).
      while (pending.length - at >= 7) {
        const end = at + 7 + pending.readUInt32BE(at + 3) + 1;
        if (pending.length < end) break;
        inspect(pending.subarray(at, end));
        at = end;
      }
      upstream.write(pending.subarray(0, at));
      pending = pending.subarray(at);
    });
    upstream.pipe(client);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("close", drop).on("error", drop);
    upstream.on("close", drop).on("error", drop);
  });
  const cut = (): void => {
    for (const { client, upstream } of pairs) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
  };
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;

  return {
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    acks,
    get channels() {
      return channels;
    },
    cut,
    failNextPublish(routingKey) {
      publishToFail = routingKey;
    },
    failNextAck() {
      failAck = true;
    },
    close() {
      cut();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
