from r1eval.grading.code.blocks import extract_code, fenced_blocks

FENCE = "```"


def test_takes_last_python_block_after_think():
    response = (f"<think>try\n{FENCE}python\nprint('draft')\n{FENCE}\n</think>\nHere:\n"
                f"{FENCE}python\nprint(1)\n{FENCE}\nand improved:\n{FENCE}py\nprint(2)\n{FENCE}\n")
    assert extract_code(response) == "print(2)\n"


def test_code_inside_unclosed_think_is_not_judged():
    assert extract_code(f"<think>\n{FENCE}python\nprint(1)\n{FENCE}\n") is None


def test_sample_output_block_after_the_code_is_skipped():
    response = f"</think>{FENCE}python\nprint(int(input()) * 2)\n{FENCE}\nOutput:\n{FENCE}\n6\n{FENCE}\n"
    assert extract_code(response) == "print(int(input()) * 2)\n"


def test_untagged_block_that_looks_like_code_counts():
    response = f"</think>\n{FENCE}\nn = int(input())\nprint(n)\n{FENCE}\n"
    assert extract_code(response) == "n = int(input())\nprint(n)\n"


def test_other_languages_and_text_blocks_are_not_python():
    response = f"</think>\n{FENCE}cpp\nint main() {{}}\n{FENCE}\n{FENCE}text\nx = 1\n{FENCE}\n"
    assert extract_code(response) is None


def test_unclosed_final_fence_is_ignored_and_prose_only_has_no_code():
    assert extract_code(f"</think>{FENCE}python\nprint(1)\n{FENCE}\n{FENCE}python\nprint(") == "print(1)\n"
    assert extract_code("</think> The answer is to loop.") is None


def test_fenced_blocks_keep_inner_shorter_fences_and_tags():
    text = f"````python\nprint('{FENCE}')\n````\n"
    assert fenced_blocks(text) == [("python", f"print('{FENCE}')")]
