// A render worker thread starts here. Module hooks are per thread, so the worker registers tsx
// itself before it loads the TypeScript of src/render (as src/bin.mjs does for the main thread).
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
