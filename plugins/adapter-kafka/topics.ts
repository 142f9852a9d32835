/**
 * The names the Kafka adapter gives what it makes on the cluster, all derived from the
 * `[adapter] topic_prefix` key: topic `<prefix><event>` per event, `<prefix>dlq.<event>` for its
 * dead letters, and consumer group `<prefix><group>.<event>`. Topics and group ids are
 * cluster-wide, so the prefix is a project's namespace on a cluster it shares with others.
 * Every name the adapter uses comes from here; nothing else builds one.
 */
import { AdapterError } from "../../core/adapter.ts";

/** The names every deployment had before the prefix existed; keeping them keeps its topics. */
export const DEFAULT_TOPIC_PREFIX = "rohas.";
/** Kafka refuses longer topic names (a partition's log directory adds "-<partition>" within 255). */
export const MAX_TOPIC_LENGTH = 249;
const DEAD_LETTER = "dlq.";
/** Room for "dlq." and a one-character event: a longer prefix could name no dead-letter topic. */
const MAX_PREFIX_LENGTH = MAX_TOPIC_LENGTH - DEAD_LETTER.length - 1;
const NOT_TOPIC_CHAR = /[^A-Za-z0-9._-]/g;
/**
 * The schema's event names are identifiers (ASCII letters, digits, '_'), which always pass. A
 * name from elsewhere (`state.triggerEvent("…")`) must not hold a '.': "dlq.X" would be X's
 * dead-letter topic.
 */
const NOT_EVENT_CHAR = /[^A-Za-z0-9_-]/g;

export class TopicNames {
  readonly prefix: string;
  // Publishing asks for the same few names all the time: checked once, then looked up.
  private readonly events = new Map<string, string>();
  private readonly deadLetters = new Map<string, string>();
  /** Each name given out, by its spelling with '.' as '_' (Kafka refuses two topics that differ only there). */
  private readonly given = new Map<string, { topic: string; use: string }>();

  /** Throws an `adapter/config` AdapterError for a prefix Kafka could not use. */
  constructor(prefix: unknown = DEFAULT_TOPIC_PREFIX) {
    this.prefix = checkPrefix(prefix);
  }

  /** `<prefix><event>`: the topic the event is published to and consumed from. */
  eventTopic(event: string): string {
    return this.events.get(event) ?? remember(this.events, event, this.claim(this.name(event, ""), `event ${event}`));
  }

  /** `<prefix>dlq.<event>`: where the event's messages go once their retries are spent. */
  deadLetterTopic(event: string): string {
    return this.deadLetters.get(event) ?? remember(this.deadLetters, event, this.claim(this.name(event, DEAD_LETTER), `dead letters of event ${event}`));
  }

  /**
   * The Kafka consumer group of a Rohas group's subscription to one event. Group ids are
   * cluster-wide too: two projects sharing one would split each other's partitions (kafkajs
   * assigns every topic of a group to its members, and a member drops what it did not subscribe
   * to), so a project's messages would wait for a consumer that never reads them. The default
   * prefix keeps the old `<group>.<event>`, or an upgraded deployment would lose its committed
   * offsets and read its topics again from the beginning.
   */
  groupId(group: string, event: string): string {
    const name = `${group}.${event}`;
    return this.prefix === DEFAULT_TOPIC_PREFIX ? name : this.prefix + name;
  }

  /**
   * Kafka treats '.' and '_' in topic names as one character (they meet in its metric names) and
   * refuses a topic colliding with an existing one: an event `dlq_X` beside an event `X` would
   * need `<prefix>dlq_X` and `<prefix>dlq.X`. Refused here, naming both, not by the broker later.
   */
  private claim(topic: string, use: string): string {
    const key = topic.replaceAll(".", "_");
    const holder = this.given.get(key);
    if (holder && holder.topic !== topic) {
      throw new AdapterError(
        "adapter/config",
        `Kafka topic ${topic} (${use}) would collide with ${holder.topic} (${holder.use}): Kafka treats '.' and '_' in topic names as the same character; rename one of the events`,
      );
    }
    this.given.set(key, { topic, use });
    return topic;
  }

  private name(event: string, kind: string): string {
    checkEvent(event);
    return checkLength(this.prefix, kind, event);
  }
}

function checkEvent(event: string): void {
  const bad = offending(event.match(NOT_EVENT_CHAR));
  if (event !== "" && !bad) return;
  throw new AdapterError(
    "adapter/event-name",
    `event ${JSON.stringify(event)} cannot be carried by Kafka: an event name for a Kafka topic is ASCII letters, digits, '_' and '-'${bad ? ` (${bad} not allowed)` : ""}`,
  );
}

/** The topic `prefix + kind + event`, refused (never truncated: two events would share it) past Kafka's limit. */
function checkLength(prefix: string, kind: string, event: string): string {
  const topic = prefix + kind + event;
  if (topic.length <= MAX_TOPIC_LENGTH) return topic;
  const middle = kind ? ` + ${JSON.stringify(kind)} (${kind.length})` : "";
  throw new AdapterError(
    "adapter/config",
    `the Kafka topic for event ${event} would be ${topic.length} characters, over Kafka's limit of ${MAX_TOPIC_LENGTH}: ` +
      `[adapter] topic_prefix ${JSON.stringify(prefix)} (${prefix.length})${middle} + event ${event} (${event.length}); shorten the prefix or the event name`,
  );
}

function checkPrefix(prefix: unknown): string {
  const rule = `must be 1 to ${MAX_PREFIX_LENGTH} characters, each an ASCII letter, digit, '.', '_' or '-' (the characters of a Kafka topic name), such as "shop."`;
  if (typeof prefix !== "string" || prefix === "") throw prefixError(`${rule}, not ${show(prefix)}`);
  const bad = offending(prefix.match(NOT_TOPIC_CHAR));
  if (bad) throw prefixError(`${rule}, not ${show(prefix)} (${bad} not allowed)`);
  if (prefix.length > MAX_PREFIX_LENGTH) {
    throw prefixError(`${rule}, not ${prefix.length} characters: a dead-letter topic (prefix + "dlq." + event) must fit Kafka's ${MAX_TOPIC_LENGTH}`);
  }
  return prefix;
}

const prefixError = (text: string) => new AdapterError("adapter/config", `[adapter] topic_prefix for kafka ${text}`);

function remember(names: Map<string, string>, event: string, name: string): string {
  names.set(event, name);
  return name;
}

/** The distinct offending characters, quoted for a reader: "' ' and '/'". */
function offending(chars: RegExpMatchArray | null): string | undefined {
  if (!chars) return undefined;
  const quoted = [...new Set(chars)].map((c) => JSON.stringify(c).replace(/^"|"$/g, "'"));
  return quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(", ")} and ${quoted.at(-1)}`;
}

/** A value as written in TOML: strings quoted. */
const show = (value: unknown): string => (typeof value === "number" ? String(value) : (JSON.stringify(value) ?? String(value)));
