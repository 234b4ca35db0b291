"""Hand-written inputs for tools/gen_golden.py, grouped by oracle mode.

They aim at the corners where a port most easily drifts from go-yaml:
resolution, quoting, folding, block scalars, key order, errors.
"""
import json

STRINGS = [
    "", " ", "a", "yes", "no", "on", "off", "y", "n", "Y", "N", "true", "False", "~", "null", "Null",
    "NULL", "1", "-1", "+1", "1.0", "1e3", "1E3", "1e+3", ".5", "5.", "0x10", "0o17", "017", "09",
    "0b101", "-0b101", "1_000", "1__0", "_1", "2001-12-14", "2001-12-14T21:59:43.10Z",
    "2001-12-14 21:59:43.10", "2001-12-14 21:59:43.10 -5", "2001-02-30", "12:30", "1:20:30",
    "1:20:30.5", "190:20:30.15", "-1:2", ".inf", "-.inf", "+.inf", ".nan", ".NaN", ".Inf", ".iNf",
    "<<", "-", "--", "---", "...", "?", ":", "?x", ":x", "-x", "- x", "? x", ": x", "a: b", "a:b",
    "a :b", "a #b", "a#b", "#a", "'q'", "\"dq\"", "@x", "`x", "%x", "!x", "&x", "*x", "|x", ">x",
    "[x", "]x", "{x", "}x", ",x", "x,", "x]", "a[b]", "tab\there", "\ttab", "trail ", " lead",
    "é", "日本語", "emoji 😀", "\ufeffbom", "x\ufeff", "nel\u0085x", "ls\u2028x", "del\u007fx",
    "nul\u0000x", "bell\u0007", "esc\u001b", "nbsp\u00a0x", "\u00ad", "\ue000", "\ufffd", "\u0080",
    "a\nb", "a\n", "a\n\n", "\n", "\n\n", "\na", " a\nb", "a\n b", "a \nb", "a\n\nb", "a\r\nb",
    "x\n ", "a\tb\nc", "line1\nline2\nline3\n", "  two\nlines", "a\u2028b\nc", "a\u0085b",
    "a" * 79, "a" * 80, "a" * 81, "a" * 200,
    " ".join(["word"] * 30), " ".join(["longerword"] * 20), "x " * 60,
    "a  b " * 30 + "end", "- " + "item " * 30, "# " + "c " * 50, "tab\t" + "w " * 50,
    "'" + "quoted words " * 10 + "'", "yes " * 30, "a" * 70 + "  " + "b" * 30,
    "a" * 81 + " " + "b" * 10, "x" * 78 + " y z", "end with space " * 8 + " ",
    "k: " * 40, "unicode é " * 12, "\ttab start " * 8, "trailing newline " * 8 + "\n",
    "multi\nline " + "w " * 50 + "\nend",
]

KEYS = [
    "a", "b", "A", "B", "a1", "a2", "a10", "a01", "a001", "1", "01", "10", "2", "-1", "_a", "a_b",
    "a-b", "aB", "ab", "é", "z", "", " ", "yes", "null", "1.5", "true", "key with spaces",
    "k" * 129, "k" * 128, "multi\nline key", "x10y", "x9y", "x09y", "v1.10", "v1.9", "v1.09",
    "0", "00", "000a", "a0", "a00",
]

NUMBERS = [0, 1, -1, 1.5, -0.0, 3.0, 1e21, 1e20, 1e-7, 1.5e-7, 1e-6, 123456789.5, 1234567.0,
           0.1, 1 / 3, 2 ** 53, 2 ** 63, 2 ** 64, -(2 ** 63), 9007199254740993, 1e300, 5e-324,
           100000, 1e6, 1.0e15, 12345678901234567890]


def to_yaml_inputs():
    out = []
    for s in STRINGS:
        out.append(json.dumps(s))
        out.append(json.dumps({"k": s}))
        out.append(json.dumps({"k": [s]}))
        out.append(json.dumps({"k": {"n": {"m": s}}}))
        out.append(json.dumps({s: 1}))
        out.append(json.dumps([[s]]))
    out.append(json.dumps({k: i for i, k in enumerate(KEYS)}))
    for n in NUMBERS:
        out.append(json.dumps({"n": n, "l": [n]}))
    out += [
        "null", "{}", "[]", '{"a":{}}', '{"a":[]}', '{"a":[{}]}', '[[],[[]],{}]', '{"a":null}',
        '{"a":[{"b":1,"c":[1,2]},{"d":{"e":"f"}}]}', '[{"a":1},[2,[3]]]', '{"a":[[1,2],[3]]}',
        '{"a":true,"b":false}', '[1.5,-2,3e2]', '{"long":{"nested":{"deeper":{"deepest":"' +
        "word " * 40 + '"}}}}', '{"a":"' + "x" * 2000 + '"}', '{"' + "k" * 1100 + '":1}',
        '{"' + "<" * 200 + '":1}', '{"s":"<&>"}',
    ]
    return out


YAML = [
    "", "\n", "# only a comment\n", "---\n", "...\n", "a: 1\n", "- a\n- b\n", "a:\n  - b\n  - c\n",
    "a:\n- b\n- c\n", "? a\n: b\n", "? [a, b]\n: c\n", "{a: 1, b: [2, 3]}", "[a, {b: c}]",
    "a: &x 1\nb: *x\n", "a: &x {c: d}\nb:\n  <<: *x\n  e: f\n",
    "a: &x {c: d}\nb: &y {g: h}\nc:\n  <<: [*x, *y]\n  c: z\n", "b:\n  c: 1\n  <<: {c: 2}\n",
    "a: <<\n", "'<<': {a: 1}\n", "<<: 1\n", "<<: [1]\n", "a: &a [*a]\n", "a: *unknown\n",
    "a: !!str 123\n", "a: !!int 123\n", "a: !!int abc\n", "a: !!float 1\n", "a: !!bool yes\n",
    "a: !!null ~\n", "a: !!timestamp 2001-01-01\n", "a: !!timestamp foo\n", "a: !foo bar\n",
    "a: ! 12\n", "a: !!binary aGVsbG8=\n", "a: !!binary '!!!'\n", "a: !!binary |\n  aGVs\n  bG8=\n",
    "a: !<tag:yaml.org,2002:str> 1\n", "%YAML 1.1\n---\na: 1\n", "%YAML 1.2\n---\na: 1\n",
    "%TAG !e! tag:example.com,2000:\n---\na: !e!foo 1\n", "a: !e!foo 1\n",
    "a: 1\n---\nb: 2\n", "a: 1\n...\n---\nb: 2\n", "---\n---\n", "a: 1\n---\nb: : c\n",
    "a:\n\tb: 1\n", "a: b: c\n", "a:\n  b: 1\n c: 2\n", "- a\nb: c\n", "a: 'unterminated\n",
    "a: \"unterminated\n", "a: [1, 2\n", "a: {b: 1\n", "[1, 2]]\n", "a: |\n  x\n y\n",
    "key: value\ninvalid\n", "a:\n  b\n  c: d\n", "a: @b\n", "a: `b\n", "- - a\n  - b\n- c\n",
    "a: 1\na: 2\n", "a: 1\nb: 2\na: 3\n", "{a: 1, a: 2}", "1.5: a\n", "true: a\n",
    "~: a\n", "[a]: b\n", "{a: b}: c\n", ".nan: a\n", "0x10: a\n", "9223372036854775808: a\n",
    "a: 0x10\nb: 0o17\nc: 017\nd: 09\ne: 0b101\nf: -0b101\ng: 1_000\nh: +12\ni: .5\nj: 1e3\n",
    "a: 18446744073709551615\nb: 18446744073709551616\nc: -9223372036854775809\n",
    "a: 1e400\nb: -1e400\nc: 1e-400\n", "a: .inf\nb: -.Inf\nc: .NAN\n",
    "a: |\n  line1\n  line2\n", "a: |-\n  x\n", "a: |+\n  x\n\n", "a: >\n  folded\n  text\n\n  para\n",
    "a: >-\n  x\n   y\n  z\n", "a: |2\n   x\n", "a: |0\n  x\n", "a: 'it''s'\n",
    "a: \"esc \\t \\n \\x41 \\u00e9 \\U0001F600 \\N \\_ \\L \\P \\0 \\e \\/\"\n",
    "a: \"bad \\q\"\n", "a: \"\\ud800\"\n", "a: plain\n  continued\n", "a: 'multi\n  line'\n",
    "a: \"multi\n\n  line\"\n", "a: b # comment\n", "a: b#notcomment\n", "- &a x\n- *a\n",
    "a: [\n  1,\n  2\n]\n", "{\"json\": [1, 2.5, \"x\", null, true]}", "a:\r\n  b: c\r\n",
    "\ufeffa: 1\n", "a: 2001-12-14\nb: 2001-12-14 21:59:43.10\n", "a: 12:30:00\n",
    "- yes\n- No\n- on\n- OFF\n- y\n- n\n", "a: ~\nb: null\nc:\nd: ''\n", "? |\n  block key\n: v\n",
    "a:\n  - b:\n      c: d\n", "a: [b, [c, [d]]]\n", "a: {b: {c: {}}}\n", "a: []\nb: {}\n",
    "a: -\n", "a: - b\n", "- - - x\n", "a:    \n  b\n", "\t\n", "a: b\n\t\n",
    "x" * 2000 + ": 1\n", "a: " + "w " * 600 + "\n",
    "a: &a [1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
    "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n",
    "[" * 100 + "]" * 100, "a:\n" + "".join("  " * i + "k:\n" for i in range(1, 60)),
    "a: 'x\n\n  y'\n", "- a\n -b\n", "a:\n- b\n -c\n", "!!map {a: 1}", "!!seq [a]", "&a a: b\n",
    "a: *a\n", "? a\n? b\n", "a: b\n? c\n", ": x\n", "- : x\n", "{: x}\n", "[a: 1, b]\n",
    "{a, b: c}\n", "a: {b, c}\n", "? - a\n  - b\n: c\n",
]

# Raw bytes (reader: BOMs, UTF-16, invalid UTF-8, control characters).
BYTES = [
    b"\xff\xfea\x00:\x00 \x001\x00\n\x00", b"\xfe\xff\x00a\x00:\x00 \x001\x00\n",
    b"a: \xff\n", b"a: \xc3\n", b"a: \xc3\x28\n", b"a: \xe0\x80\x80\n", b"a: \xed\xa0\x80\n",
    b"a: \x01\n", b"a: \x7f\n", b"a: b\n" * 200 + b"c: \x80\n", b"a: [\n" + b"x" * 600 + b"\xff",
    b"\xef\xbb\xbfa: 1\n", b"\xff\xfe\x00\xd8", b"\xff\xfea\x00",
]

JSON = [
    "{}", "[]", "null", "true", "1", "-0", "1.5", "1e21", "1e20", "1e-7", "0.000001", "123456789.5",
    "\"<a&b>\u2028\"", "{\"b\":1,\"a\":[1,{\"c\":null}],\"\u00e9\":\"x\"}", "[[],{},[{}]]",
    "{\"a\":1,\"a\":2}", "\"\\ud83d\\ude00 \\ud800 \\udc00x\"", "\"\\u0001\\u001f\\u007f\"",
    "1e400", "[1e400]", "{\"a\"", "[1,]", "{\"a\":}", "01", "-", "1.", "1e", "tru", "nul", "\"abc",
    "\"\\x\"", "\"\\u12\"", "\"a\tb\"", "[1 2]", "{\"a\" 1}", "{\"a\":1 \"b\"}", "1 2", "  ",
    "{\"deep\":[[[[[[[[[[1]]]]]]]]]]}", "12345678901234567890", "0.1", "100", "-1e-10",
]

CASES = {
    "decode": YAML,
    "strict": [y for y in YAML if "a: 1\na" in y or "{a: 1, a" in y or "<<" in y],
    "all": YAML,
    "sigs": YAML,
    "y2j": YAML,
    "toyaml": to_yaml_inputs(),
    "json": JSON,
}
# Go's map iteration decides which of the colliding keys wins in sigs.
CASES["decode"] = CASES["decode"] + BYTES + ["1: a\n'1': b\n"]
CASES["sigs"] = CASES["sigs"] + BYTES
