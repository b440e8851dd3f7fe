/**
 * The web playground's page: threads on the side, a thread view like a chat app, live progress from
 * server-sent events. Plain ES2022, no framework, no build; it reads exactly the JSON described in
 * adapters/web/protocol.ts. Every text from the server reaches the page through `textContent` or
 * attributes, never as HTML.
 */

const SVG_NS = "http://www.w3.org/2000/svg";

/** The words other platforms use for a summary row (adapters/shared/summary-words.ts). */
const WHERE = {
  local: "local",
  endpoint: "local endpoint",
  hosted: "hosted (Hugging Face)",
  llm: "the LLM",
};
/** Status words as in summary-words.ts; the marks are the progress message's, which every font has. */
const STATUS = { ok: "✓ ok", failed: "✗ failed", skipped: "– skipped" };
const CATALOG = {
  hub: "live Hub listing",
  builtin: "built-in list",
  mixed: "Hub listing and built-in list",
  none: "no listing needed",
};
const TASK_MARKS = { planned: "·", running: "▶", ok: "✓", failed: "✗", skipped: "–" };
const TASK_STATUS_WORDS = {
  planned: "planned",
  running: "running",
  ok: "done",
  failed: "failed",
  skipped: "skipped",
};

const state = {
  /** @type {{maxFileBytes: number, maxFiles: number, llm: boolean, commands: Array<{name: string, description: string}>} | undefined} */
  session: undefined,
  /** Thread summaries by id. */
  threads: new Map(),
  /** The thread shown, or undefined. */
  current: undefined,
  /** Messages by thread id, each a Map of message id → WebMessage. */
  messages: new Map(),
  /** While a thread loads: the ids of messages that events brought meanwhile (they are newer). */
  loading: undefined,
  /** Files chosen for the next message. */
  pending: [],
  /**
   * The Idempotency-Key of the message being written: the same for each try of sending it (a post that
   * failed may still have arrived, and the server then answers the retry without running it again), a
   * new one once it is sent or changed.
   */
  draftKey: undefined,
  sending: false,
  localNotices: 0,
};

const elements = {
  layout: byId("layout"),
  drawerToggle: byId("drawer-toggle"),
  sidebar: byId("sidebar"),
  newThread: byId("new-thread"),
  threadList: byId("thread-list"),
  threadsEmpty: byId("threads-empty"),
  thread: byId("thread"),
  threadTitle: byId("thread-title"),
  cancel: byId("cancel"),
  forget: byId("forget"),
  messages: byId("messages"),
  welcome: byId("welcome"),
  plannerHint: byId("planner-hint"),
  composer: byId("composer"),
  composerError: byId("composer-error"),
  chips: byId("chips"),
  fileInput: byId("file-input"),
  input: byId("message-input"),
  send: byId("send"),
  limits: byId("file-limits"),
  connection: byId("connection"),
  viewer: byId("viewer"),
  viewerImage: byId("viewer-image"),
  viewerName: byId("viewer-name"),
  viewerOpen: byId("viewer-open"),
};

/** Message elements of the shown thread, by message id. */
const shown = new Map();

function byId(id) {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found;
}

/**
 * A DOM element: `attributes` are set as attributes (`class` included; `hidden`, `disabled` as
 * booleans), children are nodes or strings (added as text).
 */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG_NS, tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

function setAttributes(element, attributes) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    element.setAttribute(name, value === true ? "" : String(value));
  }
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
}

// ---------------------------------------------------------------------------------------------------
// The API

class ApiFailure extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** How long a call may take before the page says so: an upload of 10 large files included. */
const API_TIMEOUT_MS = 120_000;

async function api(path, options = {}) {
  let response;
  try {
    response = await fetch(path, {
      credentials: "same-origin",
      signal: AbortSignal.timeout(API_TIMEOUT_MS),
      ...options,
      headers: { accept: "application/json", ...(options.headers ?? {}) },
    });
  } catch (error) {
    const late = error instanceof DOMException && error.name === "TimeoutError";
    throw new ApiFailure(
      0,
      late
        ? "The bot did not answer in time. Please try again."
        : "The bot cannot be reached. Is it still running?",
    );
  }
  const body = await response.json().catch(() => undefined);
  if (!response.ok) {
    const message =
      body && typeof body.error === "string" && body.error
        ? body.error
        : `The request failed (HTTP ${response.status}).`;
    throw new ApiFailure(response.status, message);
  }
  return body;
}

const threadPath = (id) => `/api/threads/${encodeURIComponent(id)}`;

// ---------------------------------------------------------------------------------------------------
// Threads

function renderThreadList() {
  const threads = [...state.threads.values()].sort((a, b) => b.updatedAt - a.updatedAt);
  const items = threads.map((thread) => {
    const current = thread.id === state.current;
    return h(
      "li",
      {},
      h(
        "a",
        {
          class: "thread-link",
          href: `#t=${encodeURIComponent(thread.id)}`,
          "aria-current": current ? "page" : undefined,
          "data-thread": thread.id,
        },
        h("span", { class: "thread-link-title" }, thread.title || "New conversation"),
        h(
          "time",
          { class: "thread-link-time", datetime: new Date(thread.updatedAt).toISOString() },
          when(thread.updatedAt),
        ),
      ),
    );
  });
  elements.threadList.replaceChildren(...items);
  elements.threadsEmpty.hidden = threads.length > 0;
}

function when(at) {
  const date = new Date(at);
  const today = new Date();
  return date.toDateString() === today.toDateString()
    ? date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
    : date.toLocaleDateString([], { month: "short", day: "numeric" });
}

function renderThreadHeader() {
  const thread = state.current ? state.threads.get(state.current) : undefined;
  elements.threadTitle.textContent = thread?.title || "New conversation";
  document.title = thread?.title ? `${thread.title} · HuggingGPT bot` : "HuggingGPT bot";
  elements.cancel.disabled = !state.current;
  elements.forget.disabled = !state.current;
}

function threadFromHash() {
  const match = /^#t=(.+)$/.exec(location.hash);
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
}

async function createThread() {
  const { thread } = await api("/api/threads", { method: "POST" });
  state.threads.set(thread.id, thread);
  renderThreadList();
  return thread;
}

/** Shows a thread: its messages from the server, merged with what events brought meanwhile. */
async function selectThread(id) {
  closeDrawer();
  state.current = id;
  renderThreadList();
  renderThreadHeader();
  renderMessages();
  if (!id) return;
  const touched = new Set();
  state.loading = { thread: id, touched };
  try {
    const { thread, messages } = await api(threadPath(id));
    if (state.current !== id) return;
    state.threads.set(thread.id, thread);
    const known = state.messages.get(id) ?? new Map();
    const merged = new Map();
    for (const message of messages) merged.set(message.id, message);
    // Messages an event brought while this loaded, and notices written by the page, are newer.
    for (const [messageId, message] of known) {
      if (touched.has(messageId) || messageId.startsWith("local-")) merged.set(messageId, message);
    }
    state.messages.set(id, merged);
    renderThreadList();
    renderThreadHeader();
    renderMessages();
  } catch (error) {
    if (state.current !== id) return;
    if (error instanceof ApiFailure && error.status === 404) {
      state.threads.delete(id);
      state.current = undefined;
      history.replaceState(null, "", location.pathname + location.search);
      renderThreadList();
      renderThreadHeader();
      renderMessages();
      showComposerError("That conversation is not in this browser session. Start a new one.");
    } else {
      addLocalNotice(id, messageOf(error));
    }
  } finally {
    if (state.loading?.thread === id) state.loading = undefined;
  }
}

function go(id) {
  const hash = `#t=${encodeURIComponent(id)}`;
  if (location.hash === hash) void selectThread(id);
  else location.hash = hash; // hashchange selects it
}

// ---------------------------------------------------------------------------------------------------
// Messages

function threadMessages(id) {
  let messages = state.messages.get(id);
  if (!messages) {
    messages = new Map();
    state.messages.set(id, messages);
  }
  return messages;
}

function sortedMessages(id) {
  return [...threadMessages(id).values()].sort((a, b) => a.at - b.at);
}

function renderMessages() {
  shown.clear();
  const messages = state.current ? sortedMessages(state.current) : [];
  const nodes = messages.map((message) => {
    const node = messageNode(message);
    shown.set(message.id, node);
    return node;
  });
  elements.welcome.hidden = nodes.length > 0;
  elements.messages.replaceChildren(elements.welcome, ...nodes);
  scrollToEnd();
}

/** Adds a message, or replaces the one with the same id (a progress update), in the store and on screen. */
function upsertMessage(threadId, message) {
  threadMessages(threadId).set(message.id, message);
  if (state.loading?.thread === threadId) state.loading.touched.add(message.id);
  if (threadId !== state.current) return;
  const nearEnd = isNearEnd();
  const old = shown.get(message.id);
  const node = messageNode(message, old);
  if (old) {
    old.replaceWith(node);
  } else {
    const stored = threadMessages(threadId);
    const after = [...elements.messages.children].find(
      (child) => (stored.get(child.getAttribute("data-id"))?.at ?? 0) > message.at,
    );
    if (after) after.before(node);
    else elements.messages.append(node);
  }
  shown.set(message.id, node);
  elements.welcome.hidden = true;
  if (nearEnd || message.kind === "user") scrollToEnd();
  // Images and players grow the message after it is shown: follow them while reading at the end.
  for (const media of node.querySelectorAll("img, audio, video")) {
    media.addEventListener("load", followEnd, { once: true });
    media.addEventListener("loadedmetadata", followEnd, { once: true });
  }
}

/** Whether the reader is at the end of the thread: kept from scroll events, not measured mid-update. */
let stuckToEnd = true;

function followEnd() {
  if (stuckToEnd) scrollToEnd();
}

function addLocalNotice(threadId, text) {
  state.localNotices += 1;
  const notice = { kind: "notice", id: `local-${state.localNotices}`, at: Date.now(), text, local: true };
  if (threadId) upsertMessage(threadId, notice);
  else showComposerError(text);
}

function isNearEnd() {
  return stuckToEnd;
}

function measureNearEnd() {
  const box = elements.messages;
  return box.scrollHeight - box.scrollTop - box.clientHeight < 120;
}

/**
 * Jumps to the end. Never smooth: the scroll events of an animation would read as the reader moving
 * away from the end, and the next message would then not be followed.
 */
function scrollToEnd() {
  const box = elements.messages;
  stuckToEnd = true;
  requestAnimationFrame(() => {
    box.scrollTo({ top: box.scrollHeight, behavior: "auto" });
  });
}

function messageNode(message, previous) {
  const article = h("article", {
    class: `message message-${message.kind}`,
    "data-testid": "message",
    "data-kind": message.kind,
    "data-id": message.id,
  });
  switch (message.kind) {
    case "user":
      append(article, [userBody(message)]);
      break;
    case "progress":
      append(article, progressBody(message, previous));
      break;
    case "answer":
      append(article, [answerBody(message)]);
      break;
    default:
      article.setAttribute("role", message.local ? "alert" : "note");
      append(article, [h("p", { class: "notice-text" }, message.text)]);
      break;
  }
  return article;
}

function stamp(at) {
  return h("time", { class: "stamp", datetime: new Date(at).toISOString() }, when(at));
}

function userBody(message) {
  const bubble = h("div", { class: "bubble" });
  if (message.text) append(bubble, [h("p", { class: "user-text" }, message.text)]);
  if (message.files.length > 0) {
    const list = h("ul", { class: "attachments", "aria-label": "Attached files" });
    for (const file of message.files) {
      const item = h("li");
      if (file.mime.startsWith("image/")) {
        append(item, [
          h(
            "a",
            { href: file.url, target: "_blank", rel: "noopener noreferrer", class: "thumb-link" },
            h("img", { class: "thumb", src: file.url, alt: file.name, loading: "lazy" }),
          ),
        ]);
      } else {
        append(item, [
          h(
            "a",
            { href: file.url, download: file.name, class: "file-link" },
            `${file.name} (${bytesWords(file.size)})`,
          ),
        ]);
      }
      list.append(item);
    }
    bubble.append(list);
  }
  return h(
    "div",
    { class: "user-wrap" },
    h("span", { class: "visually-hidden" }, "You: "),
    bubble,
    stamp(message.at),
  );
}

function progressBody(message, previous) {
  const lines = message.text.split("\n");
  const stage = lines[0] ?? "";
  const snapshot = message.snapshot;
  const body = [];
  const stageName = snapshot?.stage ?? (message.done ? "done" : "running");
  const head = h(
    "p",
    { class: `progress-stage stage-${stageName}`, "data-testid": "progress-stage", "data-stage": stageName },
    message.done ? "" : h("span", { class: "spinner", "aria-hidden": "true" }),
    stage,
  );
  body.push(h("span", { class: "visually-hidden" }, "Bot progress: "), head);
  if (snapshot && snapshot.tasks.length > 0) body.push(planGraph(snapshot, message.id));
  if (lines.length > 1) {
    const wasOpen = previous?.querySelector("details")?.open ?? false;
    body.push(
      h(
        "details",
        { class: "progress-details", open: wasOpen },
        h("summary", {}, "Steps"),
        h("ul", { class: "progress-lines" }, ...lines.slice(1).map((line) => h("li", {}, line))),
      ),
    );
  }
  return [h("div", { class: "card progress-card", "data-done": String(message.done) }, ...body)];
}

function answerBody(message) {
  const card = h("div", { class: "card answer-card" }, h("span", { class: "visually-hidden" }, "Bot: "));
  card.append(renderMarkdown(message.text));
  if (message.files.length > 0) card.append(resultFiles(message.files));
  if (message.summary) card.append(summaryNode(message.summary));
  card.append(stamp(message.at));
  return card;
}

function resultFiles(files) {
  const box = h("div", { class: "results" });
  for (const file of files) {
    if (file.mime.startsWith("image/")) {
      const image = h("img", {
        class: "result-image",
        src: file.url,
        alt: file.name,
        "data-testid": "result-image",
      });
      const button = h(
        "button",
        {
          type: "button",
          class: "image-button",
          "aria-label": `Enlarge ${file.name}`,
          "aria-haspopup": "dialog",
        },
        image,
      );
      button.addEventListener("click", () => openViewer(file, button));
      box.append(h("figure", { class: "result" }, button, h("figcaption", {}, fileLink(file))));
    } else if (file.mime.startsWith("audio/")) {
      box.append(
        h(
          "figure",
          { class: "result" },
          h("audio", { controls: true, preload: "metadata", src: file.url, "data-testid": "result-audio" }),
          h("figcaption", {}, fileLink(file)),
        ),
      );
    } else if (file.mime.startsWith("video/")) {
      box.append(
        h(
          "figure",
          { class: "result" },
          h("video", { controls: true, preload: "metadata", src: file.url, class: "result-video" }),
          h("figcaption", {}, fileLink(file)),
        ),
      );
    } else {
      box.append(h("p", { class: "result" }, fileLink(file)));
    }
  }
  return box;
}

function fileLink(file) {
  return h(
    "a",
    { href: file.url, download: file.name, class: "file-link" },
    `⬇ ${file.name} (${bytesWords(file.size)})`,
  );
}

function bytesWords(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

const COLUMNS = ["Task", "Model", "Where it ran", "Time", "Status"];

function summaryNode(summary) {
  // Explicit roles: at phone width the rows are stacked with CSS, which must not lose the table's meaning.
  const cell = (column, attributes, ...children) =>
    h("td", { role: "cell", "data-label": COLUMNS[column], ...attributes }, ...children);
  const table = h(
    "table",
    { class: "summary-table", role: "table", "data-testid": "summary-table" },
    h("caption", {}, "How this answer was made"),
    h(
      "thead",
      { role: "rowgroup" },
      h(
        "tr",
        { role: "row" },
        ...COLUMNS.map((name) => h("th", { scope: "col", role: "columnheader" }, name)),
      ),
    ),
    h(
      "tbody",
      { role: "rowgroup" },
      ...summary.tasks.map((row) =>
        h(
          "tr",
          { class: `row-${row.status}`, role: "row" },
          cell(0, { class: "task" }, `${row.id}. ${row.task}`),
          cell(1, {}, h("span", { class: "model" }, row.model ?? "—")),
          cell(2, {}, row.source ? (WHERE[row.source] ?? row.source) : "not run"),
          cell(3, { class: "time" }, seconds(row.ms)),
          cell(
            4,
            { class: `status status-${row.status}` },
            STATUS[row.status] ?? row.status,
            row.error ? `: ${row.error}` : "",
          ),
        ),
      ),
    ),
  );
  const meta = h(
    "p",
    { class: "summary-meta" },
    `Planner: ${summary.planner} · models: ${CATALOG[summary.catalog] ?? summary.catalog} · total ${seconds(summary.totalMs)}`,
  );
  const notes =
    summary.notes.length > 0
      ? h("ul", { class: "summary-notes" }, ...summary.notes.map((note) => h("li", {}, note)))
      : undefined;
  return h(
    "section",
    { class: "summary", "aria-label": "Summary" },
    summary.tasks.length > 0 ? h("div", { class: "table-scroll" }, table) : undefined,
    meta,
    notes,
  );
}

// ---------------------------------------------------------------------------------------------------
// The plan as a graph: one column per dependency depth, so tasks that run in parallel stand side by side.

function planGraph(snapshot, messageId) {
  const tasks = snapshot.tasks;
  const byId = new Map(tasks.map((task) => [task.id, task]));
  const depths = new Map();
  const depthOf = (task, seen = new Set()) => {
    if (depths.has(task.id)) return depths.get(task.id);
    if (seen.has(task.id)) return 0; // a cycle: should not happen, never loop
    seen.add(task.id);
    const parents = task.dep.map((id) => byId.get(id)).filter(Boolean);
    const depth = parents.length === 0 ? 0 : 1 + Math.max(...parents.map((parent) => depthOf(parent, seen)));
    depths.set(task.id, depth);
    return depth;
  };
  const columns = [];
  for (const task of tasks) {
    const depth = depthOf(task);
    if (!columns[depth]) columns[depth] = [];
    columns[depth].push(task);
  }
  const label = (task) => `${task.id}. ${task.task}`;
  const nodeWidth = Math.max(120, Math.max(...tasks.map((task) => label(task).length)) * 7.6 + 36);
  const nodeHeight = 34;
  const gapX = 36;
  const gapY = 12;
  const pad = 4;
  const rows = Math.max(...columns.map((column) => column?.length ?? 0));
  // An arrow that skips a column runs in a lane above the nodes, so it does not hide behind them.
  const skips = tasks.some((task) =>
    task.dep.some((id) => byId.has(id) && depthOf(task) - depthOf(byId.get(id)) > 1),
  );
  const lane = skips ? 16 : 0;
  const width = pad * 2 + columns.length * nodeWidth + (columns.length - 1) * gapX;
  const height = pad * 2 + lane + rows * nodeHeight + (rows - 1) * gapY;
  const position = new Map();
  columns.forEach((column = [], depth) => {
    const offset = ((rows - column.length) * (nodeHeight + gapY)) / 2;
    column.forEach((task, row) => {
      position.set(task.id, {
        x: pad + depth * (nodeWidth + gapX),
        y: pad + lane + offset + row * (nodeHeight + gapY),
      });
    });
  });

  const markerId = `arrow-${String(messageId).replace(/[^\w-]/g, "_")}`;
  const graph = svg("svg", {
    class: "plan-graph",
    "data-testid": "plan-graph",
    role: "img",
    "aria-label": planWords(tasks),
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    preserveAspectRatio: "xMinYMin meet",
  });
  graph.append(
    svg(
      "defs",
      {},
      svg(
        "marker",
        {
          id: markerId,
          viewBox: "0 0 10 10",
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: "auto-start-reverse",
        },
        svg("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow-head" }),
      ),
    ),
  );
  for (const task of tasks) {
    const to = position.get(task.id);
    for (const dep of task.dep) {
      const from = position.get(dep);
      if (!from || !to) continue;
      const x1 = from.x + nodeWidth;
      const y1 = from.y + nodeHeight / 2;
      const x2 = to.x - 2;
      const y2 = to.y + nodeHeight / 2;
      const middle = (x1 + x2) / 2;
      const laneY = pad + lane / 2;
      const half = gapX / 2;
      const d =
        depthOf(task) - depthOf(byId.get(dep)) > 1
          ? `M${x1},${y1} C${x1 + half},${y1} ${x1},${laneY} ${x1 + half},${laneY} L${x2 - half},${laneY} C${x2},${laneY} ${x2 - half},${y2} ${x2},${y2}`
          : `M${x1},${y1} C${middle},${y1} ${middle},${y2} ${x2},${y2}`;
      graph.append(svg("path", { class: "edge", d, "marker-end": `url(#${markerId})` }));
    }
  }
  for (const task of tasks) {
    const { x, y } = position.get(task.id);
    const details = [label(task), TASK_STATUS_WORDS[task.status] ?? task.status];
    if (task.model) details.push(task.model);
    if (task.ms !== undefined) details.push(seconds(task.ms));
    if (task.error) details.push(task.error);
    graph.append(
      svg(
        "g",
        { class: `node node-${task.status}`, transform: `translate(${x},${y})` },
        svg("title", {}, details.join(" · ")),
        svg("rect", { width: nodeWidth, height: nodeHeight, rx: 8, ry: 8 }),
        svg(
          "text",
          { x: 10, y: nodeHeight / 2, "dominant-baseline": "central", class: "node-mark" },
          TASK_MARKS[task.status] ?? "·",
        ),
        svg(
          "text",
          { x: 26, y: nodeHeight / 2, "dominant-baseline": "central", class: "node-label" },
          label(task),
        ),
      ),
    );
  }
  return h("div", { class: "graph-scroll" }, graph);
}

/** The plan in words, for the graph's aria-label. */
function planWords(tasks) {
  const parts = tasks.map((task) => {
    const after = task.dep.length > 0 ? ` after ${task.dep.join(" and ")}` : "";
    return `${task.id}. ${task.task}${after}: ${TASK_STATUS_WORDS[task.status] ?? task.status}`;
  });
  return `Plan of ${tasks.length} ${tasks.length === 1 ? "task" : "tasks"}. ${parts.join("; ")}.`;
}

// ---------------------------------------------------------------------------------------------------
// Markdown, safely: the text is split into blocks and inline spans and built as DOM nodes, so nothing
// of it is ever parsed as HTML. Links only for http(s).

function renderMarkdown(text) {
  const root = h("div", { class: "markdown" });
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  let paragraph = [];
  let list;
  const flushParagraph = () => {
    if (paragraph.length === 0) return;
    const p = h("p");
    paragraph.forEach((line, index) => {
      if (index > 0) p.append(h("br"));
      appendInline(p, line);
    });
    root.append(p);
    paragraph = [];
  };
  const flushList = () => {
    if (list) root.append(list);
    list = undefined;
  };
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    const fence = /^\s*```\s*([\w+-]*)\s*$/.exec(line);
    if (fence) {
      flushParagraph();
      flushList();
      const code = [];
      index++;
      while (index < lines.length && !/^\s*```\s*$/.test(lines[index])) code.push(lines[index++]);
      root.append(h("pre", {}, h("code", fence[1] ? { "data-language": fence[1] } : {}, code.join("\n"))));
      continue;
    }
    if (/^\s*$/.test(line)) {
      flushParagraph();
      flushList();
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      flushParagraph();
      flushList();
      const node = h("p", { class: "md-heading" });
      const strong = h("strong");
      appendInline(strong, heading[2]);
      node.append(strong);
      root.append(node);
      continue;
    }
    const item = /^\s*(?:([-*+])|(\d+)[.)])\s+(.*)$/.exec(line);
    if (item) {
      flushParagraph();
      const tag = item[1] ? "ul" : "ol";
      if (!list || list.tagName.toLowerCase() !== tag) {
        flushList();
        list = h(tag);
      }
      const li = h("li");
      appendInline(li, item[3]);
      list.append(li);
      continue;
    }
    if (list && /^\s{2,}\S/.test(line)) {
      const last = list.lastElementChild;
      last.append(h("br"));
      appendInline(last, line.trim());
      continue;
    }
    flushList();
    paragraph.push(line);
  }
  flushParagraph();
  flushList();
  return root;
}

const INLINE =
  /(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)|\[([^\]\n]+)\]\(([^)\s]+)\)|\*\*(?=\S)([\s\S]+?)\*\*|__(?=\S)([\s\S]+?)__|(?<![\w*])\*(?=[^\s*])([^*\n]*?[^\s*])?\*(?![\w*])|(?<![\w_])_(?=[^\s_])([^_\n]*?[^\s_])?_(?![\w_])|(https?:\/\/[^\s<>"'`]+)/g;

function appendInline(parent, text) {
  let at = 0;
  const pattern = new RegExp(INLINE.source, "g");
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    if (match.index > at) parent.append(text.slice(at, match.index));
    const [whole, , code, linkText, linkUrl, bold, bold2, , , bare] = match;
    if (code !== undefined) {
      parent.append(h("code", {}, code));
    } else if (linkText !== undefined) {
      if (isWebUrl(linkUrl)) {
        const link = h("a", { href: linkUrl, target: "_blank", rel: "noopener noreferrer" });
        appendInline(link, linkText);
        parent.append(link);
      } else {
        parent.append(whole);
      }
    } else if (bold !== undefined || bold2 !== undefined) {
      const strong = h("strong");
      appendInline(strong, bold ?? bold2);
      parent.append(strong);
    } else if (whole.startsWith("*") || whole.startsWith("_")) {
      const emphasis = h("em");
      appendInline(emphasis, whole.slice(1, -1));
      parent.append(emphasis);
    } else if (bare !== undefined) {
      // Trailing punctuation ends the sentence, not the URL.
      const url = bare.replace(/[.,;:!?)\]]+$/, "");
      if (isWebUrl(url))
        parent.append(h("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, url));
      else parent.append(url);
      if (url.length < bare.length) parent.append(bare.slice(url.length));
    }
    at = match.index + whole.length;
  }
  if (at < text.length) parent.append(text.slice(at));
}

function isWebUrl(value) {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------
// The image viewer

let viewerOpener;

function openViewer(file, opener) {
  viewerOpener = opener;
  elements.viewerImage.src = file.url;
  elements.viewerImage.alt = file.name;
  elements.viewerName.textContent = file.name;
  elements.viewerOpen.replaceChildren(
    h("a", { href: file.url, target: "_blank", rel: "noopener noreferrer" }, "Open in a new tab"),
  );
  elements.viewer.showModal();
}

elements.viewer.addEventListener("click", (event) => {
  // A click on the backdrop (the dialog itself, outside its content) closes it.
  if (event.target === elements.viewer) elements.viewer.close();
});
elements.viewer.addEventListener("close", () => {
  elements.viewerImage.removeAttribute("src");
  viewerOpener?.focus();
  viewerOpener = undefined;
});

// ---------------------------------------------------------------------------------------------------
// The composer

function showComposerError(text) {
  elements.composerError.textContent = text;
  elements.composerError.hidden = !text;
}

function addFiles(list) {
  const session = state.session;
  const problems = [];
  for (const file of list) {
    if (
      state.pending.some(
        (chosen) =>
          chosen.name === file.name && chosen.size === file.size && chosen.lastModified === file.lastModified,
      )
    ) {
      continue;
    }
    if (session && file.size > session.maxFileBytes) {
      problems.push(
        `“${file.name}” is ${bytesWords(file.size)}; files can be at most ${bytesWords(session.maxFileBytes)}.`,
      );
      continue;
    }
    if (session && state.pending.length >= session.maxFiles) {
      problems.push(
        `At most ${session.maxFiles} ${session.maxFiles === 1 ? "file" : "files"} per message: “${file.name}” was left out.`,
      );
      continue;
    }
    state.pending.push(file);
  }
  showComposerError(problems.join(" "));
  renderChips();
}

/** A fresh Idempotency-Key (crypto.randomUUID needs a secure context; a LAN address over http is not). */
function newDraftKey() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) =>
    byte.toString(16).padStart(2, "0"),
  ).join("");
}

function renderChips() {
  // The files changed: a new message.
  state.draftKey = undefined;
  const chips = state.pending.map((file, index) => {
    const remove = h(
      "button",
      { type: "button", class: "chip-remove", "aria-label": `Remove ${file.name}` },
      "✕",
    );
    remove.addEventListener("click", () => {
      state.pending.splice(index, 1);
      renderChips();
      showComposerError("");
      elements.input.focus();
    });
    return h(
      "li",
      { class: "chip" },
      h("span", { class: "chip-name" }, file.name),
      h("span", { class: "chip-size" }, bytesWords(file.size)),
      remove,
    );
  });
  elements.chips.replaceChildren(...chips);
  elements.chips.hidden = chips.length === 0;
}

function autosize() {
  const lines = elements.input.value.split("\n").length;
  elements.input.rows = Math.min(8, Math.max(1, lines));
}

async function send() {
  if (state.sending) return;
  const text = elements.input.value;
  const files = [...state.pending];
  if (!text.trim() && files.length === 0) {
    showComposerError("Type a message or attach a file first.");
    elements.input.focus();
    return;
  }
  showComposerError("");
  state.sending = true;
  elements.send.disabled = true;
  elements.composer.setAttribute("aria-busy", "true");
  let threadId = state.current;
  try {
    if (!threadId) {
      const thread = await createThread();
      threadId = thread.id;
      go(threadId);
    }
    const form = new FormData();
    form.append("text", text);
    for (const file of files) form.append("files", file, file.name);
    state.draftKey ??= newDraftKey();
    const { message } = await api(`${threadPath(threadId)}/messages`, {
      method: "POST",
      body: form,
      headers: { "idempotency-key": state.draftKey },
    });
    elements.input.value = "";
    autosize();
    state.pending = [];
    renderChips();
    elements.fileInput.value = "";
    if (message) upsertMessage(threadId, message);
  } catch (error) {
    if (threadId) addLocalNotice(threadId, messageOf(error));
    else showComposerError(messageOf(error));
  } finally {
    state.sending = false;
    elements.send.disabled = false;
    elements.composer.removeAttribute("aria-busy");
  }
}

function messageOf(error) {
  return error instanceof Error && error.message ? error.message : "Something went wrong.";
}

async function threadAction(action) {
  const id = state.current;
  if (!id) return;
  try {
    await api(`${threadPath(id)}/${action}`, { method: "POST" });
  } catch (error) {
    addLocalNotice(id, messageOf(error));
  }
}

// ---------------------------------------------------------------------------------------------------
// The drawer (phone width)

function closeDrawer() {
  elements.layout.classList.remove("drawer-open");
  elements.drawerToggle.setAttribute("aria-expanded", "false");
}

elements.drawerToggle.addEventListener("click", () => {
  const open = !elements.layout.classList.contains("drawer-open");
  elements.layout.classList.toggle("drawer-open", open);
  elements.drawerToggle.setAttribute("aria-expanded", String(open));
  if (open) elements.newThread.focus();
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && elements.layout.classList.contains("drawer-open")) {
    closeDrawer();
    elements.drawerToggle.focus();
  }
});

// ---------------------------------------------------------------------------------------------------
// Live events

let events;
let hadError = false;

/**
 * A browser gives a page 6 connections to one server, and each tab's event stream holds one: a hidden
 * tab lets go of its stream, and catches up when it is shown again.
 */
function followVisibility() {
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) {
      events?.close();
      events = undefined;
    } else if (!events) {
      connect();
      void refresh();
    }
  });
}

function connect() {
  events = new EventSource("/api/events");
  events.addEventListener("open", () => {
    elements.connection.textContent = "";
    elements.connection.hidden = true;
    if (hadError) {
      hadError = false;
      void refresh();
    }
  });
  events.addEventListener("error", () => {
    hadError = true;
    elements.connection.hidden = false;
    elements.connection.textContent =
      events.readyState === EventSource.CLOSED ? "Disconnected. Reload the page." : "Reconnecting…";
  });
  events.addEventListener("message", (event) => {
    let data;
    try {
      data = JSON.parse(event.data);
    } catch {
      return;
    }
    if (data.type === "message" && data.thread && data.message) {
      upsertMessage(data.thread, data.message);
    } else if (data.type === "thread" && data.thread) {
      state.threads.set(data.thread.id, data.thread);
      renderThreadList();
      if (data.thread.id === state.current) renderThreadHeader();
    }
  });
}

/** After a reconnection: what the events missed. */
async function refresh() {
  try {
    const { threads } = await api("/api/threads");
    for (const thread of threads) state.threads.set(thread.id, thread);
    renderThreadList();
    if (state.current) await selectThread(state.current);
  } catch {
    // The connection line says it already.
  }
}

// ---------------------------------------------------------------------------------------------------
// Start

elements.newThread.addEventListener("click", async () => {
  try {
    const thread = await createThread();
    go(thread.id);
    elements.input.focus();
  } catch (error) {
    showComposerError(messageOf(error));
  }
});
elements.cancel.addEventListener("click", () => threadAction("cancel"));
elements.forget.addEventListener("click", () => threadAction("forget"));
elements.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  void send();
});
elements.input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    void send();
  }
});
elements.input.addEventListener("input", () => {
  // The text changed: a new message.
  state.draftKey = undefined;
  autosize();
});
elements.fileInput.addEventListener("change", () => {
  addFiles([...(elements.fileInput.files ?? [])]);
  elements.fileInput.value = "";
});

let dragDepth = 0;
const carriesFiles = (event) => [...(event.dataTransfer?.types ?? [])].includes("Files");
elements.thread.addEventListener("dragenter", (event) => {
  if (!carriesFiles(event)) return;
  event.preventDefault();
  dragDepth++;
  elements.thread.classList.add("dragging");
});
elements.thread.addEventListener("dragover", (event) => {
  if (!carriesFiles(event)) return;
  event.preventDefault();
  event.dataTransfer.dropEffect = "copy";
});
elements.thread.addEventListener("dragleave", () => {
  dragDepth = Math.max(0, dragDepth - 1);
  if (dragDepth === 0) elements.thread.classList.remove("dragging");
});
elements.thread.addEventListener("drop", (event) => {
  if (!carriesFiles(event)) return;
  event.preventDefault();
  dragDepth = 0;
  elements.thread.classList.remove("dragging");
  addFiles([...event.dataTransfer.files]);
  elements.input.focus();
});
// A file dropped outside the thread must not make the browser leave the page to show it.
window.addEventListener("dragover", (event) => event.preventDefault());
window.addEventListener("drop", (event) => event.preventDefault());

window.addEventListener("hashchange", () => {
  const id = threadFromHash();
  if (id !== state.current) void selectThread(id);
});

async function start() {
  showComposerError("");
  renderChips();
  renderThreadHeader();
  connect();
  followVisibility();
  elements.messages.addEventListener("scroll", () => {
    stuckToEnd = measureNearEnd();
  });
  try {
    const [session, { threads }] = await Promise.all([api("/api/session"), api("/api/threads")]);
    state.session = session;
    elements.limits.textContent = `Enter sends, Shift+Enter starts a new line. Up to ${session.maxFiles} ${session.maxFiles === 1 ? "file" : "files"} of ${bytesWords(session.maxFileBytes)} each.`;
    const commands = session.commands.map((command) => command.name).join(", ");
    elements.plannerHint.textContent = [
      session.llm ? "" : "No LLM is configured: the offline rules plan the tasks.",
      commands ? `Commands you can type: ${commands}.` : "",
    ]
      .filter(Boolean)
      .join(" ");
    for (const thread of threads) state.threads.set(thread.id, thread);
    renderThreadList();
  } catch (error) {
    showComposerError(messageOf(error));
  }
  const wanted = threadFromHash();
  if (wanted) await selectThread(wanted);
  document.body.dataset.ready = "true";
}

void start();
