/**
 * The one guarded fetch: every URL that a user or an LLM plan supplies is fetched through here, never
 * with a bare `fetch`. Platform attachments go through the adapter's authenticated fetch instead.
 */
export { type AddressCategory, addressCategory, canonicalAddress, isPublicAddress } from "./address.js";
export { fetchedFileName, sanitizeFileName } from "./filename.js";
export {
  createGuardedFetch,
  describeSize,
  type FetchedFile,
  type FetchRequest,
  FetchStatusError,
  type GuardedFetch,
  type GuardedFetchOptions,
  type HostResolver,
  pinnedLookup,
  type ResolvedAddress,
  TIMEOUT_MESSAGE,
} from "./guarded-fetch.js";
export {
  PRIVATE_ADDRESS_MESSAGE,
  PrivateHostAllowList,
  parseFetchableUrl,
  SCHEME_REFUSED_MESSAGE,
} from "./policy.js";
