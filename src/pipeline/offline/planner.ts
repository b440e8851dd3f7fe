/**
 * The planner used when no LLM is configured. It understands, then composes: the request is cut
 * into clauses (clauses.ts), each clause's intent is scored from a lexicon of cues (lexicon.ts,
 * intents.ts), and the plan is composed by the kinds of the task registry: an intent that needs a
 * text takes the text output of an earlier task, else an attachment or an earlier result of the
 * right kind (sources.ts, compose.ts). When two readings are close it asks (clarify.ts); what it
 * cannot do, it says, with what it can (messages.ts).
 */
import { taskSpec } from "../../tasks/index.js";
import { shorten } from "../../text.js";
import { PLAN_LIMITS } from "../plan-schema.js";
import type { Plan } from "../types.js";
import { answeredQuestion, clarifyingQuestion, vagueReadings, whichOne } from "./clarify.js";
import { type Clause, QUESTION_START, splitClauses, withoutLiterals } from "./clauses.js";
import { checkPlan, composePlan } from "./compose.js";
import {
  createContext,
  mediaOf,
  type OfflinePlanOptions,
  type OfflinePlanRequest,
  type PlanningContext,
} from "./context.js";
import { absentOther, continued, countedEarlier, repeatedRequest } from "./followups.js";
import { intentById } from "./intent-table.js";
import { mediumOf, namesATextAsk } from "./intents.js";
import { spokenInAnotherLanguage, withLanguages } from "./languages.js";
import { DEFAULT_INTENTS, type OfflineIntent, TO_TEXT } from "./lexicon.js";
import { type Failure, failureMessage, intentServable, reasonSentence, taskTitle } from "./messages.js";
import { type Reading, readClauses } from "./readings.js";
import { asks } from "./remarks.js";
import { byName, mediaSource, type Step, textSource } from "./sources.js";
import { plainSpelling, readWords } from "./words.js";

export type { OfflinePlanOptions, OfflinePlanRequest } from "./context.js";
export { OFFLINE_INTENTS } from "./intent-table.js";
export type { OfflineIntent } from "./lexicon.js";
export { describeOfflineAbilities, LLM_HINT, type Servable, taskTitle } from "./messages.js";

export type OfflinePlanOutcome =
  | { ok: true; plan: Plan; notes?: string[] }
  /** A refusal, or (`question`) a clarifying question the next message answers. */
  | { ok: false; message: string; question?: boolean };

/**
 * Plans a request without an LLM. Call `loadWords()` once first (the offline Planner does); the
 * plan passes the same checks as an LLM's (`parsePlanFor`: argument kinds, references, limits).
 *
 * @example
 * planOffline({ text: "what is in this photo? read the answer aloud", inputs: [photo] }, { servable })
 * // { ok: true, plan: { tasks: [
 * //   { id: 1, task: "object-detection", dep: [], args: { image: { type: "input", name: "photo.jpg" } },
 * //     intent: "detect-objects" },
 * //   { id: 2, task: "text-to-speech", dep: [1], args: { text: { type: "ref", task: 1 } }, intent: "speak" } ] } }
 */
export function planOffline(request: OfflinePlanRequest, options: OfflinePlanOptions): OfflinePlanOutcome {
  const absent = absentOther(request);
  if (absent) return { ok: false, message: absent };
  const repeated = repeatedRequest(request);
  if (repeated) {
    const counted = countedEarlier(request);
    return counted ? planRequest(repeated, options, new Map(), counted) : planOffline(repeated, options);
  }
  const answered = answeredQuestion(request, options, (earlier, forced, picked) =>
    planRequest(earlier, options, forced, picked),
  );
  if (answered) return answered;
  const planned = planRequest(request, options, new Map());
  if (planned.ok || planned.question) return planned;
  return (
    continued(request, {
      plan: (earlier) => planOffline(earlier, options),
      planWith: (fragment, intents) => planRequest(fragment, options, new Map([[0, intents]])),
    }) ?? planned
  );
}

function planRequest(
  request: OfflinePlanRequest,
  options: OfflinePlanOptions,
  forced: ReadonlyMap<number, readonly OfflineIntent[]>,
  picked?: string,
): OfflinePlanOutcome {
  const clauses = splitClauses(request.text, (text) => namesATextAsk(readWords(plainSpelling(text))));
  const context = createContext(request, options, clauses);
  if (picked) context.picked = picked;
  const readings = readClauses(clauses, context);
  const fail = (reason: Failure): OfflinePlanOutcome => ({
    ok: false,
    message: failureMessage(reason, options.servable, options.unservableHint),
  });

  const notes: string[] = [];
  const taskless: Failure[] = [];
  let firstFailure: Failure | undefined;
  for (const [index, reading] of readings.entries()) {
    const chosen = forced.get(index);
    if (reading.type === "ambiguous" && !chosen) {
      return {
        ok: false,
        question: true,
        message: clarifyingQuestion(reading.first.intent, reading.second.intent),
      };
    }
    // "read out my notes.txt": a clause that names its text, or quotes it, needs no reader first.
    const ownText =
      reading.clause.literals.length > 0 || byName(reading.clause, context.attachments.text) !== undefined;
    const scores = asks(reading, readings) ? reading.scores : [];
    const intents: Array<{ intent: OfflineIntent; end: number }> = chosen
      ? chosen.map((intent) => ({ intent, end: -1 }))
      : (scores.length > 1 && ownText ? scores.slice(-1) : scores).map((score) => ({
          intent: score.intent,
          end: score.end,
        }));
    const before = context.steps.length;
    for (const { intent, end } of intents) {
      const failure = addIntent(intent, reading.clause, end, context);
      if (!failure) continue;
      // The reader of a clause was there to feed what cannot run: neither runs.
      context.steps.length = before;
      firstFailure ??= failure;
      if (failure.type === "unservable") notes.push(`${failure.intent.title} cannot run here.`);
      // An ask no task does ("and book a table"), beside asks that run: they run, and it is named.
      else if (failure.type === "unknown" && !intent.task) {
        notes.push(`I left out "${shorten(failure.text, 80)}": it needs a language model.`);
        taskless.push(failure);
      } else if (failure.type === "missing") {
        // Beside asks that run, an ask without its input is more often a remark ("the huddle
        // captions are garbage") than a request to refuse them all: they run, and it is named.
        notes.push(
          `I left out "${shorten(withoutLiterals(reading.clause.text), 80)}": ${missingSentence(failure)}`,
        );
        taskless.push(failure);
      }
      break;
    }
    const choice = context.steps
      .slice(before)
      .flatMap((step) => Object.values(step.args))
      .find((source) => source?.type === "choice");
    if (choice?.type === "choice") return { ok: false, question: true, message: whichOne(choice.options) };
  }

  if (context.steps.length === 0) {
    if (firstFailure) return fail(firstFailure);
    const vague = vagueReadings(request.text, context.attachments, (intent) =>
      intentServable(intent, options.servable),
    );
    if (vague && forced.size === 0)
      return { ok: false, question: true, message: clarifyingQuestion(...vague) };
    const defaults = planDefaults(readings, context);
    if (defaults) return fail(defaults);
  } else if (firstFailure && firstFailure.type !== "unservable" && !taskless.includes(firstFailure)) {
    return fail(firstFailure);
  }
  const plan = withLanguages(composePlan(context.steps), request.text, clauses);
  const translate = intentById("translate");
  const earlier = new Set(
    request.inputs.filter((input) => input.origin === "history").map((input) => input.name),
  );
  if (
    spokenInAnotherLanguage(plan, request.text, earlier) &&
    translate &&
    !intentServable(translate, options.servable)
  )
    return fail({ type: "unservable", intent: translate });
  const checked = checkPlan(plan, request.inputs, options.maxTasks ?? PLAN_LIMITS.maxTasks);
  if (!checked.ok) return fail({ type: "invalid", error: checked.error });
  return notes.length > 0 ? { ok: true, plan: checked.plan, notes } : { ok: true, plan: checked.plan };
}

/** Why an ask was left out for want of its input, as the end of a note. */
function missingSentence(failure: Failure): string {
  const sentence = reasonSentence(failure, "");
  return `${sentence.charAt(0).toLowerCase()}${sentence.slice(1)}`;
}

/** Adds the steps of one intent: its task, after a step that reads a photo or recording it needs as text. */
function addIntent(
  intent: OfflineIntent,
  clause: Clause,
  cueEnd: number,
  context: PlanningContext,
): Failure | undefined {
  if (!intent.task) return { type: "unknown", text: withoutLiterals(clause.text) };
  const medium = mediumOf(intent);
  const args: Step["args"] = {};
  const added: Step[] = [];
  if (medium === "text") {
    const found = textSource(intent, clause, cueEnd, context, (kind) =>
      intentServable(intentById(TO_TEXT[kind]) ?? intent, context.servable),
    );
    if (!found) return { type: "missing", intent, kind: "text" };
    // "just the mood pls" after "what mood was he in": a classification of a classification is no ask.
    const feeding = found.source.type === "step" ? context.steps[found.source.step] : undefined;
    if (feeding?.task === intent.task) return undefined;
    if (found.bridge) {
      const reader = intentById(TO_TEXT[found.bridge]);
      if (!reader?.task) return { type: "missing", intent, kind: "text" };
      added.push({ intent: reader, task: reader.task, args: { [found.bridge]: found.source } });
      args.text = { type: "step", step: context.steps.length };
    } else {
      args.text = found.source;
    }
  } else {
    const source = mediaSource(medium, clause, context);
    if (!source) return { type: "missing", intent, kind: medium };
    args[medium] = source;
    if (taskSpec(intent.task).args.text) {
      const asked = withoutLiterals(clause.text);
      // A fragment of a question ("total and date on this receipt?"): "what is the total?".
      const question =
        QUESTION_START.test(asked) || asked.split(/\s+/).length > 4
          ? asked
          : `what is the ${asked.replace(/^(?:the|my|our|this|that)\s+/i, "").replace(/[?.!]+$/, "")}?`;
      args.text = { type: "literal", text: clause.literals[0] ?? question };
    }
  }
  const media = args.image ?? args.audio;
  let runnable = intent;
  if (!intentServable(intent, context.servable, media ? mediaOf(media, context) : undefined)) {
    const fallback = intent.fallback ? intentById(intent.fallback) : undefined;
    if (!fallback?.task || !intentServable(fallback, context.servable)) return { type: "unservable", intent };
    runnable = fallback;
    delete args.text;
  }
  if (runnable.labels) args.labels = { type: "literal", text: runnable.labels };
  context.steps.push(...added, { intent: runnable, task: runnable.task ?? intent.task, args });
  return undefined;
}

/**
 * Attachments nobody asked anything about ("", "here you go") get the first task of their kind that
 * runs here; a question about a photo that names no task is a question about the photo. Returns why
 * not, when neither applies.
 */
function planDefaults(readings: readonly Reading[], context: PlanningContext): Failure | undefined {
  const text = withoutLiterals(readings.map((reading) => reading.clause.text).join(" "));
  const evidence = readings.some((reading) => reading.type !== "none" || reading.evidence);
  const question = readings.find((reading) => reading.clause.question)?.clause;
  if (question && context.attachments.image.length > 0 && !evidence) {
    const ask = intentById("image-question");
    return ask ? addIntent(ask, question, -1, context) : undefined;
  }
  if (evidence || question) return { type: "unknown", text };
  let failure: Failure | undefined;
  for (const kind of ["image", "audio"] as const) {
    if (context.attachments[kind].length === 0) continue;
    const candidates = DEFAULT_INTENTS[kind].flatMap((id) => intentById(id) ?? []);
    const runnable = candidates.find((intent) => intentServable(intent, context.servable));
    if (!runnable?.task) {
      const first = candidates[0] ?? (intentById("detect-objects") as OfflineIntent);
      // Nothing was asked: the task is named plainly ("Object detection cannot run here").
      failure ??= {
        type: "unservable",
        intent: { ...first, title: first.task ? taskTitle(first.task) : first.title },
      };
      continue;
    }
    context.steps.push({
      intent: runnable,
      task: runnable.task,
      args: { [kind]: { type: "each", inputs: context.attachments[kind] } },
    });
  }
  if (context.steps.length > 0) return undefined;
  return failure ?? { type: "unknown", text };
}
