#!/usr/bin/python3
"""Writes a tiny LLaVA-style vision-language model for llama-server, seeded, no training:

  DIR/tiny-vlm.gguf         a 2-layer `llama` text model (n_embd 64, or --n-embd) with a
                            SentencePiece-style vocabulary (every byte, printable ASCII, chat
                            control tokens and a few whole phrases of the answer JSON) and a
                            chat template;
  DIR/tiny-vlm-mmproj.gguf  a `clip` vision encoder (2 layers, 32x32 pictures in 16 patches)
                            with an `mlp` projector (LLaVA 1.5's), so each picture is 16 tokens;
  DIR/tiny-audio-mmproj.gguf  with --audio: a `clip` sound encoder (Qwen2-Audio's `qwen2a`)
                            and no vision encoder, for the test of a projector that takes no
                            pictures.

A projector is made for one width of the text model: --n-embd writes a pair whose projector
libmtmd refuses for the default model (and the default's for it). The wiring below is tuned
for the default width; another one still loads and answers, less convincingly.

Weights are random (numpy's generator, --seed), with a little wiring on top so the replies
look like a trained model's: after the chat template's <|assistant|> the model writes
{"answer": "yes"|"no", "justification": ..., "start_time": ...} in a handful of whole-phrase
tokens (the answer's word in one, ' "yes' or ' "no'), yes and no both among its top tokens, and which one wins decided by one attention
head of the first layer that looks only at the pictures' tokens. So answers differ from
window to window, P(yes) is neither 0 nor 1, and replies are valid JSON even without a
grammar (llama-server's json_schema constrains them anyway).

Needs Debian's numpy (python3-numpy) and llama.cpp's own gguf-py (the folder given with
--gguf-py, e.g. third_party/llama/src/gguf-py): no pip. Usage:
  /usr/bin/python3 tests/make_tiny_vlm.py --gguf-py DIR --out DIR [--seed N] [--n-embd N]
                                          [--audio]
"""
import argparse
import os
import sys

import numpy as np

N_HEAD, N_FF, N_LAYER, N_CTX = 4, 128, 2, 8192
V_EMBD, V_HEAD, V_FF, V_LAYER, V_IMAGE, V_PATCH, V_HIDDEN = 32, 4, 64, 2, 32, 8, 64
A_EMBD, A_HEAD, A_FF, A_LAYER, A_MEL, A_POS = 32, 4, 64, 1, 8, 16
# the residual stream's dimensions: token identities live in the first ID_DIMS; a picture's
# tokens carry a flag and their features in dimensions no text token uses; the decision
# between yes and no is read from one more
ID_DIMS, IMG_FLAG, IMG_FEAT, N_FEAT, DECIDE = 48, 48, 49, 8, 57

CONTROL = ["<unk>", "<s>", "</s>", "<|system|>", "<|user|>", "<|assistant|>", "<|end|>"]
# What the model says, one whole phrase a token (SentencePiece writes a space as U+2581);
# each phrase follows exactly one other, so the model need only know the token before. The
# answer's word comes glued to the space and quote before it, as many tokenizers cut it.
T0 = '{"answer":'
YES, NO = ' "yes', ' "no'
SAY_YES = ['", "justification": "The frames show it', '", "start_time": "00:01"}']
SAY_NO = ['", "justification": "Not seen in the frames', '", "start_time": "N/A"}']
TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|>"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}{% if part['type'] == 'text' %}"
    "{{ part['text'] }}{% endif %}{% endfor %}{% endif %}<|end|>{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}")


def spm(text):
    return text.replace(" ", "\u2581")


def vocabulary():
    """tokens, types (gguf.TokenType values) and the ids of the named ones."""
    tokens, types = [], []
    for t in CONTROL:
        tokens.append(t)
        types.append(2 if t == "<unk>" else 3)  # UNKNOWN, CONTROL
    for b in range(256):
        tokens.append("<0x%02X>" % b)
        types.append(6)  # BYTE
    tokens.append("\u2581")
    types.append(1)
    for c in range(0x21, 0x7f):
        tokens.append(chr(c))
        types.append(1)  # NORMAL
    for phrase in [T0, YES, NO] + SAY_YES + SAY_NO:
        if spm(phrase) not in tokens:
            tokens.append(spm(phrase))
            types.append(1)
    ids = {t: i for i, t in enumerate(tokens)}
    return tokens, types, ids


def unit(v):
    return v / np.linalg.norm(v)


def text_model(gguf, path, rng, n_embd):
    tokens, types, ids = vocabulary()
    n_vocab = len(tokens)
    f32 = np.float32
    # token identities: random directions in the first ID_DIMS dimensions
    embd = np.zeros((n_vocab, n_embd), f32)
    embd[:, :ID_DIMS] = rng.standard_normal((n_vocab, ID_DIMS))
    embd /= np.linalg.norm(embd, axis=1, keepdims=True)
    # the output: small random rows, then each phrase made the likely successor of the token
    # before it (its row points along that token's direction)
    out = (0.02 * rng.standard_normal((n_vocab, n_embd))).astype(f32)
    alpha = 2.0

    def follows(token, after, weight=alpha):
        out[ids[spm(token)]] += weight * embd[ids[spm(after)]]

    follows(T0, "<|assistant|>")
    follows(YES, T0)
    follows(NO, T0)
    for chain, word in ((SAY_YES, YES), (SAY_NO, NO)):
        prev = word
        for phrase in chain:
            follows(phrase, prev)
            prev = phrase
        follows("<|end|>", prev)
    # yes against no: read from the decision dimension, which the first layer fills from
    # the pictures (below); a small lean towards no, as a cautious model has
    out[ids[spm(YES)], DECIDE] += 0.35
    out[ids[spm(NO)], DECIDE] -= 0.35
    out[ids[spm(NO)]] += 0.02 * embd[ids[spm(T0)]]

    w = gguf.GGUFWriter(os.path.join(path, "tiny-vlm.gguf"), "llama")
    w.add_name("semio tiny test VLM")
    w.add_context_length(N_CTX)
    w.add_embedding_length(n_embd)
    w.add_block_count(N_LAYER)
    w.add_feed_forward_length(N_FF)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_HEAD)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_dimension_count(n_embd // N_HEAD)
    w.add_rope_freq_base(1e6)  # the head's last pair of dimensions hardly turns with position
    w.add_vocab_size(n_vocab)
    w.add_file_type(0)  # all F32
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores([0.0] * n_vocab)
    w.add_token_types(types)
    w.add_unk_token_id(ids["<unk>"])
    w.add_bos_token_id(ids["<s>"])
    w.add_eos_token_id(ids["<|end|>"])
    w.add_eot_token_id(ids["<|end|>"])
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    w.add_chat_template(TEMPLATE)

    w.add_tensor("token_embd.weight", embd)
    w.add_tensor("output_norm.weight", np.ones(n_embd, f32))
    w.add_tensor("output.weight", out)
    d_head = n_embd // N_HEAD
    small = lambda *shape: (0.02 * rng.standard_normal(shape)).astype(f32)  # noqa: E731
    for il in range(N_LAYER):
        q, k, v, o = small(n_embd, n_embd), small(n_embd, n_embd), small(n_embd, n_embd), small(n_embd, n_embd)
        if il == 0:
            # head 0 looks from the answer's first phrase at the pictures' tokens only: its
            # query (last, slowest-turning rope dimension) is large there and its key is the
            # picture flag; the values carry the pictures' features and the output writes
            # their sum, seen through a random direction, into the decision dimension
            # (after RMS norm a unit vector in 64 dimensions has length 8)
            q[d_head - 1, :] = 0
            q[d_head - 1] = embd[ids[spm(T0)]] * 1.2
            k[d_head - 1, :] = 0
            k[d_head - 1, IMG_FLAG] = 1.2
            v[:d_head, :] = 0
            v[:N_FEAT, IMG_FEAT:IMG_FEAT + N_FEAT] = rng.standard_normal((N_FEAT, N_FEAT))
            o[:, :d_head] = 0
            o[DECIDE, :N_FEAT] = 0.5 * rng.standard_normal(N_FEAT)
        o[DECIDE, d_head:] = 0  # only that head writes the decision
        w.add_tensor("blk.%d.attn_norm.weight" % il, np.ones(n_embd, f32))
        w.add_tensor("blk.%d.attn_q.weight" % il, q)
        w.add_tensor("blk.%d.attn_k.weight" % il, k)
        w.add_tensor("blk.%d.attn_v.weight" % il, v)
        w.add_tensor("blk.%d.attn_output.weight" % il, o)
        w.add_tensor("blk.%d.ffn_norm.weight" % il, np.ones(n_embd, f32))
        w.add_tensor("blk.%d.ffn_gate.weight" % il, small(N_FF, n_embd))
        w.add_tensor("blk.%d.ffn_up.weight" % il, small(N_FF, n_embd))
        down = small(n_embd, N_FF)
        down[DECIDE] = 0
        w.add_tensor("blk.%d.ffn_down.weight" % il, down)
    finish(w)
    return n_vocab


def mmproj(gguf, path, rng, n_embd):
    f32 = np.float32
    rand = lambda *shape, s=0.2: (s * rng.standard_normal(shape)).astype(f32)  # noqa: E731
    n_patch = (V_IMAGE // V_PATCH) ** 2
    w = gguf.GGUFWriter(os.path.join(path, "tiny-vlm-mmproj.gguf"), "clip")
    w.add_type(gguf.GGUFType.MMPROJ)
    w.add_name("semio tiny test VLM projector")
    w.add_file_type(0)
    w.add_clip_has_vision_encoder(True)
    w.add_clip_projector_type("mlp")
    w.add_vision_projection_dim(n_embd)
    w.add_vision_image_size(V_IMAGE)
    w.add_vision_patch_size(V_PATCH)
    w.add_vision_embedding_length(V_EMBD)
    w.add_vision_feed_forward_length(V_FF)
    w.add_vision_block_count(V_LAYER)
    w.add_vision_head_count(V_HEAD)
    w.add_vision_attention_layernorm_eps(1e-5)
    w.add_vision_image_mean([0.5, 0.5, 0.5])
    w.add_vision_image_std([0.5, 0.5, 0.5])
    w.add_vision_use_gelu(True)

    w.add_tensor("v.patch_embd.weight", rand(V_EMBD, 3, V_PATCH, V_PATCH, s=0.1))
    w.add_tensor("v.patch_embd.bias", rand(V_EMBD))
    w.add_tensor("v.position_embd.weight", rand(n_patch, V_EMBD))
    encoder_blocks(w, "v", V_LAYER, V_EMBD, V_FF, rand, lambda n: rand(n, s=0.02))
    w.add_tensor("v.post_ln.weight", np.ones(V_EMBD, f32))
    w.add_tensor("v.post_ln.bias", np.zeros(V_EMBD, f32))
    # the projector: its output lies in the picture dimensions only, with the flag set
    w.add_tensor("mm.0.weight", rand(V_HIDDEN, V_EMBD, s=0.5))
    w.add_tensor("mm.0.bias", rand(V_HIDDEN, s=0.1))
    w2 = np.zeros((n_embd, V_HIDDEN), f32)
    w2[IMG_FEAT:IMG_FEAT + N_FEAT] = rand(N_FEAT, V_HIDDEN, s=0.5)
    b2 = np.zeros(n_embd, f32)
    b2[IMG_FLAG] = 1.0
    w.add_tensor("mm.2.weight", w2)
    w.add_tensor("mm.2.bias", b2)
    finish(w)


def audio_mmproj(gguf, path, rng, n_embd):
    """A projector that hears and does not see: a Qwen2-Audio-style Whisper encoder (the
    tensors libmtmd loads for `qwen2a`) and no vision encoder. Never run; it is there to be
    refused for pictures."""
    f32 = np.float32
    rand = lambda *shape: (0.2 * rng.standard_normal(shape)).astype(f32)  # noqa: E731
    w = gguf.GGUFWriter(os.path.join(path, "tiny-audio-mmproj.gguf"), "clip")
    w.add_type(gguf.GGUFType.MMPROJ)
    w.add_name("semio tiny test audio projector")
    w.add_file_type(0)
    w.add_clip_has_vision_encoder(False)
    w.add_clip_has_audio_encoder(True)
    w.add_clip_projector_type("qwen2a")
    w.add_audio_projection_dim(n_embd)
    w.add_audio_embedding_length(A_EMBD)
    w.add_audio_feed_forward_length(A_FF)
    w.add_audio_block_count(A_LAYER)
    w.add_audio_head_count(A_HEAD)
    w.add_audio_attention_layernorm_eps(1e-5)
    w.add_audio_num_mel_bins(A_MEL)
    w.add_tensor("a.conv1d.1.weight", rand(A_EMBD, A_MEL, 3))
    w.add_tensor("a.conv1d.1.bias", rand(A_EMBD))
    w.add_tensor("a.conv1d.2.weight", rand(A_EMBD, A_EMBD, 3))
    w.add_tensor("a.conv1d.2.bias", rand(A_EMBD))
    w.add_tensor("a.position_embd.weight", rand(A_POS, A_EMBD))
    encoder_blocks(w, "a", A_LAYER, A_EMBD, A_FF, rand, rand)
    w.add_tensor("a.post_ln.weight", np.ones(A_EMBD, f32))
    w.add_tensor("a.post_ln.bias", np.zeros(A_EMBD, f32))
    w.add_tensor("mm.a.fc.weight", rand(n_embd, A_EMBD))
    w.add_tensor("mm.a.fc.bias", rand(n_embd))
    finish(w)


def encoder_blocks(w, prefix, layers, embd, ff, weight, bias):
    """An encoder's transformer blocks as libmtmd names them ("v" for pictures, "a" for
    sound): attention with biases, two layer norms, a feed-forward; weight(*shape) and
    bias(n) make the random tensors, drawn in this order."""
    f32 = np.float32
    for il in range(layers):
        p = "%s.blk.%d." % (prefix, il)
        for name in ("attn_q", "attn_k", "attn_v", "attn_out"):
            w.add_tensor(p + name + ".weight", weight(embd, embd))
            w.add_tensor(p + name + ".bias", bias(embd))
        for name in ("ln1", "ln2"):
            w.add_tensor(p + name + ".weight", np.ones(embd, f32))
            w.add_tensor(p + name + ".bias", np.zeros(embd, f32))
        w.add_tensor(p + "ffn_up.weight", weight(ff, embd))
        w.add_tensor(p + "ffn_up.bias", bias(ff))
        w.add_tensor(p + "ffn_down.weight", weight(embd, ff))
        w.add_tensor(p + "ffn_down.bias", bias(embd))


def finish(w):
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gguf-py", required=True, help="llama.cpp's gguf-py folder")
    ap.add_argument("--out", required=True, help="folder for the GGUF files")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--n-embd", type=int, default=64,
                    help="the text model's width and the projection's (a multiple of %d above %d)"
                    % (N_HEAD, DECIDE))
    ap.add_argument("--audio", action="store_true",
                    help="also write tiny-audio-mmproj.gguf, a projector with no vision encoder")
    args = ap.parse_args()
    if args.n_embd <= DECIDE or args.n_embd % N_HEAD:
        ap.error("--n-embd must be a multiple of %d above %d" % (N_HEAD, DECIDE))
    sys.path.insert(0, args.gguf_py)
    import gguf  # noqa: E402 (llama.cpp's own, from the folder given)
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    text_model(gguf, args.out, rng, args.n_embd)
    mmproj(gguf, args.out, rng, args.n_embd)
    if args.audio:
        audio_mmproj(gguf, args.out, rng, args.n_embd)


if __name__ == "__main__":
    main()
