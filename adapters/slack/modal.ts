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
        }),
      ),
    ),
  }),
});

export interface AskSubmission {
  origin: ModalOrigin;
  prompt: string;
  /** Ids of the files the user added, in order. */
  fileIds: string[];
}

/** A view's `private_metadata` (JSON the bot wrote when it opened the view) read with its schema. */
export function privateMetadataOf<T>(schema: z.ZodType<T>, text: string): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The submission's prompt, file ids and origin, or undefined when it is not the modal's shape. */
export function parseAskSubmission(view: unknown): AskSubmission | undefined {
  const parsed = SubmissionSchema.safeParse(view);
  if (!parsed.success) return undefined;
  const origin = privateMetadataOf(ModalOriginSchema, parsed.data.private_metadata);
  if (!origin) return undefined;
  const values = parsed.data.state.values;
  const prompt = values[PROMPT_BLOCK]?.[PROMPT_BLOCK]?.value?.trim() ?? "";
  const files = values[FILES_BLOCK]?.[FILES_BLOCK]?.files ?? [];
  return { origin, prompt, fileIds: files.map((file) => file.id).slice(0, MODAL_MAX_FILES) };
}
