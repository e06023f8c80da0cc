"""PyTorch eager Float32 peer of `scripts/bench backbone`: the same Llama computation, timed the same way.

Reads the dequantised weights (GGUF names and layout, adjacent-pair RoPE) from a .safetensors file written by the
Swift benchmark, runs one case (`--case 8x128:30:forward`: one warm-up, then `--repeats` timed runs) and prints
one JSON object: the median tokens/s, every run's seconds and this process's peak resident memory (VmHWM).
"""
import argparse
import json
import struct
import time

import numpy as np
import torch
import torch.nn.functional as F


def read_safetensors(path):
    """Reads every tensor straight into its own buffer (no memory map, so file pages never count as resident)."""
    tensors = {}
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        for name, entry in header.items():
            if name == "__metadata__":
                continue
            start, end = entry["data_offsets"]
            array = np.empty(entry["shape"], dtype=np.float32)
            f.seek(8 + length + start)
            f.readinto(memoryview(array).cast("B"))
            assert array.nbytes == end - start, name
            tensors[name] = torch.from_numpy(array)
    return tensors


def peak_memory_mb():
    """VmHWM of this process (ru_maxrss would include the parent's peak, inherited across exec)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class Llama:
    def __init__(self, weights, config):
        self.w = weights
        self.c = config
        hd = config["headDim"]
        self.inv_freq = config["ropeBase"] ** (-torch.arange(0, hd, 2, dtype=torch.float64) / hd)

    def rms(self, x, weight):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.c["rmsEpsilon"]) * weight

    def rope(self, x, cos, sin):
        # x: [B, L, heads, d]; adjacent pairs (x[2i], x[2i+1]) turn together (GGUF's permuted Q/K).
        x1, x2 = x[..., 0::2], x[..., 1::2]
        return torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1).flatten(-2)

    def block(self, layer, x, cos, sin):
        c, w = self.c, lambda part: self.w[f"blk.{layer}.{part}.weight"]
        B, L, _ = x.shape
        H, KV, d = c["heads"], c["kvHeads"], c["headDim"]
        n = self.rms(x, w("attn_norm"))
        q = self.rope((n @ w("attn_q").T).view(B, L, H, d), cos, sin).transpose(1, 2)
        k = self.rope((n @ w("attn_k").T).view(B, L, KV, d), cos, sin).transpose(1, 2)
        v = (n @ w("attn_v").T).view(B, L, KV, d).transpose(1, 2)
        k = k.repeat_interleave(H // KV, dim=1)
        v = v.repeat_interleave(H // KV, dim=1)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, L, H * d)
        h = x + a @ w("attn_output").T
        n2 = self.rms(h, w("ffn_norm"))
        return h + (F.silu(n2 @ w("ffn_gate").T) * (n2 @ w("ffn_up").T)) @ w("ffn_down").T

    def logits(self, x, blocks):
        L = x.shape[1]
        angles = torch.arange(L, dtype=torch.float64)[:, None] * self.inv_freq[None]
        cos, sin = angles.cos().float()[None, :, None, :], angles.sin().float()[None, :, None, :]
        for layer in blocks:
            x = self.block(layer, x, cos, sin)
        return self.rms(x, self.w["output_norm.weight"]) @ self.w["token_embd.weight"].T


def timed_runs(run, repeats):
    run()  # warm-up
    seconds = []
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - start)
    return seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--weights", required=True)
    parser.add_argument("--config", required=True, help="JSON: width, heads, kvHeads, headDim, blocks, ...")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--case", required=True, help="BxL:blocks:mode, mode = forward or forward+backward")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    config = json.loads(args.config)
    shape, depth, mode = args.case.split(":")
    B, L = (int(v) for v in shape.split("x"))
    depth = min(int(depth), config["blocks"])
    model = Llama(read_safetensors(args.weights), config)
    embedding = model.w["token_embd.weight"]
    tokens = torch.randint(0, config["vocabularySize"], (B, L), generator=torch.Generator().manual_seed(B * L))
    blocks = range(config["blocks"] - depth, config["blocks"])

    def forward():
        with torch.no_grad():
            model.logits(F.embedding(tokens, embedding), blocks)

    def forward_backward():
        x = F.embedding(tokens, embedding).detach().requires_grad_()
        logits = model.logits(x, blocks)
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), tokens[:, 1:].reshape(-1))
        loss.backward()

    runs = {"forward": forward, "forward+backward": forward_backward}
    if mode not in runs:
        parser.error(f"unknown mode {mode}")
    seconds = timed_runs(runs[mode], args.repeats)
    median = float(np.median(seconds))
    print(json.dumps({"tokensPerSecond": B * L / median, "seconds": seconds, "peakMemoryMB": peak_memory_mb()}),
          flush=True)


if __name__ == "__main__":
    main()
