//! Ported from Go's `src/text/template/parse/parse_test.go` (numberTests,
//! parseTests, TestParseWithComments, TestKeywordsAndFuncs,
//! TestSkipFuncCheck, isEmptyTests, errorTests, TestBlock). As in Go's
//! tests, the paren nesting limit is 3 and text prints quoted.

use super::*;
use crate::lex::ItemType;

fn builtins(name: &str) -> bool {
    name == "printf" || name == "contains"
}

fn parse_test(
    name: &str,
    input: &str,
    mode: Mode,
    funcs: &dyn Fn(&str) -> bool,
) -> Result<HashMap<String, Tree>, ParseError> {
    parse_with_depth(name, input, "", "", mode, funcs, 3)
}

struct NumberTest {
    text: &'static str,
    is_int: bool,
    is_uint: bool,
    is_float: bool,
    is_complex: bool,
    int64: i64,
    uint64: u64,
    float64: f64,
    complex: (f64, f64),
}

#[allow(clippy::too_many_arguments)] // mirrors Go's numberTest struct literal
const fn n(
    text: &'static str,
    is_int: bool,
    is_uint: bool,
    is_float: bool,
    is_complex: bool,
    int64: i64,
    uint64: u64,
    float64: f64,
    complex: (f64, f64),
) -> NumberTest {
    NumberTest { text, is_int, is_uint, is_float, is_complex, int64, uint64, float64, complex }
}

const fn bad(text: &'static str) -> NumberTest {
    n(text, false, false, false, false, 0, 0, 0.0, (0.0, 0.0))
}

#[test]
fn number_parse() {
    let tests = [
        n("0", true, true, true, false, 0, 0, 0.0, (0.0, 0.0)),
        n("-0", true, true, true, false, 0, 0, 0.0, (0.0, 0.0)),
        n("73", true, true, true, false, 73, 73, 73.0, (0.0, 0.0)),
        n("7_3", true, true, true, false, 73, 73, 73.0, (0.0, 0.0)),
        n("0b10_010_01", true, true, true, false, 73, 73, 73.0, (0.0, 0.0)),
        n("0B10_010_01", true, true, true, false, 73, 73, 73.0, (0.0, 0.0)),
        n("073", true, true, true, false, 0o73, 0o73, 59.0, (0.0, 0.0)),
        n("0o73", true, true, true, false, 0o73, 0o73, 59.0, (0.0, 0.0)),
        n("0O73", true, true, true, false, 0o73, 0o73, 59.0, (0.0, 0.0)),
        n("0x73", true, true, true, false, 0x73, 0x73, 115.0, (0.0, 0.0)),
        n("0X73", true, true, true, false, 0x73, 0x73, 115.0, (0.0, 0.0)),
        n("0x7_3", true, true, true, false, 0x73, 0x73, 115.0, (0.0, 0.0)),
        n("-73", true, false, true, false, -73, 0, -73.0, (0.0, 0.0)),
        n("+73", true, false, true, false, 73, 0, 73.0, (0.0, 0.0)),
        n("100", true, true, true, false, 100, 100, 100.0, (0.0, 0.0)),
        n("1e9", true, true, true, false, 1_000_000_000, 1_000_000_000, 1e9, (0.0, 0.0)),
        n("-1e9", true, false, true, false, -1_000_000_000, 0, -1e9, (0.0, 0.0)),
        n("-1.2", false, false, true, false, 0, 0, -1.2, (0.0, 0.0)),
        n("1e19", false, true, true, false, 0, 10_000_000_000_000_000_000, 1e19, (0.0, 0.0)),
        n("1e1_9", false, true, true, false, 0, 10_000_000_000_000_000_000, 1e19, (0.0, 0.0)),
        n("1E19", false, true, true, false, 0, 10_000_000_000_000_000_000, 1e19, (0.0, 0.0)),
        n("-1e19", false, false, true, false, 0, 0, -1e19, (0.0, 0.0)),
        n("0x_1p4", true, true, true, false, 16, 16, 16.0, (0.0, 0.0)),
        n("0X_1P4", true, true, true, false, 16, 16, 16.0, (0.0, 0.0)),
        n("0x_1p-4", false, false, true, false, 0, 0, 1.0 / 16.0, (0.0, 0.0)),
        n("4i", false, false, false, true, 0, 0, 0.0, (0.0, 4.0)),
        n("-1.2+4.2i", false, false, false, true, 0, 0, 0.0, (-1.2, 4.2)),
        n("073i", false, false, false, true, 0, 0, 0.0, (0.0, 73.0)),
        n("0i", true, true, true, true, 0, 0, 0.0, (0.0, 0.0)),
        n("-1.2+0i", false, false, true, true, 0, 0, -1.2, (-1.2, 0.0)),
        n("-12+0i", true, false, true, true, -12, 0, -12.0, (-12.0, 0.0)),
        n("13+0i", true, true, true, true, 13, 13, 13.0, (13.0, 0.0)),
        n("0123", true, true, true, false, 0o123, 0o123, 83.0, (0.0, 0.0)),
        n("-0x0", true, true, true, false, 0, 0, 0.0, (0.0, 0.0)),
        n("0xdeadbeef", true, true, true, false, 0xdeadbeef, 0xdeadbeef, 3735928559.0, (0.0, 0.0)),
        n("'a'", true, true, true, false, 97, 97, 97.0, (0.0, 0.0)),
        n(r"'\n'", true, true, true, false, 10, 10, 10.0, (0.0, 0.0)),
        n(r"'\\'", true, true, true, false, 92, 92, 92.0, (0.0, 0.0)),
        n(r"'\''", true, true, true, false, 39, 39, 39.0, (0.0, 0.0)),
        n(r"'\xFF'", true, true, true, false, 0xFF, 0xFF, 255.0, (0.0, 0.0)),
        n("'パ'", true, true, true, false, 0x30d1, 0x30d1, 12497.0, (0.0, 0.0)),
        n(r"'\u30d1'", true, true, true, false, 0x30d1, 0x30d1, 12497.0, (0.0, 0.0)),
        n(r"'\U000030d1'", true, true, true, false, 0x30d1, 0x30d1, 12497.0, (0.0, 0.0)),
        bad("+-2"),
        bad("0x123."),
        bad("1e."),
        bad("0xi."),
        bad("1+2."),
        bad("'x"),
        bad("'xx'"),
        bad("'433937734937734969526500969526500'"),
        n("0xef", true, true, true, false, 0xef, 0xef, 239.0, (0.0, 0.0)),
    ];
    for t in &tests {
        // Go decides "complex" with fmt.Sscan, which needs a real part and a signed imaginary part.
        let typ = if t.text.starts_with('\'') {
            ItemType::CharConstant
        } else if strconv::parse_complex(t.text).is_some() {
            ItemType::Complex
        } else {
            ItemType::Number
        };
        let ok = t.is_int || t.is_uint || t.is_float || t.is_complex;
        let result = new_number(0, t.text, typ);
        let Ok(got) = result else {
            assert!(!ok, "unexpected error for {}: {:?}", t.text, result.err());
            continue;
        };
        assert!(ok, "expected error for {}", t.text);
        assert_eq!(got.is_complex, t.is_complex, "complex for {}", t.text);
        assert_eq!(got.is_int, t.is_int, "int for {}", t.text);
        if t.is_int {
            assert_eq!(got.int64, t.int64, "int64 for {}", t.text);
        }
        assert_eq!(got.is_uint, t.is_uint, "uint for {}", t.text);
        if t.is_uint {
            assert_eq!(got.uint64, t.uint64, "uint64 for {}", t.text);
        }
        assert_eq!(got.is_float, t.is_float, "float for {}", t.text);
        if t.is_float {
            assert_eq!(got.float64, t.float64, "float64 for {}", t.text);
        }
        if t.is_complex {
            assert_eq!(got.complex, t.complex, "complex128 for {}", t.text);
        }
    }
}

#[test]
fn parse_tests() {
    const OK: bool = true;
    const ERR: bool = false;
    let tests: &[(&str, &str, bool, &str)] = &[
        ("empty", "", OK, ""),
        ("comment", "{{/*\n\n\n*/}}", OK, ""),
        ("spaces", " \t\n", OK, r#"" \t\n""#),
        ("text", "some text", OK, r#""some text""#),
        ("emptyAction", "{{}}", ERR, "{{}}"),
        ("field", "{{.X}}", OK, "{{.X}}"),
        ("simple command", "{{printf}}", OK, "{{printf}}"),
        ("$ invocation", "{{$}}", OK, "{{$}}"),
        ("variable invocation", "{{with $x := 3}}{{$x 23}}{{end}}", OK, "{{with $x := 3}}{{$x 23}}{{end}}"),
        ("variable with fields", "{{$.I}}", OK, "{{$.I}}"),
        ("multi-word command", "{{printf `%d` 23}}", OK, "{{printf `%d` 23}}"),
        ("pipeline", "{{.X|.Y}}", OK, "{{.X | .Y}}"),
        ("pipeline with decl", "{{$x := .X|.Y}}", OK, "{{$x := .X | .Y}}"),
        ("nested pipeline", "{{.X (.Y .Z) (.A | .B .C) (.E)}}", OK, "{{.X (.Y .Z) (.A | .B .C) (.E)}}"),
        ("field applied to parentheses", "{{(.Y .Z).Field}}", OK, "{{(.Y .Z).Field}}"),
        ("simple if", "{{if .X}}hello{{end}}", OK, r#"{{if .X}}"hello"{{end}}"#),
        ("if with else", "{{if .X}}true{{else}}false{{end}}", OK, r#"{{if .X}}"true"{{else}}"false"{{end}}"#),
        (
            "if with else if",
            "{{if .X}}true{{else if .Y}}false{{end}}",
            OK,
            r#"{{if .X}}"true"{{else}}{{if .Y}}"false"{{end}}{{end}}"#,
        ),
        (
            "if else chain",
            "+{{if .X}}X{{else if .Y}}Y{{else if .Z}}Z{{end}}+",
            OK,
            r#""+"{{if .X}}"X"{{else}}{{if .Y}}"Y"{{else}}{{if .Z}}"Z"{{end}}{{end}}{{end}}"+""#,
        ),
        ("simple range", "{{range .X}}hello{{end}}", OK, r#"{{range .X}}"hello"{{end}}"#),
        ("chained field range", "{{range .X.Y.Z}}hello{{end}}", OK, r#"{{range .X.Y.Z}}"hello"{{end}}"#),
        (
            "nested range",
            "{{range .X}}hello{{range .Y}}goodbye{{end}}{{end}}",
            OK,
            r#"{{range .X}}"hello"{{range .Y}}"goodbye"{{end}}{{end}}"#,
        ),
        ("range with else", "{{range .X}}true{{else}}false{{end}}", OK, r#"{{range .X}}"true"{{else}}"false"{{end}}"#),
        (
            "range over pipeline",
            "{{range .X|.M}}true{{else}}false{{end}}",
            OK,
            r#"{{range .X | .M}}"true"{{else}}"false"{{end}}"#,
        ),
        ("range []int", "{{range .SI}}{{.}}{{end}}", OK, "{{range .SI}}{{.}}{{end}}"),
        ("range 1 var", "{{range $x := .SI}}{{.}}{{end}}", OK, "{{range $x := .SI}}{{.}}{{end}}"),
        ("range 2 vars", "{{range $x, $y := .SI}}{{.}}{{end}}", OK, "{{range $x, $y := .SI}}{{.}}{{end}}"),
        ("range with break", "{{range .SI}}{{.}}{{break}}{{end}}", OK, "{{range .SI}}{{.}}{{break}}{{end}}"),
        ("range with continue", "{{range .SI}}{{.}}{{continue}}{{end}}", OK, "{{range .SI}}{{.}}{{continue}}{{end}}"),
        (
            "constants",
            "{{range .SI 1 -3.2i true false 'a' nil}}{{end}}",
            OK,
            "{{range .SI 1 -3.2i true false 'a' nil}}{{end}}",
        ),
        ("template", "{{template `x`}}", OK, r#"{{template "x"}}"#),
        ("template with arg", "{{template `x` .Y}}", OK, r#"{{template "x" .Y}}"#),
        ("with", "{{with .X}}hello{{end}}", OK, r#"{{with .X}}"hello"{{end}}"#),
        (
            "with with else",
            "{{with .X}}hello{{else}}goodbye{{end}}",
            OK,
            r#"{{with .X}}"hello"{{else}}"goodbye"{{end}}"#,
        ),
        (
            "with with else with",
            "{{with .X}}hello{{else with .Y}}goodbye{{end}}",
            OK,
            r#"{{with .X}}"hello"{{else}}{{with .Y}}"goodbye"{{end}}{{end}}"#,
        ),
        (
            "with else chain",
            "{{with .X}}X{{else with .Y}}Y{{else with .Z}}Z{{end}}",
            OK,
            r#"{{with .X}}"X"{{else}}{{with .Y}}"Y"{{else}}{{with .Z}}"Z"{{end}}{{end}}{{end}}"#,
        ),
        ("trim left", "x \r\n\t{{- 3}}", OK, r#""x"{{3}}"#),
        ("trim right", "{{3 -}}\n\n\ty", OK, r#"{{3}}"y""#),
        ("trim left and right", "x \r\n\t{{- 3 -}}\n\n\ty", OK, r#""x"{{3}}"y""#),
        ("trim with extra spaces", "x\n{{-  3   -}}\ny", OK, r#""x"{{3}}"y""#),
        ("comment trim left", "x \r\n\t{{- /* hi */}}", OK, r#""x""#),
        ("comment trim right", "{{/* hi */ -}}\n\n\ty", OK, r#""y""#),
        ("comment trim left and right", "x \r\n\t{{- /* */ -}}\n\n\ty", OK, r#""x""y""#),
        ("block definition", r#"{{block "foo" .}}hello{{end}}"#, OK, r#"{{template "foo" .}}"#),
        ("newline in assignment", "{{ $x \n := \n 1 \n }}", OK, "{{$x := 1}}"),
        ("newline in empty action", "{{\n}}", ERR, "{{\n}}"),
        ("newline in pipeline", "{{\n\"x\"\n|\nprintf\n}}", OK, r#"{{"x" | printf}}"#),
        ("newline in comment", "{{/*\nhello\n*/}}", OK, ""),
        ("newline in comment", "{{-\n/*\nhello\n*/\n-}}", OK, ""),
        (
            "spaces around continue",
            "{{range .SI}}{{.}}{{ continue }}{{end}}",
            OK,
            "{{range .SI}}{{.}}{{continue}}{{end}}",
        ),
        ("spaces around break", "{{range .SI}}{{.}}{{ break }}{{end}}", OK, "{{range .SI}}{{.}}{{break}}{{end}}"),
        ("unclosed action", "hello{{range", ERR, ""),
        ("unmatched end", "{{end}}", ERR, ""),
        ("unmatched else", "{{else}}", ERR, ""),
        ("unmatched else after if", "{{if .X}}hello{{end}}{{else}}", ERR, ""),
        ("multiple else", "{{if .X}}1{{else}}2{{else}}3{{end}}", ERR, ""),
        ("missing end", "hello{{range .x}}", ERR, ""),
        ("missing end after else", "hello{{range .x}}{{else}}", ERR, ""),
        ("undefined function", "hello{{undefined}}", ERR, ""),
        ("undefined variable", "{{$x}}", ERR, ""),
        ("variable undefined after end", "{{with $x := 4}}{{end}}{{$x}}", ERR, ""),
        ("variable undefined in template", "{{template $v}}", ERR, ""),
        ("declare with field", "{{with $x.Y := 4}}{{end}}", ERR, ""),
        ("template with field ref", "{{template .X}}", ERR, ""),
        ("template with var", "{{template $v}}", ERR, ""),
        ("invalid punctuation", "{{printf 3, 4}}", ERR, ""),
        ("multidecl outside range", "{{with $v, $u := 3}}{{end}}", ERR, ""),
        ("too many decls in range", "{{range $u, $v, $w := 3}}{{end}}", ERR, ""),
        ("dot applied to parentheses", "{{printf (printf .).}}", ERR, ""),
        ("adjacent args", "{{printf 3`x`}}", ERR, ""),
        ("adjacent args with .", "{{printf `x`.}}", ERR, ""),
        ("extra end after if", "{{if .X}}a{{else if .Y}}b{{end}}{{end}}", ERR, ""),
        ("break outside range", "{{range .}}{{end}} {{break}}", ERR, ""),
        ("continue outside range", "{{range .}}{{end}} {{continue}}", ERR, ""),
        ("break in range else", "{{range .}}{{else}}{{break}}{{end}}", ERR, ""),
        ("continue in range else", "{{range .}}{{else}}{{continue}}{{end}}", ERR, ""),
        ("bug0a", "{{$x := 0}}{{$x}}", OK, "{{$x := 0}}{{$x}}"),
        ("bug0b", "{{$x += 1}}{{$x}}", ERR, ""),
        ("bug0c", "{{$x ! 2}}{{$x}}", ERR, ""),
        ("bug0d", "{{$x % 3}}{{$x}}", ERR, ""),
        ("bug0e", "{{range $x := $y := 3}}{{end}}", ERR, ""),
        ("bug1a", "{{$x:=.}}{{$x!2}}", ERR, ""),
        ("bug1b", "{{$x:=.}}{{$x+2}}", ERR, ""),
        ("bug1c", "{{$x:=.}}{{$x +2}}", OK, "{{$x := .}}{{$x +2}}"),
        ("bug2a", "{{range $x := 0}}{{$x}}{{end}}", OK, "{{range $x := 0}}{{$x}}{{end}}"),
        ("bug2b", "{{range $x = 0}}{{$x}}{{end}}", OK, "{{range $x = 0}}{{$x}}{{end}}"),
        ("dot after integer", "{{1.E}}", ERR, ""),
        ("dot after float", "{{0.1.E}}", ERR, ""),
        ("dot after boolean", "{{true.E}}", ERR, ""),
        ("dot after char", "{{'a'.any}}", ERR, ""),
        ("dot after string", r#"{{"hello".guys}}"#, ERR, ""),
        ("dot after dot", "{{..E}}", ERR, ""),
        ("dot after nil", "{{nil.E}}", ERR, ""),
        ("wrong pipeline dot", "{{12|.}}", ERR, ""),
        ("wrong pipeline number", "{{.|12|printf}}", ERR, ""),
        ("wrong pipeline string", "{{.|printf|\"error\"}}", ERR, ""),
        ("wrong pipeline char", "{{12|printf|'e'}}", ERR, ""),
        ("wrong pipeline boolean", "{{.|true}}", ERR, ""),
        ("wrong pipeline nil", "{{'c'|nil}}", ERR, ""),
        ("empty pipeline", r#"{{printf "%d" ( ) }}"#, ERR, ""),
        ("block definition", r#"{{block "foo"}}hello{{end}}"#, ERR, ""),
        ("paren nesting normal", "{{ (( 1 )) }}", OK, "{{((1))}}"),
        ("paren nesting at limit", "{{ ((( 1 ))) }}", OK, "{{(((1)))}}"),
        ("paren nesting exceeds limit", "{{ (((( 1 )))) }}", ERR, "template: test:1: max expression depth exceeded"),
        ("paren nesting in pipeline", "{{ ((( 1 ))) | printf }}", OK, "{{(((1))) | printf}}"),
        (
            "paren nesting in pipeline exceeds limit",
            "{{ (((( 1 )))) | printf }}",
            ERR,
            "template: test:1: max expression depth exceeded",
        ),
        (
            "paren nesting with other constructs",
            "{{ if ((( true ))) }}YES{{ end }}",
            OK,
            "{{if (((true)))}}\"YES\"{{end}}",
        ),
        (
            "paren nesting with other constructs exceeds limit",
            "{{ if (((( true )))) }}YES{{ end }}",
            ERR,
            "template: test:1: max expression depth exceeded",
        ),
    ];
    for (name, input, ok, result) in tests {
        let parsed = parse_test(name, input, Mode::default(), &builtins);
        match (&parsed, ok) {
            (Ok(trees), true) => {
                let root = &trees[*name].root;
                assert_eq!(Quoted(root).to_string(), *result, "{name} ({input:?})");
            }
            (Err(e), false) => {
                if result.starts_with("template:") {
                    assert_eq!(
                        e.to_string().replace(&format!("template: {name}:"), "template: test:"),
                        *result,
                        "{name}"
                    );
                }
            }
            _ => panic!("{name} ({input:?}): got {parsed:?}"),
        }
    }
}

#[test]
fn parse_with_comments() {
    let tests = [
        ("comment", "{{/*\n\n\n*/}}", "{{/*\n\n\n*/}}"),
        ("comment trim left", "x \r\n\t{{- /* hi */}}", r#""x"{{/* hi */}}"#),
        ("comment trim right", "{{/* hi */ -}}\n\n\ty", r#"{{/* hi */}}"y""#),
        ("comment trim left and right", "x \r\n\t{{- /* */ -}}\n\n\ty", r#""x"{{/* */}}"y""#),
    ];
    let mode = Mode { parse_comments: true, skip_func_check: false };
    for (name, input, result) in tests {
        let trees = parse_test(name, input, mode, &builtins).unwrap();
        assert_eq!(Quoted(&trees[name].root).to_string(), result, "{name}");
    }
}

#[test]
fn keywords_and_funcs() {
    let input = "{{range .X}}{{break 20}}{{end}}";
    assert!(parse_test("", input, Mode::default(), &|f| f == "break").is_ok());
    assert!(parse_test("", input, Mode::default(), &|_| false).is_err());
}

#[test]
fn skip_func_check() {
    let mode = Mode { parse_comments: false, skip_func_check: true };
    let trees = parse_test("skip func check", "{{fn 1 2}}", mode, &|_| false).unwrap();
    assert_eq!(Quoted(&trees["skip func check"].root).to_string(), "{{fn 1 2}}");
}

#[test]
fn is_empty() {
    let tests = [
        ("empty", "", true),
        ("nonempty", "hello", false),
        ("spaces only", " \t\n \t\n", true),
        ("comment only", "{{/* comment */}}", true),
        ("definition", r#"{{define "x"}}something{{end}}"#, true),
        ("definitions and space", "{{define `x`}}something{{end}}\n\n{{define `y`}}something{{end}}\n\n", true),
        ("definitions and text", "{{define `x`}}something{{end}}\nx\n{{define `y`}}something{{end}}\ny\n", false),
        ("definition and action", "{{define `x`}}something{{end}}{{if 3}}foo{{end}}", false),
    ];
    for (name, input, empty) in tests {
        let trees = parse_test("root", input, Mode::default(), &|_| false).unwrap();
        assert_eq!(trees["root"].is_empty(), empty, "{name}");
    }
}

#[test]
fn error_tests() {
    let tests = [
        ("unclosed1", "line1\n{{", "unclosed1:2: unclosed action"),
        ("unclosed2", "line1\n{{define `x`}}line2\n{{", "unclosed2:3: unclosed action"),
        ("unclosed3", "line1\n{{\"x\"\n\"y\"\n", "unclosed3:4: unclosed action started at unclosed3:2"),
        ("unclosed4", "{{\n\n\n\n\n", "unclosed4:6: unclosed action started at unclosed4:1"),
        ("var1", "line1\n{{\nx\n}}", r#"var1:3: function "x" not defined"#),
        ("function", "{{foo}}", r#"function "foo" not defined"#),
        ("comment1", "{{/*}}", "comment1:1: unclosed comment"),
        ("comment2", "{{/*\nhello\n}}", "comment2:1: unclosed comment"),
        ("lparen", "{{.X (1 2 3}}", "unclosed left paren"),
        ("rparen", "{{.X 1 2 3 ) }}", "unexpected right paren"),
        ("rparen2", "{{(.X 1 2 3", "unclosed action"),
        ("space", "{{`x`3}}", "in operand"),
        ("idchar", "{{a#}}", "'#'"),
        ("charconst", "{{'a}}", "unterminated character constant"),
        ("stringconst", r#"{{"a}}"#, "unterminated quoted string"),
        ("rawstringconst", "{{`a}}", "unterminated raw quoted string"),
        ("number", "{{0xi}}", "number syntax"),
        ("multidefine", "{{define `a`}}a{{end}}{{define `a`}}b{{end}}", "multiple definition of template"),
        ("eof", "{{range .X}}", "unexpected EOF"),
        ("variable", "{{$x := 23}}{{with $x.y := 3}}{{$x 23}}{{end}}", r#"unexpected ":=""#),
        ("multidecl", "{{$a,$b,$c := 23}}", "too many declarations"),
        ("undefvar", "{{$a}}", "undefined variable"),
        ("wrongdot", "{{true.any}}", "unexpected . after term"),
        ("wrongpipeline", "{{12|false}}", "non executable command in pipeline"),
        ("emptypipeline", "{{ ( ) }}", "missing value for parenthesized pipeline"),
        ("multilinerawstring", "{{ $v := `\n` }} {{", "multilinerawstring:2: unclosed action"),
        ("rangeundefvar", "{{range $k}}{{end}}", "undefined variable"),
        ("rangeundefvars", "{{range $k, $v}}{{end}}", "undefined variable"),
        ("rangemissingvalue1", "{{range $k,}}{{end}}", "missing value for range"),
        ("rangemissingvalue2", "{{range $k, $v := }}{{end}}", "missing value for range"),
        ("rangenotvariable1", "{{range $k, .}}{{end}}", "range can only initialize variables"),
        ("rangenotvariable2", "{{range $k, 123 := .}}{{end}}", "range can only initialize variables"),
    ];
    for (name, input, want) in tests {
        let err = parse(name, input, "", "", Mode::default(), &|_| false).unwrap_err().to_string();
        assert!(err.contains(want), "{name}: error {err:?} does not contain {want:?}");
    }
}

#[test]
fn block_defines_template() {
    let trees = parse_test("outer", r#"a{{block "inner" .}}bar{{.}}baz{{end}}b"#, Mode::default(), &|_| false).unwrap();
    assert_eq!(trees["outer"].root.to_string(), r#"a{{template "inner" .}}b"#);
    assert_eq!(trees["inner"].root.to_string(), "bar{{.}}baz");
}
