/**
 * What adapters may know of files, offered by core: the media types the bot reads (from the bytes'
 * magic numbers, or promised by a name) and file names safe to write. Defined lower in the house, where
 * the pipeline and the guarded fetch use them too; offered here so that adapters depend on core alone
 * and read a file's type exactly as core's downloads will.
 */
export { sanitizeFileName } from "../net/filename.js";
export { kindFromName, type MediaType, sniffMediaType } from "../tasks/media-type.js";
