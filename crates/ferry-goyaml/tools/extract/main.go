// Command extract prints the string literals of go-yaml's test tables
// (decode_test.go, encode_test.go) as JSON lines, for tools/gen_golden.py.

package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strconv"
)

func main() {
	fset := token.NewFileSet()
	for _, file := range os.Args[1:] {
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			panic(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			vs, ok := n.(*ast.ValueSpec)
			if !ok {
				return true
			}
			for i, name := range vs.Names {
				if i >= len(vs.Values) {
					continue
				}
				cl, ok := vs.Values[i].(*ast.CompositeLit)
				if !ok {
					continue
				}
				for _, elt := range cl.Elts {
					ecl, ok := elt.(*ast.CompositeLit)
					if !ok {
						continue
					}
					for fi, fe := range ecl.Elts {
						if kv, ok := fe.(*ast.KeyValueExpr); ok {
							fe = kv.Value
						}
						bl, ok := fe.(*ast.BasicLit)
						if !ok || bl.Kind != token.STRING {
							continue
						}
						s, err := strconv.Unquote(bl.Value)
						if err != nil {
							continue
						}
						b, _ := json.Marshal(map[string]interface{}{"table": name.Name, "field": fi, "s": s, "pos": fset.Position(bl.Pos()).String()})
						fmt.Println(string(b))
					}
				}
			}
			return true
		})
	}
}
