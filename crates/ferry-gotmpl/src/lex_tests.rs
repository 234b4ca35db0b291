//! Ported from Go's `src/text/template/parse/lex_test.go` (lexTests,
//! lexDelimTests, TestDelimsAlphaNumeric, TestDelimsAndMarkers, lexPosTests).

use super::{ItemType as T, Lexer};

/// (name, input, expected items)
type Case<'a> = (&'a str, &'a str, Vec<(T, &'a str)>);
/// (name, input, expected items with position and line)
type PosCase<'a> = (&'a str, &'a str, Vec<(T, &'a str, usize, usize)>);

fn collect(input: &str, left: &str, right: &str) -> Vec<(T, String, usize, usize)> {
    let mut l = Lexer::new(input, left, right);
    l.options = super::LexOptions { emit_comment: true, break_ok: true, continue_ok: true };
    let mut items = Vec::new();
    loop {
        let item = l.next_item();
        let done = matches!(item.typ, T::Eof | T::Error);
        items.push((item.typ, item.val, item.pos, item.line));
        if done {
            break;
        }
    }
    items
}

fn check(name: &str, input: &str, left: &str, right: &str, want: &[(T, &str)]) {
    let got: Vec<(T, String)> = collect(input, left, right).into_iter().map(|(t, v, _, _)| (t, v)).collect();
    let want: Vec<(T, String)> = want.iter().map(|(t, v)| (*t, v.to_string())).collect();
    assert_eq!(got, want, "{name}");
}

const L: (T, &str) = (T::LeftDelim, "{{");
const R: (T, &str) = (T::RightDelim, "}}");
const SP: (T, &str) = (T::Space, " ");
const EOF: (T, &str) = (T::Eof, "");
const DOT: (T, &str) = (T::Dot, ".");
const PIPE: (T, &str) = (T::Pipe, "|");
const LPAR: (T, &str) = (T::LeftParen, "(");
const RPAR: (T, &str) = (T::RightParen, ")");
const QUOTE: &str = r#""abc \n\t\" ""#;
const RAW: &str = "`abc\\n\\t\\\" `";
const RAW_NL: &str = "`now is{{\n}}the time`";

#[test]
fn lex_tests() {
    let quote_in = format!("{{{{{QUOTE}}}}}");
    let raw_in = format!("{{{{{RAW}}}}}");
    let raw_nl_in = format!("{{{{{RAW_NL}}}}}");
    let cases: Vec<Case> = vec![
        ("empty", "", vec![EOF]),
        ("spaces", " \t\n", vec![(T::Text, " \t\n"), EOF]),
        ("text", "now is the time", vec![(T::Text, "now is the time"), EOF]),
        (
            "text with comment",
            "hello-{{/* this is a comment */}}-world",
            vec![(T::Text, "hello-"), (T::Comment, "/* this is a comment */"), (T::Text, "-world"), EOF],
        ),
        ("punctuation", "{{,@% }}", vec![L, (T::Char, ","), (T::Char, "@"), (T::Char, "%"), SP, R, EOF]),
        ("parens", "{{((3))}}", vec![L, LPAR, LPAR, (T::Number, "3"), RPAR, RPAR, R, EOF]),
        ("empty action", "{{}}", vec![L, R, EOF]),
        ("for", "{{for}}", vec![L, (T::Identifier, "for"), R, EOF]),
        ("block", r#"{{block "foo" .}}"#, vec![L, (T::Block, "block"), SP, (T::String, r#""foo""#), SP, DOT, R, EOF]),
        ("quote", &quote_in, vec![L, (T::String, QUOTE), R, EOF]),
        ("raw quote", &raw_in, vec![L, (T::RawString, RAW), R, EOF]),
        ("raw quote with newline", &raw_nl_in, vec![L, (T::RawString, RAW_NL), R, EOF]),
        (
            "numbers",
            "{{1 02 0x14 0X14 -7.2i 1e3 1E3 +1.2e-4 4.2i 1+2i 1_2 0x1.e_fp4 0X1.E_FP4}}",
            vec![
                L,
                (T::Number, "1"),
                SP,
                (T::Number, "02"),
                SP,
                (T::Number, "0x14"),
                SP,
                (T::Number, "0X14"),
                SP,
                (T::Number, "-7.2i"),
                SP,
                (T::Number, "1e3"),
                SP,
                (T::Number, "1E3"),
                SP,
                (T::Number, "+1.2e-4"),
                SP,
                (T::Number, "4.2i"),
                SP,
                (T::Complex, "1+2i"),
                SP,
                (T::Number, "1_2"),
                SP,
                (T::Number, "0x1.e_fp4"),
                SP,
                (T::Number, "0X1.E_FP4"),
                R,
                EOF,
            ],
        ),
        (
            "characters",
            r"{{'a' '\n' '\'' '\\' '\u00FF' '\xFF' '本'}}",
            vec![
                L,
                (T::CharConstant, "'a'"),
                SP,
                (T::CharConstant, r"'\n'"),
                SP,
                (T::CharConstant, r"'\''"),
                SP,
                (T::CharConstant, r"'\\'"),
                SP,
                (T::CharConstant, r"'\u00FF'"),
                SP,
                (T::CharConstant, r"'\xFF'"),
                SP,
                (T::CharConstant, "'本'"),
                R,
                EOF,
            ],
        ),
        ("bools", "{{true false}}", vec![L, (T::Bool, "true"), SP, (T::Bool, "false"), R, EOF]),
        ("dot", "{{.}}", vec![L, DOT, R, EOF]),
        ("nil", "{{nil}}", vec![L, (T::Nil, "nil"), R, EOF]),
        (
            "dots",
            "{{.x . .2 .x.y.z}}",
            vec![
                L,
                (T::Field, ".x"),
                SP,
                DOT,
                SP,
                (T::Number, ".2"),
                SP,
                (T::Field, ".x"),
                (T::Field, ".y"),
                (T::Field, ".z"),
                R,
                EOF,
            ],
        ),
        (
            "keywords",
            "{{range if else end with}}",
            vec![
                L,
                (T::Range, "range"),
                SP,
                (T::If, "if"),
                SP,
                (T::Else, "else"),
                SP,
                (T::End, "end"),
                SP,
                (T::With, "with"),
                R,
                EOF,
            ],
        ),
        (
            "variables",
            "{{$c := printf $ $hello $23 $ $var.Field .Method}}",
            vec![
                L,
                (T::Variable, "$c"),
                SP,
                (T::Declare, ":="),
                SP,
                (T::Identifier, "printf"),
                SP,
                (T::Variable, "$"),
                SP,
                (T::Variable, "$hello"),
                SP,
                (T::Variable, "$23"),
                SP,
                (T::Variable, "$"),
                SP,
                (T::Variable, "$var"),
                (T::Field, ".Field"),
                SP,
                (T::Field, ".Method"),
                R,
                EOF,
            ],
        ),
        ("variable invocation", "{{$x 23}}", vec![L, (T::Variable, "$x"), SP, (T::Number, "23"), R, EOF]),
        (
            "pipeline",
            r#"intro {{echo hi 1.2 |noargs|args 1 "hi"}} outro"#,
            vec![
                (T::Text, "intro "),
                L,
                (T::Identifier, "echo"),
                SP,
                (T::Identifier, "hi"),
                SP,
                (T::Number, "1.2"),
                SP,
                PIPE,
                (T::Identifier, "noargs"),
                PIPE,
                (T::Identifier, "args"),
                SP,
                (T::Number, "1"),
                SP,
                (T::String, r#""hi""#),
                R,
                (T::Text, " outro"),
                EOF,
            ],
        ),
        (
            "declaration",
            "{{$v := 3}}",
            vec![L, (T::Variable, "$v"), SP, (T::Declare, ":="), SP, (T::Number, "3"), R, EOF],
        ),
        (
            "2 declarations",
            "{{$v , $w := 3}}",
            vec![
                L,
                (T::Variable, "$v"),
                SP,
                (T::Char, ","),
                SP,
                (T::Variable, "$w"),
                SP,
                (T::Declare, ":="),
                SP,
                (T::Number, "3"),
                R,
                EOF,
            ],
        ),
        (
            "field of parenthesized expression",
            "{{(.X).Y}}",
            vec![L, LPAR, (T::Field, ".X"), RPAR, (T::Field, ".Y"), R, EOF],
        ),
        (
            "trimming spaces before and after",
            "hello- {{- 3 -}} -world",
            vec![(T::Text, "hello-"), L, (T::Number, "3"), R, (T::Text, "-world"), EOF],
        ),
        (
            "trimming spaces before and after comment",
            "hello- {{- /* hello */ -}} -world",
            vec![(T::Text, "hello-"), (T::Comment, "/* hello */"), (T::Text, "-world"), EOF],
        ),
        ("badchar", "#{{\x01}}", vec![(T::Text, "#"), L, (T::Error, "unrecognized character in action: U+0001")]),
        ("unclosed action", "{{", vec![L, (T::Error, "unclosed action")]),
        ("EOF in action", "{{range", vec![L, (T::Range, "range"), (T::Error, "unclosed action")]),
        ("unclosed quote", "{{\"\n\"}}", vec![L, (T::Error, "unterminated quoted string")]),
        ("unclosed raw quote", "{{`xx}}", vec![L, (T::Error, "unterminated raw quoted string")]),
        ("unclosed char constant", "{{'\n}}", vec![L, (T::Error, "unterminated character constant")]),
        ("bad number", "{{3k}}", vec![L, (T::Error, r#"bad number syntax: "3k""#)]),
        ("unclosed paren", "{{(3}}", vec![L, LPAR, (T::Number, "3"), (T::Error, "unclosed left paren")]),
        ("extra right paren", "{{3)}}", vec![L, (T::Number, "3"), (T::Error, "unexpected right paren")]),
        ("long pipeline deadlock", "{{|||||}}", vec![L, PIPE, PIPE, PIPE, PIPE, PIPE, R, EOF]),
        ("text with bad comment", "hello-{{/*/}}-world", vec![(T::Text, "hello-"), (T::Error, "unclosed comment")]),
        (
            "text with comment close separated from delim",
            "hello-{{/* */ }}-world",
            vec![(T::Text, "hello-"), (T::Error, "comment ends before closing delimiter")],
        ),
        ("unmatched right delimiter", "hello-{.}}-world", vec![(T::Text, "hello-{.}}-world"), EOF]),
    ];
    for (name, input, want) in &cases {
        check(name, input, "", "", want);
    }
}

#[test]
fn lex_delims() {
    let ld = (T::LeftDelim, "$$");
    let rd = (T::RightDelim, "@@");
    let quote_in = format!("$${QUOTE}@@");
    let raw_in = format!("$${RAW}@@");
    let cases: Vec<Case> = vec![
        (
            "punctuation",
            "$$,@%{{}}@@",
            vec![
                ld,
                (T::Char, ","),
                (T::Char, "@"),
                (T::Char, "%"),
                (T::Char, "{"),
                (T::Char, "{"),
                (T::Char, "}"),
                (T::Char, "}"),
                rd,
                EOF,
            ],
        ),
        ("empty action", "$$@@", vec![ld, rd, EOF]),
        ("for", "$$for@@", vec![ld, (T::Identifier, "for"), rd, EOF]),
        ("quote", &quote_in, vec![ld, (T::String, QUOTE), rd, EOF]),
        ("raw quote", &raw_in, vec![ld, (T::RawString, RAW), rd, EOF]),
    ];
    for (name, input, want) in &cases {
        check(name, input, "$$", "@@", want);
    }
    check(
        "right delimiter with alphanumeric start",
        "{{hub .host hub}}",
        "{{hub",
        "hub}}",
        &[(T::LeftDelim, "{{hub"), SP, (T::Field, ".host"), SP, (T::RightDelim, "hub}}"), EOF],
    );
    check(
        "delims that look like markers",
        "{{- .x -}} {{- - .x - -}}",
        "{{- ",
        " -}}",
        &[
            (T::LeftDelim, "{{- "),
            (T::Field, ".x"),
            (T::RightDelim, " -}}"),
            (T::LeftDelim, "{{- "),
            (T::Field, ".x"),
            (T::RightDelim, " -}}"),
            EOF,
        ],
    );
}

#[test]
fn lex_positions() {
    let cases: Vec<PosCase> = vec![
        ("empty", "", vec![(T::Eof, "", 0, 1)]),
        (
            "punctuation",
            "{{,@%#}}",
            vec![
                (T::LeftDelim, "{{", 0, 1),
                (T::Char, ",", 2, 1),
                (T::Char, "@", 3, 1),
                (T::Char, "%", 4, 1),
                (T::Char, "#", 5, 1),
                (T::RightDelim, "}}", 6, 1),
                (T::Eof, "", 8, 1),
            ],
        ),
        (
            "sample",
            "0123{{hello}}xyz",
            vec![
                (T::Text, "0123", 0, 1),
                (T::LeftDelim, "{{", 4, 1),
                (T::Identifier, "hello", 6, 1),
                (T::RightDelim, "}}", 11, 1),
                (T::Text, "xyz", 13, 1),
                (T::Eof, "", 16, 1),
            ],
        ),
        (
            "trimafter",
            "{{x -}}\n{{y}}",
            vec![
                (T::LeftDelim, "{{", 0, 1),
                (T::Identifier, "x", 2, 1),
                (T::RightDelim, "}}", 5, 1),
                (T::LeftDelim, "{{", 8, 2),
                (T::Identifier, "y", 10, 2),
                (T::RightDelim, "}}", 11, 2),
                (T::Eof, "", 13, 2),
            ],
        ),
        (
            "trimbefore",
            "{{x}}\n{{- y}}",
            vec![
                (T::LeftDelim, "{{", 0, 1),
                (T::Identifier, "x", 2, 1),
                (T::RightDelim, "}}", 3, 1),
                (T::LeftDelim, "{{", 6, 2),
                (T::Identifier, "y", 10, 2),
                (T::RightDelim, "}}", 11, 2),
                (T::Eof, "", 13, 2),
            ],
        ),
        (
            "longcomment",
            "{{/*\n*/}}\n{{undefinedFunction \"test\"}}",
            vec![
                (T::Comment, "/*\n*/", 2, 1),
                (T::Text, "\n", 9, 2),
                (T::LeftDelim, "{{", 10, 3),
                (T::Identifier, "undefinedFunction", 12, 3),
                (T::Space, " ", 29, 3),
                (T::String, "\"test\"", 30, 3),
                (T::RightDelim, "}}", 36, 3),
                (T::Eof, "", 38, 3),
            ],
        ),
    ];
    for (name, input, want) in &cases {
        let got = collect(input, "", "");
        let want: Vec<(T, String, usize, usize)> =
            want.iter().map(|(t, v, p, l)| (*t, v.to_string(), *p, *l)).collect();
        assert_eq!(got, want, "{name}");
    }
}
