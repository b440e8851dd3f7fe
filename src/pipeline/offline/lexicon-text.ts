/**
 * The intents that work on a text or make something: sentiment, names, translation, summaries,
 * reading aloud, drawing, editing, segmenting, depth, video, writing, and what no task does.
 */
import { type OfflineIntent, TEXT_BEARERS } from "./lexicon.js";

export const TEXT_INTENTS: readonly OfflineIntent[] = [
  {
    id: "sentiment",
    task: "text-classification",
    summary: "tell whether a text sounds positive or negative",
    title: "Telling whether a text sounds positive or negative",
    offer: "whether it sounds positive or negative",
    example: "is 'I love this phone' positive?",
    cues: [
      ["sentiment|tone|mood|vibe|vibes|attitude", 4],
      ["text classification", 5],
      ["sentiment analysis", 5],
      ["angrier|happier|ruder|nicer|friendlier|calmer", 3],
      ["more upset|positive|negative|angry|friendly", 3],
      ["if|whether * it|they|that|call|meeting * go|went * well|badly|ok|okay|fine", 3],
      ["positive|negative|neutral", 3],
      ["good or bad", 4],
      ["happy or sad", 4],
      ["nice or mean|rude", 4],
      [
        "angry|mad|annoyed|upset|happy|rude|friendly|mean|polite|hostile|salty|toxic|sarcastic|passive|aggressive|pissed|nice|sad|pleased|satisfied|grateful|harsh|cold|warm|excited|frustrated|disappointed|tilted|heated",
        1.5,
      ],
      ["how * * sound|read|feel|felt|feeling", 3],
      [
        "if|whether * * angry|mad|upset|happy|annoyed|rude|friendly|pissed|sad|frustrated|disappointed|satisfied|complaining|polite|nice|mean|positive|negative|harsh|aggressive|sarcastic|hostile|pushy|blunt|cold|tilted|salty|heated|cheerful|stressed|worried|upbeat",
        3,
      ],
      ["complain|complaining|complaint", 2.5],
      // "is she happy with the order?", "was jake tilted": how someone felt, as their words tell.
      [
        "be * he|she|they|customer|client|caller|boss|landlord|teacher|manager * angry|mad|annoyed|upset|happy|pissed|satisfied|pleased|frustrated|disappointed|tilted|salty|heated|pressed|sarcastic|cross|serious|joking|kidding|stressed|worried|nervous|anxious|scared|cheerful|upbeat|calm",
        2.5,
      ],
      ["if|whether * he|she|they|customer|client|guest|caller|boss * like|love|hate|enjoy", 3],
      ["sarcasm|sarcastic", 2.5],
      ["bad|good news", 3],
      // "tell me if it's a bad night or not": good or bad, of what the words tell.
      ["if|whether * * * bad|good|rough|great|terrible * or not", 3],
      ["passive aggressive", 3.5],
      ["too|very|bit|little|kinda|overly * harsh|blunt|rude|cold|aggressive|pushy|negative|positive", 3],
      ["positiv|negativ|stimmung|positivo|negativo|tono|ánimo|humeur|positif|négatif", 3],
      ["how * come across|off", 3],
      [
        "sound|seem|come * angry|mad|annoyed|upset|happy|rude|friendly|mean|polite|hostile|positive|negative|nice|sad|off|like|down|low|ok|okay|alright|fine|stressed|worried|tired|fed|depressed|excited|calm",
        2.5,
      ],
      // "want to hear how the new on-hold message sounds": how it sounds spoken, not its mood.
      ["hear how * * sound", -3],
      ["review|complaint|feedback", 1],
      ["feel|opinion|like|love|hate|think", 0.5],
    ],
  },
  {
    id: "entities",
    task: "token-classification",
    summary: "find the names of people, places and organisations in a text",
    title: "Finding names in a text (named entities)",
    offer: "the names in it",
    example: "find the names in: Ada met Alan in London",
    text: "after",
    cues: [
      ["named entity|entities", 5],
      ["entities", 4],
      [
        "find|extract|list|pull|highlight|tag * name|names|people|place|places|organization|organisation|company|companies|entity",
        3,
      ],
    ],
  },
  {
    id: "translate",
    task: "translation",
    summary: "translate a text",
    title: "Translating a text",
    offer: "a translation",
    example: "translate good morning into German",
    text: "after",
    cues: [
      ["translate|translation", 5],
      // "my translator app" is where the user takes the text, not an ask to translate it.
      ["translator", 2],
      // "i'll handle translating it myself": the user translates.
      ["translate|translating|translation * myself|ourselves", -5],
      ["what * mean in", 3],
      [
        "in|into|to english|german|french|spanish|italian|portuguese|dutch|polish|japanese|chinese|korean|arabic|russian|turkish|hindi",
        1,
      ],
    ],
  },
  {
    id: "summarize",
    task: "summarization",
    summary: "summarize a long text",
    title: "Summarizing a text",
    offer: "a summary",
    example: "summarize this article",
    text: "after",
    cues: [
      ["summarize|summarise|summary|tldr|tl;dr|recap|gist|synopsis|digest|overview", 5],
      ["sum up", 4],
      ["boil down", 4],
      ["main|key point|points|idea|ideas", 4],
      ["short|shorter version", 4],
    ],
  },
  {
    id: "speak",
    task: "text-to-speech",
    summary: "read a text aloud",
    title: "Reading a text aloud (text-to-speech)",
    offer: "it read aloud",
    example: "say: good morning",
    text: "after",
    cues: [
      ["aloud", 5],
      ["out loud", 5],
      ["read|say|tell * out|back|aloud", 4],
      ["read * to|for * me|us|her|him|them", 4],
      ["say|speak|pronounce|narrate|voiceover|announce", 3.5],
      ["text to speech", 5],
      ["tts", 5],
      ["as|into|to * audio|speech|mp3|sound|narration|podcast|voiceover|voice", 3.5],
      ["read me", 3.5],
      // "in your voice", not "what she says in the voice (note)".
      ["in|with * your|a * voice", 3],
      ["bot|robot|computer|tts|ai voice", 3],
      ["make|create|turn|give|want|generate|produce|record * audio|recording|mp3|speech|narration", 3],
      // "need a scratch VO for the edit: '…'"
      ["vo|voiceover|voice-over", 3.5],
      ["vorlesen|vorgelesen|vorspielen", 4],
      ["lies * * vor", 4],
      ["voz alta", 5],
      ["haute voix", 5],
      ["leer|decir|lire|dire|sag|sage", 2],
      ["speech", 2],
      ["i|me|we * listen|hear", 2.5],
      ["play * it|this|that|back", 2],
      ["read", 1.5],
      // "what does she say" asks what was said, not to say something; "say me if" asks to be told.
      ["what * * say", -3.5],
      ["say|tell * me * if|whether", -3.5],
      // "my screen reader just says 'image'", "the sign says": what something says is no ask to say it.
      [`it|he|she|they|reader|screen|${TEXT_BEARERS} * say`, -3.5],
      // "does this form say which district": whether a text says something.
      ["does|did * * say", -3.5],
      // "the garage says", "he only speaks german", "what Brenda said": reported speech, not an ask.
      ["says|said|saying|speaks|spoke|speaking", -3.5],
      // …but "now do one that says 'bye'" asks for another recording.
      ["one|version|recording|clip|audio|mp3|message that|which say", 3.5],
      // "client says her cat sneaks out the back": what someone said, not a text to say.
      ["says|said * out|back|aloud", -4],
      // "listen to the voice note": the recording is what to understand, not a voice to answer in.
      ["listen|hear * to * voice", -3.5],
      // "i got this as a voice note": how it came, not what to make of it.
      ["get|receive|send * * as|in * voice|audio|recording", -3.5],
      // "too scared to read it myself", "too nervous to read it properly": the user's own reading.
      ["read * myself|properly", -3.5],
      ["too * * to read|listen", -3.5],
    ],
  },
  {
    id: "draw",
    task: "text-to-image",
    summary: "generate an image from a description",
    title: "Generating an image from a description",
    offer: "a picture of it",
    example: "draw a lighthouse at sunset",
    text: "prompt",
    cues: [
      ["draw|paint|sketch|illustrate|doodle", 4],
      // "make me a picture of…" is drawing; "make this photo black and white" is editing.
      [
        "generate|create|render|design|make * a|an|me|some|new * image|picture|photo|drawing|art|artwork|illustration|logo|wallpaper|pfp|avatar|icon|poster|banner|meme|painting|portrait|sticker|emoji",
        4,
      ],
      [
        "generate|render|design * image|picture|drawing|art|artwork|illustration|logo|wallpaper|pfp|avatar|icon|poster|banner|meme|painting|portrait|sticker|emoji",
        3,
      ],
      ["picture|image|drawing|pfp|avatar|logo|wallpaper|artwork of", 1.5],
    ],
  },
  {
    id: "edit-image",
    task: "image-to-image",
    summary: "change an image by an instruction",
    title: "Editing an image",
    offer: "an edited copy of the image",
    example: "make this photo black and white",
    text: "clause",
    cues: [
      [
        "remove|erase|blur|crop|edit|retouch|enhance|upscale|colorize|colourise|restore|sharpen|brighten|recolor|photoshop|filter|replace * background|it|this|photo|picture|image|face|person|text|watermark",
        4,
      ],
      ["cut out", 3],
      ["background", 2],
      ["make|turn * it|this|that|picture|photo|image * into|look|black|cartoon|anime|painting|sketch", 3],
      ["cartoon|anime|ghibli|watercolor|watercolour", 2],
      ["pixel art", 2],
    ],
  },
  {
    id: "segment",
    task: "image-segmentation",
    summary: "split a photo into labelled regions",
    title: "Splitting a photo into regions (segmentation)",
    offer: "the regions of the photo",
    example: "segment this image",
    cues: [["segment|segmentation|mask|masks|outline", 4]],
  },
  {
    id: "depth",
    task: "depth-estimation",
    summary: "estimate the depth of a photo",
    title: "Estimating the depth of a photo",
    offer: "a depth map",
    example: "make a depth map of this photo",
    cues: [
      ["depth", 4],
      ["how far|distance", 2],
    ],
  },
  {
    id: "video",
    task: "text-to-video",
    summary: "generate a short video",
    title: "Generating a video",
    offer: "a video of it",
    example: "make a short video of waves on a beach",
    text: "prompt",
    cues: [["generate|create|make|render|animate * video|clip|animation|gif|movie", 4]],
  },
  {
    id: "write",
    task: "text-generation",
    summary: "write a text from a prompt",
    title: "Writing a text from a prompt (text generation)",
    offer: "a text written for you",
    example: "write a haiku about autumn",
    text: "clause",
    cues: [
      [
        "write|compose|draft|generate|create|make * poem|story|essay|email|mail|script|code|message|reply|joke|song|lyrics|bio|tweet|post|letter|speech|caption|paragraph|summary|haiku|limerick|answer|response|list|plan|recipe|program|function|excuse",
        4,
      ],
      ["come up with", 3],
      ["tell * joke|story", 4],
      ["poem|haiku|limerick|lyrics|essay|story", 2],
      ["write|compose|draft", 2],
      ["rewrite|paraphrase|reword|fix|correct|proofread|improve", 3],
      // "can't read dr lim's writing": a text to read, not one to write.
      ["read|decipher * * writing|handwriting", -3],
      ["recipe|recipes", 3],
    ],
  },
  {
    // The safety classifier judges whether a picture is fit to share, not whether a thing in it is
    // safe: "is this mushroom safe to eat?" must not be answered "safe".
    id: "judge-thing",
    summary: "judge whether something in a photo is safe to eat, touch or use, or what it is worth",
    title: "Judging whether something is safe to eat, touch or use, or what it is worth",
    offer: "a judgement of the thing itself",
    example: "is this mushroom safe to eat?",
    cues: [
      [
        "safe|ok|okay|fine|dangerous|harmful * to|for * eat|drink|touch|swallow|pick|drive|ride|swim|climb|pet|handle|wear|take|consume|cook",
        5,
      ],
      ["edible|poisonous|toxic|venomous|expired|spoiled|rotten", 4],
      ["how much * be * worth", 4],
      ["worth|appraise|appraisal|resale", 2.5],
    ],
  },
  {
    id: "solve",
    summary: "solve a problem, answer a general question or write code",
    title: "Solving problems and answering general questions",
    offer: "an answer",
    example: "solve this equation",
    cues: [
      ["solve|calculate|compute|integral|equation|derivative|math|maths|homework|proof", 4],
      // Arithmetic on a document's figures, marking work, fixing code: reading the figures is not it.
      ["calculate|compute * tip|percent|percentage|split|average|interest|per", 7],
      ["work|figure out * tip|percent|percentage|split|average|interest|per", 7],
      ["grade|mark * worksheet|homework|test|exam|quiz|essay|paper|answer|answers|assignment", 6],
      ["fix|debug * bug|code|error|function|script|program", 6],
      ["bug|debug|code|coding|programming|compiler|syntax", 2],
      // "what grade would u give this problem", "what does 'Schadenfreude' mean", "speak japanese with me".
      ["grade|rating|rate|score * give", 6],
      ["what * * mean|meaning", 4],
      ["define|definition", 4],
      // Editing a document or a recording: "redact the SSN", "fill out this form", "clip the best 30 sec".
      ["redact|censor", 5],
      ["fill out|in", 5],
      ["clip|trim|cut * best|out|sec|secs|seconds|minute|minutes|bit|part", 4],
      ["compare * version|versions|draft|drafts|copy|copies", 5],
      ["speak|talk|chat|practice|practise * with * me|us", 5],
      ["weather|forecast|score", 3],
      ["who win", 3],
      ["recommend|suggest|advice|advise|explain|teach", 3],
      ["help me understand", 3],
      ["music|song|beat|melody|tune|playlist|lofi", 2.5],
      // "are we flat in the second verse?": how music sounds is no sentiment of words.
      [
        "flat|sharp|pitch|tempo|harmony|harmonies|singing|choir|soprano|sopranos|alto|altos|tenor|verse|chorus|vocals",
        3,
      ],
      ["remind|reminder|timer|alarm", 2.5],
      ["schedule|book|order|buy * a|an|me|us|the|some|ticket|tickets|table|flight|pizza|taxi|cab", 2.5],
    ],
  },
];
