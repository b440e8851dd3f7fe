/**
 * The one guarded fetch: every URL that a user or an LLM plan supplies is fetched through here, never
 * with a bare `fetch`. Platform attachments go through the adapter's authenticated fetch instead.
 */
export {
  createGuardedFetch,
  type FetchedFile,
  type FetchRequest,
  type GuardedFetch,
  type GuardedFetchOptions,
} from "./guarded-fetch.js";
