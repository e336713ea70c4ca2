#!/usr/bin/python3
"""Writes a vision-language model with the shapes of LLaVA-1.5-7B and random weights, for
timing the engines at a real model's scale where no weights can be downloaded:

  DIR/llava-shapes.gguf         a `llama` text model: 32 layers, n_embd 4096, n_ff 11008,
                                32 heads, a 32000-token SentencePiece-style vocabulary, F16;
  DIR/llava-shapes-mmproj.gguf  a `clip` vision encoder as LLaVA-1.5's (ViT-L/14 at 336
                                pixels, 23 layers, 576 tokens a picture) with its `mlp`
                                projector, F16.

The answers mean nothing (the weights are noise: every answer runs to max_tokens), but every
matrix product, the pictures' tokens and the KV cache have a real model's sizes. The chat
template is ChatML, which llama-server (Jinja) and libllama's built-in templates write alike.
Weights are one seeded random block tiled over each tensor: about 13 GB written in seconds.
Needs numpy and llama.cpp's own gguf-py (--gguf-py). Usage:
  python3 bench/make_llava_shapes.py --gguf-py DIR --out DIR [--layers N] [--seed N]
"""
import argparse
import os
import re
import sys

import numpy as np

# the test model's writer: the encoder's blocks and the file's ending are the same here
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from make_tiny_vlm import encoder_blocks, finish  # noqa: E402

# LLaVA-1.5 was trained at 4096 tokens; a window of 60 pictures is some 35k, and llama-server
# caps its slots at the training context, so the file says 65536
N_VOCAB, N_EMBD, N_HEAD, N_FF, N_LAYER, N_CTX = 32000, 4096, 32, 11008, 32, 65536
V_EMBD, V_HEAD, V_FF, V_LAYER, V_IMAGE, V_PATCH = 1024, 16, 4096, 23, 336, 14
TEMPLATE = ("{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' }}"
            "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
            "{% for part in message['content'] %}{% if part['type'] == 'text' %}"
            "{{ part['text'] }}{% endif %}{% endfor %}{% endif %}{{ '<|im_end|>\\n' }}"
            "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")


def english_pieces():
    """Every word of semio's questions and sign definitions, and each of its beginnings (as
    SentencePiece reaches a word: by joining a piece and the next letter), so a question
    costs about as many tokens as a real 32000-token vocabulary makes of it."""
    data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
    text = ""
    for root, _, files in os.walk(data):
        for name in files:
            if name.endswith(".tsv"):
                with open(os.path.join(root, name), encoding="utf-8") as f:
                    text += f.read() + " "
    pieces = []
    for word in sorted(set(re.findall(r"[A-Za-z]+", text))):
        for start in ("\u2581", ""):
            w = start + word
            pieces += [w[:n] for n in range(2, len(w) + 1)]
    return pieces


def vocabulary(rng):
    """Control tokens, the 256 bytes, printable ASCII, the English words semio asks in,
    then made-up pieces to 32000. Scores: a longer piece is joined first."""
    tokens = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"]
    types = [2, 3, 3, 3, 3]
    tokens += ["<0x%02X>" % b for b in range(256)]
    types += [6] * 256
    tokens += ["\u2581"] + [chr(c) for c in range(0x21, 0x7f)]
    types += [1] * (1 + 0x7f - 0x21)
    seen = set(tokens)
    for piece in english_pieces():
        if piece not in seen:
            seen.add(piece)
            tokens.append(piece)
            types.append(1)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    while len(tokens) < N_VOCAB:
        n = int(rng.integers(2, 8))
        piece = ("\u2581" if rng.random() < 0.5 else "") + "".join(rng.choice(letters, n))
        if piece not in seen:
            seen.add(piece)
            tokens.append(piece)
            types.append(1)
    scores = [0.0] * 261 + [float(len(t)) for t in tokens[261:]]
    return tokens, scores, types


class Weights:
    """Random tensors cut from one seeded block (F16 for matrices, F32 for vectors)."""

    def __init__(self, rng):
        self.block = (0.02 * rng.standard_normal(1 << 24)).astype(np.float16)

    def matrix(self, *shape):
        return np.resize(self.block, shape)

    def vector(self, n, value=None):
        if value is not None:
            return np.full(n, value, np.float32)
        return np.resize(self.block, n).astype(np.float32)


def text_model(gguf, path, rng, weights, layers):
    tokens, scores, types = vocabulary(rng)
    w = gguf.GGUFWriter(os.path.join(path, "llava-shapes.gguf"), "llama")
    w.add_name("semio benchmark: LLaVA-1.5-7B shapes, random weights")
    w.add_context_length(N_CTX)
    w.add_embedding_length(N_EMBD)
    w.add_block_count(layers)
    w.add_feed_forward_length(N_FF)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_HEAD)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_dimension_count(N_EMBD // N_HEAD)
    w.add_rope_freq_base(10000.0)
    w.add_vocab_size(N_VOCAB)
    w.add_file_type(1)  # mostly F16
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_unk_token_id(0)
    w.add_bos_token_id(1)
    w.add_eos_token_id(4)
    w.add_eot_token_id(4)
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    w.add_chat_template(TEMPLATE)
    w.add_tensor("token_embd.weight", weights.matrix(N_VOCAB, N_EMBD))
    w.add_tensor("output_norm.weight", weights.vector(N_EMBD, 1.0))
    w.add_tensor("output.weight", weights.matrix(N_VOCAB, N_EMBD))
    for il in range(layers):
        p = "blk.%d." % il
        w.add_tensor(p + "attn_norm.weight", weights.vector(N_EMBD, 1.0))
        for name in ("attn_q", "attn_k", "attn_v", "attn_output"):
            w.add_tensor(p + name + ".weight", weights.matrix(N_EMBD, N_EMBD))
        w.add_tensor(p + "ffn_norm.weight", weights.vector(N_EMBD, 1.0))
        w.add_tensor(p + "ffn_gate.weight", weights.matrix(N_FF, N_EMBD))
        w.add_tensor(p + "ffn_up.weight", weights.matrix(N_FF, N_EMBD))
        w.add_tensor(p + "ffn_down.weight", weights.matrix(N_EMBD, N_FF))
    finish(w)


def mmproj(gguf, path, weights):
    n_pos = (V_IMAGE // V_PATCH) ** 2 + 1  # the patches and the class token
    w = gguf.GGUFWriter(os.path.join(path, "llava-shapes-mmproj.gguf"), "clip")
    w.add_type(gguf.GGUFType.MMPROJ)
    w.add_name("semio benchmark: LLaVA-1.5 projector shapes, random weights")
    w.add_file_type(1)
    w.add_clip_has_vision_encoder(True)
    w.add_clip_projector_type("mlp")
    w.add_vision_projection_dim(N_EMBD)
    w.add_vision_image_size(V_IMAGE)
    w.add_vision_patch_size(V_PATCH)
    w.add_vision_embedding_length(V_EMBD)
    w.add_vision_feed_forward_length(V_FF)
    w.add_vision_block_count(V_LAYER)
    w.add_vision_head_count(V_HEAD)
    w.add_vision_attention_layernorm_eps(1e-5)
    w.add_vision_image_mean([0.48145466, 0.4578275, 0.40821073])
    w.add_vision_image_std([0.26862954, 0.26130258, 0.27577711])
    w.add_vision_use_gelu(False)  # quick GELU, as CLIP
    w.add_tensor("v.class_embd", weights.vector(V_EMBD))
    w.add_tensor("v.patch_embd.weight", weights.matrix(V_EMBD, 3, V_PATCH, V_PATCH))
    w.add_tensor("v.position_embd.weight", weights.matrix(n_pos, V_EMBD))
    w.add_tensor("v.pre_ln.weight", weights.vector(V_EMBD, 1.0))
    w.add_tensor("v.pre_ln.bias", weights.vector(V_EMBD, 0.0))
    encoder_blocks(w, "v", V_LAYER, V_EMBD, V_FF, weights.matrix, weights.vector)
    w.add_tensor("mm.0.weight", weights.matrix(N_EMBD, V_EMBD))
    w.add_tensor("mm.0.bias", weights.vector(N_EMBD))
    w.add_tensor("mm.2.weight", weights.matrix(N_EMBD, N_EMBD))
    w.add_tensor("mm.2.bias", weights.vector(N_EMBD))
    finish(w)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gguf-py", required=True, help="llama.cpp's gguf-py folder")
    ap.add_argument("--out", required=True, help="folder for the two GGUF files")
    ap.add_argument("--layers", type=int, default=N_LAYER, help="text layers (32 as LLaVA)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    sys.path.insert(0, args.gguf_py)
    import gguf  # noqa: E402 (llama.cpp's own, from the folder given)
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    weights = Weights(rng)
    text_model(gguf, args.out, rng, weights, args.layers)
    mmproj(gguf, args.out, weights)


if __name__ == "__main__":
    main()
