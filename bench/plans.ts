/**
 * Plans for the benchmarks, written as an LLM would answer them (JSON with `<resource>-N`
 * references and attachment names): single tasks, chains, and graphs with parallel branches.
 */
export interface BenchPlan {
  name: string;
  request: string;
  attachments: Array<{ name: string; kind: "image" | "audio" }>;
  tasks: Array<{ id: number; task: string; dep: number[]; args: Record<string, string> }>;
}

const photo = [{ name: "photo.jpg", kind: "image" as const }];
const clip = [{ name: "clip.wav", kind: "audio" as const }];

export const BENCH_PLANS: BenchPlan[] = [
  {
    name: "detect",
    request: "what is in this photo?",
    attachments: photo,
    tasks: [{ id: 1, task: "object-detection", dep: [], args: { image: "photo.jpg" } }],
  },
  {
    name: "caption",
    request: "describe this photo",
    attachments: photo,
    tasks: [{ id: 1, task: "image-to-text", dep: [], args: { image: "photo.jpg" } }],
  },
  {
    name: "classify",
    request: "what kind of image is this?",
    attachments: photo,
    tasks: [{ id: 1, task: "image-classification", dep: [], args: { image: "photo.jpg" } }],
  },
  {
    name: "draw",
    request: "draw a cat on a skateboard",
    attachments: [],
    tasks: [{ id: 1, task: "text-to-image", dep: [], args: { text: "a cat on a skateboard" } }],
  },
  {
    name: "transcribe",
    request: "transcribe this",
    attachments: clip,
    tasks: [{ id: 1, task: "automatic-speech-recognition", dep: [], args: { audio: "clip.wav" } }],
  },
  {
    name: "speak",
    request: "say hello world",
    attachments: [],
    tasks: [{ id: 1, task: "text-to-speech", dep: [], args: { text: "hello world" } }],
  },
  {
    name: "sentiment",
    request: "is this review positive? I loved it",
    attachments: [],
    tasks: [{ id: 1, task: "text-classification", dep: [], args: { text: "I loved it" } }],
  },
  {
    name: "caption→speak",
    request: "describe the photo and read it aloud",
    attachments: photo,
    tasks: [
      { id: 1, task: "image-to-text", dep: [], args: { image: "photo.jpg" } },
      { id: 2, task: "text-to-speech", dep: [1], args: { text: "<resource>-1" } },
    ],
  },
  {
    name: "asr→translate→speak",
    request: "transcribe this recording, translate it to German and read it aloud",
    attachments: clip,
    tasks: [
      { id: 1, task: "automatic-speech-recognition", dep: [], args: { audio: "clip.wav" } },
      { id: 2, task: "translation", dep: [1], args: { text: "<resource>-1", language: "de" } },
      { id: 3, task: "text-to-speech", dep: [2], args: { text: "<resource>-2" } },
    ],
  },
  {
    name: "detect→speak",
    request: "what objects are there? read the list aloud",
    attachments: photo,
    tasks: [
      { id: 1, task: "object-detection", dep: [], args: { image: "photo.jpg" } },
      { id: 2, task: "text-to-speech", dep: [1], args: { text: "<resource>-1" } },
    ],
  },
  {
    name: "draw→detect",
    request: "draw a street with cars and then detect the objects",
    attachments: [],
    tasks: [
      { id: 1, task: "text-to-image", dep: [], args: { text: "a street with cars" } },
      { id: 2, task: "object-detection", dep: [1], args: { image: "<resource>-1" } },
    ],
  },
  {
    name: "draw→caption→translate",
    request: "draw a lighthouse, caption it and translate the caption to French",
    attachments: [],
    tasks: [
      { id: 1, task: "text-to-image", dep: [], args: { text: "a lighthouse at dusk" } },
      { id: 2, task: "image-to-text", dep: [1], args: { image: "<resource>-1" } },
      { id: 3, task: "translation", dep: [2], args: { text: "<resource>-2", language: "fr" } },
    ],
  },
  {
    name: "caption+detect",
    request: "describe the photo and find the objects",
    attachments: photo,
    tasks: [
      { id: 1, task: "image-to-text", dep: [], args: { image: "photo.jpg" } },
      { id: 2, task: "object-detection", dep: [], args: { image: "photo.jpg" } },
    ],
  },
  {
    name: "caption+detect+classify+depth",
    request: "analyse this photo in every way you can",
    attachments: photo,
    tasks: [
      { id: 1, task: "image-to-text", dep: [], args: { image: "photo.jpg" } },
      { id: 2, task: "object-detection", dep: [], args: { image: "photo.jpg" } },
      { id: 3, task: "image-classification", dep: [], args: { image: "photo.jpg" } },
      { id: 4, task: "depth-estimation", dep: [], args: { image: "photo.jpg" } },
    ],
  },
  {
    name: "segment+depth",
    request: "segment the photo and estimate its depth",
    attachments: photo,
    tasks: [
      { id: 1, task: "image-segmentation", dep: [], args: { image: "photo.jpg" } },
      { id: 2, task: "depth-estimation", dep: [], args: { image: "photo.jpg" } },
    ],
  },
  {
    name: "vqa+caption",
    request: "how many people are there, and describe the scene",
    attachments: photo,
    tasks: [
      {
        id: 1,
        task: "visual-question-answering",
        dep: [],
        args: { image: "photo.jpg", text: "how many people are there?" },
      },
      { id: 2, task: "image-to-text", dep: [], args: { image: "photo.jpg" } },
    ],
  },
  {
    name: "asr→(summary, sentiment)",
    request: "transcribe this, summarize it and tell me the mood",
    attachments: clip,
    tasks: [
      { id: 1, task: "automatic-speech-recognition", dep: [], args: { audio: "clip.wav" } },
      { id: 2, task: "summarization", dep: [1], args: { text: "<resource>-1" } },
      { id: 3, task: "text-classification", dep: [1], args: { text: "<resource>-1" } },
    ],
  },
  {
    name: "diamond",
    request: "caption and detect, then tell me how well the caption matches the objects, aloud",
    attachments: photo,
    tasks: [
      { id: 1, task: "image-to-text", dep: [], args: { image: "photo.jpg" } },
      { id: 2, task: "object-detection", dep: [], args: { image: "photo.jpg" } },
      {
        id: 3,
        task: "sentence-similarity",
        dep: [1, 2],
        args: { text: "<resource>-1", context: "<resource>-2" },
      },
      { id: 4, task: "text-to-speech", dep: [3], args: { text: "<resource>-3" } },
    ],
  },
  {
    name: "two branches of chains",
    request: "draw a dog and a cat, then describe each",
    attachments: [],
    tasks: [
      { id: 1, task: "text-to-image", dep: [], args: { text: "a dog" } },
      { id: 2, task: "text-to-image", dep: [], args: { text: "a cat" } },
      { id: 3, task: "image-to-text", dep: [1], args: { image: "<resource>-1" } },
      { id: 4, task: "image-to-text", dep: [2], args: { image: "<resource>-2" } },
    ],
  },
  {
    name: "audio branches",
    request: "transcribe, classify and clean up this recording",
    attachments: clip,
    tasks: [
      { id: 1, task: "automatic-speech-recognition", dep: [], args: { audio: "clip.wav" } },
      { id: 2, task: "audio-classification", dep: [], args: { audio: "clip.wav" } },
      { id: 3, task: "audio-to-audio", dep: [], args: { audio: "clip.wav" } },
    ],
  },
  {
    name: "wide and deep",
    request: "caption, detect and segment the photo, translate the caption and speak it",
    attachments: photo,
    tasks: [
      { id: 1, task: "image-to-text", dep: [], args: { image: "photo.jpg" } },
      { id: 2, task: "object-detection", dep: [], args: { image: "photo.jpg" } },
      { id: 3, task: "image-segmentation", dep: [], args: { image: "photo.jpg" } },
      { id: 4, task: "translation", dep: [1], args: { text: "<resource>-1", language: "de" } },
      { id: 5, task: "text-to-speech", dep: [4], args: { text: "<resource>-4" } },
      { id: 6, task: "text-classification", dep: [1], args: { text: "<resource>-1" } },
    ],
  },
  {
    name: "image edit chain",
    request: "make this photo look like a painting and then describe it",
    attachments: photo,
    tasks: [
      { id: 1, task: "image-to-image", dep: [], args: { image: "photo.jpg", text: "an oil painting" } },
      { id: 2, task: "image-to-text", dep: [1], args: { image: "<resource>-1" } },
      { id: 3, task: "text-to-speech", dep: [2], args: { text: "<resource>-2" } },
    ],
  },
];

/** The longest chain of a plan in tasks: with equal task latency, wall time ≈ this × latency. */
export function criticalPathLength(plan: BenchPlan): number {
  return longestChain(plan, () => 1);
}

/** The longest chain of a plan, each task weighing `weight(task id)`. */
export function longestChain(plan: BenchPlan, weight: (id: number) => number): number {
  const depth = new Map<number, number>();
  const visit = (id: number): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    const task = plan.tasks.find((candidate) => candidate.id === id)!;
    const value = weight(id) + Math.max(0, ...task.dep.map(visit));
    depth.set(id, value);
    return value;
  };
  return Math.max(...plan.tasks.map((task) => visit(task.id)));
}
