/* The semio command: a table of subcommands, as git's builtins. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* ask's help is longer than the 4095 characters C17 promises for one string literal; GCC
 * and Clang take any length */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverlength-strings"
static const Command commands[] = {
    { "help", cmd_help, "show help for semio or one command",
      "usage: semio help [COMMAND]\n" },
    { "version", cmd_version, "print the version and the optional parts built in",
      "usage: semio version\n"
      "\n"
      "Lists the optional parts (meson features) this semio was built with and, for each one\n"
      "it was built without, what it gives and what building it takes; where the in-process\n"
      "engine is built in, llama.cpp's version and the devices its backends find.\n" },
    { "run", cmd_run, "run the whole pipeline from a config file",
      "usage: semio run CONFIG [--from STAGE] [--only STAGE]\n"
      "\n"
      "Runs ingest -> segment -> sample -> enhance -> ask (one run per [ask NAME]\n"
      "section) -> export -> eval -> report as CONFIG says (an INI file; see\n"
      "examples/phantom.ini). Every stage is resumable: running again does only what is\n"
      "missing. Relative paths in CONFIG are relative to CONFIG's folder.\n"
      "\n"
      "  --only STAGE   run one stage (phantom, ingest, segment, sample, enhance, ask,\n"
      "                 export, eval, report)\n"
      "  --from STAGE   start at STAGE\n" },
    { "phantom", cmd_phantom, "render a phantom study with known ground truth",
      "usage: semio phantom -o DIR [--videos N] [--patients P] [--seed S]\n"
      "                     [--size WxH] [--seconds T] [--fps F] [--threads J]\n"
      "                     [--no-keypoints]\n"
      "\n"
      "Renders N recordings (default 12, 1920x1080, 30 s, 30 fps, H.264 + AAC mono\n"
      "44.1 kHz) of a figure in a bed playing scripted seizure episodes: tonic-clonic,\n"
      "focal with automatisms, hypermotor, focal motor and functional (non-epileptic)\n"
      "ones, some starting in sleep under infrared light, with a nurse who asks\n"
      "questions, a blanket, a fan, a monitor and camera noise. Writes DIR/labels.csv\n"
      "(the pilot's layout, the ground truth) and per recording a folder of OpenPose\n"
      "JSON (BODY_25 + 70 face points per frame) as an external estimator would.\n"
      "Everything follows from --seed; recordings already complete are kept.\n"
      "Needs the optional part 'phantom' (cairo, espeak-ng; semio version lists them).\n" },
    { "probe", cmd_probe, "print what a recording is, as JSON",
      "usage: semio probe FILE...\n"
      "\n"
      "Prints container, codecs, exact frame count (counted from the packets), frame\n"
      "rates, rotation, duration and audio streams of each FILE as JSON.\n" },
    { "ingest", cmd_ingest, "add recordings and labels to a study",
      "usage: semio ingest --study STUDY.db [--labels LABELS.csv] [--patient-regex RE]\n"
      "                    [DIR_OR_FILE...]\n"
      "\n"
      "Probes every recording (folders are searched for video files) and stores it in\n"
      "the study, one transaction per file. Ingesting again changes nothing; a file whose\n"
      "size or modification time changed is re-probed, flagged, and its old samples are\n"
      "dropped. Labels in the pilot study's CSV layout (file_name, one column per sign\n"
      "with yes/no/empty, start_time/end_time as M:SS) go in as one transaction; rows\n"
      "whose recording is not in the study are kept as \"no file\".\n"
      "\n"
      "  --study PATH          the study database (created if missing)\n"
      "  --labels CSV          a label file to ingest\n"
      "  --patient-regex RE    POSIX extended regex whose first group is the patient id\n"
      "                        (default '^([^@]+)@': the part before the first '@')\n" },
    { "status", cmd_status, "summarize a study",
      "usage: semio status --study STUDY.db [--json] [--check]\n"
      "\n"
      "Every command checks a study quickly when it opens it and refuses a damaged one.\n"
      "--check checks it fully (SQLite's integrity_check) and lists the damage; exit 1 when\n"
      "there is any. semio recover copies what can still be read into a new study.\n" },
    { "recover", cmd_recover, "copy what a damaged study still holds into a new one",
      "usage: semio recover DAMAGED.db NEW.db\n"
      "\n"
      "Reads every row SQLite can still read from DAMAGED.db (SQLite's own recovery, the\n"
      "sqlite3 program's .recover) into NEW.db, which must not exist, checks it, and points\n"
      "NEW.cache at DAMAGED.cache so the frames and views stay where they are. The damaged\n"
      "study is left as it was. Check what came back with semio status, then move the new\n"
      "study in its place.\n" },
    { "segment", cmd_segment, "cut recordings into the windows questions are about",
      "usage: semio segment --study STUDY.db [--window SEC --overlap SEC]\n"
      "                     [--within-labels [--margin SEC]] [--name NAME]\n"
      "\n"
      "Default: one segment per whole recording (the pilot study). --window 30\n"
      "--overlap 5 gives S3-style overlapping windows. --within-labels keeps only the\n"
      "labeled seizure span (start_time..end_time, widened by --margin).\n" },
    { "sample", cmd_sample, "decode exact frames of every segment into the cache",
      "usage: semio sample --study STUDY.db [--frames N] [--fps F] [--max-pixels P]\n"
      "                    [--quality Q] [--jobs J] [--threads T] [--segments NAME]\n"
      "\n"
      "Picks N frames per segment evenly from first to last (rounded down, as the pilot\n"
      "did), or F per second capped at N, decodes exactly those frames, scales them to at\n"
      "most P pixels keeping the aspect ratio, turns them upright, and writes JPEG files\n"
      "to the study's cache with each frame's index and time recorded. Resumable.\n"
      "Several processes may sample one study at once: each takes recordings the\n"
      "others have not claimed.\n"
      "\n"
      "  --frames N       frames per segment (default 60)\n"
      "  --fps F          frames per second instead of N uniform (capped at N)\n"
      "  --max-pixels P   pixel budget per frame (default 602112)\n"
      "  --quality Q      JPEG quality 1-100 (default 90)\n"
      "  --jobs J         recordings sampled at once (default: one per core)\n"
      "  --threads T      decoder threads per recording (default: one per core, or 1\n"
      "                   with several jobs)\n"
      "  --segments NAME  segment set (default: the newest)\n" },
    { "eval", cmd_eval, "score answers against labels: the paper's metrics with CIs",
      "usage: semio eval --study STUDY.db [--run R1,R2...] [--merge any-yes|max-p|mean-p|K-of-n]\n"
      "       semio eval --labels LABELS.csv --predictions PRED.csv[,PRED2.csv...]\n"
      "       [--rules pilot|binary|strict] [--format md|csv|tex|json|pilot-csv]\n"
      "       [--resamples B] [--seed S] [--level 0.95] [--folds K] [-o FILE]\n"
      "\n"
      "With --study, the study's runs (all, or those named) are scored against its labels;\n"
      "a recording's answers over windows merge by --merge (any-yes, the pilot's rule).\n"
      "--unit patient scores one row per patient, recordings merged by --patient-merge\n"
      "max (default) or mean, as the pilot's baseline scripts did.\n"
      "\n"
      "Per sign: accuracy, precision, recall, F1, specificity, balanced accuracy, Cohen's\n"
      "kappa, support, and the rows left out and why; macro averages over all signs and\n"
      "per group; 95% confidence intervals from a bootstrap that resamples patients\n"
      "(10000 resamples, seed 1); with two runs, paired F1 differences and McNemar's\n"
      "exact test. Predictions use the pilot's layout: file_name plus a column per sign\n"
      "with yes, no, na, fail or empty; names match label rows without extension.\n"
      "\n"
      "Rules for answers that are not yes/no (unknown labels are always left out):\n"
      "  pilot   (default) as the pilot study scored them: failed answers left out, \"na\"\n"
      "          a class of its own that is never right; with an \"na\" present,\n"
      "          precision/recall/F1 are macro averages over the classes present\n"
      "  binary  \"na\" and failed answers left out; yes/no metrics\n"
      "  strict  every labeled row counts; \"na\" and failures count as wrong answers\n"
      "\n"
      "Labels may give one column per rater (SIGN@RATER): the label is their majority\n"
      "and Fleiss' kappa among them is reported. Predictions may give P(yes) in\n"
      "SIGN_prob columns: runs thresholded at 0.5 and with a threshold tuned on\n"
      "--folds K patient-stratified folds (default 3; 0 = off) are added.\n"
      "\n"
      "--format pilot-csv writes the pilot's metrics CSV (Accuracy, Precision, Recall,\n"
      "F1 Score, Positive Num per sign, three decimals).\n"
      "\n"
      "--robustness R1,R2[,...] (with --study): robustness to the wording of the questions,\n"
      "runs that asked the same windows with different prompt sets. Per sign: F1 mean,\n"
      "sample SD, min, max and range over the sets; the share of windows whose answer\n"
      "flips between sets; Fleiss' kappa with the sets as raters; consistency (mean share\n"
      "of sets agreeing with a window's majority); ranked by F1 range, then SD. Windows\n"
      "a set failed or said na on are counted apart. md, csv or json.\n" },
    { "report", cmd_report, "the evaluation as one HTML page with plots",
      "usage: semio report --study STUDY.db [--run R1,R2...] -o report.html [--title TEXT]\n"
      "       semio report --labels LABELS.csv --predictions PRED.csv[,...] -o report.html\n"
      "       [eval options]\n"
      "\n"
      "Writes one self-contained HTML file (no scripts, nothing fetched): the tables of\n"
      "semio eval, a heatmap of F1 per sign and run, F1 bars with their confidence\n"
      "intervals, confusion counts and where each run came from. Takes every option of\n"
      "semio eval (--rules, --resamples, --seed, --level, --patient-regex); with\n"
      "--robustness R1,R2,... a section on robustness to wording with each sign's F1 range.\n" },
    { "enhance", cmd_enhance, "make the views that help models (audio, pose, face)",
      "usage: semio enhance --study STUDY.db --view audio|denoise|pose|face\n"
      "                     [--segments NAME] [--suppress-db -30] [--keypoints DIR]\n"
      "                     [--sampling KEY] [--min-conf 0.1] [--face-size 448]\n"
      "                     [--face-every 4] [--no-face-turns] [--no-face-detector]\n"
      "                     [--jobs J]\n"
      "\n"
      "audio: each segment's sound as 16 kHz mono WAV (libswresample). denoise: the same\n"
      "through SpeexDSP's noise suppression (the pilot's SEGAN step). pose: the patient's\n"
      "skeleton drawn over each sampled frame from OpenPose JSON (NAME_<frame>_keypoints.json\n"
      "in DIR or DIR/NAME/, default each recording's folder; BODY_25 or COCO-18), limbs in\n"
      "fixed colors (right arm red, left arm green, right leg orange, left leg blue), points\n"
      "under --min-conf left out; the patient is the person tracked through most frames,\n"
      "ties to the one nearest the centre. Files go to the study's cache; a rerun makes\n"
      "only what is missing; what cannot be made is recorded with the reason. --jobs J\n"
      "recordings are worked on at once (default: one per core); several processes may\n"
      "enhance one study at once, each taking recordings the others have not claimed.\n"
      "face: one square crop of the patient's head per window (not a box per frame), from\n"
      "the face points of the same JSON (face_keypoints_2d; without them the body's nose,\n"
      "eyes and ears): per-frame boxes interpolated where missing, smoothed, covered by one\n"
      "box widened to the whole head, squared, clamped to the frame, scaled to --face-size.\n"
      "Recordings without keypoints get faces from the built-in detector on every\n"
      "--face-every-th sampled frame. blazeface (the default where semio was built with\n"
      "it: scripts/fetch-blazeface, then rebuild): MediaPipe's BlazeFace through ONNX\n"
      "Runtime, faces turned any way, the frame searched whole and in tiles down to faces\n"
      "of --face-min pixels. dlib (the default otherwise): dlib's HOG frontal detector,\n"
      "also searching copies turned +-45 and +-90 degrees for a patient lying in bed\n"
      "(--no-face-turns: upright only, 8x faster). Either way dlib's 68-point predictor\n"
      "(Debian's libdlib-data) places the landmarks. none: keypoints only.\n"
      "A window without a face gets no face view and the reason; ask --view face\n"
      "--fallback raw asks such windows on their raw frames.\n" },
    { "features", cmd_features, "named numbers of every segment, for the learned baselines",
      "usage: semio features --study STUDY.db [--set SETS] [--import FILE.csv]\n"
      "                      [--segments NAME] [--keypoints DIR] [--motion-fps F]\n"
      "                      [--motion-grid N] [--onnx-model FILE.onnx [--onnx-settings JSON]]\n"
      "                      [--jobs J] [--redo]\n"
      "       semio features --list\n"
      "\n"
      "SETS is a comma list of kinematic (keypoints: joint angles, speeds, rhythms, eyes,\n"
      "mouth, head), motion (frame differences per grid cell, decoded at F per second,\n"
      "default 10, on an N x N grid, default 4), sound (loudness, voicing, pitch,\n"
      "flatness, bands), import (the columns of FILE.csv: file_name, start, end, then one\n"
      "per feature) and onnx (the embedding of each window by a video network exported\n"
      "to ONNX, --onnx-model; JSON settings give its input: {\"frames\":16,\"size\":112,\n"
      "\"mean\":[R,G,B],\"std\":[R,G,B],\"layout\":\"NCTHW\"|\"NTCHW\"}, defaults the\n"
      "Kinetics-400 R3D-18's); default kinematic,motion,sound. What is stored is kept\n"
      "(resumable); --redo computes it again, and is needed when the settings change.\n"
      "A missing signal is stored as missing, never 0. --jobs J recordings are computed\n"
      "at once (default: one per core), each worker with its own decoder and network;\n"
      "the values stored are the same for any J. --list prints every feature.\n" },
    { "transcribe", cmd_transcribe, "speech to text for each segment, from a server",
      "usage: semio transcribe --study STUDY.db [--url URL --model MODEL]\n"
      "                        [--source audio|denoise] [--segments NAME]\n"
      "                        [--api-key-env VAR] [--timeout SEC] [--max-retries 5] [--max-wait 60]\n"
      "                        [--sphinx-model DIR]\n"
      "\n"
      "Without --url, offline with pocketsphinx and Debian's English model (weak: 28%\n"
      "word error rate on its LibriVox test readings; a Whisper server is far better).\n"
      "Sends each segment's audio view (semio enhance --view audio or denoise) to\n"
      "POST URL/audio/transcriptions (multipart, response_format verbose_json), as vLLM\n"
      "and SGLang serve Whisper and whisper.cpp's server does with --inference-path\n"
      "/v1/audio/transcriptions, and stores the text with its segment times. Resumable;\n"
      "failures keep their reason. semio ask --view audio --with-transcript uses them.\n" },
    { "ask", cmd_ask, "ask an engine about every segment and sign",
      "usage: semio ask --study STUDY.db --run NAME --url URL[,URL...] --model MODEL\n"
      "                 [--signs all|limb|facial|audio|LIST]\n"
      "                 [--view raw|pose|face [--fallback raw]|audio [--denoised]\n"
      "                  [--with-transcript]]\n"
      "                 [--prompts plain|clinical|describe|short|FILE[,...]]\n"
      "                 [--concurrency 8] [--dry-run] [--api-key-env VAR] [--timeout SEC]\n"
      "                 [--connect-timeout SEC] [--temperature 0] [--max-tokens 512]\n"
      "                 [--max-retries 10] [--max-wait 60] [--no-structured] [--no-logprobs]\n"
      "                 [--no-timestamps] [--extra JSON] [--segments NAME] [--sampling KEY]\n"
      "                 [--server vllm|sglang|lmdeploy|llama-server|ollama] [--preset NAME]\n"
      "                 [--mm JSON] [--image-field JSON] [--no-image-ids]\n"
      "\n"
      "Sends each segment's sampled frames (in time order, each after a short text with\n"
      "its time) and then one question per sign to POST URL/chat/completions, as vLLM,\n"
      "SGLang, LMDeploy and llama-server serve it. Several URLs are replicas: all of a\n"
      "segment's questions go to one, so its prefix cache reuses the image tokens.\n"
      "Answers are read tolerantly (code fences, prose around the JSON, Yes/true...);\n"
      "P(yes) comes from logprobs when the server gives them. What can help is tried\n"
      "again with backoff: connection errors, timeouts, 429, 502, 503, 504 (Retry-After\n"
      "honoured, up to --max-wait seconds), a 500 until it repeats itself word for word,\n"
      "unusable answers, and an answer cut off at max_tokens once with twice the tokens.\n"
      "A refusal (400, 404, 422...) is not; 401/403, or a server that says it cannot take\n"
      "the model or the pictures, stops the run naming the server and its words. After\n"
      "--max-retries the answer is stored as failed with its raw text and why, never as\n"
      "\"no\". Each answer is committed as it arrives: running the same command again\n"
      "asks only what is missing. Ctrl-C or SIGTERM stops within a second, abandoning the\n"
      "questions in flight (exit 130 or 143); a second Ctrl-C ends semio at once.\n"
      "--prompts A,B: a run per set (RUN-A, RUN-B), asked together window by window.\n"
      "--view pose sends semio enhance's skeleton overlays instead of the raw frames.\n"
      "--view audio sends each segment's WAV (semio enhance --view audio, or denoise with\n"
      "--denoised) as input_audio with the questions about the two audio signs;\n"
      "--with-transcript adds the window's transcript (semio transcribe) to the question.\n"
      "The API key is read from the environment variable (default OPENAI_API_KEY) and\n"
      "never stored. --dry-run counts requests, images, bytes and image tokens.\n"
      "--server names the server's profile, which puts what the common API has no field\n"
      "for where that server reads it: --mm (image processing settings, a JSON object\n"
      "such as InternVL's {\"max_dynamic_patch\": 1} or Qwen2.5-VL's {\"max_pixels\": N})\n"
      "goes to vLLM as mm_processor_kwargs and to LMDeploy beside each image's url; the\n"
      "others take such settings only where the server starts, so --mm is refused there.\n"
      "--image-field adds a JSON object's fields beside every image's url. vLLM gets each\n"
      "picture's SHA-256 as its uuid and skips hashing it (--no-image-ids: not sent).\n"
      "--preset qwen2.5-vl-32b (vLLM, 602112 pixels a frame) or internvl3.5-38b (LMDeploy,\n"
      "one 448x448 tile a frame) sets the pilot's set-ups; options given beside it win.\n"
      "Several processes may ask the same run at once (against other replicas, say): each\n"
      "asks the windows the others have not claimed.\n"
      "\n"
      "       semio ask --study STUDY.db --run NAME --engine kinematic\n"
      "                 [--keypoints DIR] [--param NAME=VALUE]... [--signs ...] [--jobs J]\n"
      "\n"
      "The kinematic engine needs no model: it measures the patient's OpenPose keypoints\n"
      "(body and face; DIR, or the recording's folder), the audio view and the\n"
      "transcript of each segment, and answers with a justification that cites the\n"
      "evidence. Signs without a signal are stored as failed with the reason. --jobs J\n"
      "recordings are measured at once (default: one per core).\n"
      "semio help kinematic lists its parameters.\n"
      "\n"
      "       semio ask --study STUDY.db --run NAME --engine model --model-file FILE\n"
      "\n"
      "answers with semio train --final's model file.\n"
      "\n"
      "       semio ask --study STUDY.db --run NAME --engine llamacpp --gguf MODEL.gguf\n"
      "       --mmproj PROJ.gguf [--gpu-layers N] [--threads N] [--n-ctx 8192]\n"
      "       [--max-tokens 512] [--kv-cache f16|q8_0] [--no-share-prefix]\n"
      "\n"
      "runs a GGUF model and its vision projector in this process (llama.cpp's libllama and\n"
      "libmtmd; meson feature llamacpp, scripts/fetch-llama): each window's pictures are\n"
      "evaluated once for all its questions (--no-share-prefix: again for each), answers\n"
      "are held to the answer's JSON by a grammar, P(yes) comes from the whole vocabulary.\n"
      "--kv-cache q8_0 halves the cache's memory (a 60-frame window on a smaller GPU; on an\n"
      "H200 it is not faster); the cache's type is part of the run's settings.\n" },

    { "export", cmd_export, "write a run's answers, the labels or the ratings as CSV or JSONL",
      "usage: semio export --study STUDY.db --run NAME [--format pilot-csv|jsonl] [-o FILE]\n"
      "       semio export --study STUDY.db --labels [-o FILE]\n"
      "       semio export --study STUDY.db --ratings [-o FILE]\n"
      "\n"
      "pilot-csv: one row per recording (windows merged by any-yes), a column per sign and\n"
      "a justification_for_SIGN column (the deciding windows' justifications, joined\n"
      "without repeats); fail where no window has an answer, with why they failed in its\n"
      "justification column. jsonl: every stored answer with its segment, P(yes), onset,\n"
      "raw text, error, attempts, latency and tokens.\n"
      "\n"
      "--labels: the labels in the pilot's label layout: per sign the consensus (SIGN) and\n"
      "every rater's vote (SIGN@RATER, from label files and the review app), start_time and\n"
      "end_time, raters' marked onsets and ends (start_time@RATER, end_time@RATER), and the\n"
      "label files' other columns; semio ingest --labels reads it back.\n"
      "--ratings: every rating, a row each: rater, kind, run, file_name, patient,\n"
      "segment_start, segment_end, sign, view, answer, label, score, label_wrong,\n"
      "video_unusable, comment, reason, rated_at.\n" },
    { "classify", cmd_classify, "epileptic or functional: a classifier of a recording's signs",
      "usage: semio classify --study STUDY.db --from labels|RUN [--target label]\n"
      "       [--model logistic|xgboost] [--folds 3] [--seed 1] [--resamples 2000]\n"
      "       [--level 0.95] [--format markdown|json|csv] [--recordings] [-o FILE]\n"
      "\n"
      "Predicts a label file's column (--target, default label: 1/0, yes/no or true/false;\n"
      "an empty cell leaves the recording out) from each recording's signs: --from labels\n"
      "takes the experts' sign labels (yes 1, no 0, unknown missing), --from RUN a run's\n"
      "answers merged per recording (any yes 1, all no 0, else missing) and, where the run\n"
      "gives P(yes), its highest per recording as the input SIGN:p. Missing inputs are\n"
      "imputed by the training mean (logistic) or left to the trees (xgboost).\n"
      "\n"
      "Patient-stratified cross-validation (every patient in one fold, folds balanced by\n"
      "the target) gives each recording an out-of-fold P(1). Each fold's threshold is the\n"
      "best-F1 one of an inner cross-validation on its training patients; accuracy and F1\n"
      "use it, AUC uses P alone. Intervals: a bootstrap resampling patients. Weights: each\n"
      "input's importance (|standardized coefficient| or total gain), mean over the folds,\n"
      "heaviest first. --recordings adds every recording's out-of-fold P. The same seed\n"
      "gives the same output.\n" },
    { "train", cmd_train, "train per-sign classifiers on stored features, scored out of fold",
      "usage: semio train --study STUDY.db --run NAME --features SETS --model xgboost|logistic\n"
      "                   [--folds K] [--seed S] [--merge max|mean] [--signs ...]\n"
      "                   [--segments NAME] [--min-positives N] [--rounds N] [--max-depth N]\n"
      "                   [--eta X] [--C X] [--final FILE] [--replace]\n"
      "\n"
      "Fits one classifier per sign on the segments' stored features (semio features),\n"
      "each segment labeled by its recording, with K patient-stratified folds: no patient\n"
      "is on both sides of a split. Each fold's threshold on P(yes) is chosen by an inner\n"
      "patient cross-validation on its training folds only. Stored as run NAME (engine\n"
      "\"model\"): one answer per recording and sign (its segments' out-of-fold P(yes)\n"
      "merged by max or mean, against its fold's threshold), the folds, each fold's\n"
      "threshold, every segment's P(yes) and the provenance; all or nothing. A fold whose\n"
      "training side has fewer than N positive (or negative) recordings fails, and its\n"
      "recordings' answers say why. Prints each sign's out-of-fold F1 per recording.\n"
      "\n"
      "  --features SETS     comma list: kinematic, motion, sound, onnx, import\n"
      "  --model L           xgboost (boosted trees) or logistic (liblinear, L2)\n"
      "  --folds K           outer folds (default 3)\n"
      "  --seed S            folds and learners (default 1); the same seed, the same run\n"
      "  --merge R           a recording's P(yes) from its segments': max (default) or mean\n"
      "  --signs LIST        all (default), a group (limb, facial, audio) or sign ids\n"
      "  --segments NAME     segment set (default: the newest)\n"
      "  --min-positives N   recordings of each class a training side needs (default 3)\n"
      "  --rounds N --max-depth N --eta X   xgboost (defaults 100, 3, 0.1)\n"
      "  --max-bin N         xgboost's histogram bins per feature (default 64)\n"
      "  --C X               logistic's inverse regularization (default 1)\n"
      "  --final FILE        also fit each sign on every patient and write a model file\n"
      "                      that semio ask --engine model --model-file FILE answers with\n"
      "                      (kinematic and sound features only)\n"
      "  --replace           train an existing run again\n" },
    { "import", cmd_import, "add published predictions to a study as a run",
      "usage: semio import --study STUDY.db --run NAME [--replace] PREDICTIONS.csv\n"
      "\n"
      "Reads predictions in the pilot's layout (file_name, a column per sign with yes, no,\n"
      "na, fail or empty; optional justification_for_SIGN and SIGN_prob columns) into run\n"
      "NAME, matching rows to recordings or label rows by name without extension and\n"
      "punctuation. All or nothing; an existing run needs --replace.\n" },
    { "raters", cmd_raters, "add, list or remove the clinicians who review and label",
      "usage: semio raters --study STUDY.db add NAME [--url URL]\n"
      "       semio raters --study STUDY.db list\n"
      "       semio raters --study STUDY.db remove NAME\n"
      "\n"
      "add prints NAME's secret login link once (URL: where semio serve answers, default\n"
      "http://127.0.0.1:8640); the study keeps only its SHA-256. The link opens a session\n"
      "in the review app. remove revokes the link and every session; the rater's ratings\n"
      "and labels stay. Adding a removed rater again gives them a new link.\n" },
    { "serve", cmd_serve, "the review app: raters rate justifications and label recordings",
      "usage: semio serve --study STUDY.db [--listen HOST:PORT] [--tls-cert PEM --tls-key PEM]\n"
      "                   [--origin URL]\n"
      "\n"
      "Serves the review app on HOST:PORT (default 127.0.0.1:8640; port 0 picks a free\n"
      "one). Raters log in with the links of semio raters add. In it they rate each\n"
      "justification of a review round (semio rounds add) for faithfulness, 0-100%, by\n"
      "keyboard, beside the window's proxy clip and the very frames the model was sent;\n"
      "and they label recordings (the 20 signs yes/no/unknown, the seizure's start and\n"
      "end). Every keypress is stored at once. An address other machines reach needs\n"
      "TLS. --origin: the URL browsers use when a proxy stands in front. Pages and\n"
      "scripts are compiled in: nothing is loaded from elsewhere. Ctrl-C stops.\n" },
    { "rounds", cmd_rounds, "make a review round: the answers raters rate",
      "usage: semio rounds --study STUDY.db add NAME --run RUN[,RUN...] [--signs S,...]\n"
      "                    [--only correct|wrong|all] [--items N] [--blind]\n"
      "                    [--hide-labels] [--seed N]\n"
      "       semio rounds --study STUDY.db list\n"
      "\n"
      "Draws N of the runs' answers that have a justification (all of them without\n"
      "--items), correct or wrong against the expert label with --only. Every rater\n"
      "gets the same items, each in their own seeded order. --blind shows the runs to\n"
      "each rater as \"model A/B/...\" under codes of their own; --hide-labels hides the\n"
      "expert label. list shows each round and how far each rater got.\n" },
    { "prompts", cmd_prompts, "search for better questions (GEPA-style), or score a prompt set",
      "usage: semio prompts split --study STUDY.db --name NAME --signs LIST [--seed 1]\n"
      "       semio prompts optimize --study STUDY.db --name NAME --signs LIST\n"
      "                   --url URL --model MODEL --reflect-url URL --reflect-model MODEL\n"
      "                   [--budget 200] [--minibatch 8] [--cases 4] [--finalists 3]\n"
      "                   [--patience 20] [--seed 1] [--prompts FILE] [--segments SET] [--sampling KEY]\n"
      "                   [--concurrency 8] [--api-key-env VAR] [--max-retries 10]\n"
      "       semio prompts evaluate --study STUDY.db --name NAME --prompts FILE\n"
      "                   --patients train|validation --url URL --model MODEL\n"
      "                   [--signs LIST] [--format text|json]\n"
      "\n"
      "split divides the labelled patients once into train (1/2), validation (1/4) and\n"
      "test (1/4), seeded, with each part's share of patients with a \"yes\" for the\n"
      "first sign alike. optimize (which splits first when needed) searches per sign:\n"
      "a parent from the Pareto front over the training windows (seeded), a minibatch of\n"
      "training windows, its wrong answers with their justifications and labels shown to\n"
      "the reflection model (text only) beside the sign's definition; its rewrite, if it\n"
      "is one yes/no question (else stored as rejected, with why), is kept when it does\n"
      "better on the minibatch and then scored on every training window; a sign's search\n"
      "ends after --patience steps in a row keep nothing new. The answer\n"
      "format instruction is the prompt set's, never the candidate's. After the budget\n"
      "(questions to the model asked, per sign, the final scoring included; reflections\n"
      "counted apart) the base and the front's best are scored on validation, the best\n"
      "chosen (ties keep the base), and only then are the base and the chosen asked\n"
      "about the test patients: the accuracy gain with a patient-resampled 95% interval.\n"
      "Every candidate, parent, score and reflection is stored in the study; answers go\n"
      "to the run search:NAME, the cache that evaluate shares. Running it again replays\n"
      "the stored steps and goes on: the same seed gives the same result. evaluate scores\n"
      "a prompt file's questions on the search's train or validation patients; the test\n"
      "patients are refused.\n" },
    { "judge", cmd_judge, "have a multimodal model rate a run's justifications, as a rater",
      "usage: semio judge --study STUDY.db --run RUN --url URL[,URL...] --model MODEL\n"
      "                   [--name NAME] [--signs all|limb|facial|audio|LIST]\n"
      "                   [--only correct|wrong|all] [--limit N] [--redo]\n"
      "                   [--concurrency 8] [--api-key-env VAR] [--timeout SEC]\n"
      "                   [--connect-timeout SEC] [--temperature 0] [--max-tokens 512]\n"
      "                   [--max-retries 10] [--max-wait 60] [--no-structured]\n"
      "                   [--no-timestamps] [--extra JSON]\n"
      "                   [--server vllm|sglang|lmdeploy|llama-server|ollama] [--preset NAME]\n"
      "                   [--mm JSON] [--image-field JSON] [--no-image-ids]\n"
      "\n"
      "Shows an OpenAI-compatible multimodal server what the run's model saw for each\n"
      "answer (the same frames, view or sound, each frame after its time), the question\n"
      "as it was sent, the answer and its justification, and asks it to rate the\n"
      "justification's faithfulness on the raters' scale (0, 20, 40, 60, 80, 100: how well\n"
      "what it says is supported by what is visible or audible and consistent with the\n"
      "answer) with a short reason. The ratings are stored under a rater of kind judge,\n"
      "named NAME (default judge:MODEL), which no human consensus counts; a human rater's\n"
      "name is refused, and so is a judge's name used with another model. Answers qualify\n"
      "as for a review round: status ok, yes or no, with a justification; --only correct\n"
      "or wrong against the expert label. --limit N draws N of them as semio rounds add\n"
      "--items N draws them over the run with the same --signs and --only (seed 1), so\n"
      "the judge can rate what the clinicians rate. Each rating is stored as it arrives:\n"
      "running again rates only what is missing (--redo: everything again). A rating off\n"
      "the scale or unreadable is asked again (the retry policy of semio ask), then said\n"
      "on stderr and not stored.\n"
      "A server that cannot be reached, refuses the key or cannot take pictures stops\n"
      "the command at once, naming it. --concurrency requests are in flight, a window's\n"
      "answers one after another to one replica. Ctrl-C stops within a second, abandoning\n"
      "the requests in flight (exit 130).\n" },
};
#pragma GCC diagnostic pop

const Command *cli_find(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
        if (!strcmp(commands[i].name, name))
            return &commands[i];
    return NULL;
}

int cmd_help(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "kinematic")) {
        size_t n;
        const SemioKinematicParam *p = semio_kinematic_params(&n);
        printf("The kinematic engine's parameters (semio ask --engine kinematic --param "
               "NAME=VALUE).\nPositions are in torso lengths (neck to mid-hip), angles in "
               "degrees (180 = straight).\n\n");
        for (size_t i = 0; i < n; i++)
            printf("  %-14s %8g %-9s %s\n", p[i].name, p[i].value, p[i].unit, p[i].doc);
        return 0;
    }
    if (argc > 1) {
        const Command *c = cli_find(argv[1]);
        if (!c)
            return cli_error("no command '%s' (see semio help)", argv[1]);
        fputs(c->usage, stdout);
        return 0;
    }
    printf("usage: semio [-v | -vv | -vvv] COMMAND [OPTIONS]\n\n"
           "semio asks multimodal models about the semiology of seizure recordings and\n"
           "measures how well they answer.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
        printf("  %-10s %s\n", commands[i].name, commands[i].summary);
    printf("\nsemio COMMAND --help shows a command's options. FFmpeg's own messages are hidden:\n"
           "-v shows its warnings, -vv also what it says by default (encoder statistics),\n"
           "-vvv everything; before COMMAND or anywhere after it (--verbose, repeated, too).\n");
    return 0;
}

int cmd_version(int argc, char **argv)
{
    printf("semio %s\n", semio_version());
    size_t n;
    const SemioFeature *f = semio_optional_parts(&n);
    int built = 0;
    printf("built in:");
    for (size_t i = 0; i < n; i++)
        if (f[i].built)
            printf("%s %s", built++ ? "," : "", f[i].name);
    printf("%s\n", built ? "" : " none of the optional parts");
    for (size_t i = 0; i < n; i++)
        if (!f[i].built)
            printf("not built: %s (%s): %s and rebuild\n", f[i].name, f[i].what, f[i].needs);
    printf("face detectors: %s\n",
           !semio_feature_built("dlib") ? "none (dlib not built)"
           : semio_face_blazeface_built() ? "blazeface (default), dlib"
                                          : "dlib (BlazeFace not built: scripts/fetch-blazeface, "
                                            "then rebuild)");
    char llama[1024];
    if (semio_llamacpp_build_info(llama, sizeof(llama)) == 0)
        printf("llamacpp: %s\n", llama);
    return 0;
}

int main(int argc, char **argv)
{
    /* quiet FFmpeg unless asked: semio's own errors say what failed */
    int verbose = cli_take_verbose(&argc, argv);
    semio_log_set_level(verbose >= 3 ? SEMIO_LOG_DEBUG : (SemioLogLevel)verbose);
    if (argc < 2)
        return cmd_help(1, argv) ? 1 : 2;
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h"))
        name = "help";
    if (!strcmp(name, "--version"))
        name = "version";
    const Command *c = cli_find(name);
    if (!c)
        return cli_error("'%s' is not a semio command (see semio help)", name), 2;
    cli_catch_signals();
    return c->run(argc - 1, argv + 1);
}
