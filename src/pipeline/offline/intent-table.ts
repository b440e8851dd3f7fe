/**
 * Every intent the offline planner tells apart, in one table: tasks no expert here runs are in it
 * too, so that a request for them is recognized and answered with "cannot run here" instead of a
 * wrong plan.
 */
import type { OfflineIntent } from "./lexicon.js";
import { MEDIA_INTENTS } from "./lexicon-media.js";
import { TEXT_INTENTS } from "./lexicon-text.js";

export const OFFLINE_INTENTS: readonly OfflineIntent[] = [...MEDIA_INTENTS, ...TEXT_INTENTS];

export function intentById(id: string): OfflineIntent | undefined {
  return OFFLINE_INTENTS.find((intent) => intent.id === id);
}
