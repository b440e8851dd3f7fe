/**
 * What the planning of one request knows: this message's attachments by the kind they serve as, the
 * thread's earlier inputs, the literals of the request, what can run here, and the steps planned so far.
 */
import type { InputKind } from "../../tasks/index.js";
import type { ConversationTurn, NamedInput } from "../types.js";
import type { Clause } from "./clauses.js";
import type { IntentContext } from "./intents.js";
import type { Servable } from "./messages.js";
import { byName, type Source, type SourceContext, type Step } from "./sources.js";

export interface OfflinePlanRequest {
  text: string;
  inputs: NamedInput[];
  history?: ConversationTurn[];
}

export interface OfflinePlanOptions {
  servable: Servable;
  /** What to say after "cannot run here": how to make a task servable in this setup. */
  unservableHint?: string;
  /** Most tasks a plan may have; PLAN_LIMITS.maxTasks by default. */
  maxTasks?: number;
}

/** File names of photos of documents. */
const DOCUMENT_FILE =
  /receipt|invoice|bill|ticket|form|statement|boarding|contract|payslip|letter|scan|report|bloodwork|lab|quote|estimate|lease|policy|certificate|prescription|sow/i;

export interface PlanningContext extends SourceContext {
  steps: Step[];
  servable: Servable;
  scoring: IntentContext;
}

/** The context of planning a request; `clauses` are its clauses, for their literals and the attachments they name. */
export function createContext(
  request: OfflinePlanRequest,
  options: OfflinePlanOptions,
  clauses: readonly Clause[],
): PlanningContext {
  const attached = request.inputs.filter((input) => input.origin === "attachment");
  const usedAs = (input: NamedInput): InputKind | undefined => {
    const kind = input.resource.kind;
    if (kind === "image" || kind === "audio" || kind === "text") return kind;
    // A video is a recording where an expert here reads video files.
    if (kind === "video" && options.servable("automatic-speech-recognition", { media: input.resource.mime }))
      return "audio";
    return undefined;
  };
  const attachments = {
    image: attached.filter((input) => usedAs(input) === "image"),
    audio: attached.filter((input) => usedAs(input) === "audio"),
    text: attached.filter((input) => usedAs(input) === "text"),
  };
  const history = request.inputs.filter((input) => input.origin === "history").reverse();
  const turns = request.history ?? [];
  const answer = turns.at(-1)?.answer.trim();
  const kinds = (inputs: readonly NamedInput[]) =>
    new Set(
      inputs.flatMap((input): InputKind[] => {
        const kind = input.resource.kind;
        return kind === "image" || kind === "audio" || kind === "text"
          ? [kind]
          : kind === "video"
            ? ["audio"]
            : [];
      }),
    );
  return {
    attachments,
    history,
    lastAnswer: answer === undefined || answer === "" ? undefined : answer,
    steps: [],
    literals: clauses.flatMap((clause) => clause.literals),
    claimed: new Set(clauses.flatMap((clause) => byName(clause, attached)?.name ?? [])),
    servable: options.servable,
    scoring: {
      attached: new Set((["image", "audio", "text"] as const).filter((kind) => attachments[kind].length > 0)),
      earlier: kinds(history),
      documentFiles: attachments.image.some((input) => DOCUMENT_FILE.test(input.name)),
      readEarlier: new Set(
        history.flatMap((input) => {
          const task = /^turn\d+-\d+-([a-z-]+)\./.exec(input.name)?.[1];
          return task === "image-to-text" || task === "automatic-speech-recognition" ? [task] : [];
        }),
      ),
    },
  };
}

/** The media type of a source's first input, for whether an expert here reads it. */
export function mediaOf(source: Source, context: PlanningContext): string | undefined {
  const input =
    source.type === "each"
      ? source.inputs[0]
      : source.type === "input"
        ? [...context.history, ...Object.values(context.attachments).flat()].find(
            (candidate) => candidate.name === source.name,
          )
        : undefined;
  const resource = input?.resource;
  return resource && "mime" in resource ? resource.mime : undefined;
}
