/**
 * Discord's limits and error bodies, as the fake enforces them.
 *
 * - Message: content ≤ 2000 characters (counted in code points), ≤ 10 embeds, ≤ 10 attachments,
 *   ≤ 5 component rows, not empty (50006). Embeds: title 256, description 4096, ≤ 25 fields (name 256,
 *   value 1024, both required), footer text 2048, author name 256, and 6000 characters in all of
 *   those together across the message's embeds. Violations: 400 `{code: 50035, message: "Invalid Form
 *   Body", errors: {...}}` with Discord's nested `_errors` tree (under `data` for interaction callbacks).
 * - Files: each file over the channel's upload limit: 413 `{code: 40005, message: "Request entity too large"}`.
 * - Application commands: names `^[-_'\p{L}\p{N}]{1,32}$` in lower case, chat-input descriptions
 *   1..100, ≤ 25 options, required options first, unique names.
 */
import { isRecord, type JsonRecord } from "./state.js";

export const DiscordLimits = {
  content: 2000,
  embeds: 10,
  embedTitle: 256,
  embedDescription: 4096,
  embedFields: 25,
  embedFieldName: 256,
  embedFieldValue: 1024,
  embedFooterText: 2048,
  embedAuthorName: 256,
  embedTotal: 6000,
  attachments: 10,
  componentRows: 5,
  threadName: 100,
  commandName: 32,
  commandDescription: 100,
  commandOptions: 25,
} as const;

/** An error answer: status, Discord's JSON body, extra headers. */
export interface ApiFailure {
  status: number;
  body: JsonRecord;
  headers?: Record<string, string>;
}

export function apiError(status: number, code: number, message: string, errors?: ErrorTree): ApiFailure {
  return { status, body: { message, code, ...(errors ? { errors } : {}) } };
}

/** Discord's error codes the fake answers with. */
export const DiscordErrors = {
  unauthorized: () => apiError(401, 0, "401: Unauthorized"),
  notFound: () => apiError(404, 0, "404: Not Found"),
  methodNotAllowed: () => apiError(405, 0, "405: Method Not Allowed"),
  unknownChannel: () => apiError(404, 10003, "Unknown Channel"),
  unknownGuild: () => apiError(404, 10004, "Unknown Guild"),
  unknownMember: () => apiError(404, 10007, "Unknown Member"),
  unknownMessage: () => apiError(404, 10008, "Unknown Message"),
  unknownUser: () => apiError(404, 10013, "Unknown User"),
  unknownWebhook: () => apiError(404, 10015, "Unknown Webhook"),
  unknownInteraction: () => apiError(404, 10062, "Unknown interaction"),
  unknownCommand: () => apiError(404, 10063, "Unknown application command"),
  notAuthorizedForApplication: () =>
    apiError(403, 20012, "You are not authorized to perform this action on this application"),
  requestEntityTooLarge: () => apiError(413, 40005, "Request entity too large"),
  alreadyAcknowledged: () => apiError(400, 40060, "Interaction has already been acknowledged."),
  missingAccess: () => apiError(403, 50001, "Missing Access"),
  cannotExecuteOnDm: () => apiError(400, 50003, "Cannot execute action on a DM channel"),
  cannotEditOthersMessage: () => apiError(403, 50005, "Cannot edit a message authored by another user"),
  emptyMessage: () => apiError(400, 50006, "Cannot send an empty message"),
  missingPermissions: () => apiError(403, 50013, "Missing Permissions"),
  cannotExecuteOnChannelType: () => apiError(400, 50024, "Cannot execute action on this channel type"),
  invalidWebhookToken: () => apiError(401, 50027, "Invalid Webhook Token"),
  invalidJson: () => apiError(400, 50109, "The request body contains invalid JSON."),
  threadAlreadyCreated: () => apiError(400, 160004, "A thread has already been created for this message"),
  invalidFormBody: (errors: ErrorTree) => apiError(400, 50035, "Invalid Form Body", errors),
} as const;

/** Discord's nested error object: `{content: {_errors: [{code, message}]}, embeds: {"0": {...}}}`. */
export interface ErrorTree {
  [key: string]: ErrorTree | Array<{ code: string; message: string }>;
}

export class FormErrors {
  readonly tree: ErrorTree = {};
  #count = 0;

  add(path: Array<string | number>, code: string, message: string): void {
    let node = this.tree;
    for (const key of path) {
      const existing = node[String(key)];
      if (existing && !Array.isArray(existing)) node = existing;
      else {
        const child: ErrorTree = {};
        node[String(key)] = child;
        node = child;
      }
    }
    const list = node._errors;
    if (Array.isArray(list)) list.push({ code, message });
    else node._errors = [{ code, message }];
    this.#count += 1;
  }

  get empty(): boolean {
    return this.#count === 0;
  }

  failure(): ApiFailure | undefined {
    return this.empty ? undefined : DiscordErrors.invalidFormBody(this.tree);
  }
}

/** Characters as Discord counts them (code points, so an emoji is one). */
export function discordLength(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

function maxLength(errors: FormErrors, path: Array<string | number>, value: unknown, max: number): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== "string") {
    errors.add(path, "BASE_TYPE_STRING", "Must be a string.");
    return 0;
  }
  const length = discordLength(value);
  if (length > max) errors.add(path, "BASE_TYPE_MAX_LENGTH", `Must be ${max} or fewer in length.`);
  return length;
}

/** Checks embeds; returns the characters they count towards the 6000 total. */
function checkEmbeds(errors: FormErrors, prefix: string[], embeds: unknown): void {
  if (embeds === undefined || embeds === null) return;
  if (!Array.isArray(embeds)) {
    errors.add([...prefix, "embeds"], "BASE_TYPE_ARRAY", "Must be an array.");
    return;
  }
  if (embeds.length > DiscordLimits.embeds) {
    errors.add(
      [...prefix, "embeds"],
      "BASE_TYPE_MAX_LENGTH",
      `Must be ${DiscordLimits.embeds} or fewer in length.`,
    );
  }
  let total = 0;
  embeds.forEach((embed, index) => {
    const path = [...prefix, "embeds", index];
    if (!isRecord(embed)) {
      errors.add(path, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType");
      return;
    }
    total += maxLength(errors, [...path, "title"], embed.title, DiscordLimits.embedTitle);
    total += maxLength(errors, [...path, "description"], embed.description, DiscordLimits.embedDescription);
    if (isRecord(embed.footer)) {
      total += maxLength(
        errors,
        [...path, "footer", "text"],
        embed.footer.text,
        DiscordLimits.embedFooterText,
      );
    }
    if (isRecord(embed.author)) {
      total += maxLength(
        errors,
        [...path, "author", "name"],
        embed.author.name,
        DiscordLimits.embedAuthorName,
      );
    }
    const fields = embed.fields;
    if (fields !== undefined && fields !== null) {
      if (!Array.isArray(fields)) errors.add([...path, "fields"], "BASE_TYPE_ARRAY", "Must be an array.");
      else {
        if (fields.length > DiscordLimits.embedFields) {
          errors.add(
            [...path, "fields"],
            "BASE_TYPE_MAX_LENGTH",
            `Must be ${DiscordLimits.embedFields} or fewer in length.`,
          );
        }
        fields.forEach((field, fieldIndex) => {
          const fieldPath = [...path, "fields", fieldIndex];
          if (!isRecord(field)) return;
          for (const [key, max] of [
            ["name", DiscordLimits.embedFieldName],
            ["value", DiscordLimits.embedFieldValue],
          ] as const) {
            const value = field[key];
            if (typeof value !== "string" || value.length === 0) {
              errors.add([...fieldPath, key], "BASE_TYPE_REQUIRED", "This field is required");
            } else total += maxLength(errors, [...fieldPath, key], value, max);
          }
        });
      }
    }
  });
  if (total > DiscordLimits.embedTotal) {
    errors.add(
      [...prefix, "embeds"],
      "MAX_EMBED_SIZE_EXCEEDED",
      `Embed size exceeds maximum size of ${DiscordLimits.embedTotal}`,
    );
  }
}

export interface MessageCheck {
  /** Files uploaded with the request. */
  files: number;
  /** Attachments kept from before (edits). */
  keptAttachments: number;
  /** On edits an absent field keeps its old value, so emptiness is judged on the result. */
  resultHasContent: boolean;
  /** `["data"]` for interaction callbacks, where Discord nests the message's errors. */
  prefix?: string[];
  /** Edits may leave everything out (e.g. only `flags`). */
  allowEmpty?: boolean;
}

/** Validates a message body (create, edit, callback data) against Discord's limits. */
export function checkMessageBody(body: JsonRecord, check: MessageCheck): ApiFailure | undefined {
  const errors = new FormErrors();
  const prefix = check.prefix ?? [];
  maxLength(errors, [...prefix, "content"], body.content, DiscordLimits.content);
  checkEmbeds(errors, prefix, body.embeds);
  if (Array.isArray(body.components) && body.components.length > DiscordLimits.componentRows) {
    errors.add(
      [...prefix, "components"],
      "BASE_TYPE_MAX_LENGTH",
      `Must be ${DiscordLimits.componentRows} or fewer in length.`,
    );
  }
  if (check.files + check.keptAttachments > DiscordLimits.attachments) {
    errors.add(
      [...prefix, "attachments"],
      "BASE_TYPE_MAX_LENGTH",
      `Must be ${DiscordLimits.attachments} or fewer in length.`,
    );
  }
  const failure = errors.failure();
  if (failure) return failure;
  if (!check.allowEmpty && !check.resultHasContent) return DiscordErrors.emptyMessage();
  return undefined;
}

const COMMAND_NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

function checkName(errors: FormErrors, path: Array<string | number>, name: unknown, code: string): void {
  if (typeof name !== "string" || !COMMAND_NAME.test(name) || name !== name.toLowerCase()) {
    errors.add([...path, "name"], code, typeof name === "string" ? "Invalid name" : "This field is required");
  }
}

function checkDescription(errors: FormErrors, path: Array<string | number>, description: unknown): void {
  if (typeof description !== "string" || description.length < 1 || description.length > 100) {
    errors.add([...path, "description"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.");
  }
}

function checkOptions(errors: FormErrors, path: Array<string | number>, options: unknown): void {
  if (options === undefined || options === null) return;
  if (!Array.isArray(options)) {
    errors.add([...path, "options"], "BASE_TYPE_ARRAY", "Must be an array.");
    return;
  }
  if (options.length > DiscordLimits.commandOptions) {
    errors.add([...path, "options"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.");
  }
  let seenOptional = false;
  const names = new Set<string>();
  options.forEach((option, index) => {
    const optionPath = [...path, "options", index];
    if (!isRecord(option)) {
      errors.add(optionPath, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType");
      return;
    }
    checkName(errors, optionPath, option.name, "APPLICATION_COMMAND_INVALID_NAME");
    checkDescription(errors, optionPath, option.description);
    if (typeof option.type !== "number" || option.type < 1 || option.type > 11) {
      errors.add([...optionPath, "type"], "BASE_TYPE_CHOICES", "Value must be one of 1..11.");
    }
    if (typeof option.name === "string") {
      if (names.has(option.name)) {
        errors.add(
          [...optionPath, "name"],
          "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS",
          "Option name already exists",
        );
      }
      names.add(option.name);
    }
    if (option.required === true && seenOptional) {
      errors.add(
        [...path, "options"],
        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
        "Required options must be placed before non-required options",
      );
    }
    if (option.required !== true && option.type !== 1 && option.type !== 2) seenOptional = true;
    if (Array.isArray(option.choices) && option.choices.length > 25) {
      errors.add([...optionPath, "choices"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.");
    }
    if (option.type === 1 || option.type === 2) checkOptions(errors, optionPath, option.options);
  });
}

/** Validates application command bodies (`path` is `[index]` for bulk overwrites, `[]` for one). */
export function checkCommand(errors: FormErrors, path: Array<string | number>, command: unknown): void {
  if (!isRecord(command)) {
    errors.add(path, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType");
    return;
  }
  const type = command.type ?? 1;
  checkName(errors, path, command.name, "APPLICATION_COMMAND_INVALID_NAME");
  if (type === 1) checkDescription(errors, path, command.description);
  else if (command.description !== undefined && command.description !== "") {
    errors.add(
      [...path, "description"],
      "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
      "Description must be empty",
    );
  }
  checkOptions(errors, path, command.options);
}
