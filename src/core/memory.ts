import type Keyv from "keyv";
import type { ConversationTurn, NamedInput, PipelineResult } from "../pipeline/types.js";
import { type Resource, resourceFiles } from "../tasks/index.js";
import { decodeResource, encodeResource } from "../tasks/resource-codec.js";

/** How much of a thread the memory keeps. */
export interface MemorySettings {
  /** Earlier turns kept; 0 turns the memory off. */
  turns: number;
  /** Bytes of one thread's memory (result files included, as stored); the oldest turns go first. */
  maxBytes: number;
}

/** What a thread remembers, in the pipeline's words. */
export interface RecalledConversation {
  /** Oldest first. */
  history: ConversationTurn[];
  /** The earlier turns' files and results, named `turn<N>-…`, with origin "history". */
  inputs: NamedInput[];
  /** How many times the thread was forgotten: `remember` writes a turn only if that is unchanged. */
  generation?: number;
}

/** One finished turn to remember. */
export interface TurnRecord {
  user: string;
  /** This turn's attachments as the pipeline received them. */
  attachments: readonly NamedInput[];
  result: Pick<PipelineResult, "answer" | "results">;
}

/**
 * The conversation memory of every thread, in a keyv namespace: it survives a restart of the bot when
 * the storage does (SQLite, Redis).
 */
export interface ConversationMemory {
  recall(thread: string): Promise<RecalledConversation>;
  /**
   * Writes a turn. With `generation` (what `recall` gave), a turn recalled before the thread was
   * forgotten is not written: the user asked to forget it, in whichever process.
   */
  remember(thread: string, turn: TurnRecord, generation?: number): Promise<void>;
  /** Clears a thread; resolves to whether there was anything to forget. */
  forget(thread: string): Promise<boolean>;
}

interface StoredResource {
  name: string;
  /** The resource through resource-codec: bytes as base64, so any keyv backend keeps them. */
  data: string;
}

interface StoredTurn {
  number: number;
  user: string;
  attachments: string[];
  answer: string;
  resources: StoredResource[];
}

/**
 * A thread's index: which turns exist and their sizes. Turns live under keys of their own so that a
 * new turn writes only itself and the index, not megabytes of earlier images again.
 */
interface ThreadIndex {
  next: number;
  turns: Array<{ number: number; bytes: number }>;
}

const turnKey = (thread: string, number: number) => `${thread}#turn${number}`;
/** How many times the thread was forgotten, so a turn running then does not come back. */
const generationKey = (thread: string) => `${thread}#generation`;

/**
 * The named inputs a turn leaves behind. Each result keeps its whole resource under one name, so a
 * detection remembered as `turn2-1-object-detection-annotated.png` still feeds a text argument with
 * its labels and an image argument with its drawing. Names say which turn and task made them, as the
 * planner's prompt shows them: `turn3-1-text-to-image.png`, `turn3-2-image-to-text.txt`.
 */
export function turnInputs(number: number, turn: TurnRecord): NamedInput[] {
  const taken = new Set<string>();
  const named: NamedInput[] = [];
  const add = (base: string, resource: Resource) => {
    let name = `turn${number}-${base}`;
    for (let copy = 2; taken.has(name); copy++) name = `turn${number}-${copy}-${base}`;
    taken.add(name);
    named.push({ name, resource, origin: "history" });
  };
  for (const attachment of turn.attachments) add(attachment.name, attachment.resource);
  for (const task of turn.result.results) {
    if (task.status !== "ok" || !task.output) continue;
    const file = resourceFiles(task.output)[0];
    add(file ? file.name : `${task.id}-${task.task}.txt`, task.output);
  }
  return named;
}

function parseJson<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  return JSON.parse(text) as T;
}

/**
 * Conversation memory over a keyv namespace (the storage's `memory` namespace, whose TTL is how long
 * a turn is kept).
 */
export function createConversationMemory(store: Keyv<string>, settings: MemorySettings): ConversationMemory {
  const readIndex = async (thread: string): Promise<ThreadIndex | undefined> =>
    parseJson<ThreadIndex>(await store.get(thread));
  const generationOf = async (thread: string): Promise<number> =>
    Number((await store.get(generationKey(thread))) ?? 0);

  return {
    async recall(thread) {
      if (settings.turns === 0) return { history: [], inputs: [] };
      const [index, generation] = await Promise.all([readIndex(thread), generationOf(thread)]);
      if (!index || index.turns.length === 0) return { history: [], inputs: [], generation };
      const stored = await store.getMany(index.turns.map((turn) => turnKey(thread, turn.number)));
      const history: ConversationTurn[] = [];
      const inputs: NamedInput[] = [];
      for (const text of stored) {
        // A turn can expire before the index that lists it: each keeps its own time to live.
        const turn = parseJson<StoredTurn>(text ?? undefined);
        if (!turn) continue;
        history.push({ user: turn.user, answer: turn.answer, resources: turn.resources.map((r) => r.name) });
        for (const resource of turn.resources) {
          inputs.push({ name: resource.name, origin: "history", resource: decodeResource(resource.data) });
        }
      }
      return { history, inputs, generation };
    },

    async remember(thread, record, generation) {
      if (settings.turns === 0) return;
      if (generation !== undefined && (await generationOf(thread)) !== generation) return;
      const index = (await readIndex(thread)) ?? { next: 1, turns: [] };
      const number = index.next;
      let resources: StoredResource[] = turnInputs(number, record).map((input) => ({
        name: input.name,
        data: encodeResource(input.resource),
      }));
      const base: Omit<StoredTurn, "resources"> = {
        number,
        user: record.user,
        attachments: record.attachments.map((attachment) => attachment.name),
        answer: record.result.answer,
      };
      const measure = () => Buffer.byteLength(JSON.stringify({ ...base, resources }));
      // A turn larger than the whole budget keeps its words and loses its largest files first.
      let bytes = measure();
      if (bytes > settings.maxBytes) {
        resources = [...resources].sort((a, b) => a.data.length - b.data.length);
        while (resources.length > 0 && bytes > settings.maxBytes) {
          resources.pop();
          bytes = measure();
        }
      }
      const turn: StoredTurn = { ...base, resources };

      const kept = [...index.turns, { number, bytes }];
      const dropped: number[] = [];
      let total = kept.reduce((sum, entry) => sum + entry.bytes, 0);
      while (kept.length > 1 && (kept.length > settings.turns || total > settings.maxBytes)) {
        const oldest = kept.shift()!;
        total -= oldest.bytes;
        dropped.push(oldest.number);
      }
      await store.set(turnKey(thread, number), JSON.stringify(turn));
      await store.set(thread, JSON.stringify({ next: number + 1, turns: kept } satisfies ThreadIndex));
      if (dropped.length > 0) await store.deleteMany(dropped.map((old) => turnKey(thread, old)));
    },

    async forget(thread) {
      await store.set(generationKey(thread), String((await generationOf(thread)) + 1));
      const index = await readIndex(thread);
      if (!index) return false;
      await store.deleteMany([...index.turns.map((turn) => turnKey(thread, turn.number)), thread]);
      return index.turns.length > 0;
    },
  };
}
