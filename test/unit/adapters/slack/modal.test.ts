import { describe, expect, it } from "vitest";
import { ASK_MODAL_CALLBACK, askModal, parseAskSubmission } from "../../../../adapters/slack/modal.js";

function submission(values: Record<string, Record<string, unknown>>, metadata: string) {
  return { callback_id: ASK_MODAL_CALLBACK, private_metadata: metadata, state: { values } };
}

describe("the /ask modal", () => {
  it("holds a text field and a file input of up to 10 files, and remembers where it was opened", () => {
    const view = askModal({ channel: "C1", user: "U1" });
    expect(view.callback_id).toBe(ASK_MODAL_CALLBACK);
    expect(JSON.parse(view.private_metadata ?? "")).toEqual({ channel: "C1", user: "U1" });
    expect(view.blocks).toContainEqual(
      expect.objectContaining({
        optional: true,
        element: expect.objectContaining({ type: "file_input", max_files: 10 }),
      }),
    );
    expect(view.title.text.length).toBeLessThanOrEqual(24);
  });

  it("reads the prompt and the file ids of a submission", () => {
    const parsed = parseAskSubmission(
      submission(
        {
          prompt: { prompt: { type: "plain_text_input", value: "  detect the pets " } },
          files: { files: { type: "file_input", files: [{ id: "F1", name: "a.png" }, { id: "F2" }] } },
        },
        JSON.stringify({ channel: "C1", user: "U1" }),
      ),
    );
    expect(parsed).toEqual({
      origin: { channel: "C1", user: "U1" },
      prompt: "detect the pets",
      fileIds: ["F1", "F2"],
    });
  });

  it("refuses a submission of another shape or with forged metadata", () => {
    expect(parseAskSubmission({})).toBeUndefined();
    expect(parseAskSubmission(submission({}, "not json"))).toBeUndefined();
    expect(parseAskSubmission(submission({}, JSON.stringify({ channel: "" })))).toBeUndefined();
  });
});
