/**
 * Slack's message limits as the fake enforces them (chat.postMessage, chat.update, chat.postEphemeral,
 * files.completeUploadExternal `blocks`).
 *
 * - `text` up to 40,000 characters, else `msg_too_long`; no text, blocks nor attachments: `no_text`.
 * - At most 50 blocks; section `text` 1..3000 characters; section `fields` at most 10 of 1..2000;
 *   header text up to 150; context blocks 1..10 elements; a block without a known `type` is refused.
 *   Violations answer `invalid_blocks` with Slack's `errors` list and `response_metadata.messages`
 *   (`"[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"`).
 * - The text of all blocks together: Slack refuses a message whose blocks carry more than about 12,000
 *   characters with `msg_blocks_too_long` (not in Slack's reference; reported in bolt-js issues #2509
 *   and #2867 at 12–13k). The fake refuses more than `blocksTextChars`.
 *
 * ```ts
 * const problems = blockErrors([{ type: "section", text: { type: "mrkdwn", text: "" } }]);
 * // ["must be more than 0 characters [json-pointer:/blocks/0/text/text]"]
 * ```
 */

export const SLACK_LIMITS = {
  textChars: 40_000,
  blocks: 50,
  sectionTextChars: 3000,
  sectionFields: 10,
  sectionFieldChars: 2000,
  headerTextChars: 150,
  contextElements: 10,
  /** A modal holds at most 100 blocks. */
  viewBlocks: 100,
  /** All text of a message's blocks together (see above). */
  blocksTextChars: 12_000,
} as const;

const KNOWN_BLOCKS = new Set([
  "section",
  "context",
  "divider",
  "header",
  "image",
  "actions",
  "input",
  "rich_text",
  "file",
  "video",
  "markdown",
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function textOf(value: unknown): string | undefined {
  return isRecord(value) && typeof value.text === "string" ? value.text : undefined;
}

/** Slack's `invalid_blocks` messages for `blocks` (empty when they are valid). */
export function blockErrors(blocks: unknown, maxBlocks: number = SLACK_LIMITS.blocks): string[] {
  if (!Array.isArray(blocks)) return ["must provide an array [json-pointer:/blocks]"];
  const errors: string[] = [];
  if (blocks.length > maxBlocks)
    errors.push(`no more than ${maxBlocks} items allowed [json-pointer:/blocks]`);
  blocks.forEach((block, index) => {
    const at = `/blocks/${index}`;
    if (!isRecord(block) || typeof block.type !== "string" || !KNOWN_BLOCKS.has(block.type)) {
      errors.push(`invalid additional property: type [json-pointer:${at}]`);
      return;
    }
    switch (block.type) {
      case "section": {
        const text = textOf(block.text);
        const fields = block.fields;
        if (block.text !== undefined) {
          if (text === undefined) errors.push(`must provide an object [json-pointer:${at}/text]`);
          else if (text.length === 0)
            errors.push(`must be more than 0 characters [json-pointer:${at}/text/text]`);
          else if (text.length > SLACK_LIMITS.sectionTextChars)
            errors.push(
              `must be less than ${SLACK_LIMITS.sectionTextChars + 1} characters [json-pointer:${at}/text/text]`,
            );
        }
        if (fields !== undefined) {
          if (!Array.isArray(fields)) errors.push(`must provide an array [json-pointer:${at}/fields]`);
          else {
            if (fields.length > SLACK_LIMITS.sectionFields)
              errors.push(
                `no more than ${SLACK_LIMITS.sectionFields} items allowed [json-pointer:${at}/fields]`,
              );
            fields.forEach((field, f) => {
              const fieldText = textOf(field) ?? "";
              if (fieldText.length === 0)
                errors.push(`must be more than 0 characters [json-pointer:${at}/fields/${f}/text]`);
              if (fieldText.length > SLACK_LIMITS.sectionFieldChars)
                errors.push(
                  `must be less than ${SLACK_LIMITS.sectionFieldChars + 1} characters [json-pointer:${at}/fields/${f}/text]`,
                );
            });
          }
        }
        if (block.text === undefined && fields === undefined && block.accessory === undefined)
          errors.push(`must provide either text or fields [json-pointer:${at}]`);
        break;
      }
      case "header": {
        const text = textOf(block.text) ?? "";
        if (text.length === 0) errors.push(`must be more than 0 characters [json-pointer:${at}/text/text]`);
        if (text.length > SLACK_LIMITS.headerTextChars)
          errors.push(
            `must be less than ${SLACK_LIMITS.headerTextChars + 1} characters [json-pointer:${at}/text/text]`,
          );
        break;
      }
      case "context": {
        const elements = block.elements;
        if (!Array.isArray(elements) || elements.length === 0)
          errors.push(`must provide at least 1 item [json-pointer:${at}/elements]`);
        else {
          if (elements.length > SLACK_LIMITS.contextElements)
            errors.push(
              `no more than ${SLACK_LIMITS.contextElements} items allowed [json-pointer:${at}/elements]`,
            );
          elements.forEach((element, e) => {
            if (isRecord(element) && (element.type === "mrkdwn" || element.type === "plain_text")) {
              const text = textOf(element) ?? "";
              if (text.length === 0)
                errors.push(`must be more than 0 characters [json-pointer:${at}/elements/${e}/text]`);
              if (text.length > SLACK_LIMITS.sectionTextChars)
                errors.push(
                  `must be less than ${SLACK_LIMITS.sectionTextChars + 1} characters [json-pointer:${at}/elements/${e}/text]`,
                );
            }
          });
        }
        break;
      }
      default:
        break;
    }
  });
  return errors;
}

/** The characters of text a message's blocks carry, all together (sections, fields, context elements). */
export function blocksTextLength(blocks: unknown): number {
  if (!Array.isArray(blocks)) return 0;
  let total = 0;
  for (const block of blocks) {
    if (!isRecord(block)) continue;
    total += textOf(block.text)?.length ?? 0;
    for (const list of [block.fields, block.elements]) {
      if (Array.isArray(list)) for (const item of list) total += textOf(item)?.length ?? 0;
    }
  }
  return total;
}
