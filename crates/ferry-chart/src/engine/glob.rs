//! The glob syntax of `github.com/gobwas/glob` with `/` as separator, used by
//! Helm's `.Files.Glob`: `*` (no `/`), `**` (anything), `?`, `[abc]`,
//! `[!a-z]`, `{a,b}` alternatives and `\` escapes.

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Lit(char),
    Any,   // ?
    Star,  // *
    Super, // **
    Class { negated: bool, items: Vec<(char, char)> },
}

/// A compiled glob.
#[derive(Debug, Clone)]
pub struct Glob {
    alternatives: Vec<Vec<Tok>>,
}

/// Expanding `{...}` alternatives is bounded to keep hostile patterns cheap.
const MAX_ALTERNATIVES: usize = 4096;

impl Glob {
    /// Compiles `pattern`; `None` if it is malformed (gobwas reports an error,
    /// and Helm then matches everything).
    pub fn compile(pattern: &str) -> Option<Glob> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut pos = 0;
        let alternatives = parse_seq(&chars, &mut pos, false)?;
        if pos != chars.len() {
            return None;
        }
        Some(Glob { alternatives })
    }

    /// Whether `name` matches.
    pub fn matches(&self, name: &str) -> bool {
        let s: Vec<char> = name.chars().collect();
        self.alternatives.iter().any(|toks| match_toks(toks, &s))
    }
}

/// Parses a sequence until the end, or (inside braces) until `,` or `}`.
/// Returns every expansion of the alternatives in it.
fn parse_seq(chars: &[char], pos: &mut usize, in_braces: bool) -> Option<Vec<Vec<Tok>>> {
    let mut seqs: Vec<Vec<Tok>> = vec![Vec::new()];
    while *pos < chars.len() {
        let c = chars[*pos];
        match c {
            ',' | '}' if in_braces => return Some(seqs),
            '{' => {
                *pos += 1;
                let mut alts: Vec<Vec<Tok>> = Vec::new();
                loop {
                    let part = parse_seq(chars, pos, true)?;
                    alts.extend(part);
                    match chars.get(*pos) {
                        Some(',') => *pos += 1,
                        Some('}') => {
                            *pos += 1;
                            break;
                        }
                        _ => return None,
                    }
                }
                let mut next = Vec::new();
                for s in &seqs {
                    for a in &alts {
                        let mut n = s.clone();
                        n.extend(a.iter().cloned());
                        next.push(n);
                        if next.len() > MAX_ALTERNATIVES {
                            return None;
                        }
                    }
                }
                seqs = next;
                continue;
            }
            '}' => return None,
            _ => {}
        }
        let tok = match c {
            '*' => {
                if chars.get(*pos + 1) == Some(&'*') {
                    *pos += 2;
                    Tok::Super
                } else {
                    *pos += 1;
                    Tok::Star
                }
            }
            '?' => {
                *pos += 1;
                Tok::Any
            }
            '[' => {
                *pos += 1;
                let negated = chars.get(*pos) == Some(&'!');
                if negated {
                    *pos += 1;
                }
                let mut items = Vec::new();
                loop {
                    let lo = match chars.get(*pos) {
                        None => return None,
                        Some(']') => {
                            *pos += 1;
                            break;
                        }
                        Some('\\') => {
                            *pos += 1;
                            *chars.get(*pos)?
                        }
                        Some(&ch) => ch,
                    };
                    *pos += 1;
                    if chars.get(*pos) == Some(&'-') && chars.get(*pos + 1).is_some_and(|&n| n != ']') {
                        let hi = chars[*pos + 1];
                        *pos += 2;
                        if hi < lo {
                            return None;
                        }
                        items.push((lo, hi));
                    } else {
                        items.push((lo, lo));
                    }
                }
                if items.is_empty() {
                    return None;
                }
                Tok::Class { negated, items }
            }
            '\\' => {
                *pos += 1;
                let ch = *chars.get(*pos)?;
                *pos += 1;
                Tok::Lit(ch)
            }
            ch => {
                *pos += 1;
                Tok::Lit(ch)
            }
        };
        for s in &mut seqs {
            s.push(tok.clone());
        }
    }
    if in_braces {
        return None;
    }
    Some(seqs)
}

/// Matches with a table over (token, position) so that many stars stay polynomial.
fn match_toks(toks: &[Tok], s: &[char]) -> bool {
    let n = s.len();
    // reach[j]: the tokens matched so far can end at position j.
    let mut reach = vec![false; n + 1];
    reach[0] = true;
    for tok in toks {
        let mut next = vec![false; n + 1];
        match tok {
            Tok::Star | Tok::Super => {
                let mut on = false;
                for j in 0..=n {
                    if reach[j] {
                        on = true;
                    }
                    if on {
                        next[j] = true;
                    }
                    if *tok == Tok::Star && j < n && s[j] == '/' {
                        on = false;
                    }
                }
            }
            _ => {
                for j in 0..n {
                    if reach[j] && single(tok, s[j]) {
                        next[j + 1] = true;
                    }
                }
            }
        }
        reach = next;
        if !reach.iter().any(|&r| r) {
            return false;
        }
    }
    reach[n]
}

fn single(tok: &Tok, c: char) -> bool {
    match tok {
        Tok::Lit(l) => *l == c,
        Tok::Any => c != '/',
        Tok::Class { negated, items } => items.iter().any(|(lo, hi)| *lo <= c && c <= *hi) != *negated,
        Tok::Star | Tok::Super => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        Glob::compile(p).unwrap().matches(s)
    }

    /// Cases in the spirit of gobwas/glob's README and Helm's files_test.go.
    #[test]
    fn gobwas_semantics() {
        assert!(m("*.txt", "a.txt"));
        assert!(!m("*.txt", "dir/a.txt"));
        assert!(m("**.txt", "dir/a.txt"));
        assert!(m("ship/**", "ship/captain.txt"));
        assert!(m("ship/*", "ship/stowaway.txt"));
        assert!(!m("ship/*", "ship/a/b"));
        assert!(m("story/**", "story/author.txt"));
        assert!(m("{a,b}/*.yaml", "b/x.yaml"));
        assert!(!m("{a,b}/*.yaml", "c/x.yaml"));
        assert!(m("[!a]?c", "bxc"));
        assert!(!m("[!a]?c", "axc"));
        assert!(m("[a-c]*", "banana"));
        assert!(m("a\\*b", "a*b"));
        assert!(!m("?", "/"));
        assert!(m("{*.txt,**/x}", "deep/er/x"));
        assert!(Glob::compile("[").is_none());
        assert!(Glob::compile("{a,b").is_none());
        assert!(m(&"*".repeat(200), &"a".repeat(200)));
    }
}
