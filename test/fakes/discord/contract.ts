/**
 * Discord's published contract: the OpenAPI 3.1 description of its HTTP API (discord/discord-api-spec,
 * vendored whole under ./openapi with its licence), held against what the bot sends.
 *
 * - `checkRequest` finds the operation of a REST request by method and path template (a literal
 *   segment such as `@original` wins over `{message_id}`, as OpenAPI asks) and validates its JSON
 *   body, or the `payload_json` of a multipart body, against the operation's request schema.
 * - `checkInteractionResponse` validates what an HTTP interactions endpoint answers: the same body
 *   as `POST /interactions/{id}/{token}/callback` takes (Discord documents them as one object).
 *
 * Whether a body is valid is decided by Ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1, with
 * ajv-formats for `uri`, `date-time`, `int32`, `int64`, `double`). Where it fails, a second pass walks
 * the schema beside the body to say where, the way Discord's 50035 "Invalid Form Body" does: one
 * `{_errors: [{code, message}]}` per field, nested by path. That pass exists because JSON Schema's
 * unions report the failures of every branch: a button with a bad `style` fails all seven component
 * kinds at once, while Discord names the one field. The walker picks the branch Discord would (the
 * one whose `type` matches; null branches of nullable fields never), and asks Ajv, schema node by
 * schema node, for the keyword checks themselves, so it never judges a keyword differently.
 *
 * Error codes and messages follow what Discord answers where that is known (BASE_TYPE_REQUIRED,
 * BASE_TYPE_MAX_LENGTH, BASE_TYPE_BAD_LENGTH, BASE_TYPE_CHOICES, NUMBER_TYPE_COERCE ("is not int",
 * "is not snowflake"), NUMBER_TYPE_MAX/MIN, MODEL_TYPE_CONVERT, UNION_TYPE_CHOICES, STRING_TYPE_REGEX,
 * URL_TYPE_INVALID_URL); the rest reuse the fake's codes from limits.ts (BASE_TYPE_STRING,
 * BASE_TYPE_ARRAY).
 *
 * What the spec leaves open stays open: it forbids unknown fields only where it says
 * `additionalProperties: false` (Discord ignores unknown fields in request bodies, and so does the
 * spec), and its limits are Discord's published ones (message content 4000 for channel messages, 2000
 * for webhooks and interactions); the fake's own limits.ts still applies its narrower checks after.
 */
import { readFileSync } from "node:fs";
import type { ErrorObject, ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { type ApiFailure, DiscordErrors, FormErrors } from "./limits.js";
import { isRecord, type JsonRecord } from "./state.js";

const SPEC_URL = new URL("./openapi/openapi.json", import.meta.url);
/** The key the spec is registered under in Ajv; refs inside it (`#/components/...`) resolve against it. */
const SPEC_ID = "https://discord.com/api/v10/openapi.json";
const METHODS = ["get", "put", "post", "patch", "delete"] as const;
const SNOWFLAKE = /^(0|[1-9][0-9]*)$/;
const SNOWFLAKE_MAX = (1n << 64n) - 1n;
const CALLBACK_PATH = "/interactions/{interaction_id}/{interaction_token}/callback";

/** How the fake treats a body that breaks the spec: refuse it (Discord does), only note it, or skip. */
export type ContractMode = "enforce" | "record" | "off";

/** One field error, as Discord reports it under `errors`. */
export interface ContractIssue {
  /** Field path: `["attachments", 0, "id"]`; `[]` for the body itself. */
  path: Array<string | number>;
  code: string;
  message: string;
}

/** The outcome of checking one request body. */
export interface ContractVerdict {
  /** `POST /channels/{channel_id}/messages`. */
  operation: string;
  operationId: string | undefined;
  issues: ContractIssue[];
  /** Discord's 400 `{code: 50035, message: "Invalid Form Body", errors}`, when there are issues. */
  failure: ApiFailure | undefined;
}

/** A request as the fake received it. */
export interface ContractRequest {
  method: string;
  /**
   * The URL path after `/api/v10` as sent, e.g. `/channels/123/messages`: segments are decoded one by
   * one, so an interaction token with an encoded `/` stays one segment.
   */
  path: string;
  contentType: string | undefined;
  /** The parsed JSON body (multipart: `payload_json`); `undefined` when there was none. */
  body: unknown;
}

interface Operation {
  method: string;
  template: string;
  segments: string[];
  literals: number;
  operationId: string | undefined;
  /** Media type → JSON pointer of the request schema in the spec. */
  schemas: Map<string, string>;
}

type Schema = JsonRecord | boolean;

/** Keywords that say nothing about validity. */
const ANNOTATIONS = new Set([
  "$id",
  "$schema",
  "x-discord-union",
  "title",
  "description",
  "default",
  "examples",
  "contentEncoding",
  "contentMediaType",
]);
/** Keywords the walker handles itself: structure, references and unions (and the annotations). */
const WALKED = new Set([
  ...ANNOTATIONS,
  "$ref",
  "oneOf",
  "anyOf",
  "allOf",
  "properties",
  "additionalProperties",
  "items",
]);

function escapePointer(part: string): string {
  return part.replaceAll("~", "~0").replaceAll("/", "~1");
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function typesOf(schema: JsonRecord): string[] | undefined {
  const type = schema.type;
  if (typeof type === "string") return [type];
  if (Array.isArray(type)) return type.filter((entry): entry is string => typeof entry === "string");
  return undefined;
}

function admits(types: string[] | undefined, value: unknown): boolean {
  if (!types) return true;
  const actual = jsonType(value);
  return types.includes(actual) || (actual === "integer" && types.includes("number"));
}

function samePath(a: Array<string | number>, b: Array<string | number>): boolean {
  return a.length === b.length && a.every((part, index) => String(part) === String(b[index]));
}

/** Discord prints the offending value the way Python's str() does, in quotes. */
function shown(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** `('a', 'b')` / `(1, 2)`, as Discord lists choices. */
function choices(values: unknown[]): string {
  return `(${values.map((value) => (typeof value === "string" ? `'${value}'` : JSON.stringify(value))).join(", ")})`;
}

function isSnowflakeSchema(schema: JsonRecord): boolean {
  return schema.format === "snowflake";
}

function notSnowflake(path: Array<string | number>, value: unknown): ContractIssue {
  const message =
    typeof value === "string"
      ? `Value "${value}" is not snowflake.`
      : `Value ${shown(value)} is not snowflake (snowflakes are strings).`;
  return { path, code: "NUMBER_TYPE_COERCE", message };
}

/** The issue for a value of the wrong JSON type, worded by the type the schema expects. */
function typeIssue(
  path: Array<string | number>,
  value: unknown,
  expected: string[],
  schema: JsonRecord,
): ContractIssue {
  if (isSnowflakeSchema(schema)) return notSnowflake(path, value);
  const wanted = expected.filter((type) => type !== "null");
  const first = wanted[0] ?? "null";
  switch (first) {
    case "integer":
      return { path, code: "NUMBER_TYPE_COERCE", message: `Value "${shown(value)}" is not int.` };
    case "number":
      return { path, code: "NUMBER_TYPE_COERCE", message: `Value "${shown(value)}" is not a number.` };
    case "string":
      return { path, code: "BASE_TYPE_STRING", message: "Must be a string." };
    case "boolean":
      return { path, code: "BASE_TYPE_BOOLEAN", message: "Must be either true or false." };
    case "object":
      return { path, code: "MODEL_TYPE_CONVERT", message: "Only dictionaries may be used in a ModelType" };
    case "array":
      return { path, code: "BASE_TYPE_ARRAY", message: "Must be an array." };
    default:
      return { path, code: "BASE_TYPE_NULL", message: "Must be null." };
  }
}

function lengthIssue(
  path: Array<string | number>,
  schema: JsonRecord,
  minKey: string,
  maxKey: string,
  failed: "min" | "max",
): ContractIssue {
  const min = schema[minKey];
  const max = schema[maxKey];
  if (typeof min === "number" && typeof max === "number" && min > 0)
    return { path, code: "BASE_TYPE_BAD_LENGTH", message: `Must be between ${min} and ${max} in length.` };
  return failed === "max"
    ? { path, code: "BASE_TYPE_MAX_LENGTH", message: `Must be ${String(max)} or fewer in length.` }
    : { path, code: "BASE_TYPE_MIN_LENGTH", message: `Must be ${String(min)} or more in length.` };
}

/** One Ajv error of a node's own keywords, in Discord's words. */
function issueOf(
  error: ErrorObject,
  schema: JsonRecord,
  value: unknown,
  path: Array<string | number>,
): ContractIssue {
  const params = error.params as Record<string, unknown>;
  const numberKind = typesOf(schema)?.includes("integer") ? "int" : "float";
  switch (error.keyword) {
    case "type":
      return typeIssue(path, value, typesOf(schema) ?? [], schema);
    case "required":
      return {
        path: [...path, String(params.missingProperty)],
        code: "BASE_TYPE_REQUIRED",
        message: "This field is required",
      };
    case "additionalProperties":
      return {
        path: [...path, String(params.additionalProperty)],
        code: "BASE_TYPE_UNKNOWN_FIELD",
        message: "This field is not allowed here.",
      };
    case "maxLength":
    case "minLength":
      return lengthIssue(
        path,
        schema,
        "minLength",
        "maxLength",
        error.keyword === "maxLength" ? "max" : "min",
      );
    case "maxItems":
    case "minItems":
      return lengthIssue(path, schema, "minItems", "maxItems", error.keyword === "maxItems" ? "max" : "min");
    case "maxProperties":
    case "minProperties":
      return lengthIssue(
        path,
        schema,
        "minProperties",
        "maxProperties",
        error.keyword === "maxProperties" ? "max" : "min",
      );
    case "enum":
      return {
        path,
        code: "BASE_TYPE_CHOICES",
        message: `Value must be one of ${choices(Array.isArray(schema.enum) ? schema.enum : [])}.`,
      };
    case "const":
      return { path, code: "BASE_TYPE_CHOICES", message: `Value must be one of ${choices([schema.const])}.` };
    case "maximum":
    case "exclusiveMaximum":
    case "minimum":
    case "exclusiveMinimum": {
      const max = error.keyword.toLowerCase().endsWith("maximum");
      return {
        path,
        code: max ? "NUMBER_TYPE_MAX" : "NUMBER_TYPE_MIN",
        message: `${numberKind} value should be ${max ? "less" : "greater"} than or equal to ${String(params.limit)}.`,
      };
    }
    case "uniqueItems":
      return {
        path,
        code: "SET_TYPE_ALREADY_CONTAINS_VALUE",
        message: "The set already contains this value.",
      };
    case "pattern":
      if (isSnowflakeSchema(schema)) return notSnowflake(path, value);
      return { path, code: "STRING_TYPE_REGEX", message: "String value did not match validation regex." };
    case "format":
      switch (params.format) {
        case "snowflake":
          return notSnowflake(path, value);
        case "uri":
          return { path, code: "URL_TYPE_INVALID_URL", message: "Not a well formed URL." };
        case "date-time":
          return {
            path,
            code: "DATE_TIME_TYPE_PARSE",
            message: `Could not parse ${shown(value)}. Should be ISO8601.`,
          };
        case "int32":
        case "int64":
          return typeof value === "number" && value < 0
            ? {
                path,
                code: "NUMBER_TYPE_MIN",
                message: `int value should be greater than or equal to the ${params.format} minimum.`,
              }
            : {
                path,
                code: "NUMBER_TYPE_MAX",
                message: `int value should be less than or equal to the ${params.format} maximum.`,
              };
        default:
          return { path, code: "BASE_TYPE_INVALID", message: `Must be a valid ${String(params.format)}.` };
      }
    default:
      return { path, code: "BASE_TYPE_INVALID", message: error.message ?? `Fails ${error.keyword}.` };
  }
}

function dedupe(issues: ContractIssue[]): ContractIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path.join("\u0000")}\u0001${issue.code}\u0001${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The 50035 answer for a list of issues. */
export function invalidFormBody(issues: ContractIssue[]): ApiFailure {
  const errors = new FormErrors();
  for (const issue of issues) errors.add(issue.path, issue.code, issue.message);
  return errors.failure() ?? DiscordErrors.invalidFormBody({});
}

/**
 * The spec, loaded once per process, with its operations indexed and their request schemas compiled
 * on first use.
 *
 * @example
 * const verdict = DiscordContract.shared().checkRequest({
 *   method: "POST", path: "/channels/1/messages", contentType: "application/json",
 *   body: { content: "hi", attachments: [{ id: 0 }] },
 * });
 * verdict?.failure; // 400 {code: 50035, errors: {attachments: {"0": {id: {_errors: [...]}}}}}
 */
export class DiscordContract {
  static #shared: DiscordContract | undefined;

  /** The vendored spec's contract (parsed on first call, ~1.2 MB). */
  static shared(): DiscordContract {
    DiscordContract.#shared ??= new DiscordContract(JSON.parse(readFileSync(SPEC_URL, "utf8")) as JsonRecord);
    return DiscordContract.#shared;
  }

  readonly #spec: JsonRecord;
  readonly #operations: Operation[] = [];
  /** Decides validity: the whole spec registered, one compiled function per request schema. */
  readonly #judge: Ajv2020;
  /** Checks one schema node's own keywords (with its subschemas cut off) for the walker. */
  readonly #keywords: Ajv2020;
  readonly #compiled = new Map<string, ValidateFunction>();
  readonly #shallow = new WeakMap<JsonRecord, ValidateFunction>();

  constructor(spec: JsonRecord) {
    this.#spec = spec;
    this.#judge = this.#ajv(false);
    this.#judge.addSchema(spec, SPEC_ID);
    this.#keywords = this.#ajv(true);
    const paths = isRecord(spec.paths) ? spec.paths : {};
    for (const [template, item] of Object.entries(paths)) {
      if (!isRecord(item)) continue;
      const segments = template.split("/").slice(1);
      for (const method of METHODS) {
        const operation = item[method];
        if (!isRecord(operation)) continue;
        const schemas = new Map<string, string>();
        const content = isRecord(operation.requestBody) ? operation.requestBody.content : undefined;
        if (isRecord(content)) {
          for (const mediaType of Object.keys(content)) {
            schemas.set(
              mediaType,
              `/paths/${escapePointer(template)}/${method}/requestBody/content/${escapePointer(mediaType)}/schema`,
            );
          }
        }
        this.#operations.push({
          method: method.toUpperCase(),
          template,
          segments,
          literals: segments.filter((segment) => !segment.startsWith("{")).length,
          operationId: typeof operation.operationId === "string" ? operation.operationId : undefined,
          schemas,
        });
      }
    }
  }

  #ajv(allErrors: boolean): Ajv2020 {
    // Not strict: the spec carries its own keywords (x-discord-union) and OpenAPI's fields beside
    // JSON Schema's, which Ajv may ignore; the spec is Discord's, checked by its own pipeline.
    const ajv = new Ajv2020({ allErrors, strict: false, validateSchema: false });
    addFormats.default(ajv);
    ajv.addFormat("snowflake", {
      type: "string",
      validate: (value: string) => SNOWFLAKE.test(value) && BigInt(value) <= SNOWFLAKE_MAX,
    });
    // The spec's nonce is "an integer or a string of at most 25 characters": the lengths say it all.
    ajv.addFormat("nonce", true);
    return ajv;
  }

  /**
   * The operation a request path (as sent, see `ContractRequest.path`) reaches:
   * `/channels/1/messages` → `/channels/{channel_id}/messages`.
   */
  findOperation(
    method: string,
    path: string,
  ): { template: string; operationId: string | undefined } | undefined {
    const found = this.#find(method, path);
    return found ? { template: found.template, operationId: found.operationId } : undefined;
  }

  #find(method: string, path: string): Operation | undefined {
    let segments: string[];
    try {
      segments = path.split("/").slice(1).map(decodeURIComponent);
    } catch {
      return undefined;
    }
    let best: Operation | undefined;
    for (const operation of this.#operations) {
      if (operation.method !== method.toUpperCase() || operation.segments.length !== segments.length)
        continue;
      const fits = operation.segments.every((part, index) => {
        const segment = segments[index] ?? "";
        return part.startsWith("{") ? segment !== "" : part === segment;
      });
      if (fits && (!best || operation.literals > best.literals)) best = operation;
    }
    return best;
  }

  /**
   * Checks a request body against its operation's request schema. `undefined` when there is nothing
   * to check: no body, or an operation the spec does not describe or that takes no body.
   */
  checkRequest(request: ContractRequest): ContractVerdict | undefined {
    if (request.body === undefined) return undefined;
    const operation = this.#find(request.method, request.path);
    if (!operation || operation.schemas.size === 0) return undefined;
    const mediaType = request.contentType?.startsWith("multipart/form-data")
      ? "multipart/form-data"
      : "application/json";
    const pointer = operation.schemas.get(mediaType) ?? operation.schemas.values().next().value;
    if (pointer === undefined) return undefined;
    const issues = this.#check(pointer, request.body);
    return {
      operation: `${operation.method} ${operation.template}`,
      operationId: operation.operationId,
      issues,
      failure: issues.length > 0 ? invalidFormBody(issues) : undefined,
    };
  }

  /**
   * Checks what an HTTP interactions endpoint answered (PONG, a deferral, a message): the body of
   * `POST /interactions/{interaction_id}/{interaction_token}/callback`. `undefined` when it is valid.
   */
  checkInteractionResponse(body: unknown): ApiFailure | undefined {
    const issues = this.#check(
      `/paths/${escapePointer(CALLBACK_PATH)}/post/requestBody/content/application~1json/schema`,
      body,
    );
    return issues.length > 0 ? invalidFormBody(issues) : undefined;
  }

  /** Checks a value against a named schema of the spec (`ErrorResponse`, `MessageCreateRequest`…). */
  checkSchema(name: string, value: unknown): ContractIssue[] {
    return this.#check(`/components/schemas/${escapePointer(name)}`, value);
  }

  #check(pointer: string, value: unknown): ContractIssue[] {
    let validate = this.#compiled.get(pointer);
    if (!validate) {
      validate = this.#judge.compile({ $ref: `${SPEC_ID}#${pointer}` });
      this.#compiled.set(pointer, validate);
    }
    if (validate(value)) return [];
    const issues = dedupe(this.#explain(this.#at(pointer), value, []));
    if (issues.length > 0) return issues;
    // The walker missed what Ajv found (a keyword it does not know): Ajv's own words, at Ajv's path.
    return (validate.errors ?? []).map((error) => ({
      path: error.instancePath
        .split("/")
        .slice(1)
        .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~")),
      code: "BASE_TYPE_INVALID",
      message: error.message ?? `Fails ${error.keyword}.`,
    }));
  }

  #at(pointer: string): Schema {
    let node: unknown = this.#spec;
    for (const raw of pointer.split("/").slice(1)) {
      const part = raw.replaceAll("~1", "/").replaceAll("~0", "~");
      node = isRecord(node) ? node[part] : undefined;
    }
    if (typeof node === "boolean" || isRecord(node)) return node;
    throw new Error(`Discord's spec has no schema at ${pointer}`);
  }

  #resolve(schema: Schema): Schema {
    let current = schema;
    for (let hops = 0; isRecord(current) && typeof current.$ref === "string" && hops < 32; hops += 1) {
      const ref = current.$ref as string;
      const siblings = Object.keys(current).filter((key) => key !== "$ref" && !ANNOTATIONS.has(key));
      if (siblings.length > 0) return current;
      current = this.#at(ref.startsWith("#") ? ref.slice(1) : ref);
    }
    return current;
  }

  /** Where `value` breaks `schema`, in Discord's terms (empty when it does not). */
  #explain(schemaIn: Schema, value: unknown, path: Array<string | number>): ContractIssue[] {
    const schema = this.#resolve(schemaIn);
    if (schema === true) return [];
    if (schema === false) return [{ path, code: "BASE_TYPE_INVALID", message: "No value is allowed here." }];
    const issues: ContractIssue[] = [];
    if (typeof schema.$ref === "string") {
      issues.push(...this.#explain(this.#at(schema.$ref.slice(1)), value, path));
    }
    const own = this.#ownKeywords(schema, value, path);
    issues.push(...own);
    // A value of the wrong type has nothing inside worth reporting.
    if (own.some((issue) => samePath(issue.path, path) && !admits(typesOf(schema), value))) return issues;
    for (const member of Array.isArray(schema.allOf) ? schema.allOf : []) {
      issues.push(...this.#explain(member as Schema, value, path));
    }
    for (const keyword of ["oneOf", "anyOf"] as const) {
      const branches = schema[keyword];
      if (Array.isArray(branches))
        issues.push(...this.#explainUnion(branches as Schema[], value, path, keyword));
    }
    if (isRecord(value)) {
      const properties = isRecord(schema.properties) ? schema.properties : {};
      for (const [key, item] of Object.entries(value)) {
        const sub =
          properties[key] ??
          (isRecord(schema.additionalProperties) ? schema.additionalProperties : undefined);
        if (sub !== undefined) issues.push(...this.#explain(sub as Schema, item, [...path, key]));
      }
    }
    if (Array.isArray(value) && (isRecord(schema.items) || typeof schema.items === "boolean")) {
      value.forEach((item, index) => {
        issues.push(...this.#explain(schema.items as Schema, item, [...path, index]));
      });
    }
    return issues;
  }

  /** The node's own keywords (type, required, lengths, enum, format…), checked by Ajv. */
  #ownKeywords(schema: JsonRecord, value: unknown, path: Array<string | number>): ContractIssue[] {
    let validate = this.#shallow.get(schema);
    if (!validate) {
      const shallow: JsonRecord = {};
      for (const [key, entry] of Object.entries(schema)) if (!WALKED.has(key)) shallow[key] = entry;
      if (schema.additionalProperties === false) {
        shallow.additionalProperties = false;
        shallow.properties = Object.fromEntries(
          Object.keys(isRecord(schema.properties) ? schema.properties : {}).map((key) => [key, true]),
        );
      }
      validate = this.#keywords.compile(shallow);
      this.#shallow.set(schema, validate);
    }
    if (validate(value)) return [];
    const errors = validate.errors ?? [];
    // Only the type counts when it is wrong: lengths and patterns of another type mean nothing.
    const typeError = errors.find((error) => error.keyword === "type");
    return (typeError ? [typeError] : errors).map((error) => issueOf(error, schema, value, path));
  }

  /**
   * A union, explained as Discord does: the branch whose `type` field matches (components, callback
   * types), else the branch of the value's JSON type; a value no branch's type admits is a type error.
   */
  #explainUnion(
    branches: Schema[],
    value: unknown,
    path: Array<string | number>,
    keyword: "oneOf" | "anyOf",
  ): ContractIssue[] {
    const results = branches.map((branch) => {
      const resolved = this.#resolve(branch);
      return { resolved, issues: this.#explain(branch, value, path) };
    });
    const passing = results.filter((result) => result.issues.length === 0).length;
    if (passing === 1 || (keyword === "anyOf" && passing > 1)) return [];
    if (passing > 1)
      return [{ path, code: "UNION_TYPE_AMBIGUOUS", message: "Value matches more than one type." }];

    const typed = results.filter(
      (result) =>
        result.resolved === true || (isRecord(result.resolved) && admits(typesOf(result.resolved), value)),
    );
    if (typed.length === 0) {
      const expected = results.flatMap((result) =>
        isRecord(result.resolved) ? (typesOf(result.resolved) ?? []) : [],
      );
      const sample = results.find(
        (result) => isRecord(result.resolved) && typesOf(result.resolved)?.some((type) => type !== "null"),
      );
      return [typeIssue(path, value, expected, isRecord(sample?.resolved) ? sample.resolved : {})];
    }
    // Unions of constants (ButtonStyleTypes…) are enums.
    const constants = typed.map((result) => (isRecord(result.resolved) ? result.resolved.const : undefined));
    if (constants.every((constant) => constant !== undefined)) {
      const all = results.map((result) => (isRecord(result.resolved) ? result.resolved.const : undefined));
      return [{ path, code: "BASE_TYPE_CHOICES", message: `Value must be one of ${choices(all)}.` }];
    }
    if (isRecord(value)) {
      const discriminated = typed.filter((result) => {
        const properties = isRecord(result.resolved) ? result.resolved.properties : undefined;
        return isRecord(properties) && properties.type !== undefined;
      });
      if (discriminated.length > 0) {
        const typePath = [...path, "type"];
        const matching = discriminated.filter(
          (result) =>
            !result.issues.some(
              (issue) =>
                issue.path.length >= typePath.length &&
                samePath(issue.path.slice(0, typePath.length), typePath),
            ),
        );
        if (matching.length === 0 && value.type === undefined) {
          return [
            {
              path,
              code: "BASE_TYPE_REQUIRED",
              message: 'Field "type" is required to determine the model type.',
            },
          ];
        }
        if (matching.length === 0) {
          const allowed = [
            ...new Set(discriminated.flatMap((result) => this.#discriminatorValues(result.resolved))),
          ].sort((a, b) => (typeof a === "number" && typeof b === "number" ? a - b : 0));
          return [
            {
              path,
              code: "UNION_TYPE_CHOICES",
              message: `Value of field "type" must be one of ${choices(allowed)}.`,
            },
          ];
        }
        return this.#fewest(matching);
      }
    }
    return this.#fewest(typed);
  }

  #discriminatorValues(schema: Schema): unknown[] {
    if (!isRecord(schema) || !isRecord(schema.properties)) return [];
    const type = this.#resolve(schema.properties.type as Schema);
    if (!isRecord(type)) return [];
    if (Array.isArray(type.enum)) return type.enum;
    return type.const === undefined ? [] : [type.const];
  }

  #fewest(results: Array<{ issues: ContractIssue[] }>): ContractIssue[] {
    let best = results[0]?.issues ?? [];
    for (const result of results) if (result.issues.length < best.length) best = result.issues;
    return best;
  }
}

/** `DiscordContract.shared().checkInteractionResponse(body)`: for tests of an HTTP interactions endpoint. */
export function validateInteractionResponse(body: unknown): ApiFailure | undefined {
  return DiscordContract.shared().checkInteractionResponse(body);
}
