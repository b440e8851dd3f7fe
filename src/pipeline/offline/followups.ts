/**
 * Follow-ups that name no ask of their own: "and the date?" and "what about this one? '…'" ask what
 * the thread's last request asked; "do the same for this one" asks it again of today's inputs; "same
 * for the other pic" with nothing attached is told that the other one was never sent.
 */
import type { ConversationTurn, NamedInput } from "../types.js";
import { withoutLiterals } from "./clauses.js";
import type { OfflinePlanRequest } from "./context.js";
import { intentById } from "./intent-table.js";
import { namesAnAsk } from "./intents.js";
import type { OfflineIntent } from "./lexicon.js";
import { byOrdinal } from "./ordinals.js";
import type { OfflinePlanOutcome } from "./planner.js";
import { turnOf } from "./sources.js";
import { plainSpelling, readWords } from "./words.js";

/** "and the date?", "and who's it from", "now do 'good night Sam' too": a fragment that goes on with the last ask. */
const CONTINUATION =
  /^(?:(?:ok|okay|perfect|great|thanks|thank you|thx|cool|nice|awesome|lovely|brilliant)\b[,.!]*\s*)?(?:and|also|now|plus|then|what about|how about)\b\s*(?:do\b\s*)?/i;

/**
 * A short fragment that names no ask of its own asks what the thread's last request asked (its
 * last tasks: "what's the total?" → a document question; "is the first one positive?" → a
 * classification), of the fragment's own subject.
 */
export function continued(
  request: OfflinePlanRequest,
  planners: {
    /** Plans a request of the thread as it was asked. */
    plan(request: OfflinePlanRequest): OfflinePlanOutcome;
    /** Plans a request with the intents of its first clause given. */
    planWith(request: OfflinePlanRequest, intents: readonly OfflineIntent[]): OfflinePlanOutcome;
  },
): OfflinePlanOutcome | undefined {
  const text = plainSpelling(request.text).trim();
  const history = request.history ?? [];
  const previous = history.at(-1);
  // A quoted text is one word here: "what about this one? 'The teacher said…'" is a short fragment.
  const words = text
    .replace(/"[^"]*"|'[^']*'|“[^”]*”/g, " literal ")
    .trim()
    .split(/\s+/);
  if (!previous || !CONTINUATION.test(text) || words.length > 7) return undefined;
  // "now transcribe the voice memo i sent" asks for something of its own.
  if (namesAnAsk(readWords(withoutLiterals(text)))) return undefined;
  const earlier = planners.plan({
    text: previous.user,
    inputs: request.inputs,
    history: history.slice(0, -1),
  });
  if (!earlier.ok) return undefined;
  const fed = new Set(earlier.plan.tasks.flatMap((task) => task.dep));
  const last = earlier.plan.tasks
    .filter((task) => !fed.has(task.id))
    .flatMap((task) => intentById(task.intent ?? "") ?? []);
  const intents = [...new Set(last)];
  if (intents.length === 0) return undefined;
  const fragment = {
    ...request,
    text: text.replace(CONTINUATION, "").replace(/\s+(?:too|as well)([?!.]*)$/i, "$1"),
  };
  const again = planners.planWith(fragment, intents);
  return again.ok ? again : undefined;
}

const SAME_AGAIN =
  /\b(?:(?:do|try) (?:the same|that|it)(?: thing)?(?: again)?(?: (?:for|with|on|to) (?:this|these|that|it|them|the \w+)(?: one)?)?|same (?:thing )?(?:for|with|on|to) (?:this|these|that|it|them|the \w+)|again (?:with|for|on) (?:this|these|that|it)|(?:what|how) about (?:this|these|that|the \w+)(?: one| ones)?\s*\??$|^(?:and |also |now )?(?:check |do |try )?(?:this|these) (?:one|ones|too)(?: too| as well)?\s*[?!.]*$|\bsame (?:thing|again)(?: (?:please|thanks))?\s*[?!.]*$)/i;

/** "do the same for this one": the newest earlier request that was not itself a repeat, on today's inputs. */
export function repeatedRequest(request: OfflinePlanRequest): OfflinePlanRequest | undefined {
  if (!SAME_AGAIN.test(plainSpelling(request.text))) return undefined;
  const history = request.history ?? [];
  for (let index = history.length - 1; index >= 0; index--) {
    const turn = history[index] as ConversationTurn;
    if (SAME_AGAIN.test(plainSpelling(turn.user)) || turn.user.trim() === "") continue;
    return { text: turn.user, inputs: request.inputs, history: history.slice(0, index) };
  }
  return undefined;
}

/**
 * The files users sent earlier in the thread ("turn1-IMG_1.jpg"), not the results
 * ("turn1-2-image-to-text.txt"), oldest first.
 */
function sentEarlier(request: OfflinePlanRequest): NamedInput[] {
  return request.inputs
    .filter((input) => input.origin === "history" && !/^turn\d+-\d+-/.test(input.name))
    .sort((a, b) => turnOf(a) - turnOf(b));
}

/**
 * "same for the other pic", "do that for the second one": the earlier file the message counts to,
 * among the thread's files of the kind it names (or of the one kind sent more than once), for a
 * repeat of an earlier ask that would otherwise not know which file is meant.
 */
export function countedEarlier(request: OfflinePlanRequest): string | undefined {
  const words = readWords(plainSpelling(request.text));
  const sent = sentEarlier(request);
  const named = words.some((word) => /^(?:pic|photo|picture|image|screenshot|scan|page)s?$/.test(word.lemma))
    ? ["image"]
    : words.some((word) => /^(?:recording|call|voicemail|vm|memo|clip|audio|voice)s?$/.test(word.lemma))
      ? ["audio"]
      : ["image", "audio"];
  const kinds = named.filter((kind) => sent.filter((input) => input.resource.kind === kind).length > 1);
  if (kinds.length !== 1) return undefined;
  return byOrdinal(
    words,
    sent.filter((input) => input.resource.kind === kinds[0]),
  )?.name;
}

/** "same for the other pic" with nothing attached: the other one was never sent. */
export function absentOther(request: OfflinePlanRequest): string | undefined {
  const text = plainSpelling(request.text);
  if (request.inputs.some((input) => input.origin === "attachment") || !SAME_AGAIN.test(text))
    return undefined;
  const other = /\b(?:the other|another|the next)\s+(\w+)/i.exec(text);
  if (!other) return undefined;
  const kind = /^(?:pic|pics|photo|picture|image|screenshot|one)s?$/i.test(other[1] ?? "")
    ? "image"
    : "audio";
  if (sentEarlier(request).filter((input) => input.resource.kind === kind).length > 1) return undefined;
  return `Send the other ${other[1]} with your message: I have no other one in this thread yet.`;
}
