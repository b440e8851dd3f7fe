/**
 * Resources are the typed values that flow between tasks: every expert returns one, every task
 * argument receives one. Bytes live only in `image`, `audio` and `video` resources (and in the
 * annotated `image` that a detection or segmentation carries), so a resource without bytes can be
 * shown to an LLM or printed as JSON as it is.
 */

export type ResourceKind = "text" | "labels" | "detections" | "image" | "audio" | "video" | "json";

/** Kinds a task argument can take: what a user or an earlier task hands to an expert. */
export type InputKind = "text" | "image" | "audio";

export interface Label {
  label: string;
  score: number;
}

/** Pixel coordinates in the input image, as Hugging Face's object-detection output gives them. */
export interface Box {
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
}

export interface Detection extends Label {
  box: Box;
}

export interface MediaResource<K extends "image" | "audio" | "video"> {
  kind: K;
  mime: string;
  bytes: Uint8Array;
  /** File name shown to users and used when the file is written out or uploaded. */
  name: string;
}

export type ImageResource = MediaResource<"image">;
export type AudioResource = MediaResource<"audio">;
export type VideoResource = MediaResource<"video">;

export interface TextResource {
  kind: "text";
  text: string;
}

export interface LabelsResource {
  kind: "labels";
  labels: Label[];
  /** The plain answer the labels add up to, when the classifier gives one ("safe to share"). */
  verdict?: string;
  /** A rendering of the labels on the input (segmentation masks), when the task draws one. */
  image?: ImageResource;
}

export interface DetectionsResource {
  kind: "detections";
  detections: Detection[];
  /** The input image with the boxes drawn on it. */
  image?: ImageResource;
}

export interface JsonResource {
  kind: "json";
  value: unknown;
  /** How the value reads as text when it feeds a text argument or an LLM prompt. */
  text: string;
}

export type Resource =
  | TextResource
  | LabelsResource
  | DetectionsResource
  | ImageResource
  | AudioResource
  | VideoResource
  | JsonResource;

export function isMedia(resource: Resource): resource is ImageResource | AudioResource | VideoResource {
  return resource.kind === "image" || resource.kind === "audio" || resource.kind === "video";
}

function formatScore(score: number): string {
  return score.toFixed(2);
}

/** How a resource reads as text: "giraffe 0.98, zebra 0.95" for detections, the transcript for text. */
export function resourceToText(resource: Resource): string | undefined {
  switch (resource.kind) {
    case "text":
      return resource.text;
    // Never an empty text: a task fed by it ("read it aloud") would have nothing to say.
    case "labels": {
      const labels =
        resource.labels.length === 0
          ? "no labels"
          : resource.labels.map((l) => `${l.label} ${formatScore(l.score)}`).join(", ");
      return resource.verdict ? `${resource.verdict} (${labels})` : labels;
    }
    case "detections":
      return resource.detections.length === 0
        ? "no objects found"
        : resource.detections.map((d) => `${d.label} ${formatScore(d.score)}`).join(", ");
    case "json":
      return resource.text;
    default:
      return undefined;
  }
}

/**
 * The resource as the input kind a task argument needs, or undefined when it cannot feed it:
 * labels/detections/json feed text through their text rendering; detections and segmentations
 * feed images through the annotated image they carry; media pass through unchanged.
 */
export function resourceAs(resource: Resource, kind: InputKind): Resource | undefined {
  if (kind === "text") {
    const text = resourceToText(resource);
    return text === undefined ? undefined : { kind: "text", text };
  }
  if (resource.kind === kind) return resource;
  if (kind === "image" && (resource.kind === "detections" || resource.kind === "labels"))
    return resource.image;
  // A WebM or MP4 voice note is audio in a video container: speech models take it as it is.
  if (kind === "audio" && resource.kind === "video") {
    return { ...resource, kind: "audio", mime: resource.mime.replace(/^video\//, "audio/") };
  }
  return undefined;
}

/** Which input kinds a resource kind can feed (used to check a plan before it runs). */
export function kindFeeds(output: ResourceKind, input: InputKind): boolean {
  switch (input) {
    case "text":
      return output === "text" || output === "labels" || output === "detections" || output === "json";
    case "image":
      return output === "image" || output === "detections" || output === "labels";
    case "audio":
      return output === "audio" || output === "video";
  }
}

/** The resource without bytes: what a JSON report or an LLM prompt may contain. */
export function describeResource(resource: Resource): Record<string, unknown> {
  switch (resource.kind) {
    case "image":
    case "audio":
    case "video":
      return {
        kind: resource.kind,
        name: resource.name,
        mime: resource.mime,
        bytes: resource.bytes.byteLength,
      };
    case "labels":
    case "detections": {
      const { image, ...rest } = resource;
      return image ? { ...rest, image: describeResource(image) } : rest;
    }
    default:
      return { ...resource };
  }
}

/** Files a resource carries: the media itself, or the annotated image of a detection/segmentation. */
export function resourceFiles(resource: Resource): Array<ImageResource | AudioResource | VideoResource> {
  if (isMedia(resource)) return [resource];
  if ((resource.kind === "detections" || resource.kind === "labels") && resource.image)
    return [resource.image];
  return [];
}
