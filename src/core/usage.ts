/**
 * What the bot loop asks of usage accounting (src/usage/ implements it; main.ts wires it): admission
 * reserves a request against its budgets before anything runs, the turn records what the request
 * used once it is over, and the `usage` command describes it. Defined here so that core never
 * imports the accounting itself.
 */
import type { Request } from "./types.js";

/** Admission's answer: counted (and how to give the count back if the request is not queued after all), or refused. */
export type BudgetDecision =
  | { allowed: true; release(): Promise<void> }
  | {
      allowed: false;
      /** The notice for the user: which budget, and when it resets. */
      message: string;
    };

/** What one request used besides the request itself, measured by its turn. */
export interface RequestUsage {
  promptTokens: number;
  completionTokens: number;
  hostedCalls: number;
  hostedMs: number;
  localCpuMs: number;
  /** The attachments' bytes, as downloaded. */
  bytesIn: number;
  /** The reply's files' bytes. */
  bytesOut: number;
}

export interface UsageAccounting {
  /**
   * Counts one request of its user and workspace if none of their budgets is spent, in one atomic
   * step (so that processes sharing the counts cannot both take the last one); otherwise refuses.
   */
  reserve(request: Request): Promise<BudgetDecision>;
  /** Adds what a request used (tokens, model calls, CPU, bytes) after it ran, answered or not. */
  record(request: Request, used: RequestUsage): Promise<void>;
  /** The `usage` command's text: the user's own use and limits, and the workspace's for its admins. */
  describe(request: Request): Promise<string>;
}

/** Nothing used yet: what a turn starts adding to. */
export function noUsage(): RequestUsage {
  return {
    promptTokens: 0,
    completionTokens: 0,
    hostedCalls: 0,
    hostedMs: 0,
    localCpuMs: 0,
    bytesIn: 0,
    bytesOut: 0,
  };
}
