// Command oracle runs the real Go libraries on test inputs and prints what
// they return, one JSON object per line. It generates the golden files in
// ../../tests/data; it is not needed to run the tests.
//
// Build with Debian's golang-go, golang-gopkg-yaml.v2-dev (2.4.0) and
// golang-k8s-sigs-yaml-dev:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go run ./tools/oracle < cases.jsonl
//
// Each input line is {"mode": M, "input": S} (S base64 when "b64" is true); modes:
//
//	decode   yaml.Unmarshal into interface{}; dump of the tree and yaml.Marshal of it
//	strict   yaml.UnmarshalStrict, same outputs
//	all      yaml.Decoder until EOF; dumps joined by "\n---\n"
//	sigs     sigs.k8s.io/yaml Unmarshal into interface{}; dump
//	y2j      sigs.k8s.io/yaml YAMLToJSON
//	toyaml   json.Unmarshal(input) into interface{} then sigs.k8s.io/yaml Marshal
//	json     json.Unmarshal(input) into interface{}; dump, Marshal, MarshalIndent, raw encoder
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v2"
	sigsyaml "sigs.k8s.io/yaml"
)

type result struct {
	Mode   string `json:"mode"`
	Input  string `json:"input"`
	B64    bool   `json:"b64,omitempty"`
	Dump   string `json:"dump,omitempty"`
	Output string `json:"output,omitempty"`
	Pretty string `json:"pretty,omitempty"`
	Raw    string `json:"raw,omitempty"`
	Error  string `json:"error,omitempty"`
}

func dump(v interface{}) string {
	switch t := v.(type) {
	case nil:
		return "~"
	case bool:
		return "b:" + strconv.FormatBool(t)
	case int:
		return "i:" + strconv.Itoa(t)
	case int64:
		return "i:" + strconv.FormatInt(t, 10)
	case uint64:
		return "u:" + strconv.FormatUint(t, 10)
	case float64:
		return "f:" + strconv.FormatFloat(t, 'g', -1, 64)
	case string:
		return "s:" + strconv.Quote(t)
	case []interface{}:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = dump(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case map[interface{}]interface{}:
		parts := []string{}
		for k, e := range t {
			parts = append(parts, dump(k)+"="+dump(e))
		}
		sort.Strings(parts)
		return "{" + strings.Join(parts, ",") + "}"
	case map[string]interface{}:
		parts := []string{}
		for k, e := range t {
			parts = append(parts, dump(k)+"="+dump(e))
		}
		sort.Strings(parts)
		return "{" + strings.Join(parts, ",") + "}"
	}
	return fmt.Sprintf("?%T", v)
}

func run(mode, in string) (r result) {
	r.Mode, r.Input = mode, in
	defer func() {
		if p := recover(); p != nil {
			r.Error = fmt.Sprintf("PANIC: %v", p)
		}
	}()
	switch mode {
	case "decode", "strict":
		var v interface{}
		var err error
		if mode == "strict" {
			err = yaml.UnmarshalStrict([]byte(in), &v)
		} else {
			err = yaml.Unmarshal([]byte(in), &v)
		}
		if err != nil {
			r.Error = err.Error()
			return
		}
		r.Dump = dump(v)
		out, err := yaml.Marshal(v)
		if err != nil {
			r.Error = "marshal: " + err.Error()
			return
		}
		r.Output = string(out)
	case "all":
		d := yaml.NewDecoder(strings.NewReader(in))
		var dumps []string
		for {
			var v interface{}
			err := d.Decode(&v)
			if err == io.EOF {
				break
			}
			if err != nil {
				r.Error = err.Error()
				return
			}
			dumps = append(dumps, dump(v))
		}
		r.Dump = strings.Join(dumps, "\n---\n")
	case "sigs":
		var v interface{}
		if err := sigsyaml.Unmarshal([]byte(in), &v); err != nil {
			r.Error = err.Error()
			return
		}
		r.Dump = dump(v)
	case "y2j":
		out, err := sigsyaml.YAMLToJSON([]byte(in))
		if err != nil {
			r.Error = err.Error()
			return
		}
		r.Output = string(out)
	case "toyaml":
		var v interface{}
		if err := json.Unmarshal([]byte(in), &v); err != nil {
			r.Error = "input: " + err.Error()
			return
		}
		out, err := sigsyaml.Marshal(v)
		if err != nil {
			r.Error = err.Error()
			return
		}
		r.Output = string(out)
	case "json":
		var v interface{}
		if err := json.Unmarshal([]byte(in), &v); err != nil {
			r.Error = err.Error()
			return
		}
		r.Dump = dump(v)
		out, err := json.Marshal(v)
		if err != nil {
			r.Error = err.Error()
			return
		}
		r.Output = string(out)
		pretty, _ := json.MarshalIndent(v, "", "  ")
		r.Pretty = string(pretty)
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(v)
		r.Raw = strings.TrimSuffix(buf.String(), "\n")
	default:
		r.Error = "unknown mode " + mode
	}
	return
}

func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 64<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for sc.Scan() {
		var c struct {
			Mode, Input string
			B64         bool
		}
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			fmt.Fprintln(os.Stderr, "bad case:", err)
			os.Exit(2)
		}
		in := c.Input
		if c.B64 {
			raw, err := base64.StdEncoding.DecodeString(in)
			if err != nil {
				fmt.Fprintln(os.Stderr, "bad base64:", err)
				os.Exit(2)
			}
			in = string(raw)
		}
		r := run(c.Mode, in)
		r.Input, r.B64 = c.Input, c.B64
		b, _ := json.Marshal(r)
		out.Write(b)
		out.WriteByte('\n')
	}
}
