/**
 * The built-in catalog: what the bot offers when the Hub cannot be asked (offline, `live: false`, an
 * outage), and where Hub entries without a description borrow one from.
 *
 * Every id is a real model on the Hugging Face Hub. Downloads and likes are rounded figures of the
 * order the Hub showed when the list was written: they only need to rank the models of one task the
 * way the Hub does, and they age, which is why the live listing is preferred whenever it answers.
 * The list favours general-purpose models: a very popular specialist (a table detector, an NSFW
 * filter) would otherwise top a task it only covers in part whenever the top model is taken blindly.
 */
import type { TaskName } from "../tasks/index.js";
import { competenceFromTags } from "./competence.js";
import type { ModelInfo } from "./types.js";

interface Entry {
  id: string;
  downloads: number;
  likes: number;
  tags: readonly string[];
  description: string;
}

const e = (
  id: string,
  downloads: number,
  likes: number,
  tags: readonly string[],
  description: string,
): Entry => ({ id, downloads, likes, tags, description });

// A Record over TaskName, so that a task added to the registry without models fails to compile.
const BUILTIN: Readonly<Record<TaskName, readonly Entry[]>> = {
  "text-classification": [
    e(
      "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
      3_800_000,
      800,
      ["en", "sentiment", "distilbert"],
      "Fast English sentiment classifier: positive or negative.",
    ),
    e(
      "cardiffnlp/twitter-roberta-base-sentiment-latest",
      2_100_000,
      720,
      ["en", "sentiment", "social-media", "roberta"],
      "English sentiment (negative, neutral, positive) tuned on tweets; good for informal text.",
    ),
    e(
      "ProsusAI/finbert",
      1_200_000,
      950,
      ["en", "sentiment", "finance", "bert"],
      "Sentiment of financial news and reports: positive, negative or neutral.",
    ),
    e(
      "papluca/xlm-roberta-base-language-detection",
      900_000,
      330,
      ["multilingual", "language-identification", "xlm-roberta"],
      "Tells which of 20 languages a text is written in.",
    ),
    e(
      "j-hartmann/emotion-english-distilroberta-base",
      700_000,
      420,
      ["en", "emotion", "distilroberta"],
      "Detects emotions in English text: joy, sadness, anger, fear, surprise, disgust or neutral.",
    ),
  ],
  "token-classification": [
    e(
      "dslim/bert-base-NER",
      2_300_000,
      620,
      ["en", "ner", "conll2003", "bert"],
      "Finds people, organisations, locations and misc entities in English text.",
    ),
    e(
      "dbmdz/bert-large-cased-finetuned-conll03-english",
      1_100_000,
      80,
      ["en", "ner", "conll2003", "bert"],
      "Larger English named-entity tagger, the classic default of the transformers NER pipeline.",
    ),
    e(
      "Davlan/distilbert-base-multilingual-cased-ner-hrl",
      600_000,
      90,
      ["multilingual", "ner", "distilbert"],
      "Named entities in ten high-resource languages (Arabic, German, English, Spanish, French, Chinese, ...).",
    ),
    e(
      "FacebookAI/xlm-roberta-large-finetuned-conll03-english",
      250_000,
      160,
      ["en", "ner", "conll2003", "xlm-roberta"],
      "Accurate English entity tagger on a large multilingual backbone.",
    ),
    e(
      "dslim/bert-large-NER",
      200_000,
      150,
      ["en", "ner", "conll2003", "bert"],
      "Large variant of bert-base-NER: slower, slightly more accurate on English entities.",
    ),
  ],
  "text2text-generation": [
    e(
      "google/flan-t5-base",
      1_200_000,
      900,
      ["en", "instruction-tuned", "t5"],
      "Small instruction-following model: rewrites, answers and summarizes by a short instruction.",
    ),
    e(
      "google/flan-t5-small",
      850_000,
      380,
      ["en", "instruction-tuned", "t5"],
      "Tiny, very fast instruction model for simple rewriting and short answers.",
    ),
    e(
      "google/flan-t5-large",
      650_000,
      820,
      ["en", "instruction-tuned", "t5"],
      "Mid-size instruction model: better instruction following than flan-t5-base.",
    ),
    e(
      "google/flan-t5-xl",
      220_000,
      500,
      ["en", "instruction-tuned", "t5"],
      "Largest commonly used FLAN-T5 size for harder rewriting and reasoning prompts.",
    ),
    e(
      "humarin/chatgpt_paraphraser_on_T5_base",
      90_000,
      210,
      ["en", "paraphrase", "t5"],
      "Paraphrases English sentences into several alternative wordings.",
    ),
  ],
  summarization: [
    e(
      "facebook/bart-large-cnn",
      2_500_000,
      1_400,
      ["en", "news", "bart"],
      "Strong English summarizer of news-style articles into a few sentences.",
    ),
    e(
      "sshleifer/distilbart-cnn-12-6",
      700_000,
      300,
      ["en", "news", "bart", "distilled"],
      "Distilled BART summarizer: faster than bart-large-cnn with similar quality.",
    ),
    e(
      "philschmid/bart-large-cnn-samsum",
      220_000,
      270,
      ["en", "dialogue", "bart"],
      "Summarizes chat and meeting dialogues rather than articles.",
    ),
    e(
      "google/pegasus-xsum",
      150_000,
      200,
      ["en", "extreme-summarization", "pegasus"],
      "Condenses an English text into a single-sentence summary.",
    ),
    e(
      "Falconsai/text_summarization",
      100_000,
      250,
      ["en", "t5"],
      "Light T5 summarizer for short to medium English texts.",
    ),
  ],
  translation: [
    e(
      "google-t5/t5-base",
      2_000_000,
      700,
      ["en", "de", "fr", "ro", "en→de", "en→fr", "en→ro", "t5"],
      "General T5 model that translates English into German, French or Romanian (en→de, en→fr, en→ro).",
    ),
    e(
      "Helsinki-NLP/opus-mt-en-de",
      600_000,
      50,
      ["en", "de", "en→de", "marian"],
      "Fast English to German translation (en→de only).",
    ),
    e(
      "Helsinki-NLP/opus-mt-en-es",
      450_000,
      40,
      ["en", "es", "en→es", "marian"],
      "Fast English to Spanish translation (en→es only).",
    ),
    e(
      "Helsinki-NLP/opus-mt-de-en",
      400_000,
      40,
      ["de", "en", "de→en", "marian"],
      "Fast German to English translation (de→en only).",
    ),
    e(
      "Helsinki-NLP/opus-mt-en-fr",
      350_000,
      50,
      ["en", "fr", "en→fr", "marian"],
      "Fast English to French translation (en→fr only).",
    ),
    e(
      "facebook/nllb-200-distilled-600M",
      300_000,
      700,
      ["multilingual", "any→any", "nllb"],
      "Translates between any two of 200 languages; set the source and target language codes.",
    ),
    e(
      "Helsinki-NLP/opus-mt-zh-en",
      250_000,
      500,
      ["zh", "en", "zh→en", "marian"],
      "Chinese to English translation (zh→en only).",
    ),
  ],
  "question-answering": [
    e(
      "deepset/roberta-base-squad2",
      1_000_000,
      900,
      ["en", "extractive", "squad2", "roberta"],
      "Finds the answer span in an English context and can say when there is no answer.",
    ),
    e(
      "distilbert/distilbert-base-cased-distilled-squad",
      400_000,
      250,
      ["en", "extractive", "squad", "distilbert"],
      "Small, fast extractive question answering over English text.",
    ),
    e(
      "google-bert/bert-large-uncased-whole-word-masking-finetuned-squad",
      300_000,
      200,
      ["en", "extractive", "squad", "bert"],
      "Large BERT reader: accurate answer spans from English passages, slower.",
    ),
    e(
      "deepset/tinyroberta-squad2",
      120_000,
      110,
      ["en", "extractive", "squad2", "roberta", "distilled"],
      "Distilled roberta-base-squad2: about twice as fast with close accuracy.",
    ),
    e(
      "deepset/xlm-roberta-large-squad2",
      90_000,
      60,
      ["multilingual", "extractive", "squad2", "xlm-roberta"],
      "Extractive question answering in many languages.",
    ),
  ],
  conversational: [
    e(
      "meta-llama/Llama-3.1-8B-Instruct",
      5_500_000,
      4_600,
      ["chat", "multilingual", "llama", "conversational"],
      "Meta's 8B chat model: a good general assistant with a 128k context.",
    ),
    e(
      "Qwen/Qwen2.5-7B-Instruct",
      3_200_000,
      850,
      ["chat", "multilingual", "qwen", "conversational"],
      "Capable 7B multilingual chat model, strong at coding, maths and structured answers.",
    ),
    e(
      "meta-llama/Llama-3.2-3B-Instruct",
      1_600_000,
      1_700,
      ["chat", "multilingual", "llama", "conversational"],
      "Small, fast Llama chat model for short conversations.",
    ),
    e(
      "mistralai/Mistral-7B-Instruct-v0.3",
      1_100_000,
      1_900,
      ["chat", "en", "mistral", "conversational"],
      "Mistral's 7B instruction model: concise, fluent chat replies.",
    ),
    e(
      "google/gemma-2-2b-it",
      400_000,
      1_100,
      ["chat", "en", "gemma", "conversational"],
      "Google's compact 2B chat model, quick for light conversation.",
    ),
  ],
  "text-generation": [
    e(
      "openai/gpt-oss-20b",
      4_500_000,
      3_800,
      ["chat", "reasoning", "gpt-oss", "conversational"],
      "OpenAI's open-weight 21B mixture-of-experts model with adjustable reasoning effort.",
    ),
    e(
      "Qwen/Qwen3-8B",
      2_000_000,
      750,
      ["chat", "multilingual", "reasoning", "qwen", "conversational"],
      "Qwen3 8B: switches between step-by-step thinking and quick replies; many languages.",
    ),
    e(
      "meta-llama/Llama-3.3-70B-Instruct",
      700_000,
      2_500,
      ["chat", "multilingual", "llama", "conversational"],
      "Meta's 70B instruction model: high-quality long-form writing and reasoning.",
    ),
    e(
      "deepseek-ai/DeepSeek-R1",
      500_000,
      12_500,
      ["chat", "reasoning", "deepseek", "conversational"],
      "Large reasoning model that thinks before it answers; strong at maths and code.",
    ),
    e(
      "HuggingFaceTB/SmolLM3-3B",
      80_000,
      700,
      ["chat", "multilingual", "reasoning", "smollm", "conversational"],
      "Small open 3B model with an optional reasoning mode, cheap to run.",
    ),
  ],
  "sentence-similarity": [
    e(
      "sentence-transformers/all-MiniLM-L6-v2",
      85_000_000,
      3_500,
      ["en", "embeddings", "sentence-transformers"],
      "Small, fast English sentence embeddings; the usual default for semantic similarity.",
    ),
    e(
      "sentence-transformers/all-mpnet-base-v2",
      18_000_000,
      1_100,
      ["en", "embeddings", "sentence-transformers"],
      "Higher-quality English sentence embeddings than MiniLM, a little slower.",
    ),
    e(
      "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2",
      9_000_000,
      950,
      ["multilingual", "embeddings", "sentence-transformers"],
      "Sentence embeddings for 50+ languages; compares sentences across languages.",
    ),
    e(
      "BAAI/bge-m3",
      7_000_000,
      2_300,
      ["multilingual", "embeddings", "long-context"],
      "Multilingual embeddings for texts up to 8k tokens, strong for retrieval.",
    ),
    e(
      "sentence-transformers/all-MiniLM-L12-v2",
      3_000_000,
      250,
      ["en", "embeddings", "sentence-transformers"],
      "Deeper MiniLM variant: a bit more accurate English similarity, still fast.",
    ),
  ],
  "tabular-classification": [
    e(
      "Prior-Labs/TabPFN-v2-clf",
      200_000,
      150,
      ["tabpfn", "foundation-model"],
      "Pretrained classifier for small tables: predicts classes without task-specific training.",
    ),
    e(
      "julien-c/wine-quality",
      500,
      20,
      ["sklearn", "wine-quality"],
      "Scikit-learn demo that grades wine quality from its chemical measurements.",
    ),
    e(
      "abhishek/autotrain-adult-census-xgboost",
      300,
      5,
      ["xgboost", "census", "autotrain"],
      "XGBoost model that predicts from census rows whether income exceeds 50k.",
    ),
    e(
      "keras-io/tab_transformer",
      50,
      20,
      ["keras", "census"],
      "Keras TabTransformer example classifying census income rows.",
    ),
  ],
  "object-detection": [
    e(
      "facebook/detr-resnet-50",
      800_000,
      900,
      ["coco", "detr", "transformers"],
      "Detects the 80 everyday COCO object classes with boxes and scores; a solid default.",
    ),
    e(
      "hustvl/yolos-tiny",
      150_000,
      270,
      ["coco", "yolos", "transformers"],
      "Very small, fast COCO detector; fine for clear, large objects.",
    ),
    e(
      "PekingU/rtdetr_r50vd",
      100_000,
      50,
      ["coco", "rt-detr", "real-time"],
      "Real-time DETR detector: quick and accurate on COCO classes.",
    ),
    e(
      "facebook/detr-resnet-101",
      80_000,
      120,
      ["coco", "detr", "transformers"],
      "Bigger DETR backbone: more accurate COCO detection, slower.",
    ),
    e(
      "hustvl/yolos-small",
      30_000,
      60,
      ["coco", "yolos", "transformers"],
      "Small YOLOS detector, more accurate than yolos-tiny.",
    ),
  ],
  "image-classification": [
    e(
      "google/vit-base-patch16-224",
      3_000_000,
      850,
      ["imagenet", "vit"],
      "Vision Transformer that labels images with the 1,000 ImageNet classes.",
    ),
    e(
      "microsoft/resnet-50",
      500_000,
      420,
      ["imagenet", "resnet", "cnn"],
      "Classic ResNet-50 ImageNet classifier: fast and dependable.",
    ),
    e(
      "microsoft/beit-base-patch16-224-pt22k-ft22k",
      150_000,
      80,
      ["imagenet-22k", "beit"],
      "Labels images with about 22,000 fine-grained ImageNet-22k classes.",
    ),
    e(
      "microsoft/swin-tiny-patch4-window7-224",
      100_000,
      40,
      ["imagenet", "swin"],
      "Compact Swin Transformer ImageNet classifier.",
    ),
    e(
      "facebook/convnext-tiny-224",
      60_000,
      30,
      ["imagenet", "convnext", "cnn"],
      "Modern ConvNet ImageNet classifier, small and accurate.",
    ),
  ],
  "image-to-text": [
    e(
      "Salesforce/blip-image-captioning-large",
      1_500_000,
      1_300,
      ["captioning", "en", "blip"],
      "Writes a detailed one-sentence English caption for a photo.",
    ),
    e(
      "Salesforce/blip-image-captioning-base",
      1_000_000,
      700,
      ["captioning", "en", "blip"],
      "Faster BLIP captioner with slightly shorter captions.",
    ),
    e(
      "nlpconnect/vit-gpt2-image-captioning",
      300_000,
      900,
      ["captioning", "en", "vit", "gpt2"],
      "Simple ViT + GPT-2 captioner: short captions of everyday scenes.",
    ),
    e(
      "microsoft/trocr-base-handwritten",
      250_000,
      400,
      ["ocr", "handwriting", "en", "trocr"],
      "Reads a single line of handwritten English text from an image.",
    ),
    e(
      "microsoft/trocr-base-printed",
      200_000,
      200,
      ["ocr", "printed-text", "en", "trocr"],
      "Reads a single line of printed text from an image.",
    ),
  ],
  "image-to-image": [
    e(
      "stabilityai/stable-diffusion-xl-refiner-1.0",
      600_000,
      1_900,
      ["diffusers", "sdxl", "refiner"],
      "Refines and re-renders an image with SDXL guided by a prompt.",
    ),
    e(
      "black-forest-labs/FLUX.1-Kontext-dev",
      350_000,
      2_500,
      ["diffusers", "flux", "image-editing"],
      "Edits an image by a plain-language instruction while keeping the rest intact.",
    ),
    e(
      "Qwen/Qwen-Image-Edit",
      150_000,
      1_800,
      ["diffusers", "image-editing", "text-rendering"],
      "Instruction-based image editing, good at changing text inside images.",
    ),
    e(
      "timbrooks/instruct-pix2pix",
      90_000,
      1_100,
      ["diffusers", "image-editing", "stable-diffusion"],
      "Applies an edit instruction such as 'make it winter' to a picture.",
    ),
    e(
      "caidas/swin2SR-classical-sr-x2-64",
      15_000,
      10,
      ["super-resolution", "upscaling", "swin2sr"],
      "Upscales an image to twice its size with sharper detail.",
    ),
  ],
  "text-to-image": [
    e(
      "stabilityai/stable-diffusion-xl-base-1.0",
      2_200_000,
      6_800,
      ["diffusers", "sdxl", "stable-diffusion"],
      "SDXL: versatile 1024px images from a prompt, many styles.",
    ),
    e(
      "black-forest-labs/FLUX.1-dev",
      1_600_000,
      11_000,
      ["diffusers", "flux"],
      "High-quality, prompt-faithful images; handles text in images well.",
    ),
    e(
      "stable-diffusion-v1-5/stable-diffusion-v1-5",
      1_200_000,
      600,
      ["diffusers", "stable-diffusion"],
      "Classic 512px Stable Diffusion: fast and widely fine-tuned.",
    ),
    e(
      "black-forest-labs/FLUX.1-schnell",
      600_000,
      4_300,
      ["diffusers", "flux", "few-step"],
      "Fast few-step FLUX variant for quick drafts.",
    ),
    e(
      "stabilityai/stable-diffusion-3.5-large",
      120_000,
      3_000,
      ["diffusers", "stable-diffusion", "sd3"],
      "Stable Diffusion 3.5 Large: detailed images with good prompt adherence.",
    ),
  ],
  "image-segmentation": [
    e(
      "CIDAS/clipseg-rd64-refined",
      900_000,
      120,
      ["clipseg", "text-prompted"],
      "Segments whatever a short text prompt names, e.g. 'the dog'.",
    ),
    e(
      "nvidia/segformer-b0-finetuned-ade-512-512",
      350_000,
      170,
      ["ade20k", "semantic", "segformer"],
      "Light semantic segmentation of scenes into 150 ADE20K classes.",
    ),
    e(
      "briaai/RMBG-1.4",
      300_000,
      1_800,
      ["background-removal", "foreground"],
      "Separates the foreground subject from the background.",
    ),
    e(
      "facebook/mask2former-swin-large-coco-panoptic",
      60_000,
      30,
      ["coco", "panoptic", "mask2former"],
      "Panoptic segmentation: a mask and label for every object and region (COCO classes).",
    ),
    e(
      "facebook/detr-resnet-50-panoptic",
      25_000,
      120,
      ["coco", "panoptic", "detr"],
      "DETR panoptic segmentation of everyday scenes.",
    ),
  ],
  "depth-estimation": [
    e(
      "Intel/dpt-large",
      450_000,
      190,
      ["dpt", "monocular-depth"],
      "Dense depth map from a single image with a DPT transformer.",
    ),
    e(
      "depth-anything/Depth-Anything-V2-Small-hf",
      400_000,
      60,
      ["depth-anything", "monocular-depth"],
      "Small Depth Anything V2: fast, detailed relative depth for any scene.",
    ),
    e(
      "Intel/dpt-hybrid-midas",
      120_000,
      95,
      ["dpt", "midas", "monocular-depth"],
      "MiDaS-style hybrid DPT depth estimator, lighter than dpt-large.",
    ),
    e(
      "depth-anything/Depth-Anything-V2-Large-hf",
      60_000,
      50,
      ["depth-anything", "monocular-depth"],
      "Large Depth Anything V2: the sharpest depth maps, slower.",
    ),
    e(
      "vinvino02/glpn-nyu",
      20_000,
      10,
      ["glpn", "indoor", "nyu-depth"],
      "Depth estimation tuned on indoor rooms (NYU Depth v2).",
    ),
  ],
  "visual-question-answering": [
    e(
      "dandelin/vilt-b32-finetuned-vqa",
      180_000,
      420,
      ["vqa", "vilt", "en"],
      "Answers short questions about an image with a word or two.",
    ),
    e(
      "Salesforce/blip-vqa-base",
      150_000,
      150,
      ["vqa", "blip", "en"],
      "BLIP visual question answering: short free-form answers about a photo.",
    ),
    e(
      "Salesforce/blip-vqa-capfilt-large",
      40_000,
      50,
      ["vqa", "blip", "en"],
      "Larger BLIP VQA model, better on harder questions.",
    ),
    e(
      "microsoft/git-base-vqav2",
      6_000,
      20,
      ["vqa", "git", "en"],
      "GIT model answering questions about images (VQAv2).",
    ),
  ],
  "document-question-answering": [
    e(
      "impira/layoutlm-document-qa",
      100_000,
      1_100,
      ["layoutlm", "docvqa", "en"],
      "Answers questions about scanned documents and forms using text and layout.",
    ),
    e(
      "naver-clova-ix/donut-base-finetuned-docvqa",
      40_000,
      210,
      ["donut", "docvqa", "ocr-free"],
      "Reads a document image directly, without OCR, to answer questions.",
    ),
    e(
      "impira/layoutlm-invoices",
      10_000,
      180,
      ["layoutlm", "invoices", "en"],
      "Extracts answers such as totals and due dates from invoices and receipts.",
    ),
    e(
      "tiennvcs/layoutlmv2-base-uncased-finetuned-docvqa",
      5_000,
      15,
      ["layoutlmv2", "docvqa", "en"],
      "LayoutLMv2 document question answering on DocVQA-style pages.",
    ),
  ],
  "text-to-video": [
    e(
      "Lightricks/LTX-Video",
      120_000,
      1_800,
      ["diffusers", "ltx-video"],
      "Fast text-to-video generating short clips at good resolution.",
    ),
    e(
      "Wan-AI/Wan2.1-T2V-14B",
      40_000,
      1_400,
      ["diffusers", "wan", "video"],
      "Large Wan 2.1 video model: high-quality clips with coherent motion.",
    ),
    e(
      "ali-vilab/text-to-video-ms-1.7b",
      30_000,
      620,
      ["diffusers", "modelscope", "video"],
      "ModelScope text-to-video: short low-resolution clips, light to run.",
    ),
    e(
      "THUDM/CogVideoX-5b",
      25_000,
      650,
      ["diffusers", "cogvideox", "video"],
      "CogVideoX 5B: six-second clips that follow detailed prompts.",
    ),
    e(
      "tencent/HunyuanVideo",
      5_000,
      2_000,
      ["hunyuan", "video"],
      "Tencent's large video model: cinematic, high-fidelity clips.",
    ),
  ],
  "text-to-speech": [
    e(
      "hexgrad/Kokoro-82M",
      1_800_000,
      4_800,
      ["en", "multilingual", "kokoro"],
      "Tiny, fast speech synthesis with natural voices.",
    ),
    e(
      "coqui/XTTS-v2",
      1_500_000,
      2_800,
      ["multilingual", "voice-cloning", "xtts"],
      "Multilingual speech that can mimic a voice from a short sample.",
    ),
    e(
      "facebook/mms-tts-eng",
      250_000,
      200,
      ["en", "vits", "mms"],
      "Light English text-to-speech from Meta's Massively Multilingual Speech project.",
    ),
    e(
      "microsoft/speecht5_tts",
      120_000,
      750,
      ["en", "speecht5"],
      "English speech synthesis with selectable speaker voices.",
    ),
    e(
      "suno/bark",
      40_000,
      1_400,
      ["multilingual", "bark"],
      "Expressive speech with laughs and pauses; can also hum simple music.",
    ),
  ],
  "automatic-speech-recognition": [
    e(
      "openai/whisper-large-v3",
      5_000_000,
      5_000,
      ["multilingual", "whisper"],
      "Accurate transcription in about 100 languages; detects the language itself.",
    ),
    e(
      "openai/whisper-large-v3-turbo",
      4_000_000,
      2_500,
      ["multilingual", "whisper"],
      "Much faster Whisper with nearly the accuracy of large-v3.",
    ),
    e(
      "jonatasgrosman/wav2vec2-large-xlsr-53-english",
      2_000_000,
      500,
      ["en", "wav2vec2"],
      "English-only wav2vec2 transcription, light and fast.",
    ),
    e(
      "openai/whisper-small",
      1_500_000,
      400,
      ["multilingual", "whisper"],
      "Small multilingual Whisper: quick transcription of clear speech.",
    ),
    e(
      "facebook/wav2vec2-base-960h",
      900_000,
      350,
      ["en", "wav2vec2", "librispeech"],
      "Classic English wav2vec2 recognizer for clean read speech.",
    ),
    e(
      "nvidia/parakeet-tdt-0.6b-v2",
      600_000,
      1_300,
      ["en", "nemo", "parakeet"],
      "Fast, accurate English transcription with punctuation and timestamps.",
    ),
  ],
  "audio-to-audio": [
    e(
      "speechbrain/metricgan-plus-voicebank",
      6_000,
      70,
      ["speech-enhancement", "denoising", "speechbrain"],
      "Removes background noise from a speech recording.",
    ),
    e(
      "speechbrain/sepformer-wham16k-enhancement",
      5_000,
      25,
      ["speech-enhancement", "denoising", "speechbrain"],
      "Cleans noisy 16 kHz speech with a SepFormer model.",
    ),
    e(
      "JorisCos/DCCRNet_Libri1Mix_enhsingle_16k",
      4_000,
      10,
      ["speech-enhancement", "asteroid"],
      "Enhances a single speaker's voice in a noisy mix.",
    ),
    e(
      "speechbrain/sepformer-wsj02mix",
      3_000,
      65,
      ["source-separation", "speechbrain"],
      "Separates two overlapping speakers into two recordings.",
    ),
    e(
      "microsoft/speecht5_vc",
      2_000,
      80,
      ["voice-conversion", "speecht5"],
      "Converts speech to sound like another speaker.",
    ),
  ],
  "audio-classification": [
    e(
      "MIT/ast-finetuned-audioset-10-10-0.4593",
      1_500_000,
      330,
      ["audioset", "sound-events", "ast"],
      "Labels sounds with the 527 AudioSet classes (music, speech, dog bark, siren, ...).",
    ),
    e(
      "ehcalabres/wav2vec2-lg-xlsr-en-speech-emotion-recognition",
      120_000,
      220,
      ["en", "emotion", "wav2vec2"],
      "Recognizes the emotion in English speech (angry, calm, happy, sad, ...).",
    ),
    e(
      "speechbrain/lang-id-voxlingua107-ecapa",
      90_000,
      110,
      ["language-identification", "speechbrain"],
      "Identifies which of 107 languages is spoken.",
    ),
    e(
      "superb/hubert-large-superb-er",
      40_000,
      25,
      ["emotion", "hubert", "superb"],
      "Classifies speech emotion into four classes with HuBERT.",
    ),
    e(
      "audeering/wav2vec2-large-robust-12-ft-emotion-msp-dim",
      30_000,
      110,
      ["emotion", "arousal-valence", "wav2vec2"],
      "Scores arousal, dominance and valence of a speaker's voice.",
    ),
  ],
};

/** Most downloaded first, then most liked, then by id, so that equal counts still order stably. */
export function compareByDownloads(a: ModelInfo, b: ModelInfo): number {
  return b.downloads - a.downloads || b.likes - a.likes || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function toInfo(task: TaskName, entry: Entry): ModelInfo {
  const competence = competenceFromTags(task, entry.tags);
  return { ...entry, task, tags: [...entry.tags], providers: [], ...(competence ? { competence } : {}) };
}

/** The built-in models of a task, most downloaded first. A fresh array each call: callers may sort or cut it. */
export function builtinModels(task: TaskName): ModelInfo[] {
  return (BUILTIN[task] ?? []).map((entry) => toInfo(task, entry)).sort(compareByDownloads);
}

// The Hub treats repository ids case-insensitively, and so does matching a Hub entry to ours.
function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * The built-in entry with this id: for the given task first (a model can serve several tasks with
 * different descriptions), then for any task.
 */
export function findBuiltin(id: string, task?: TaskName): ModelInfo | undefined {
  if (task) {
    const entry = BUILTIN[task]?.find((candidate) => sameId(candidate.id, id));
    if (entry) return toInfo(task, entry);
  }
  for (const [name, entries] of Object.entries(BUILTIN) as [TaskName, readonly Entry[]][]) {
    const entry = entries.find((candidate) => sameId(candidate.id, id));
    if (entry) return toInfo(name, entry);
  }
  return undefined;
}
