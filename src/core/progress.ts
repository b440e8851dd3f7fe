import type { Logger } from "../log.js";
import type { PipelineEvent } from "../pipeline/types.js";
import { type Clock, formatElapsed } from "./clock.js";
import type { ProgressMessage, ProgressSnapshot, ProgressTask } from "./types.js";

type Stage = "queued" | "downloading" | "planning" | "selecting" | "running" | "answering";
type TaskLine = ProgressTask;

const STAGE_WORDS: Record<Stage, string> = {
  queued: "Waiting for my turn…",
  downloading: "Downloading the attached files…",
  planning: "Planning the tasks…",
  selecting: "Choosing models…",
  running: "Running the tasks…",
  answering: "Writing the answer…",
};

const MARKS: Record<TaskLine["status"], string> = {
  planned: "·",
  running: "▶",
  ok: "✓",
  failed: "✗",
  skipped: "–",
};

/**
 * What the progress message says about one request: the stage, then one line per planned task that
 * turns from planned to running to done. A pure state machine fed with pipeline events, so the text
 * can be rebuilt at any moment and only the latest text is ever sent.
 */
export class ProgressState {
  private stage: Stage = "planning";
  private readonly tasks = new Map<number, TaskLine>();

  setStage(stage: Stage): void {
    this.stage = stage;
  }

  apply(event: PipelineEvent): void {
    switch (event.type) {
      case "plan":
        this.stage = event.plan.tasks.length === 0 ? "answering" : "selecting";
        for (const task of event.plan.tasks) {
          this.tasks.set(task.id, { id: task.id, task: task.task, dep: task.dep, status: "planned" });
        }
        break;
      case "select":
        this.stage = "running";
        break;
      case "task-start": {
        const line = this.tasks.get(event.id);
        if (line) Object.assign(line, { status: "running", model: event.model });
        break;
      }
      case "task-end": {
        const line = this.tasks.get(event.result.id);
        if (line) {
          line.status = event.result.status;
          line.ms = event.result.ms;
          if (event.result.model) line.model = event.result.model;
          if (event.result.error) line.error = event.result.error;
        }
        if (
          [...this.tasks.values()].every((task) => task.status !== "planned" && task.status !== "running")
        ) {
          this.stage = "answering";
        }
        break;
      }
      case "answer":
        break;
    }
  }

  /** The state as data (a copy), ended when `outcome` is given. */
  snapshot(outcome?: "done" | "failed" | "cancelled", elapsedMs?: number): ProgressSnapshot {
    return {
      stage: outcome ?? this.stage,
      tasks: this.lines(outcome).map((line) => ({ ...line, dep: [...line.dep] })),
      ...(elapsedMs !== undefined ? { elapsedMs } : {}),
    };
  }

  /** The task lines; once the request has ended, a task that never finished shows as not run. */
  private lines(outcome?: "done" | "failed" | "cancelled"): TaskLine[] {
    const lines = [...this.tasks.values()];
    if (!outcome) return lines;
    const why = outcome === "cancelled" ? "cancelled" : "not run";
    return lines.map((line) =>
      line.status === "planned" || line.status === "running"
        ? { ...line, status: "skipped", error: why }
        : line,
    );
  }

  /** The text while the request runs. */
  render(): string {
    return [STAGE_WORDS[this.stage], ...this.taskLines()].join("\n");
  }

  /** The last text: how it ended and how long it took, with the final state of every task. */
  renderFinal(outcome: "done" | "failed" | "cancelled", elapsedMs: number): string {
    const head = {
      done: `✓ Done in ${formatElapsed(elapsedMs)}`,
      failed: `✗ Failed after ${formatElapsed(elapsedMs)}`,
      cancelled: `✗ Cancelled after ${formatElapsed(elapsedMs)}`,
    }[outcome];
    return [head, ...this.taskLines(outcome)].join("\n");
  }

  private taskLines(outcome?: "done" | "failed" | "cancelled"): string[] {
    return this.lines(outcome).map((line) => {
      const after = line.dep.length > 0 ? ` (after ${line.dep.join(", ")})` : "";
      const model = line.model ? ` on ${line.model}` : "";
      const time = line.ms !== undefined ? ` (${formatElapsed(line.ms)})` : "";
      const why =
        line.status === "failed" || line.status === "skipped" ? `: ${line.error ?? line.status}` : "";
      switch (line.status) {
        case "planned":
          return `${MARKS.planned} ${line.id}. ${line.task}${after}`;
        case "running":
          return `${MARKS.running} ${line.id}. ${line.task}${model}`;
        default:
          return `${MARKS[line.status]} ${line.id}. ${line.task}${model}${time}${why}`;
      }
    });
  }
}

/**
 * Edits one progress message at most once per `intervalMs`, always converging on the latest text:
 * updates that arrive faster are coalesced, and the one pending when the interval is over is sent.
 * Edits never overlap (the next waits for the platform's answer to the previous one), edit failures
 * are logged and forgotten (progress is a courtesy; the answer is what matters), and `finish` sends the
 * final text at once, whatever the throttle says, because the last state must always be shown.
 */
export class ThrottledProgress {
  private shown: string;
  private latest: string;
  private latestSnapshot: ProgressSnapshot | undefined;
  private lastEditAt: number;
  private inFlight: Promise<void> | undefined;
  private cancelTimer: (() => void) | undefined;
  private finished = false;

  constructor(
    private readonly message: ProgressMessage,
    initialText: string,
    private readonly options: {
      clock: Clock;
      intervalMs: number;
      logger: Logger;
      /** Told of each edit sent to the platform, the final one included, and whether it went through. */
      onEdit?: (ok: boolean) => void;
    },
  ) {
    this.shown = initialText;
    this.latest = initialText;
    // The message was just posted with its first text: that counts as an edit for the throttle.
    this.lastEditAt = options.clock.now();
  }

  update(text: string, snapshot?: ProgressSnapshot): void {
    if (this.finished) return;
    this.latest = text;
    this.latestSnapshot = snapshot;
    this.schedule();
  }

  async finish(text: string, snapshot?: ProgressSnapshot): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    await this.inFlight;
    try {
      await this.message.finish(text, snapshot);
      this.options.onEdit?.(true);
    } catch (error) {
      this.options.onEdit?.(false);
      this.options.logger.warn("progress message could not be finished", { error });
    }
  }

  private schedule(): void {
    if (this.inFlight || this.cancelTimer || this.latest === this.shown) return;
    const wait = this.lastEditAt + this.options.intervalMs - this.options.clock.now();
    if (wait <= 0) {
      this.send();
      return;
    }
    this.cancelTimer = this.options.clock.setTimer(() => {
      this.cancelTimer = undefined;
      if (!this.finished) this.send();
    }, wait);
  }

  private send(): void {
    const text = this.latest;
    this.lastEditAt = this.options.clock.now();
    this.inFlight = this.message
      .edit(text, this.latestSnapshot)
      .then(
        () => {
          this.shown = text;
          this.options.onEdit?.(true);
        },
        (error: unknown) => {
          this.options.onEdit?.(false);
          this.options.logger.warn("progress message could not be edited", { error });
          // Counted as shown: retrying a failing edit every second would only add load.
          this.shown = text;
        },
      )
      .finally(() => {
        this.inFlight = undefined;
        if (!this.finished) this.schedule();
      });
  }
}
