/**
 * The offline planner understands before it composes: clause order, negation, quoted text, several
 * attachments, follow-ups and clarifying questions, each shown on requests phrased as people write
 * them (the issue's own examples among them).
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  loadWords,
  type OfflinePlanOutcome,
  planOffline,
  type Servable,
} from "../../../../src/pipeline/offline/index.js";
import type { ConversationTurn, NamedInput } from "../../../../src/pipeline/types.js";
import { audio, image, local, textFile, video } from "./fixture.js";

beforeAll(() => loadWords());

/** The default setup, with the safety classifier for "is it safe to share". */
const offline: Servable = (task, need) =>
  (local(task, need) && !(need?.fully && task === "image-to-text")) ||
  (task === "image-classification" && need?.labels !== undefined);

function plan(text: string, inputs: NamedInput[] = [], history?: ConversationTurn[]): OfflinePlanOutcome {
  return planOffline({ text, inputs, ...(history ? { history } : {}) }, { servable: offline });
}

/** The plan as "task(args)" strings: "object-detection(image=dog.jpg)", "text-to-speech(text=#1)". */
function tasksOf(outcome: OfflinePlanOutcome): string[] {
  if (!outcome.ok) throw new Error(`expected a plan, got: ${outcome.message}`);
  return outcome.plan.tasks.map((task) => {
    const args = Object.entries(task.args)
      .filter(([name]) => name !== "labels")
      .map(([name, value]) =>
        value?.type === "ref"
          ? `${name}=#${value.task}`
          : value?.type === "input"
            ? `${name}=${value.name}`
            : `${name}="${value?.type === "literal" ? value.text : ""}"`,
      );
    return `${task.task}(${args.join(", ")})`;
  });
}

function replyOf(outcome: OfflinePlanOutcome): { message: string; question: boolean } {
  if (outcome.ok) throw new Error(`expected a reply, got: ${JSON.stringify(outcome.plan.tasks)}`);
  return { message: outcome.message, question: outcome.question === true };
}

describe("the issue's examples", () => {
  it('"what\'s in dog.jpg and say it out loud": detection, then speech of its result', () => {
    expect(tasksOf(plan("what's in dog.jpg and say it out loud", [image("dog.jpg")]))).toEqual([
      "object-detection(image=dog.jpg)",
      "text-to-speech(text=#1)",
    ]);
  });

  it('"is this review good or bad: the pizza was cold and the driver was rude": sentiment of the text after the colon', () => {
    expect(tasksOf(plan("is this review good or bad: the pizza was cold and the driver was rude"))).toEqual([
      'text-classification(text="the pizza was cold and the driver was rude")',
    ]);
  });

  it('"write down what is said in goforward.wav": a transcript, not text generation', () => {
    expect(tasksOf(plan("write down what is said in goforward.wav", [audio("goforward.wav")]))).toEqual([
      "automatic-speech-recognition(audio=goforward.wav)",
    ]);
  });

  it("resolves by attachments: safety per photo, how a recording sounds, reading a photo to me", () => {
    expect(tasksOf(plan("which of these is ok to post?", [image("a.jpg"), image("b.jpg")]))).toEqual([
      "image-classification(image=a.jpg)",
      "image-classification(image=b.jpg)",
    ]);
    expect(tasksOf(plan("how does he sound?", [audio("call.ogg")]))).toEqual([
      "automatic-speech-recognition(audio=call.ogg)",
      "text-classification(text=#1)",
    ]);
    expect(tasksOf(plan("read it to me", [image("letter.jpg")]))).toEqual([
      "image-to-text(image=letter.jpg)",
      "text-to-speech(text=#1)",
    ]);
  });
});

describe("clauses and their order", () => {
  it("runs asks in the order the words say, not the order they are written", () => {
    const memo = [audio("memo.ogg")];
    const transcribeThenSpeak = ["automatic-speech-recognition(audio=memo.ogg)", "text-to-speech(text=#1)"];
    expect(tasksOf(plan("transcribe this, then read it back", memo))).toEqual(transcribeThenSpeak);
    expect(tasksOf(plan("read it back to me after you transcribe it", memo))).toEqual(transcribeThenSpeak);
    expect(tasksOf(plan("read it out loud. transcribe it first", memo))).toEqual(transcribeThenSpeak);
  });

  it("keeps words that only continue an ask with it ('count the cars and the bikes' is one ask)", () => {
    expect(tasksOf(plan("count the cars and the bikes", [image("street.jpg")]))).toEqual([
      "object-detection(image=street.jpg)",
    ]);
  });

  it("makes independent asks parallel and chained ones dependent, by what each one reads", () => {
    expect(
      tasksOf(
        plan("transcribe the voice note and tell me whats in the pic", [audio("v.ogg"), image("p.jpg")]),
      ),
    ).toEqual(["automatic-speech-recognition(audio=v.ogg)", "object-detection(image=p.jpg)"]);
    expect(
      tasksOf(plan("transcribe this and tell me if she sounds annoyed, then read it back", [audio("v.ogg")])),
    ).toEqual([
      "automatic-speech-recognition(audio=v.ogg)",
      "text-classification(text=#1)",
      "text-to-speech(text=#1)",
    ]);
  });
});

describe("negation", () => {
  it("drops what the request says not to do", () => {
    expect(tasksOf(plan("don't read it aloud, just transcribe", [audio("v.ogg")]))).toEqual([
      "automatic-speech-recognition(audio=v.ogg)",
    ]);
    expect(tasksOf(plan("dont read it out, just give me the text", [image("slide.png")]))).toEqual([
      "image-to-text(image=slide.png)",
    ]);
    expect(
      tasksOf(plan("pull the text out of the sign? not translate, just the text", [image("sign.jpg")])),
    ).toEqual(["image-to-text(image=sign.jpg)"]);
  });
});

describe("quoted text", () => {
  it("is a literal argument, never an instruction", () => {
    expect(tasksOf(plan('say "transcribe this and draw a cat" out loud', [audio("v.ogg")]))).toEqual([
      'text-to-speech(text="transcribe this and draw a cat")',
    ]);
    expect(tasksOf(plan("is 'please translate this into French' positive?"))).toEqual([
      'text-classification(text="please translate this into French")',
    ]);
  });

  it("serves a clause that points at it from another clause", () => {
    expect(
      tasksOf(
        plan('read this out AND tell me if its positive: "thanks for carrying me, you guys are the best"'),
      ),
    ).toEqual([
      'text-to-speech(text="thanks for carrying me, you guys are the best")',
      'text-classification(text="thanks for carrying me, you guys are the best")',
    ]);
  });
});

describe("several attachments", () => {
  it("runs a task once per attachment, and gives each its own reading step", () => {
    expect(
      tasksOf(plan("transcribe both and tell me how each one sounds", [audio("a.ogg"), audio("b.ogg")])),
    ).toEqual([
      "automatic-speech-recognition(audio=a.ogg)",
      "automatic-speech-recognition(audio=b.ogg)",
      "text-classification(text=#1)",
      "text-classification(text=#2)",
    ]);
  });

  it("gives a clause the attachment it names, and the others the rest", () => {
    expect(
      tasksOf(
        plan("what is in this photo? what does the sign say?", [image("street.jpg"), image("sign.jpg")]),
      ),
    ).toEqual(["object-detection(image=street.jpg)", "image-to-text(image=sign.jpg)"]);
  });

  it("does not read a recording the request names when only a photo is attached", () => {
    const refused = replyOf(plan("does she sound mad in this voice note", [image("IMG_1234.jpg")]));
    expect(refused.question).toBe(false);
    expect(refused.message).toMatch(/needs a text|needs a recording/);
  });

  it("takes a video as a recording only where an expert here reads video", () => {
    const clip = [video("clip.mp4")];
    const readsVideo: Servable = (task, need) => offline(task, need);
    const noVideo: Servable = (task, need) => !need?.media?.startsWith("video/") && offline(task, need);
    expect(
      tasksOf(planOffline({ text: "transcribe this clip", inputs: clip }, { servable: readsVideo })),
    ).toEqual(["automatic-speech-recognition(audio=clip.mp4)"]);
    const refused = planOffline({ text: "transcribe this clip", inputs: clip }, { servable: noVideo });
    expect(refused.ok).toBe(false);
  });
});

describe("follow-ups", () => {
  const transcriptTurn: ConversationTurn = {
    user: "what does he say",
    answer: "Transcript: “you guys never listen to me”.",
    resources: ["turn1-call.ogg", "turn1-1-automatic-speech-recognition.txt"],
  };
  const transcriptInputs = [
    audio("turn1-call.ogg", "history"),
    textFile("turn1-1-automatic-speech-recognition.txt", "you guys never listen to me", "history"),
  ];
  const photoTurn: ConversationTurn = {
    user: "what's in this",
    answer: "I found a person and a dog.",
    resources: ["turn1-beach.jpg", "turn1-1-object-detection-annotated.jpg"],
  };

  it("'perfect, now do this one: …' asks of a quoted text what the last request asked", () => {
    const said = { user: "read this out: 'happy birthday'", answer: "Here it is read aloud.", resources: [] };
    expect(tasksOf(plan("perfect, now do this one: 'see you on monday'", [], [said]))).toEqual([
      'text-to-speech(text="see you on monday")',
    ]);
  });

  it("'same for the other pic' repeats the last ask on the photo it did not look at", () => {
    const counted = { user: "how many dogs in kennel A", answer: "I found 3 dogs.", resources: [] };
    const inputs = [
      image("turn1-kennel_a.jpg", "history"),
      image("turn1-kennel_b.jpg", "history"),
      textFile("turn1-1-object-detection.txt", "dog 0.91, dog 0.88, dog 0.80", "history"),
    ];
    expect(tasksOf(plan("same for the other pic", inputs, [counted]))).toEqual([
      "object-detection(image=turn1-kennel_b.jpg)",
    ]);
  });

  it("reads out an earlier text, not the verdict given on it, when asked to read 'the note' aloud", () => {
    const turn = {
      user: "what does this note say and is it rude?",
      answer: "It reads … It sounds negative.",
      resources: [],
    };
    const inputs = [
      image("turn1-note.jpg", "history"),
      textFile("turn1-1-image-to-text.txt", "TO WHOEVER KEEPS BRINGING THEIR DOG IN", "history"),
      textFile("turn1-2-text-classification.txt", "negative", "history"),
    ];
    expect(
      tasksOf(plan("Could you read the note aloud for the committee call tonight?", inputs, [turn])),
    ).toEqual(["text-to-speech(text=turn1-1-image-to-text.txt)"]);
  });

  it("'does he sound down to you?' after a transcript is its sentiment too", () => {
    expect(tasksOf(plan("does he sound down to you?", transcriptInputs, [transcriptTurn]))).toEqual([
      "text-classification(text=turn1-1-automatic-speech-recognition.txt)",
    ]);
  });

  it("'does he sound angry?' after a transcript is the sentiment of that transcript", () => {
    expect(tasksOf(plan("does he sound angry?", transcriptInputs, [transcriptTurn]))).toEqual([
      "text-classification(text=turn1-1-automatic-speech-recognition.txt)",
    ]);
  });

  it("'is that same picture fine to share at work?' is the safety of the earlier photo", () => {
    expect(
      tasksOf(
        plan(
          "is that same picture fine to share at work?",
          [image("turn1-beach.jpg", "history")],
          [photoTurn],
        ),
      ),
    ).toEqual(["image-classification(image=turn1-beach.jpg)"]);
  });

  it("asks which one when the last turn left two and the follow-up says 'that'", () => {
    const twoSigns: ConversationTurn = {
      user: "read both signs",
      answer: "The first says STOP, the second EXIT.",
      resources: ["turn1-1-image-to-text.txt", "turn1-2-image-to-text.txt"],
    };
    const inputs = [
      textFile("turn1-1-image-to-text.txt", "STOP", "history"),
      textFile("turn1-2-image-to-text.txt", "EXIT", "history"),
    ];
    const asked = replyOf(plan("now read that out", inputs, [twoSigns]));
    expect(asked).toEqual({ question: true, message: "Which one do you mean: “STOP” or “EXIT”?" });
    const history = [twoSigns, { user: "now read that out", answer: asked.message, resources: [] }];
    expect(tasksOf(plan("the second one", inputs, history))).toEqual([
      "text-to-speech(text=turn1-2-image-to-text.txt)",
    ]);
    expect(tasksOf(plan("read both of them out", inputs, [twoSigns]))).toEqual([
      "text-to-speech(text=turn1-1-image-to-text.txt)",
      "text-to-speech(text=turn1-2-image-to-text.txt)",
    ]);
  });
});

describe("fragments that go on with the last ask", () => {
  const receiptTurn: ConversationTurn = {
    user: "what's the total on this receipt?",
    answer: "The total is 23.40.",
    resources: ["turn1-receipt.jpg", "turn1-1-document-question-answering.txt"],
  };
  const receiptInputs = [
    image("turn1-receipt.jpg", "history"),
    textFile("turn1-1-document-question-answering.txt", "23.40", "history"),
  ];

  it("'and the date?' asks the last question of its own subject", () => {
    expect(tasksOf(plan("and the date?", receiptInputs, [receiptTurn]))).toEqual([
      'document-question-answering(image=turn1-receipt.jpg, text="what is the date?")',
    ]);
    expect(tasksOf(plan("and who's it from", receiptInputs, [receiptTurn]))).toEqual([
      'document-question-answering(image=turn1-receipt.jpg, text="who\'s it from")',
    ]);
  });

  it("'now do \"good night\" too' says the new words", () => {
    const spoken: ConversationTurn = { user: 'say "good morning"', answer: "Here it is.", resources: [] };
    expect(tasksOf(plan('now do "good night" too', [], [spoken]))).toEqual([
      'text-to-speech(text="good night")',
    ]);
  });

  it("a fragment that asks something of its own is planned as it is", () => {
    const reply = replyOf(plan("now transcribe the voice memo", receiptInputs, [receiptTurn]));
    expect(reply.message).toMatch(/^Automatic speech recognition needs a recording/);
  });

  it("'same for the other pic' with only one picture in the thread asks for it", () => {
    const photoTurn: ConversationTurn = {
      user: "what's in this",
      answer: "A dog.",
      resources: ["turn1-dog.jpg"],
    };
    const reply = replyOf(plan("same for the other pic", [image("turn1-dog.jpg", "history")], [photoTurn]));
    expect(reply.message).toBe(
      "Send the other picture with your message: I have no other one in this thread yet.",
    );
    expect(
      tasksOf(
        plan(
          "same thing pls",
          [audio("second.ogg")],
          [{ user: "transcribe this", answer: "…", resources: [] }],
        ),
      ),
    ).toEqual(["automatic-speech-recognition(audio=second.ogg)"]);
  });

  it("'which one sounds happier?' classifies each of the last turn's texts", () => {
    const two: ConversationTurn = {
      user: "transcribe both",
      answer: "…",
      resources: ["turn1-1-automatic-speech-recognition.txt", "turn1-2-automatic-speech-recognition.txt"],
    };
    const inputs = [
      textFile("turn1-1-automatic-speech-recognition.txt", "I love it", "history"),
      textFile("turn1-2-automatic-speech-recognition.txt", "it is fine I guess", "history"),
    ];
    expect(tasksOf(plan("which one sounds happier?", inputs, [two]))).toEqual([
      "text-classification(text=turn1-1-automatic-speech-recognition.txt)",
      "text-classification(text=turn1-2-automatic-speech-recognition.txt)",
    ]);
  });
});

describe("what a clause reads first", () => {
  it("reads the text of a photo whose text the clause names, and a document's fact when it names one", () => {
    expect(tasksOf(plan("does the email in this screenshot sound angry", [image("shot.png")]))).toEqual([
      "image-to-text(image=shot.png)",
      "text-classification(text=#1)",
    ]);
    expect(tasksOf(plan("read me whats on this flyer", [image("IMG_1.jpg")]))).toEqual([
      "image-to-text(image=IMG_1.jpg)",
      "text-to-speech(text=#1)",
    ]);
    expect(tasksOf(plan("read me the tracking number on this label", [image("IMG_2.jpg")]))).toEqual([
      'document-question-answering(image=IMG_2.jpg, text="read me the tracking number on this label")',
      "text-to-speech(text=#1)",
    ]);
  });

  it("reads out what an earlier ask of the request gave, without reading the photo again", () => {
    expect(tasksOf(plan("what's in this photo and read the list out", [image("IMG_3.jpg")]))).toEqual([
      "object-detection(image=IMG_3.jpg)",
      "text-to-speech(text=#1)",
    ]);
  });

  it("reads aloud a photo's text an earlier turn read, instead of reading it again", () => {
    const slideTurn: ConversationTurn = {
      user: "what does the slide say",
      answer: "It says: Q3 goals.",
      resources: ["turn1-slide.png", "turn1-1-image-to-text.txt"],
    };
    const inputs = [
      image("turn1-slide.png", "history"),
      textFile("turn1-1-image-to-text.txt", "Q3 goals", "history"),
    ];
    expect(tasksOf(plan("read the slide text out please", inputs, [slideTurn]))).toEqual([
      "text-to-speech(text=turn1-1-image-to-text.txt)",
    ]);
  });

  it("keeps what the user will do with the result out of the ask ('so I can paste it into my translator')", () => {
    expect(
      tasksOf(
        plan("grab the text off this menu so i can paste it into my translator app", [image("menu.jpg")]),
      ),
    ).toEqual(["image-to-text(image=menu.jpg)"]);
  });

  it("runs a remark's neighbours and names an ask no task does", () => {
    const outcome = plan("how many people are in this photo? and book a table for them", [
      image("IMG_4.jpg"),
    ]);
    expect(tasksOf(outcome)).toEqual(["object-detection(image=IMG_4.jpg)"]);
    expect(outcome.ok && outcome.notes).toEqual([
      'I left out "book a table for them": it needs a language model.',
    ]);
  });
});

describe("asking when unsure", () => {
  it("asks what 'check this' means for a photo, and plans the answer", () => {
    const photo = image("IMG_5.jpg");
    const asked = replyOf(plan("check this pls", [photo]));
    expect(asked).toEqual({
      question: true,
      message: "Do you want the objects in the photo, or the text in it?",
    });
    const history: ConversationTurn[] = [
      { user: "check this pls", answer: asked.message, resources: ["turn1-IMG_5.jpg"] },
    ];
    expect(tasksOf(plan("the text", [image("turn1-IMG_5.jpg", "history")], history))).toEqual([
      "image-to-text(image=turn1-IMG_5.jpg)",
    ]);
  });

  it("asks one short question that offers both readings, and plans the one the next message picks", () => {
    const screenshot = image("Screenshot 2026-03-03.png");
    const asked = replyOf(plan("read this", [screenshot]));
    expect(asked).toEqual({ question: true, message: "Do you want the text in it, or it read aloud?" });
    // The next message answers: the earlier photo is now the thread's.
    const history: ConversationTurn[] = [
      { user: "read this", answer: asked.message, resources: ["turn1-Screenshot 2026-03-03.png"] },
    ];
    const earlier = [image("turn1-Screenshot 2026-03-03.png", "history")];
    expect(tasksOf(plan("read it aloud pls", earlier, history))).toEqual([
      "image-to-text(image=turn1-Screenshot 2026-03-03.png)",
      "text-to-speech(text=#1)",
    ]);
    expect(tasksOf(plan("just the text", earlier, history))).toEqual([
      "image-to-text(image=turn1-Screenshot 2026-03-03.png)",
    ]);
    // A message that answers neither is planned as a request of its own.
    expect(tasksOf(plan("what is in it?", earlier, history))).toEqual([
      "object-detection(image=turn1-Screenshot 2026-03-03.png)",
    ]);
  });

  it("asks between a recording and a photo when both could be what 'what does it say' means", () => {
    expect(replyOf(plan("what does it say", [audio("note.ogg"), image("sign.jpg")])).question).toBe(true);
  });

  it("never asks about something that cannot run here: it takes what can", () => {
    expect(tasksOf(plan("who's this invoice from?", [image("invoice_march.png")]))).toEqual([
      'document-question-answering(image=invoice_march.png, text="who\'s this invoice from?")',
    ]);
  });
});

describe("what people say is not an ask to say it", () => {
  it("reads reported speech as a remark: 'the garage says', 'he only speaks german', 'what Brenda said'", () => {
    expect(
      tasksOf(plan("can you transcribe this? he only speaks german and talks super fast", [audio("m.ogg")])),
    ).toEqual(['automatic-speech-recognition(audio=m.ogg, language="de")']);
    expect(
      tasksOf(plan("count the cars pls, my neighbour keeps saying we have too many", [image("drive.jpg")])),
    ).toEqual(["object-detection(image=drive.jpg)"]);
    expect(tasksOf(plan("write down what my neighbour said in this message", [audio("n.m4a")]))).toEqual([
      "automatic-speech-recognition(audio=n.m4a)",
    ]);
    expect(
      tasksOf(plan("can you listen to the voice note and tell me if it's good news", [audio("l.ogg")])),
    ).toEqual(["automatic-speech-recognition(audio=l.ogg)", "text-classification(text=#1)"]);
  });

  it("still reads aloud when asked, and makes another recording 'that says' something", () => {
    expect(tasksOf(plan("scan this and read me everything on it", [image("r.jpg")]))).toEqual([
      "image-to-text(image=r.jpg)",
      "text-to-speech(text=#1)",
    ]);
  });
});

describe("remarks beside asks", () => {
  it("runs the ask and names what it left out for want of its input", () => {
    const outcome = plan("can you transcribe my standup? mic was bad so the captions are garbage", [
      audio("standup.m4a"),
    ]);
    expect(tasksOf(outcome)).toEqual(["automatic-speech-recognition(audio=standup.m4a)"]);
    expect(outcome.ok && outcome.notes?.[0]).toMatch(/^I left out "mic was bad so the captions are garbage"/);
  });

  it("asks about how someone felt of a recording's words: 'is she happy with the order?'", () => {
    expect(
      tasksOf(plan("transcribe it + is she happy with the order? + read it out", [audio("vm.mp3")])),
    ).toEqual([
      "automatic-speech-recognition(audio=vm.mp3)",
      "text-classification(text=#1)",
      "text-to-speech(text=#1)",
    ]);
  });
});

describe("how people word it", () => {
  it("'before you read it out, check…' checks first, and a negation inside a check is what to check", () => {
    expect(
      tasksOf(plan("before you read it to everyone, check it isn't too harsh: 'we are closing early today'")),
    ).toEqual([
      'text-classification(text="we are closing early today")',
      'text-to-speech(text="we are closing early today")',
    ]);
  });

  it("takes 'two things:' as announcing asks, not as a text to pass on", () => {
    expect(
      tasksOf(
        plan("two things: how many people are in it, and is it ok for the newsletter?", [image("p.jpg")]),
      ),
    ).toEqual(["object-detection(image=p.jpg)", "image-classification(image=p.jpg)"]);
  });

  it("knows where a picture goes public: insta, the website, a listing", () => {
    for (const text of ["is this fine for the club insta?", "ok to publish this on the website?"]) {
      expect(tasksOf(plan(text, [image("p.jpg")])), text).toEqual(["image-classification(image=p.jpg)"]);
    }
  });

  it("leaves out what describes the photo ('it's on the match report') beside the question", () => {
    expect(tasksOf(plan("who was the referee? it's on the match report", [image("report.jpg")]))).toEqual([
      'document-question-answering(image=report.jpg, text="who was the referee?")',
    ]);
  });

  it("reads 'read it out pls hands full' as reading the photo's text, the rest a remark", () => {
    expect(tasksOf(plan("whats on this sign, read it out pls hands full", [image("sign.jpg")]))).toEqual([
      "image-to-text(image=sign.jpg)",
      "text-to-speech(text=#1)",
    ]);
  });

  it("'what stuff is in the photo? read the list back' detects, then reads the list", () => {
    expect(
      tasksOf(plan("what stuff is in the photo? read the list back to me", [image("desk.jpg")])),
    ).toEqual(["object-detection(image=desk.jpg)", "text-to-speech(text=#1)"]);
  });

  it("takes speaking a text in another language as a translation, which does not run offline", () => {
    for (const text of ["how do you say 'good evening' in french", "read this out in spanish"]) {
      const reply = replyOf(plan(text, text.includes("this") ? [textFile("note.txt", "call me later")] : []));
      expect(reply.message, text).toContain("Translating a text cannot run here");
    }
  });

  it("speaks a quoted text already in the language asked for, in that language's voice", () => {
    const outcome = plan('say "Guten Morgen, wie geht es Ihnen?" in german voice pls');
    expect(tasksOf(outcome)).toEqual([
      'text-to-speech(text="Guten Morgen, wie geht es Ihnen?", language="de")',
    ]);
  });
});

describe("what a word names: the medium to make, the result to use, the things to list", () => {
  it("reads a worksheet's text before turning it 'into audio' (audio is what to make, not the input)", () => {
    expect(
      tasksOf(plan("turn this worksheet into audio for my student pls", [image("worksheet_p1.jpg")])),
    ).toEqual(["image-to-text(image=worksheet_p1.jpg)", "text-to-speech(text=#1)"]);
  });

  it("reads out the transcript when the clause names it, not the step just before", () => {
    expect(tasksOf(plan("transcribe + sentiment + read the transcript out", [audio("call.m4a")]))).toEqual([
      "automatic-speech-recognition(audio=call.m4a)",
      "text-classification(text=#1)",
      "text-to-speech(text=#1)",
    ]);
  });

  it("reads out what an earlier step found when told 'say it', the quote beside it a remark", () => {
    expect(
      tasksOf(
        plan(
          "whats the cancellation fee in the contract? and say it out loud, mom wants to hear it from 'the robot' lol",
          [image("contract.png")],
        ),
      ),
    ).toEqual([
      'document-question-answering(image=contract.png, text="what is the cancellation fee in the contract?")',
      "text-to-speech(text=#1)",
    ]);
  });

  it("takes no text from 'want an audio version for …': what follows the medium is a remark", () => {
    expect(
      tasksOf(
        plan("can you read it aloud? want an audio version for owners who dont read", [
          textFile("discharge.txt", "Rest for two days."),
        ]),
      ),
    ).toEqual(["text-to-speech(text=discharge.txt)"]);
  });

  it("lists the animals 'in this shot' or that 'show up in each' (detection), and names the kind of 'this animal'", () => {
    expect(tasksOf(plan("what animals are in this trail cam shot?", [image("TRAILCAM_0042.jpg")]))).toEqual([
      "object-detection(image=TRAILCAM_0042.jpg)",
    ]);
    expect(tasksOf(plan("what animals show up in each?", [image("cam1.jpg"), image("cam2.jpg")]))).toEqual([
      "object-detection(image=cam1.jpg)",
      "object-detection(image=cam2.jpg)",
    ]);
    expect(replyOf(plan("what kind of animal is this?", [image("cat.jpg")])).message).toMatch(
      /image classification/,
    );
  });

  it("reads what is on a screenshot, and looks up a value in a document named by its file", () => {
    expect(
      tasksOf(
        plan("what's on this screenshot, I can't see it", [image("Screenshot 2026-03-02 at 10.14.png")]),
      ),
    ).toEqual(["image-to-text(image=Screenshot 2026-03-02 at 10.14.png)"]);
    expect(tasksOf(plan("on this bloodwork what's the creatinine", [image("bloodwork_rex.png")]))).toEqual([
      `document-question-answering(image=bloodwork_rex.png, text="on this bloodwork what's the creatinine")`,
    ]);
  });
});

describe("remarks and times beside the ask", () => {
  it("runs no task for a statement that only hints, beside a clear ask", () => {
    expect(
      tasksOf(
        plan("can you just tell me if this image is appropriate? someone sent it in a group chat", [
          image("image0.jpg"),
        ]),
      ),
    ).toEqual(["image-classification(image=image0.jpg)"]);
  });

  it("transcribes 'both' when another clause counts one of them ('the 2nd floor folks')", () => {
    expect(
      tasksOf(
        plan("2 voice msgs from the 2nd floor folks about the noise, can u transcribe both", [
          audio("voice-message-2A.ogg"),
          audio("voice-message-2D.ogg"),
        ]),
      ),
    ).toEqual([
      "automatic-speech-recognition(audio=voice-message-2A.ogg)",
      "automatic-speech-recognition(audio=voice-message-2D.ogg)",
    ]);
  });

  it("takes 'start to finish', 'one after the other' as how to read, not as a text to read", () => {
    expect(
      tasksOf(
        plan(
          "2 voice msgs from the night crew, transcribe each and read them back to me one after the other",
          [audio("night_a.m4a"), audio("night_b.m4a")],
        ),
      ),
    ).toEqual([
      "automatic-speech-recognition(audio=night_a.m4a)",
      "automatic-speech-recognition(audio=night_b.m4a)",
      "text-to-speech(text=#1)",
      "text-to-speech(text=#2)",
    ]);
  });

  it("'list what's left … in this pic and read it out' detects, then reads the list", () => {
    expect(
      tasksOf(plan("list what's left on the counter in this pic and read it out", [image("counter.jpg")])),
    ).toEqual(["object-detection(image=counter.jpg)", "text-to-speech(text=#1)"]);
  });

  it("reads a time's colon as no colon: 'before the 2:00 call' is a remark, not a text to say", () => {
    expect(
      tasksOf(
        plan(
          "Could the bot read the attached letter aloud? Attorney Brooks wants to hear it before the 2:00 call.",
          [image("counsel_letter.jpg")],
        ),
      ),
    ).toEqual(["image-to-text(image=counsel_letter.jpg)", "text-to-speech(text=#1)"]);
  });

  it("keeps the asks after 'before i put this on the website:' as asks, not as a text", () => {
    expect(
      tasksOf(
        plan("before i put this on the website: is it sfw, and what does the banner say?", [
          image("podium.jpg"),
        ]),
      ),
    ).toEqual(["image-classification(image=podium.jpg)", "image-to-text(image=podium.jpg)"]);
  });

  it("speaks the quote after 'generate audio of:' and 'an audio that says', and not what a client says", () => {
    expect(tasksOf(plan('Please generate audio of: "Our office is closed for the holiday."'))).toEqual([
      'text-to-speech(text="Our office is closed for the holiday.")',
    ]);
    expect(tasksOf(plan('can u make an audio that says "your pup is back home safe"'))).toEqual([
      'text-to-speech(text="your pup is back home safe")',
    ]);
    expect(
      tasksOf(
        plan("is there a cat in this pic? client says her cat sneaks out the back sometimes", [
          image("yard.jpg"),
        ]),
      ),
    ).toEqual(["object-detection(image=yard.jpg)"]);
  });

  it("hears 'what she says in the voice (note)' as a transcript and 'in the bot voice' as speech", () => {
    expect(
      tasksOf(
        plan("what she say in the voice, and what is written on the photo?", [
          audio("friend.ogg"),
          image("bus.jpg"),
        ]),
      ),
    ).toEqual(["automatic-speech-recognition(audio=friend.ogg)", "image-to-text(image=bus.jpg)"]);
    expect(
      tasksOf(plan("can u write it out and then play it back to me in the bot voice?", [audio("pt_vn.m4a")])),
    ).toEqual(["automatic-speech-recognition(audio=pt_vn.m4a)", "text-to-speech(text=#1)"]);
  });

  it("does not read a photo's text because the user 'can't read my screen'", () => {
    expect(
      tasksOf(
        plan(
          "whats on the workbench in this pic? say it out loud, im wearing gloves and cant read my screen lol",
          [image("bench.jpg")],
        ),
      ),
    ).toEqual(["object-detection(image=bench.jpg)", "text-to-speech(text=#1)"]);
  });

  it("counts what the photo shows for 'how packed is it rn?'", () => {
    expect(
      tasksOf(plan("how packed is it rn? here's a pic from the front desk cam", [image("desk.jpg")])),
    ).toEqual(["object-detection(image=desk.jpg)"]);
  });

  it("takes 'the last 3 nights' as a time, so 'each' is every photo", () => {
    expect(
      tasksOf(
        plan("trail cam pics from the last 3 nights, what animals show up in each?", [
          image("CAM01_0311.jpg"),
          image("CAM01_0312.jpg"),
          image("CAM01_0313.jpg"),
        ]),
      ),
    ).toEqual([
      "object-detection(image=CAM01_0311.jpg)",
      "object-detection(image=CAM01_0312.jpg)",
      "object-detection(image=CAM01_0313.jpg)",
    ]);
  });

  it("transcribes a voice note wanted 'in writing', and the words 'got as a voice note' make no recording", () => {
    expect(
      tasksOf(
        plan("i got this as a voice note from a student who was absent, just need it in writing", [
          audio("voice-message (3).ogg"),
        ]),
      ),
    ).toEqual(["automatic-speech-recognition(audio=voice-message (3).ogg)"]);
    expect(
      tasksOf(
        plan("voice memo from the summit, wind is awful, can you get the words out of it", [
          audio("summit.m4a"),
        ]),
      ),
    ).toEqual(["automatic-speech-recognition(audio=summit.m4a)"]);
  });
});

describe("what the user cannot do, and what they will do themselves", () => {
  it("reads 'no idea what this says' and 'can't read the timetable, what's it say' as reading the photo", () => {
    for (const text of ["no idea what this says lol", "cant read the timetable its tiny whats it say"]) {
      expect(tasksOf(plan(text, [image("p.jpg")])), text).toEqual(["image-to-text(image=p.jpg)"]);
    }
  });

  it("does not read aloud what the user is too scared to read, nor translate what they will translate", () => {
    expect(
      tasksOf(
        plan("is the feedback in this screenshot positive? too scared to read it myself", [image("s.png")]),
      ),
    ).toEqual(["image-to-text(image=s.png)", "text-classification(text=#1)"]);
    expect(
      tasksOf(
        plan("transcribe this pls, it's in french, i'll handle translating it myself", [audio("v.mp3")]),
      ),
    ).toEqual(['automatic-speech-recognition(audio=v.mp3, language="fr")']);
  });

  it("takes the one quoted text for a text ask when nothing else is at hand", () => {
    expect(
      tasksOf(plan("positive or negative? review just came in: 'great art, but it crashed twice'")),
    ).toEqual(['text-classification(text="great art, but it crashed twice")']);
    expect(
      tasksOf(plan("read this to me so i can hear how it sounds on the phone: 'your order has shipped'")),
    ).toEqual(['text-to-speech(text="your order has shipped")']);
  });
});

describe("out of scope", () => {
  it("refuses with what runs offline instead of running a plan it was not asked for", () => {
    for (const [text, inputs] of [
      ["solve this integral pls 🙏 exam in 2h", [image("IMG_8820.jpg")]],
      ["who won worlds last year?", []],
      ["write a funny caption for this for my insta", [image("IMG_5541.jpg")]],
      ["remove the background from this pls", [image("selfie.png")]],
      ["summarize what he said in the voice note", [audio("voice.ogg")]],
      ["translate this menu to english pls", [image("menu.jpg")]],
    ] as const) {
      const reply = replyOf(plan(text, [...inputs]));
      expect(reply.question, text).toBe(false);
      expect(reply.message, text).toContain("Without a language model I can:");
    }
  });

  it("refuses to redact, fill out, clip or compare versions, which no task does", () => {
    for (const [text, file] of [
      ["Redact the SSN on this W-9 before I forward it", "w9_scan.jpg"],
      ["fill out this intake form with the client's info from yesterday's call", "intake_blank.png"],
      ["clip the best 30 sec out of this for an audiogram", "ep47.mp3"],
    ] as const) {
      const input = file.endsWith(".mp3") ? audio(file) : image(file);
      expect(replyOf(plan(text, [input])).message, text).toMatch(/language model/);
    }
  });

  it("refuses to grade, define or converse, which no task does", () => {
    expect(
      replyOf(plan("what grade would u give this problem? feels like a v4", [image("IMG_4502.jpg")])).message,
    ).toMatch(/language model/);
    expect(replyOf(plan("what means 'Schadenfreude' exactly?")).message).toMatch(/language model/);
    expect(replyOf(plan("can you speak japanese with me? こんにちは！")).message).toMatch(/language model/);
  });

  it("does not answer arithmetic, marking or code fixes with what reads the document", () => {
    for (const [text, file] of [
      ["calculate a 20% tip on this receipt for me", "receipt_0214.jpg"],
      ["can you grade this worksheet? answer key is in my head lol", "worksheet.jpg"],
      [
        "fix the bug in this screenshot of my code? its a react useEffect thing",
        "Screenshot 2026-03-06 at 22.15.png",
      ],
    ] as const) {
      expect(replyOf(plan(text, [image(file)])).message).toMatch(/language model|cannot run here/);
    }
  });

  it("does not answer whether a thing is safe to eat or use with the check of whether a picture is fit to share", () => {
    for (const text of [
      "is this mushroom safe to eat?",
      "is the water in this pic ok to drink",
      "are these berries poisonous",
      "how much is this watch worth",
      "give me a recipe with the stuff in this pic",
    ]) {
      const reply = replyOf(plan(text, [image("IMG_0042.jpg")]));
      expect(reply.question, text).toBe(false);
      expect(reply.message, text).toContain("Without a language model I can:");
    }
    // Whether the picture itself may be shared stays the safety check.
    expect(tasksOf(plan("is this pic safe to post in the school group?", [image("IMG_0042.jpg")]))).toEqual([
      "image-classification(image=IMG_0042.jpg)",
    ]);
  });

  it("runs the asks that can run and says which cannot", () => {
    const outcome = plan("transcribe this and translate it into spanish", [audio("v.ogg")]);
    expect(tasksOf(outcome)).toEqual(["automatic-speech-recognition(audio=v.ogg)"]);
    expect(outcome.ok && outcome.notes).toEqual(["Translating a text cannot run here."]);
  });
});
