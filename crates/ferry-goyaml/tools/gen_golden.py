#!/usr/bin/env python3
"""Regenerates tests/data/golden.jsonl and tests/data/corpus_golden.jsonl.

Every expected value comes from the real Go code (tools/oracle) run over:
  * the string literals of go-yaml v2's own test tables (tools/extract),
  * the hand-written cases in tools/cases.py,
  * the conformance corpus (../../../shared/conformance), for which only
    the corpus path and a SHA-256 of the Go output are stored, so no corpus
    text is copied into the repository.

Needs Debian's golang-go, golang-gopkg-yaml.v2-dev and golang-k8s-sigs-yaml-dev.
Run from the crate directory: python3 tools/gen_golden.py
"""
import base64
import hashlib
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CRATE = os.path.dirname(HERE)
CORPUS = os.path.normpath(os.path.join(CRATE, "../../../shared/conformance"))
GOENV = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode")
GOYAML = "/usr/share/gocode/src/gopkg.in/yaml.v2"

sys.path.insert(0, HERE)
import cases  # noqa: E402


def oracle(items):
    data = "".join(json.dumps(i) + "\n" for i in items)
    out = subprocess.run(["go", "run", "./tools/oracle"], cwd=CRATE, env=GOENV,
                         input=data.encode(), capture_output=True, check=True).stdout
    return [json.loads(line) for line in out.decode().splitlines()]


def go_table_inputs():
    out = subprocess.run(["go", "run", "./tools/extract",
                          f"{GOYAML}/decode_test.go", f"{GOYAML}/encode_test.go"],
                         cwd=CRATE, env=GOENV, capture_output=True, check=True).stdout
    seen, yamls = set(), []
    for line in out.decode().splitlines():
        d = json.loads(line)
        key = (d["table"], d["field"])
        if key in {("unmarshalTests", 0), ("unmarshalErrorTests", 0), ("unmarshalStrictTests", 0),
                   ("decoderTests", 0), ("unmarshalerTests", 0), ("marshalTests", 1),
                   ("marshalerTests", 1)}:
            if d["s"] not in seen:
                seen.add(d["s"])
                yamls.append((d["table"], d["s"]))
    return yamls


def main():
    items = []
    for table, y in go_table_inputs():
        for mode in ("decode", "strict", "all", "sigs", "y2j"):
            items.append({"mode": mode, "input": y, "source": "go-yaml " + table})
    for mode, inputs in cases.CASES.items():
        for i in inputs:
            if isinstance(i, bytes):
                items.append({"mode": mode, "input": base64.b64encode(i).decode(), "b64": True,
                              "source": "cases.py"})
            else:
                items.append({"mode": mode, "input": i, "source": "cases.py"})
    results = oracle([{k: v for k, v in i.items() if k != "source"} for i in items])
    with open(os.path.join(CRATE, "tests/data/golden.jsonl"), "w") as f:
        for item, r in zip(items, results):
            r["source"] = item["source"]
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"golden.jsonl: {len(results)} cases")

    # Corpus: every YAML file, decoded (go-yaml and sigs) and re-encoded; and
    # toYaml of each values file's sigs JSON.
    files = []
    for root, _dirs, names in os.walk(CORPUS):
        for n in sorted(names):
            if n.endswith((".yaml", ".yml")):
                files.append(os.path.join(root, n))
    files.sort()
    corpus_items = []
    for path in files:
        rel = os.path.relpath(path, CORPUS)
        with open(path, "rb") as fh:
            text = fh.read().decode("utf-8", "replace")
        for mode in ("decode", "sigs", "y2j", "all"):
            corpus_items.append((rel, mode, text))
    results = oracle([{"mode": m, "input": t} for (_r, m, t) in corpus_items])
    lines = []
    to_yaml = []
    for (rel, mode, _t), r in zip(corpus_items, results):
        lines.append(digest(rel, mode, r))
        if mode == "y2j" and "error" not in r and r["output"].startswith("{"):
            to_yaml.append((rel, r["output"]))
    results = oracle([{"mode": "toyaml", "input": j} for (_r, j) in to_yaml])
    for (rel, _j), r in zip(to_yaml, results):
        lines.append(digest(rel, "toyaml-of-y2j", r))
    with open(os.path.join(CRATE, "tests/data/corpus_golden.jsonl"), "w") as f:
        for line in lines:
            f.write(json.dumps(line) + "\n")
    print(f"corpus_golden.jsonl: {len(lines)} cases")


def digest(rel, mode, r):
    def h(s):
        return hashlib.sha256(s.encode()).hexdigest() if s is not None else None
    return {"path": rel, "mode": mode, "error": r.get("error"),
            "dump_sha256": h(r.get("dump")), "output_sha256": h(r.get("output"))}


if __name__ == "__main__":
    main()
