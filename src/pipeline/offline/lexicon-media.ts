/**
 * The intents that look at a photo or listen to a recording: reading its text, answering about a
 * document, describing, finding objects, telling whether it is safe to share or what kind of thing
 * it shows, transcribing, telling a sound.
 */
import {
  AUDIO_NOUNS,
  DOC_FACTS,
  DOCUMENTS,
  IMAGE_NOUNS,
  type OfflineIntent,
  PEOPLE,
  TEXT_BEARERS,
} from "./lexicon.js";

export const MEDIA_INTENTS: readonly OfflineIntent[] = [
  {
    id: "read-text",
    task: "image-to-text",
    summary: "read the text in an image (OCR)",
    title: "Reading the text in an image (OCR)",
    offer: "the text in it",
    example: "read the text in this screenshot",
    cues: [
      ["ocr", 5],
      ["read|extract|pull|grab|copy|get|give|type|lift|scan|take * text|word|writing|line", 4],
      [
        "text|word|writing * in|on|from|off|of * it|this|that|these|image|picture|photo|screenshot|sign|slide|page|label|poster|menu|board|whiteboard|card",
        3,
      ],
      ["what be write|print|type", 4],
      [`what be on * ${TEXT_BEARERS}|screen|shirt|box|bottle|here`, 2],
      // A screenshot is a picture of text: what is on it is what it says.
      ["what be on|in * screenshot|screengrab|screencap", 4.5],
      // "what's on this?" with a photo: its objects or its text, the planner asks.
      ["what be on this|it", 2],
      ["be there * text|writing|word|words", 3],
      // German, Spanish, French: "was steht auf dem Foto", "el texto de la imagen", "le texte de l'image".
      ["text|texto|texte * bild|foto|photo|screenshot|imagen|image|schild|cartel|panneau", 4],
      ["was steht", 4],
      ["qué|que dice * cartel|letrero|imagen|foto|texto", 3],
      ["what * write|print on|in", 3],
      [`transcribe|type * ${IMAGE_NOUNS}|${TEXT_BEARERS}`, 4],
      ["type out * what be on|in", 4],
      ["make out * word|text|writing", 3],
      ["what do|does * * say", 2],
      // "no idea what this says lol", "whats it say": what a photo's text says.
      ["what this|it|that say", 2],
      ["what be it|this|that say", 2],
      // "i can't read the timetable, it's tiny": the user cannot, the bot reads it.
      ["can not * read|decipher", 2],
      // "can't read my screen": the user's screen, not a picture's text.
      ["can not * read * my|the * screen|phone|monitor", -3],
      ["whiteboard|sign|poster|menu|slide|handout|timetable|schedule|flyer", 1],
      [
        "read * sign|label|screenshot|slide|menu|poster|page|handout|whiteboard|board|card|note|notes|receipt|invoice|letter|document|ticket|form",
        2.5,
      ],
      ["scan|ocr", 2.5],
      ["read", 1.5],
      ["say", 0.5],
      ["text", 1],
      // "read the slide text out" is reading aloud; whether a photo is read first is the source's call.
      ["read * text|word|writing * out|aloud|back", -4],
    ],
  },
  {
    id: "document-question",
    task: "document-question-answering",
    summary: "answer a question about a receipt, invoice or form",
    title: "Answering questions about a document",
    offer: "the answer from the document",
    example: "what is the total on this receipt?",
    text: "clause",
    fallback: "read-text",
    cues: [
      [`what|which|who|when|where|how * ${DOC_FACTS}`, 2],
      [`how much * ${DOC_FACTS}|i|we|they|you`, 2],
      [`how much`, 1],
      // "read me the delivery address on this label", "read out what platform this ticket says".
      [`read|tell|say|give * ${DOC_FACTS}`, 2.5],
      [`${DOC_FACTS}`, 1],
      // "what's the creatinine on this bloodwork", "whats the hourly rate in this SOW": a value looked
      // up; scored high enough only where the photo is a document (its name, or a document named).
      ["what be the", 1],
      [`${DOC_FACTS} * on|in|of|from|for * ${DOCUMENTS}`, 3],
      [`${DOC_FACTS} * on|in|of|from|for * this|it`, 1],
      ["wie viel|wieviel|insgesamt|summe|betrag|kostet|datum|rechnung|quittung|beleg|fällig", 2.5],
      ["cuánto|cuanto|factura|recibo|fecha|importe", 2.5],
      ["combien|facture|reçu|montant", 2.5],
      [`${DOCUMENTS}`, 1.5],
      [`who * issue|send|bill|sell|write|sign`, 2],
      [`when * due|expire|open|start|leave|depart|arrive|buy|bought|purchase|order|pay|paid`, 2],
      [`be there * any|a * ${DOC_FACTS}`, 3],
      [`according to`, 2],
      // "if the customer in this chat is angry": how someone feels, not a fact of a document.
      [
        "customer|client|caller|guest * * * * angry|upset|happy|mad|annoyed|angrier|happier|satisfied|pleased|frustrated|rude",
        -3,
      ],
    ],
  },
  {
    id: "describe-image",
    task: "image-to-text",
    fully: true,
    summary: "describe an image in a sentence",
    title: "Describing an image (captioning)",
    offer: "a description of the picture",
    example: "describe this picture",
    cues: [
      ["describe|caption|captioning", 4],
      ["alt text", 4],
      ["write|make|give|suggest * caption|description", 4],
      ["come up with * caption|description", 4],
      ["what * happen in", 3],
      ["what do * picture|photo|image|it|this show", 3],
      ["what be * picture|photo|image * of", 2.5],
      ["description", 3],
    ],
  },
  {
    id: "detect-objects",
    task: "object-detection",
    summary: "find and count the objects in a photo",
    title: "Finding objects in a photo (object detection)",
    offer: "the objects in the photo",
    example: "what is in this photo?",
    cues: [
      [`what be in * ${IMAGE_NOUNS}|it|this|that|these|those|there`, 4],
      ["what * you * see|spot|find|notice", 4],
      ["detect|detection", 4],
      ["object|objects|thing|things|item|items", 2],
      ["count|headcount", 3],
      // "list what's left on the counter in this pic": what is there, as a list.
      ["list * what|everything|anything|all", 3],
      // "how packed is it rn?" with a photo of the room: how many people are in it.
      ["how packed|crowded|busy|full|empty", 3],
      ["how many", 3],
      [
        "find|spot|identify|locate|list|label|point|circle|box * object|thing|item|people|person|animal|car|dog|cat",
        3,
      ],
      ["be there * any|a|an|anyone|anybody|someone|people", 2.5],
      // "is that a cat in the compost?"
      ["be this|that|it a|an * in|on", 2.5],
      ["any * in * it|this|picture|photo|image", 2],
      ["anyone|anybody|someone|people|person * in", 2],
      ["who be in", 2],
      ["anything * in", 1.5],
      ["what be this|that|it", 1],
      ["what be in", 2],
      [
        `what|which stuff|thing|things|object|objects|item|items * be * in|on * ${IMAGE_NOUNS}|it|this|that`,
        4,
      ],
      ["what be on * it|this|that|here|there|picture|photo|image|table|desk|shelf", 2.5],
      // "what animals are in this trail cam shot", "which birds show up in each": what is in it, listed.
      [`what|which * be|show in|up * ${IMAGE_NOUNS}|it|this|that|these|those|each|there`, 4],
      ["was ist * auf|im * bild|foto", 4],
      ["qué|que hay * en", 4],
      ["see", 1],
    ],
  },
  {
    id: "check-safety",
    task: "image-classification",
    labels: "safe to share, not safe to share",
    summary: "tell whether a photo is safe to share",
    title: "Telling whether an image is safe to share",
    offer: "whether it is safe to share",
    example: "is this photo safe for work?",
    cues: [
      ["sfw|nsfw", 5],
      ["safety check|screen|review|pass", 4],
      // "is this image appropriate?", "is the pic clean enough".
      ["be * * appropriate|inappropriate|decent|clean", 3],
      [
        "safe|ok|okay|fine|alright|appropriate|acceptable|suitable|good * to|for * post|share|send|upload|work|show|use|put|publish|print|attach|include",
        4,
      ],
      [
        "safe|appropriate|suitable|fine|ok|okay * for|in|on * work|office|school|kid|kids|child|children|everyone|family|class|channel|server|group|chat|story|page|feed|insta|instagram|facebook|socials|tiktok|linkedin|twitter|website|site|newsletter|listing|client|public|church|club|parish|team|profile|slideshow|presentation|deck|slides|yearbook|brochure|blog|portfolio|album|display",
        4,
      ],
      ["can|should|may * i|we * post|share|upload|send|put", 3],
      // "check all 3 before i put them on the team insta"
      [
        "post|share|upload|put|publish * on|in|to * insta|instagram|facebook|website|site|socials|tiktok|linkedin|twitter|newsletter|story|feed",
        3,
      ],
      ["i|we * can|could|should * post|share|upload|send|put", 3],
      [
        "explicit|nude|nudity|naked|porn|porno|pornographic|inappropriate|offensive|graphic|sketchy|lewd|suggestive|racy",
        3,
      ],
      ["safe", 2],
      ["post|share|upload|publish", 1],
    ],
  },
  {
    id: "classify-image",
    task: "image-classification",
    fully: true,
    summary: "say what kind of thing a photo shows",
    title: "Telling what kind of thing a photo shows (image classification)",
    offer: "what kind of thing it shows",
    example: "what kind of animal is this?",
    cues: [
      ["what|which kind|type|breed|species|sort|model|brand|make|variety of", 4],
      [
        "what|which animal|plant|bird|flower|tree|dog|cat|car|insect|mushroom|breed|species|model|brand|game|movie|show|anime|place|landmark|city|food|dish be",
        3,
      ],
      [
        "identify|recognize|recognise * breed|species|model|brand|plant|bird|flower|animal|car|dish|landmark",
        4,
      ],
      ["classify|categorize|categorise * picture|photo|image|it|this", 4],
      ["classification", 2],
      // "what animals are in this shot" lists what is there; "what animal is this" names its kind.
      [`be|show in|up * ${IMAGE_NOUNS}|it|this|that|these|those|each|there`, -3],
    ],
  },
  {
    id: "image-question",
    task: "visual-question-answering",
    summary: "answer a question about a photo",
    title: "Answering questions about a photo",
    offer: "an answer about the photo",
    example: "what colour is the car?",
    text: "clause",
    cues: [
      ["what colour|color", 4],
      ["what be * wear|wearing|hold|holding|do|doing|eat|eating|drink|drinking|play|playing", 2.5],
      ["where * take|taken|shoot|shot", 2],
      ["how old", 3],
      ["look|seem|appear * happy|sad|angry|mad|tired|scared|sick|upset|bored|old|young|drunk", 3],
      [`${PEOPLE} * happy|sad|angry|mad|upset|smile|smiling|cry|crying|bored|tired`, 4],
      ["who be he|she", 2],
      ["how|what be the weather", 1.5],
    ],
  },
  {
    id: "transcribe",
    task: "automatic-speech-recognition",
    summary: "transcribe a recording or voice note",
    title: "Transcribing a recording (speech recognition)",
    offer: "the recording transcribed",
    example: "transcribe this voice note",
    cues: [
      ["transcribe|transcription|dictation|subtitle|subtitles", 5],
      ["transcript of|for", 4],
      ["transcript", 2.5],
      ["speech to text", 5],
      ["write|type|jot|put * down|out", 3],
      ["in|into|to * text|words|writing", 3],
      ["what * * say|said|saying", 2],
      [
        "text|words|transcript of|from * recording|call|audio|voice|clip|memo|message|voicemail|meeting|lecture",
        3.5,
      ],
      ["transkribieren|transkribiere|abtippen|aufschreiben|mitschreiben|transcribir|transcrire", 5],
      ["was sagt", 3],
      ["was hat * gesagt", 3],
      ["qué|que dice", 3],
      ["what do|does|did * he|she|they|him|her * say", 3],
      ["what be say", 3],
      [`what be in * ${AUDIO_NOUNS}`, 3.5],
      ["listen to", 2],
      // "pls write it" of a voice note: the words it says, written down.
      ["write|type it|this|that", 2.5],
      // "can you get the words out of it" of a voice memo: with a photo at hand, reading wins.
      ["get|pull|grab * word|words|text * out|from", 2.5],
      ["can not|cannot * listen|hear|play", 3],
      ["what * talk about", 3],
    ],
  },
  {
    id: "sound",
    task: "audio-classification",
    summary: "say what a recording contains",
    title: "Telling what a recording contains (audio classification)",
    offer: "what the sound is",
    example: "what sound is this?",
    cues: [
      ["what|which sound|noise|bird|instrument|animal * be|make", 3],
      ["classify|identify|recognize * sound|noise|audio|recording|clip|song|bird|instrument", 4],
      ["what be that sound|noise", 4],
      [
        "noise|knocking|ticking|rattle|rattling|squeak|squeaking|grinding|whine|hum * engine|car|idle|brake|fan",
        4,
      ],
      ["engine|car|brake|fan * noise|sound|knocking|ticking|rattle|squeak", 4],
      ["sound|noise", 1],
    ],
  },
];
