#!/usr/bin/env python3
"""A strict, fault-injecting OpenAI-compatible test server for semio's tests (127.0.0.1).

It validates every chat-completion request (content-part order, data URLs that decode to
JPEG, frame times increasing, the answer schema) and answers 400 with the reason when one
is wrong. Faults are consumed one per request in arrival order (--faults), or hit every question that
contains a word (--always WORD:BEHAVIOUR); otherwise it answers normally: ok, 500 (the same
body each time), 500n (a body that differs each time), 400, 401, 403, 404, 422 (refusals),
502, 504 (a gateway's errors), 429:SECONDS or 503:SECONDS (with Retry-After), slow:SECONDS,
reset (no reply), empty (no choices), fenced (JSON in a code fence with prose), broken
(truncated JSON), nojson (prose), length:N (the answer cut off at max_tokens, finish_reason
length, unless the request allows N tokens or more), unsupported:SERVER (what SERVER says
when it cannot take the model or the pictures: vllm, vllm-model, llama, ollama,
ollama-model, lmdeploy-model). Each request is logged as one JSON line (--log). The answer
is "yes" when the question's length is even; P(yes) is 0.8 for yes, 0.3 for no.

--prefix-cache N models a server's prefix cache as vLLM and llama-server report it: a
request's prompt is its parts as tokens (100 per picture, a text's characters / 4), and
usage.prompt_tokens_details.cached_tokens is its longest common prefix with any of the N
requests that arrived before it (logged as "cached_tokens").

A request whose text holds a <justification> is a judge's (semio judge): it is checked for
the rating schema, its question, answer and justification are logged (with the SHA-256 of
the question, to compare with the prompt_hash of the answer rated, and of the pictures, to
compare with what the answer's request carried), and it is rated {"score": 80} when the
answer was "yes", 40 when "no", with the reason "checked: JUSTIFICATION". Its behaviours
besides the faults: offscale (a score of 55), garbage (prose, no JSON), fenced (the rating
in a code fence, its score a string).

For the prompt search (semio prompts): with --truth FILE (JSON {"WxH": "yes"|"no"}, the
right answer for a recording by its frames' JPEG size) an answer is right with probability
0.9 when the question names --keyword (default "jerking") and 0.4 otherwise, drawn from a
hash of the pictures and the question (the same request, the same answer); the log says
the frames' size. A request whose text holds <current_question> is a reflection's (text
only, the {"question"} schema): it proposes the keyword question, except the first
--reflect-bad of them, which propose something that is not a question.
"""
import argparse
import base64
import hashlib
import json
import math
import re
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
# What servers say when they cannot take the model or the pictures (status, body): vLLM
# (a text-only model; a model it does not serve), llama-server without --mmproj (word for
# word as tests/test_llama.sh hears a real one), Ollama (a text-only model; a model not
# pulled), LMDeploy (a model it does not serve).
UNSUPPORTED = {
    "vllm": (400, '{"object": "error", "message": "MODEL is not a multimodal model", '
                  '"type": "BadRequestError", "param": null, "code": 400}'),
    "vllm-model": (404, '{"object": "error", "message": "The model `MODEL` does not exist.", '
                        '"type": "NotFoundError", "param": null, "code": 404}'),
    "llama": (500, '{"error": {"code": 500, "message": "image input is not supported - hint: if '
                   'this is unexpected, you may need to provide the mmproj", "type": '
                   '"server_error"}}'),
    "ollama": (400, '{"error": {"message": "this model does not support image input", '
                    '"type": "invalid_request_error", "param": null, "code": null}}'),
    "ollama-model": (404, '{"error": {"message": "model \\"MODEL\\" not found, try pulling it '
                          'first", "type": "api_error", "param": null, "code": null}}'),
    "lmdeploy-model": (404, '{"object": "error", "message": "The model \'MODEL\' does not '
                            'exist.", "code": 404}'),
}
STATE = {"arrivals": 0, "inflight": 0, "faults": [], "log": None, "args": None, "lru": [],
         "recent": []}


def prompt_tokens(parts):
    """The prompt as (part, tokens) pairs: a picture 100 tokens, a text its characters / 4."""
    out = []
    for p in parts if isinstance(parts, list) else []:
        if not isinstance(p, dict):
            continue
        if p.get("type") == "image_url":
            out.append((p["image_url"].get("url", ""), 100))
        elif p.get("type") == "input_audio":
            out.append((p["input_audio"].get("data", ""), 100))
        else:
            out.append((p.get("text", ""), (len(p.get("text", "")) + 3) // 4))
    return out


def common_prefix(a, b):
    """Tokens of a that b begins with too: whole parts alike, then a text's common start."""
    n = 0
    for (x, tx), (y, _) in zip(a, b):
        if x == y:
            n += tx
            continue
        if tx and not x.startswith("data:"):
            k = 0
            while k < min(len(x), len(y)) and x[k] == y[k]:
                k += 1
            n += k // 4
        break
    return n


def validate(body, headers):
    args = STATE["args"]
    if args.key and headers.get("Authorization") != "Bearer " + args.key:
        return "missing or wrong Authorization header"
    if not args.key and headers.get("Authorization"):
        return "unexpected Authorization header"
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "no model"
    msgs = body.get("messages")
    if not isinstance(msgs, list) or len(msgs) != 1 or msgs[0].get("role") != "user":
        return "messages must be one user message"
    parts = msgs[0].get("content")
    if not isinstance(parts, list) or not parts:
        return "content must be a list of parts"
    if parts[-1].get("type") != "text" or not parts[-1].get("text"):
        return "the question must be the last part"
    last_time, images = -1.0, 0
    for i, p in enumerate(parts[:-1]):
        if p.get("type") == "text":
            m = re.fullmatch(r"Frame at (\d\d):(\d\d)\.(\d)", p.get("text", ""))
            if not m or i + 1 >= len(parts) - 1 or parts[i + 1].get("type") != "image_url":
                return "a text part before the question must be a frame time before an image"
            t = int(m[1]) * 60 + int(m[2]) + int(m[3]) / 10
            if t < last_time:
                return "frames out of time order"
            last_time = t
        elif p.get("type") == "image_url":
            url = p.get("image_url", {}).get("url", "")
            if not url.startswith("data:image/jpeg;base64,"):
                return "image is not a JPEG data URL"
            data = base64.b64decode(url[len("data:image/jpeg;base64,"):], validate=True)
            if data[:2] != b"\xff\xd8" or data[-2:] != b"\xff\xd9":
                return "image data is not a JPEG"
            problem = profile_image_problem(p, data)
            if problem:
                return problem
            images += 1
        elif p.get("type") == "input_audio":
            if p["input_audio"].get("format") != "wav":
                return "audio must be wav"
            wav = base64.b64decode(p["input_audio"].get("data", ""), validate=True)
            if wav[:4] != b"RIFF" or wav[8:12] != b"WAVE" or len(wav) < 1000:
                return "input_audio data is not a WAV file"
        else:
            return "unknown part type " + str(p.get("type"))
    rf = body.get("response_format")
    if rf is not None:
        schema = rf.get("json_schema", {}).get("schema", {})
        wanted = {"score", "reason"} if "<justification>" in parts[-1]["text"] else {
            "question"} if "<current_question>" in parts[-1]["text"] else {
            "answer", "justification", "start_time"}
        if rf.get("type") != "json_schema" or set(schema.get("required", [])) != wanted:
            return "response_format is not the %s schema" % (
                "rating" if "score" in wanted else "answer")
    if not isinstance(body.get("temperature"), (int, float)):
        return "no temperature"
    mm = body.get("mm_processor_kwargs")
    if mm is not None and (args.profile != "vllm" or not isinstance(mm, dict)):
        return "mm_processor_kwargs: only vLLM reads it, as an object"
    return None


# Where each server reads what the common API lacks, as their documentation says:
# vLLM takes "uuid" beside "image_url" in a part and mm_processor_kwargs in the request;
# LMDeploy takes InternVL's tiling settings beside the url; the others take neither.
PROFILE_IMAGE_URL_KEYS = {"lmdeploy": {"url", "detail", "max_dynamic_patch", "min_dynamic_patch"}}


def profile_image_problem(part, data):
    profile = STATE["args"].profile
    if not profile:
        return None  # lenient: the tests that are not about profiles
    keys = set(part) - {"type", "image_url"}
    if keys - ({"uuid"} if profile == "vllm" else set()):
        return "image part: fields %s are not read by %s" % (sorted(keys), profile)
    if "uuid" in part and part["uuid"] != hashlib.sha256(data).hexdigest():
        return "image part: uuid is not the picture's SHA-256"
    allowed = PROFILE_IMAGE_URL_KEYS.get(profile, {"url", "detail"})
    extra = set(part["image_url"]) - allowed
    if extra:
        return "image_url: fields %s are not read by %s" % (sorted(extra), profile)
    return None


def judged(question):
    """The question, answer and justification a judge's request carries (None if not one)."""
    if "<justification>" not in question:
        return None
    q = re.search(r"<question>\n(.*?)\n</question>", question, re.S)
    a = re.search(r'It answered "(yes|no)"', question)
    j = re.search(r"<justification>\n(.*?)\n</justification>", question, re.S)
    return {"question": q[1] if q else None, "answer": a[1] if a else None,
            "justification": j[1] if j else None}


def rating_message(item, behaviour):
    obj = {"score": 80 if item["answer"] == "yes" else 40,
           "reason": "checked: " + (item["justification"] or "")[:60]}
    text = json.dumps(obj)
    if behaviour == "offscale":
        text = json.dumps(dict(obj, score=55))
    elif behaviour == "garbage":
        text = "The justification seems fine to me."
    elif behaviour == "fenced":
        text = "My rating:\n```json\n" + json.dumps({"Score": str(obj["score"]), "Reason": obj["reason"]}) + "\n```"
    return {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}


def jpeg_size(url):
    """WxH of a data URL's JPEG, from its first start-of-frame marker."""
    data = base64.b64decode(url[len("data:image/jpeg;base64,"):])
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker, length = data[i + 1], int.from_bytes(data[i + 2:i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            return "%dx%d" % (int.from_bytes(data[i + 7:i + 9], "big"), int.from_bytes(data[i + 5:i + 7], "big"))
        i += 2 + length
    return None


def truthful(question, entry):
    """yes or no: right with a chance that depends on the question's wording (--truth)."""
    args = STATE["args"]
    truth = STATE["truth"].get(entry["size"], "no")
    draw = int(hashlib.sha256((entry["images_sha"] + question).encode()).hexdigest()[:8], 16) / 2 ** 32
    right = draw < (0.9 if args.keyword in question.lower() else 0.4)
    return truth == "yes" if right else truth != "yes"


def reflection_message():
    with LOCK:
        STATE["reflections"] = STATE.get("reflections", 0) + 1
        n = STATE["reflections"]
    q = ("Describe what the arm does." if n <= STATE["args"].reflect_bad else
         "These frames show a patient. Is there rhythmic %s of an arm, a leg or the whole body?"
         % STATE["args"].keyword)
    return {"index": 0, "finish_reason": "stop",
            "message": {"role": "assistant", "content": json.dumps({"question": q})}}


def answer_message(question, behaviour, logprobs, yes=None):
    if yes is None:
        yes = len(question) % 2 == 0
    obj = {"answer": "yes" if yes else "no", "justification": "test server says so at 00:01",
           "start_time": "00:01" if yes else "N/A"}
    text = json.dumps(obj)
    if behaviour == "fenced":
        text = "Here is my answer:\n```json\n" + json.dumps(dict(obj, answer="Yes." if yes else "NO")) + "\n```\nThanks."
    elif behaviour == "broken":
        text = '{"answer": "yes", "justification": "cut'
    elif behaviour == "nojson":
        text = "I think the answer is probably yes."
    elif behaviour == "cut":
        text = text[:30]
    choice = {"index": 0, "finish_reason": "length" if behaviour == "cut" else "stop",
              "message": {"role": "assistant", "content": text}}
    if logprobs:
        p = 0.8 if yes else 0.3
        word = "yes" if yes else "no"
        choice["logprobs"] = {"content": [
            {"token": "{\"", "logprob": 0.0, "top_logprobs": []},
            {"token": "answer", "logprob": 0.0, "top_logprobs": []},
            {"token": "\": \"", "logprob": 0.0, "top_logprobs": []},
            {"token": word, "logprob": math.log(p if yes else 1 - p),
             "top_logprobs": [{"token": "yes", "logprob": math.log(p)},
                              {"token": "no", "logprob": math.log(1 - p)}]}]}
    return choice


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, code, obj, extra=None):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        try:
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout, kill -9): nothing to answer

    def do_GET(self):
        """GET /v1/models, as the servers list what they serve (semio judge's first call)."""
        with LOCK:
            STATE["log"].write(json.dumps({"port": STATE["args"].port, "get": self.path}) + "\n")
            STATE["log"].flush()
        if self.path.rstrip("/") != "/v1/models":
            return self.reply(404, {"error": "no such path " + self.path})
        return self.reply(200, {"object": "list", "data": [{"id": "test-vlm", "object": "model"}]})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        raw = self.rfile.read(length)
        with LOCK:
            STATE["arrivals"] += 1
            STATE["inflight"] += 1
            inflight = STATE["inflight"]
            behaviour = STATE["faults"].pop(0) if STATE["faults"] else "ok"
        try:
            self.handle_request(raw, behaviour, inflight)
        finally:
            with LOCK:
                STATE["inflight"] -= 1

    def transcription(self, raw, behaviour):
        """POST /v1/audio/transcriptions: multipart with a WAV file and a model."""
        from email.parser import BytesParser
        from email.policy import HTTP
        msg = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + self.headers.get("Content-Type", "").encode() + b"\r\n\r\n" + raw)
        fields = {}
        for part in msg.iter_parts():
            fields[part.get_param("name", header="content-disposition")] = part.get_payload(decode=True)
        wav = fields.get("file") or b""
        problem = None
        if wav[:4] != b"RIFF" or wav[8:12] != b"WAVE":
            problem = "file is not a WAV"
        elif not fields.get("model"):
            problem = "no model"
        with LOCK:
            STATE["log"].write(json.dumps({"port": STATE["args"].port, "transcription": True,
                                           "behaviour": behaviour, "valid": problem is None,
                                           "problem": problem}) + "\n")
            STATE["log"].flush()
        if problem:
            return self.reply(400, {"error": problem})
        kind, _, arg = behaviour.partition(":")
        if kind == "500":
            return self.reply(500, {"error": "injected 500"})
        if kind == "429":
            return self.reply(429, {"error": "slow down"}, {"Retry-After": arg or "1"})
        n = (len(wav) - 44) // 2
        return self.reply(200, {"text": "Can you hear me? Yes.", "language": "en",
                                "duration": n / 16000.0,
                                "segments": [{"id": 0, "start": 0.0, "end": 1.2, "text": "Can you hear me?"},
                                             {"id": 1, "start": 1.5, "end": 2.0, "text": "Yes."}]})

    def handle_request(self, raw, behaviour, inflight):
        args = STATE["args"]
        if self.path.rstrip("/") == "/v1/audio/transcriptions":
            return self.transcription(raw, behaviour)
        if self.path.rstrip("/") != "/v1/chat/completions":
            return self.reply(404, {"error": "no such path " + self.path})
        try:
            body = json.loads(raw)
        except ValueError:
            return self.reply(400, {"error": "body is not JSON"})
        problem = validate(body, self.headers)
        parts = body.get("messages", [{}])[0].get("content", [{}])
        question = parts[-1].get("text", "") if isinstance(parts, list) and parts else ""
        word, _, always = args.always.partition(":")
        if word and word in question:
            behaviour = always
        first = next((p["image_url"]["url"] for p in parts if isinstance(p, dict) and p.get("type") == "image_url"), "")
        entry = {"port": args.port, "behaviour": behaviour, "inflight": inflight,
                 "valid": problem is None, "problem": problem, "question": question[:60],
                 "images": sum(1 for p in parts if isinstance(p, dict) and p.get("type") == "image_url"),
                 "audio": sum(1 for p in parts if isinstance(p, dict) and p.get("type") == "input_audio"),
                 "segment": hashlib.sha1(first.encode()).hexdigest()[:12], "t": time.time(),
                 "max_tokens": body.get("max_tokens"),
                 "mm": body.get("mm_processor_kwargs"),
                 "uuids": sum(1 for p in parts if isinstance(p, dict) and "uuid" in p),
                 "image_url_fields": sorted({k for p in parts if isinstance(p, dict) and p.get("type") == "image_url" for k in p["image_url"]} - {"url"}),
                 "transcript": "speech-to-text transcript" in question,
                 "images_sha": hashlib.sha256("".join(
                     p["image_url"]["url"] for p in parts if isinstance(p, dict) and p.get("type") == "image_url").encode()).hexdigest(),
                 "audio_sha": hashlib.sha256("".join(
                     p["input_audio"].get("data", "") for p in parts if isinstance(p, dict) and p.get("type") == "input_audio").encode()).hexdigest(),
                 "question_sha": hashlib.sha256(question.encode()).hexdigest()}
        if STATE["truth"] is not None and entry["images"]:
            entry["size"] = jpeg_size(first)
        if "<current_question>" in question:
            entry["reflection"] = True
        item = judged(question)
        if item:
            entry.update(judge=True, answer=item["answer"], justification=item["justification"],
                         question_sha=hashlib.sha256((item["question"] or "").encode()).hexdigest(),
                         structured="response_format" in body)
        tokens = prompt_tokens(parts)
        with LOCK:
            if args.prefix_cache:
                entry["prompt_tokens"] = sum(t for _, t in tokens)
                recent = STATE["recent"]
                entry["cached_tokens"] = max([common_prefix(tokens, r) for r in recent] or [0])
                recent.append(tokens)
                del recent[:-args.prefix_cache]
            if args.lru:  # a prefix cache holding the image tokens of the last N windows
                lru = STATE["lru"]
                entry["cached"] = entry["segment"] in lru
                if entry["cached"]:
                    lru.remove(entry["segment"])
                lru.append(entry["segment"])
                del lru[:-args.lru]
            STATE["log"].write(json.dumps(entry) + "\n")
            STATE["log"].flush()
        time.sleep(args.delay)
        if problem and "Authorization" in problem:
            # as a careless gateway does: the refusal echoes the request's headers
            return self.reply(401, {"error": problem, "request_headers": dict(self.headers)})
        if problem:
            return self.reply(400, {"error": problem})
        kind, _, arg = behaviour.partition(":")
        if kind == "500":
            return self.reply(500, {"error": "injected 500"})
        if kind == "500n":
            with LOCK:
                STATE["n500"] = STATE.get("n500", 0) + 1
                n = STATE["n500"]
            return self.reply(500, {"error": "injected 500 number %d" % n})
        if kind in ("400", "401", "403", "404", "422"):
            return self.reply(int(kind), {"error": "injected " + kind})
        if kind in ("502", "504"):
            return self.reply(int(kind), {"error": "bad gateway"})
        if kind == "unsupported":
            code, said = UNSUPPORTED[arg]
            return self.reply(code, json.loads(said.replace("MODEL", body["model"])))
        if kind in ("429", "503"):
            return self.reply(int(kind), {"error": "slow down"}, {"Retry-After": arg or "1"})
        if kind == "slow":
            time.sleep(float(arg or 5))
        if kind == "reset":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return None
        if kind == "empty":
            return self.reply(200, {"id": "x", "object": "chat.completion", "choices": []})
        if kind == "length" and body.get("max_tokens", 0) < int(arg):
            kind = "cut"
        if entry.get("reflection"):
            choice = reflection_message()
        elif item:
            choice = rating_message(item, kind)
        else:
            choice = answer_message(question, kind, body.get("logprobs"),
                                    truthful(question, entry) if "size" in entry else None)
        self.reply(200, {"id": "x", "object": "chat.completion", "model": body["model"],
                         "choices": [choice],
                         "usage": usage(entry)})


def usage(entry):
    if "cached_tokens" not in entry:
        return {"prompt_tokens": 100 * entry["images"] + 50, "completion_tokens": 20}
    return {"prompt_tokens": entry["prompt_tokens"], "completion_tokens": 20,
            "prompt_tokens_details": {"cached_tokens": entry["cached_tokens"]}}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--faults", default="")
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--key", default="")
    ap.add_argument("--lru", type=int, default=0, help="model a prefix cache of N windows")
    ap.add_argument("--prefix-cache", type=int, default=0, metavar="N",
                    help="report cached_tokens: the longest common prefix with the last N requests")
    ap.add_argument("--always", default="", help="WORD:BEHAVIOUR for every question containing WORD")
    ap.add_argument("--profile", default="", help="check image parts as this server reads them")
    ap.add_argument("--truth", default="", help="JSON {WxH: yes|no}: answers right more often for --keyword")
    ap.add_argument("--keyword", default="jerking")
    ap.add_argument("--reflect-bad", type=int, default=0)
    args = ap.parse_args()
    STATE["truth"] = json.load(open(args.truth)) if args.truth else None
    STATE["faults"] = [f for f in args.faults.split(",") if f]
    STATE["log"] = open(args.log, "a")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    args.port = server.server_address[1]
    STATE["args"] = args
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(args.port))
    import os
    os.replace(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
