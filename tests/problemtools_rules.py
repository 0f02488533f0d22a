"""problemtools' default output validator, its verdicts on corner cases, written down from its source
(support/default_validator/default_validator.cc in Kattis/problemtools, read and restated as facts; none of it is
run or copied here), for tests/test_problemtools_rules.py. r1eval's `tokens` checker (sandbox/output_check.py)
must give the same verdict on every case, except where `deviation` says why r1eval is stricter.

The facts:
- SPACE: the answer and the output are read as bytes in the C locale; tokens are what `stream >> string` reads, so
  the separators are exactly the six ASCII isspace() bytes (space, \\t, \\n, \\v, \\f, \\r). Any other byte (a
  control byte like \\x1c, a non-breaking or ideographic space) is part of a token.
- CASE: tokens compare with strcasecmp (ASCII letters only fold) unless `case_sensitive` (strcmp).
- FLOAT: with a tolerance flag, an answer token is a float when sscanf("%lf%10s") reads exactly one double from
  it and the value is finite: strtod's syntax (optional sign; decimal digits with an optional point and e
  exponent, or 0x hexadecimal with an optional p exponent); ASCII digits only; no underscores; inf, nan and
  values that overflow are not floats. The output's token must then be a float too, and it passes when
  |answer - output| <= abs_tol or <= rel_tol * |answer| (a missing tolerance is -1: never satisfied).
  float_tolerance sets both. An answer token that is not a float is compared as a string.
- NOFLOAT: without a tolerance flag every token compares as a string: 1.0 is not 1.
- COUNT: fewer tokens than the answer, or any token after the answer's last, is a wrong answer.
- SPACECHANGE: with space_change_sensitive, every whitespace byte of the answer must be matched by the same byte
  in the output, and the output may have no whitespace where the answer has none (leading and trailing too).
"""
from __future__ import annotations

from dataclasses import dataclass

SPACE, CASE, FLOAT, NOFLOAT, COUNT, SPACECHANGE = "SPACE", "CASE", "FLOAT", "NOFLOAT", "COUNT", "SPACECHANGE"
NUL = "r1eval is stricter: strcmp and sscanf stop at a NUL byte inside a token (the C string ends there), so " \
      "problemtools accepts a token with a NUL and anything after it; r1eval compares the whole token"


@dataclass(frozen=True)
class Case:
    name: str
    answer: str
    output: str
    flags: tuple[str, ...]  # output_validator_flags words
    problemtools_accepts: bool
    rule: str
    deviation: str = ""  # why r1eval's verdict differs ("" = it must agree)


TOL = ("float_tolerance", "1e-6")
CASES = (
    Case("spaces_and_newlines_are_free", "1 2\n3\n", "  1\n\n2\t3", (), True, SPACE),
    Case("cr_lf_is_whitespace", "YES\n", "YES\r\n", (), True, SPACE),
    Case("vertical_tab_and_form_feed_separate", "a b c", "a\vb\fc", (), True, SPACE),
    Case("control_byte_x1c_is_not_a_separator", "1 2", "1\x1c2", (), False, SPACE),
    Case("unit_separator_x1f_is_not_a_separator", "1 2", "1\x1f2", (), False, SPACE),
    Case("no_break_space_is_not_a_separator", "1 2", "1\u00a02", (), False, SPACE),
    Case("ideographic_space_is_not_a_separator", "1 2", "1\u30002", (), False, SPACE),
    Case("next_line_u0085_is_not_a_separator", "1 2", "1\u00852", (), False, SPACE),
    Case("ascii_case_folds", "Case #1: YES", "case #1: yes", (), True, CASE),
    Case("case_sensitive_flag", "YES", "yes", ("case_sensitive",), False, CASE),
    Case("kelvin_sign_is_not_k", "OK", "O\u212a", (), False, CASE),
    Case("dotted_capital_i_is_not_i", "hi", "H\u0130", (), False, CASE),
    Case("german_sharp_s_is_not_ss", "STRASSE", "stra\u00dfe", (), False, CASE),
    Case("non_ascii_equal_text_passes", "\u00e9t\u00e9", "\u00e9t\u00e9", (), True, CASE),
    Case("non_ascii_letters_do_not_fold", "\u00c9T\u00c9", "\u00e9t\u00e9", (), False, CASE),
    Case("no_tolerance_means_text", "1", "1.0", (), False, NOFLOAT),
    Case("no_tolerance_leading_zero_differs", "7", "07", (), False, NOFLOAT),
    Case("within_absolute_tolerance", "0.333333", "0.3333335", TOL, True, FLOAT),
    Case("within_relative_tolerance", "1000000", "1000000.5", TOL, True, FLOAT),
    Case("outside_both_tolerances", "0.333333", "0.33", TOL, False, FLOAT),
    Case("integer_answer_takes_a_float", "3", "3.0000001", TOL, True, FLOAT),
    Case("exponent_form_is_a_float", "1500", "1.5e3", TOL, True, FLOAT),
    Case("leading_plus_is_a_float", "2", "+2", TOL, True, FLOAT),
    Case("trailing_point_is_a_float", "2", "2.", TOL, True, FLOAT),
    Case("leading_point_is_a_float", "0.5", ".5", TOL, True, FLOAT),
    Case("hex_float_is_a_float", "16", "0x10", TOL, True, FLOAT),
    Case("hex_float_with_exponent", "12", "0x1.8p3", TOL, True, FLOAT),
    Case("underscore_digit_groups_are_not_a_float", "5.6055", "5.60_55", TOL, False, FLOAT),
    Case("underscore_integer_is_not_a_float", "1000", "1_000", TOL, False, FLOAT),
    Case("arabic_indic_digits_are_not_a_float", "12", "\u0661\u0662", TOL, False, FLOAT),
    Case("fullwidth_digits_are_not_a_float", "12", "\uff11\uff12", TOL, False, FLOAT),
    Case("superscript_digit_is_not_a_float", "2", "\u00b2", TOL, False, FLOAT),
    Case("inf_is_not_a_float", "1e308", "inf", TOL, False, FLOAT),
    Case("nan_is_not_a_float", "0", "nan", TOL, False, FLOAT),
    Case("overflow_is_not_a_float", "1e308", "1e999", TOL, False, FLOAT),
    Case("dangling_exponent_is_not_a_float", "1", "1e", TOL, False, FLOAT),
    Case("text_where_a_float_is_expected", "0.5", "abc", TOL, False, FLOAT),
    Case("text_answer_compares_as_text_under_tolerance", "impossible", "IMPOSSIBLE", TOL, True, FLOAT),
    Case("nan_answer_compares_as_text", "nan", "NaN", TOL, True, FLOAT),
    Case("absolute_only_is_not_relative", "1000000", "1000000.5", ("float_absolute_tolerance", "1e-6"), False,
         FLOAT),
    Case("relative_only", "1000000", "1000000.5", ("float_relative_tolerance", "1e-6"), True, FLOAT),
    Case("fewer_tokens", "1 2 3", "1 2", (), False, COUNT),
    Case("trailing_token", "1 2", "1 2 3", (), False, COUNT),
    Case("empty_output_for_an_answer", "0", "", (), False, COUNT),
    Case("whitespace_only_for_empty_answer", "", " \n", (), True, COUNT),
    Case("space_change_equal", "1 2\n", "1 2\n", ("space_change_sensitive",), True, SPACECHANGE),
    Case("space_change_double_space", "1 2\n", "1  2\n", ("space_change_sensitive",), False, SPACECHANGE),
    Case("space_change_missing_newline", "1 2\n", "1 2", ("space_change_sensitive",), False, SPACECHANGE),
    Case("space_change_extra_trailing_newline", "1 2\n", "1 2\n\n", ("space_change_sensitive",), False,
         SPACECHANGE),
    Case("space_change_tab_for_space", "1 2", "1\t2", ("space_change_sensitive",), False, SPACECHANGE),
    Case("space_change_still_folds_case", "Yes\n", "YES\n", ("space_change_sensitive",), True, SPACECHANGE),
    Case("nul_inside_a_token", "abc", "abc\x00xyz", (), True, CASE, deviation=NUL),
    Case("nul_after_a_float", "1", "1\x00abc", TOL, True, FLOAT, deviation=NUL),
)
