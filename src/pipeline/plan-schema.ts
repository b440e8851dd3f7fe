import * as z from "zod";
import type { JsonFormat } from "../llm/types.js";
import { ARG_NAMES, TASK_NAMES } from "../tasks/index.js";

/** Defaults for what a plan may contain; each is an option of `parsePlan` and the planner. */
export const PLAN_LIMITS = {
  /** Tasks in one plan: a request that needs more is better split by the user than run blind. */
  maxTasks: 20,
  /** Characters in one literal text argument. */
  maxArgChars: 10_000,
  /** Characters of the LLM's answer that are read at all; longer answers are refused unparsed. */
  maxAnswerChars: 256_000,
} as const;

export interface PlanLimits {
  maxTasks: number;
  maxArgChars: number;
  maxAnswerChars: number;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * One task as the LLM writes it. Models write ids as "2" and args as numbers often enough that
 * both are accepted; `dep` is read but never trusted (it is recomputed from the references).
 *
 * `args` is checked as a plain object but kept as the very object JSON.parse made: zod's record
 * copies keys by assignment, which silently drops an own `__proto__` key that must be reported.
 */
export const rawTaskSchema = z.object({
  id: z.union([z.number(), z.string().regex(/^\s*\d+\s*$/, "must be a whole number")]),
  task: z.string().min(1, "is empty"),
  dep: z.unknown().optional(),
  args: z
    .custom<Record<string, unknown>>(isPlainObject, "must be an object of named arguments")
    .optional()
    .nullable(),
});

export type RawTask = z.infer<typeof rawTaskSchema>;

/**
 * The whole answer, as a list of raw tasks: a bare list, `{ "tasks": [...] }`, or one task object
 * on its own (kept as the parsed object itself, for the same reason as `args`).
 */
export const rawPlanSchema = z.union([
  z.array(z.unknown()),
  z.object({ tasks: z.array(z.unknown()) }).transform((plan) => plan.tasks),
  z
    .custom<Record<string, unknown>>((value) => isPlainObject(value) && Object.hasOwn(value, "task"))
    .transform((single): unknown[] => [single]),
]);

const argProperty = { type: ["string", "null"] };

/**
 * The structured-output schema sent with the planning call. Written to satisfy OpenAI's strict
 * mode (every property required, no extra properties), hence arguments as nullable strings; the
 * parser treats null as absent. Endpoints that ignore `response_format` may still answer a bare
 * list, which the parser accepts as well.
 */
export const PLAN_JSON_FORMAT: JsonFormat = {
  name: "task_plan",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["tasks"],
    properties: {
      tasks: {
        type: "array",
        items: {
          type: "object",
          additionalProperties: false,
          required: ["id", "task", "dep", "args"],
          properties: {
            id: { type: "integer" },
            task: { type: "string", enum: [...TASK_NAMES] },
            dep: { type: "array", items: { type: "integer" } },
            args: {
              type: "object",
              additionalProperties: false,
              required: [...ARG_NAMES],
              properties: Object.fromEntries(ARG_NAMES.map((name) => [name, argProperty])),
            },
          },
        },
      },
    },
  },
};
