/**
 * The `/ask` modal: slash commands carry no files, so `/ask` without text opens a form with a text
 * field and a `file_input` (up to 10 files). Its submission names the files by id; the adapter reads
 * them through `files.info` and downloads their `url_private`.
 */
import type { ModalView } from "@slack/types";
import { z } from "zod";

export const ASK_MODAL_CALLBACK = "hugginggpt_ask";
const PROMPT_BLOCK = "prompt";
const FILES_BLOCK = "files";
/** Slack's most for one `file_input`. */
export const MODAL_MAX_FILES = 10;

/** Where the answer goes, carried through the modal (Slack hands `private_metadata` back on submit). */
const ModalOriginSchema = z.object({ channel: z.string().min(1), user: z.string().min(1) });
export type ModalOrigin = z.infer<typeof ModalOriginSchema>;

export function askModal(origin: ModalOrigin): ModalView {
  return {
    type: "modal",
    callback_id: ASK_MODAL_CALLBACK,
    private_metadata: JSON.stringify(origin),
    title: { type: "plain_text", text: "Ask HuggingGPT" },
    submit: { type: "plain_text", text: "Ask" },
    close: { type: "plain_text", text: "Cancel" },
    blocks: [
      {
        type: "input",
        block_id: PROMPT_BLOCK,
        // Optional: files alone are a request too (a photo is looked at, a recording transcribed).
        optional: true,
        label: { type: "plain_text", text: "What do you want?" },
        element: {
          type: "plain_text_input",
          action_id: PROMPT_BLOCK,
          multiline: true,
          max_length: 3000,
          placeholder: { type: "plain_text", text: "What is in this photo? Read the answer aloud." },
        },
      },
      {
        type: "input",
        block_id: FILES_BLOCK,
        optional: true,
        label: { type: "plain_text", text: "Files (images, recordings, text)" },
        element: { type: "file_input", action_id: FILES_BLOCK, max_files: MODAL_MAX_FILES },
      },
    ],
  };
}

/** A submitted view as Slack sends it: what the bot wrote when it opened it, and each input's state. */
const SubmissionSchema = z.object({
  private_metadata: z.string(),
  state: z.object({
    values: z.record(
      z.string(),
      z.record(
        z.string(),
        z.object({
          value: z.string().nullish(),
          files: z.array(z.object({ id: z.string() }).passthrough()).nullish(),
          selected_option: z.object({ value: z.string() }).passthrough().nullish(),
        }),
      ),
    ),
  }),
});

/** An input's state in a submitted view: typed text, files, or the option picked. */
export type SubmittedInput = z.infer<typeof SubmissionSchema>["state"]["values"][string][string];

export interface AskSubmission {
  origin: ModalOrigin;
  prompt: string;
  /** Ids of the files the user added, in order. */
  fileIds: string[];
}

/**
 * A submitted view of one of the bot's modals: the origin it wrote into `private_metadata` (read
 * with its schema) and the inputs by block id; undefined when either is not of the expected shape.
 */
export function readSubmission<T>(
  view: unknown,
  originSchema: z.ZodType<T>,
): { origin: T; input: (block: string) => SubmittedInput | undefined } | undefined {
  const parsed = SubmissionSchema.safeParse(view);
  if (!parsed.success) return undefined;
  let origin: T;
  try {
    const metadata = originSchema.safeParse(JSON.parse(parsed.data.private_metadata));
    if (!metadata.success) return undefined;
    origin = metadata.data;
  } catch {
    return undefined;
  }
  const values = parsed.data.state.values;
  // Each input's action id is its block id.
  return { origin, input: (block) => values[block]?.[block] };
}

/** The submission's prompt, file ids and origin, or undefined when it is not the modal's shape. */
export function parseAskSubmission(view: unknown): AskSubmission | undefined {
  const submission = readSubmission(view, ModalOriginSchema);
  if (!submission) return undefined;
  const prompt = submission.input(PROMPT_BLOCK)?.value?.trim() ?? "";
  const files = submission.input(FILES_BLOCK)?.files ?? [];
  return {
    origin: submission.origin,
    prompt,
    fileIds: files.map((file) => file.id).slice(0, MODAL_MAX_FILES),
  };
}
