import type { PipelineResult } from "../../src/pipeline/index.js";
import type { ConversationTurn, NamedInput } from "../../src/pipeline/types.js";
import { resourceFiles, resourceToText } from "../../src/tasks/index.js";

/** How many earlier turns and results the terminal chat keeps for follow-ups. */
const MAX_TURNS = 8;
const MAX_RESOURCES = 24;

/**
 * The memory of one terminal conversation: earlier turns for the planner's context, and earlier
 * results as named inputs, so "now read that caption aloud" can refer to them by name.
 */
export class ConsoleSession {
  private readonly turns: ConversationTurn[] = [];
  private readonly resources: NamedInput[] = [];
  private turnNumber = 0;

  get history(): ConversationTurn[] {
    return [...this.turns];
  }

  get earlierResults(): NamedInput[] {
    return [...this.resources];
  }

  remember(request: string, attachments: readonly NamedInput[], result: PipelineResult): void {
    this.turnNumber += 1;
    const names: string[] = [];
    const add = (input: NamedInput) => {
      this.resources.push(input);
      names.push(input.name);
    };
    for (const attachment of attachments) add({ ...attachment, origin: "history" });
    for (const task of result.results) {
      if (task.status !== "ok" || !task.output) continue;
      const prefix = `turn${this.turnNumber}-`;
      const files = resourceFiles(task.output);
      for (const file of files) add({ name: `${prefix}${file.name}`, origin: "history", resource: file });
      const text = resourceToText(task.output);
      if (text !== undefined && files.length === 0) {
        add({
          name: `${prefix}${task.id}-${task.task}.txt`,
          origin: "history",
          resource: { kind: "text", text },
        });
      }
    }
    this.turns.push({ user: request, answer: result.answer, resources: names });
    this.turns.splice(0, Math.max(0, this.turns.length - MAX_TURNS));
    this.resources.splice(0, Math.max(0, this.resources.length - MAX_RESOURCES));
  }

  forget(): void {
    this.turns.length = 0;
    this.resources.length = 0;
  }
}
