"""The hub-free test model is deterministic and loads like any Hugging Face checkpoint."""
from __future__ import annotations

import importlib.util

from r1eval.generate.demo_models import tiny_llama_dir
from tests.conftest import require


def test_tiny_llama_is_deterministic_and_has_a_chat_template(tmp_path):
    require(importlib.util.find_spec("transformers") is not None, "transformers is not installed")
    first, second = tiny_llama_dir(tmp_path / "a"), tiny_llama_dir(tmp_path / "b")
    for name in ("model.safetensors", "tokenizer.json", "config.json"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert tiny_llama_dir(first) == first  # already built: returned as is

    from transformers import AutoConfig, AutoTokenizer

    config = AutoConfig.from_pretrained(first)
    assert (config.num_hidden_layers, config.hidden_size, config.num_attention_heads, config.head_dim) == (2, 64, 2, 32)
    tokenizer = AutoTokenizer.from_pretrained(first)
    text = tokenizer.apply_chat_template([{"role": "user", "content": "1+1?"}], add_generation_prompt=True,
                                         tokenize=False)
    assert text == "<|user|>\n1+1?</s>\n<|assistant|>\n"
    assert tokenizer.decode(tokenizer("the answer is 42")["input_ids"]) == "the answer is 42"
