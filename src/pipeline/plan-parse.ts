import { normalizeLanguage } from "../language/index.js";
import {
  ARG_NAMES,
  type ArgName,
  type ArgSpec,
  type InputKind,
  kindFeeds,
  type ResourceKind,
  resolveTaskName,
  type TaskName,
  type TaskSpec,
  taskFeeds,
  taskSpec,
} from "../tasks/index.js";
import { shorten } from "../text.js";
import { extractJson } from "./extract-json.js";
import { PLAN_LIMITS, type PlanLimits, type RawTask, rawPlanSchema, rawTaskSchema } from "./plan-schema.js";
import type { ArgValue, NamedInput, Plan, PlannedTask } from "./types.js";

export type ParsePlanResult = { ok: true; plan: Plan } | { ok: false; error: string };

export type ParsePlanOptions = Partial<PlanLimits>;

/**
 * Turns an LLM's planning answer into a checked `Plan`, or says in one short sentence what is
 * wrong with it (the sentence goes back to the model in the repair call, and to the user after).
 *
 * Accepts a bare JSON list, `{"tasks": [...]}`, one task object, JSON in a code fence or in
 * prose; references `<resource>-N`, `<GENERATED>-N`, `<resource-N>` and `<node-N>`; inputs by
 * name (also with a leading path or quotes); http(s) links. `dep` is recomputed from references.
 *
 * @example
 * parsePlan('[{"id":1,"task":"image-to-text","args":{"image":"cat.jpg"}}]', inputs)
 * // { ok: true, plan: { tasks: [{ id: 1, task: "image-to-text", dep: [],
 * //   args: { image: { type: "input", name: "cat.jpg" } } }] } }
 */
export function parsePlan(
  raw: string,
  inputs: NamedInput[],
  options: ParsePlanOptions = {},
): ParsePlanResult {
  return parsePlanFor(
    raw,
    inputs.map((input) => ({ name: input.name, kind: input.resource.kind })),
    options,
  );
}

/** What the parser needs to know of an input: its name and what kind of resource it is. */
export interface PlanInputInfo {
  name: string;
  kind: ResourceKind;
}

/** `parsePlan` for inputs known by name and kind only (the prompt's worked examples have no bytes). */
export function parsePlanFor(
  raw: string,
  inputs: readonly PlanInputInfo[],
  options: ParsePlanOptions = {},
): ParsePlanResult {
  const limits: PlanLimits = { ...PLAN_LIMITS, ...definedOnly(options) };
  if (raw.length > limits.maxAnswerChars)
    return fail(
      `the answer is ${formatCount(raw.length)} characters long; at most ${formatCount(limits.maxAnswerChars)} are read`,
    );

  const extracted = extractJson(raw, isPlanShaped, "list of tasks");
  if (!extracted.ok) return fail(extracted.error);

  const shape = rawPlanSchema.safeParse(extracted.value);
  if (!shape.success) return fail('expected a JSON list of tasks, or an object {"tasks": [...]}');
  const list = shape.data;
  if (list.length > limits.maxTasks)
    return fail(
      `the plan has ${formatCount(list.length)} tasks; at most ${limits.maxTasks} are allowed in one request`,
    );
  if (list.length === 0) return { ok: true, plan: { tasks: [] } };

  const problems = new Problems();
  const context: ParseContext = { inputs: indexInputs(inputs), limits, problems };

  const parsed: ParsedTask[] = [];
  const seenIds = new Set<number>();
  list.forEach((entry, index) => {
    const task = parseTask(entry, index, context);
    if (!task) return;
    if (seenIds.has(task.id)) {
      problems.add(`task id ${task.id} is used by more than one task; ids must be unique`);
      return;
    }
    seenIds.add(task.id);
    parsed.push(task);
  });
  if (problems.any()) return fail(problems.report());

  const byId = new Map(parsed.map((task) => [task.id, task]));
  for (const task of parsed) checkReferences(task, byId, problems);
  if (problems.any()) return fail(problems.report());

  const cycle = findCycle(parsed);
  if (cycle) return fail(`the tasks depend on each other in a cycle: ${cycle.join(" → ")}`);

  return {
    ok: true,
    plan: {
      tasks: parsed.map(
        (task): PlannedTask => ({ id: task.id, task: task.name, dep: task.dep, args: task.args }),
      ),
    },
  };
}

interface ParsedTask {
  id: number;
  name: TaskName;
  spec: TaskSpec;
  dep: number[];
  args: Partial<Record<ArgName, ArgValue>>;
}

interface ParseContext {
  inputs: InputIndex;
  limits: PlanLimits;
  problems: Problems;
}

const MAX_REPORTED = 3;

/** Collects problems so the repair call can fix several at once, without flooding the prompt. */
class Problems {
  private readonly list: string[] = [];
  add(problem: string): void {
    this.list.push(problem);
  }
  any(): boolean {
    return this.list.length > 0;
  }
  count(): number {
    return this.list.length;
  }
  report(): string {
    const shown = this.list.slice(0, MAX_REPORTED).join("; ");
    const more = this.list.length - MAX_REPORTED;
    return more > 0 ? `${shown} (and ${more} more ${more === 1 ? "problem" : "problems"})` : shown;
  }
}

function fail(error: string): ParsePlanResult {
  return { ok: false, error };
}

function parseTask(entry: unknown, index: number, context: ParseContext): ParsedTask | undefined {
  const { problems } = context;
  const position = `the task at position ${index + 1}`;
  const result = rawTaskSchema.safeParse(entry);
  if (!result.success) {
    problems.add(describeShapeProblem(position, entry, result.error.issues[0]?.path[0]));
    return undefined;
  }
  const raw: RawTask = result.data;

  const id = typeof raw.id === "number" ? raw.id : Number(raw.id.trim());
  if (!Number.isSafeInteger(id) || id < 0) {
    problems.add(`${position} has id ${quote(String(raw.id))}; ids must be whole numbers from 0 up`);
    return undefined;
  }

  const name = resolveTaskName(raw.task);
  if (!name) {
    problems.add(`task ${id} names an unknown task ${quote(raw.task)}`);
    return undefined;
  }
  const spec = taskSpec(name);
  const label = `task ${id} (${name})`;

  const args: Partial<Record<ArgName, ArgValue>> = {};
  const refused = new Set<ArgName>();
  // Own keys straight from JSON.parse: an own "__proto__" or "constructor" key shows up here and is
  // rejected as an unknown argument before anything is assigned.
  for (const [rawKey, value] of Object.entries(raw.args ?? {})) {
    // Strict structured output makes the model write every argument name, null where unused.
    if (value === null || (typeof value === "string" && value.trim() === "")) continue;
    const key = resolveArgName(rawKey);
    const argSpec = key === undefined ? undefined : spec.args[key];
    if (key === undefined || !argSpec) {
      problems.add(`${label} has no argument ${quote(rawKey)} (it takes ${listArgs(spec)})`);
      continue;
    }
    if (args[key] !== undefined || refused.has(key)) {
      problems.add(`${label} gives its ${key} twice`);
      continue;
    }
    const before = problems.count();
    const parsed = parseArgValue(value, key, argSpec, label, context);
    if (parsed) args[key] = parsed;
    else if (problems.count() > before) refused.add(key);
  }

  for (const argName of ARG_NAMES) {
    const argSpec = spec.args[argName];
    // A refused argument was reported already; "missing" on top of it would only confuse.
    if (argSpec?.required && args[argName] === undefined && !refused.has(argName))
      problems.add(`${label} is missing its ${argName} (${argSpec.description})`);
  }

  const dep = [
    ...new Set(
      Object.values(args).flatMap((value) =>
        value !== undefined && value.type === "ref" ? [value.task] : [],
      ),
    ),
  ].sort((a, b) => a - b);
  return { id, name, spec, dep, args };
}

function describeShapeProblem(position: string, entry: unknown, field: PropertyKey | undefined): string {
  if (entry === null || typeof entry !== "object" || Array.isArray(entry))
    return `${position} is not an object like {"id": 1, "task": "...", "args": {...}}`;
  switch (field) {
    case "id":
      return `${position} has no whole-number id`;
    case "task":
      return `${position} has no task name`;
    case "args":
      return `${position} has args that are not an object of named arguments`;
    default:
      return `${position} is not shaped like {"id": 1, "task": "...", "args": {...}}`;
  }
}

/** Names models use for our arguments; each maps to one of ARG_NAMES. */
const ARG_ALIASES: ReadonlyMap<string, ArgName> = new Map([
  ["prompt", "text"],
  ["question", "text"],
  ["passage", "context"],
  ["target_language", "language"],
  ["target-language", "language"],
  ["target_lang", "language"],
  ["tgt_lang", "language"],
  ["lang", "language"],
  ["source_language", "language"],
  ["src_lang", "language"],
  ["candidate_labels", "labels"],
  ["classes", "labels"],
  ["categories", "labels"],
]);

const ARG_NAME_SET: ReadonlySet<string> = new Set(ARG_NAMES);

function resolveArgName(key: string): ArgName | undefined {
  const normalized = key.trim().toLowerCase();
  if (ARG_NAME_SET.has(normalized)) return normalized as ArgName;
  return ARG_ALIASES.get(normalized);
}

function listArgs(spec: TaskSpec): string {
  return ARG_NAMES.filter((name) => spec.args[name] !== undefined).join(", ");
}

const REFERENCE_WHOLE =
  /^(?:<\s*(?:resource|generated)\s*>\s*-\s*(\d+)|<\s*(?:resource|generated|node)\s*-\s*(\d+)\s*>)$/i;
const REFERENCE_ANYWHERE =
  /<\s*(?:resource|generated)\s*>\s*-\s*\d+|<\s*(?:resource|generated|node)\s*-\s*\d+\s*>/i;
const HTTP_URL = /^https?:\/\/\S+$/i;
const OTHER_SCHEME = /^(?:[a-z][a-z0-9+.-]*:\/\/|(?:data|file|blob|javascript):)/i;
/** Extensions of files a user would attach; a text argument that is just such a name meant a file. */
const FILE_EXTENSIONS =
  /\.(?:png|jpe?g|gif|webp|bmp|tiff?|heic|avif|svg|wav|mp3|ogg|oga|opus|flac|m4a|aac|webm|mp4|mov|mkv|avi|pdf|txt|csv)$/i;
const SINGLE_TOKEN_WITH_EXTENSION = /^[^\s"'<>|*?]+\.[a-z0-9]{2,5}$/i;

function parseArgValue(
  value: unknown,
  key: ArgName,
  spec: ArgSpec,
  label: string,
  context: ParseContext,
): ArgValue | undefined {
  const { problems, limits } = context;
  if (value === null || value === undefined) return undefined;
  let text: string;
  if (typeof value === "string") text = value;
  else if (typeof value === "number" && Number.isFinite(value)) text = String(value);
  else {
    problems.add(`${label} has a ${key} that is not a string`);
    return undefined;
  }
  if (text.length > limits.maxArgChars) {
    problems.add(
      `${label} has a ${key} of ${formatCount(text.length)} characters; at most ${formatCount(limits.maxArgChars)} are allowed`,
    );
    return undefined;
  }
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  const bare = stripQuotes(trimmed);

  const reference = REFERENCE_WHOLE.exec(bare);
  if (reference) return { type: "ref", task: Number(reference[1] ?? reference[2]) };
  if (REFERENCE_ANYWHERE.test(bare)) {
    problems.add(
      `${label} mixes a reference with other words in its ${key} (${quote(bare)}); a reference must be the whole value`,
    );
    return undefined;
  }

  const input = findInput(context.inputs, bare);
  if (input) {
    if (!kindFeeds(input.kind, spec.kind)) {
      problems.add(
        `${label} ${needs(key, spec.kind)}, but ${quote(input.name)} holds ${kindNoun(input.kind)}`,
      );
      return undefined;
    }
    return { type: "input", name: input.name };
  }

  if (HTTP_URL.test(bare) && URL.canParse(bare)) return { type: "url", url: bare };

  if (spec.kind === "text") {
    if (SINGLE_TOKEN_WITH_EXTENSION.test(bare) && FILE_EXTENSIONS.test(bare)) {
      problems.add(missingAttachment(label, bare, context.inputs));
      return undefined;
    }
    // "German", "de-DE" and "deu" are all "de" to the experts and to the hosted translation call.
    const language = key === "language" ? normalizeLanguage(bare) : undefined;
    return { type: "literal", text: language ?? trimmed };
  }

  // An image or audio argument must come from somewhere: a file, a task, or a link.
  if (OTHER_SCHEME.test(bare)) {
    problems.add(`${label} can only use http(s) links, not ${quote(bare)}`);
    return undefined;
  }
  if (SINGLE_TOKEN_WITH_EXTENSION.test(bare) || /[/\\]/.test(bare)) {
    problems.add(missingAttachment(label, bare, context.inputs));
    return undefined;
  }
  problems.add(
    `${label} ${needs(key, spec.kind)}: an attached file's name, <resource>-N or a link, not the text ${quote(bare)}`,
  );
  return undefined;
}

function missingAttachment(label: string, name: string, inputs: InputIndex): string {
  const available =
    inputs.names.length === 0
      ? "no files are attached"
      : `available: ${inputs.names
          .slice(0, 10)
          .map((n) => quote(n))
          .join(", ")}${inputs.names.length > 10 ? ", …" : ""}`;
  return `${label} refers to ${quote(basename(name))}, but there is no such file (${available})`;
}

function stripQuotes(text: string): string {
  let current = text;
  for (;;) {
    const match = /^(["'`])([\s\S]*)\1$/.exec(current);
    if (!match || match[2] === undefined) return current;
    current = match[2].trim();
  }
}

interface InputIndex {
  exact: ReadonlyMap<string, PlanInputInfo>;
  folded: ReadonlyMap<string, PlanInputInfo[]>;
  names: readonly string[];
}

function indexInputs(inputs: readonly PlanInputInfo[]): InputIndex {
  const exact = new Map<string, PlanInputInfo>();
  const folded = new Map<string, PlanInputInfo[]>();
  for (const input of inputs) {
    if (!exact.has(input.name)) exact.set(input.name, input);
    const key = input.name.toLowerCase();
    folded.set(key, [...(folded.get(key) ?? []), input]);
  }
  return { exact, folded, names: [...exact.keys()] };
}

function basename(value: string): string {
  const cut = Math.max(value.lastIndexOf("/"), value.lastIndexOf("\\"));
  return cut < 0 ? value : value.slice(cut + 1);
}

/** The input a value names: exactly, by its last path segment ("./photo.jpg"), or ignoring case. */
function findInput(index: InputIndex, value: string): PlanInputInfo | undefined {
  const direct = index.exact.get(value);
  if (direct) return direct;
  // A link is never a local path, even when its last segment matches an attachment's name.
  if (HTTP_URL.test(value) || OTHER_SCHEME.test(value)) return undefined;
  const base = basename(value);
  const byBase = index.exact.get(base);
  if (byBase) return byBase;
  const folded = index.folded.get(base.toLowerCase());
  return folded?.length === 1 ? folded[0] : undefined;
}

function checkReferences(task: ParsedTask, byId: ReadonlyMap<number, ParsedTask>, problems: Problems): void {
  const label = `task ${task.id} (${task.name})`;
  for (const argName of ARG_NAMES) {
    const value = task.args[argName];
    const argSpec = task.spec.args[argName];
    if (value?.type !== "ref" || !argSpec) continue;
    if (value.task === task.id) {
      problems.add(`${label} uses its own output as its ${argName}`);
      continue;
    }
    const producer = byId.get(value.task);
    if (!producer) {
      problems.add(`${label} uses the output of task ${value.task}, which is not in the plan`);
      continue;
    }
    if (!taskFeeds(producer.spec, argSpec.kind))
      problems.add(
        `${label} ${needs(argName, argSpec.kind)}, but task ${producer.id} (${producer.name}) produces ${kindNoun(producer.spec.output)}`,
      );
  }
}

/** A cycle as task ids, first id repeated at the end ("1 → 3 → 2 → 1"), or undefined. */
function findCycle(tasks: readonly ParsedTask[]): number[] | undefined {
  const byId = new Map(tasks.map((task) => [task.id, task]));
  const state = new Map<number, "visiting" | "done">();
  // Iterative depth-first search: a long chain must not exhaust the call stack.
  for (const root of tasks) {
    if (state.has(root.id)) continue;
    const path: number[] = [];
    const stack: Array<{ id: number; next: number }> = [{ id: root.id, next: 0 }];
    state.set(root.id, "visiting");
    path.push(root.id);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as { id: number; next: number };
      const deps = byId.get(frame.id)?.dep ?? [];
      if (frame.next >= deps.length) {
        state.set(frame.id, "done");
        stack.pop();
        path.pop();
        continue;
      }
      const dep = deps[frame.next++] as number;
      const seen = state.get(dep);
      if (seen === "visiting") return [...path.slice(path.indexOf(dep)), dep];
      if (seen === undefined && byId.has(dep)) {
        state.set(dep, "visiting");
        path.push(dep);
        stack.push({ id: dep, next: 0 });
      }
    }
  }
  return undefined;
}

function needs(argName: ArgName, kind: InputKind): string {
  const what = kind === "image" ? "an image" : kind;
  return argName === kind ? `needs ${what}` : `needs ${what} for its ${argName}`;
}

function kindNoun(kind: ResourceKind): string {
  switch (kind) {
    case "image":
      return "an image";
    case "video":
      return "a video";
    case "json":
      return "JSON data";
    default:
      return kind;
  }
}

/** A value quoted for an error message, cut so that a hostile value cannot flood the message. */
function quote(value: string): string {
  return JSON.stringify(shorten(value, 40));
}

/** A plan as models write it: a list of tasks, an object with `tasks`, or a single task object. */
function isPlanShaped(value: unknown): boolean {
  if (Array.isArray(value)) return true;
  if (value === null || typeof value !== "object") return false;
  return Object.hasOwn(value, "tasks") || Object.hasOwn(value, "task");
}

function formatCount(count: number): string {
  return count.toLocaleString("en-US");
}

function definedOnly(options: ParsePlanOptions): Partial<PlanLimits> {
  const out: Partial<PlanLimits> = {};
  if (options.maxTasks !== undefined) out.maxTasks = options.maxTasks;
  if (options.maxArgChars !== undefined) out.maxArgChars = options.maxArgChars;
  if (options.maxAnswerChars !== undefined) out.maxAnswerChars = options.maxAnswerChars;
  return out;
}
