//! `.helmignore` rules (Helm's `pkg/ignore`): shell patterns matched against
//! paths relative to the chart root, `!` negation, trailing `/` for
//! directories, leading `/` to anchor at the root.

use crate::gopath;

/// The name of the ignore file in a chart directory.
pub const HELM_IGNORE: &str = ".helmignore";

/// Why a `.helmignore` rule was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// Helm refuses `**`.
    #[error("double-star (**) syntax is not supported")]
    DoubleStar,
    /// The pattern does not compile (Go's `filepath.ErrBadPattern`).
    #[error("syntax error in pattern")]
    BadPattern,
}

#[derive(Debug, Clone)]
enum Anchor {
    /// A leading `/`: match the whole path from the root.
    Root,
    /// A `/` inside: match the whole path.
    Structural,
    /// No `/`: match the last path element only.
    Base,
}

#[derive(Debug, Clone)]
struct Pattern {
    rule: String,
    anchor: Anchor,
    negate: bool,
    must_dir: bool,
}

impl Pattern {
    fn matches(&self, path: &str) -> bool {
        let target = match self.anchor {
            Anchor::Root | Anchor::Structural => path,
            Anchor::Base => gopath::base(path),
        };
        gopath::matches(&self.rule, target).unwrap_or(false)
    }
}

/// A set of ignore rules.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    patterns: Vec<Pattern>,
}

impl Rules {
    /// No rules.
    pub fn empty() -> Rules {
        Rules::default()
    }

    /// Parses the text of a `.helmignore` file, one rule per line.
    pub fn parse(text: &str) -> Result<Rules, RuleError> {
        let mut r = Rules::empty();
        for line in text.lines() {
            r.parse_rule(line)?;
        }
        Ok(r)
    }

    /// Adds Helm's defaults: every dotfile under `templates/` is ignored.
    pub fn add_defaults(&mut self) {
        // A constant rule that always parses.
        let _ = self.parse_rule("templates/.?*");
    }

    /// The number of rules.
    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    fn parse_rule(&mut self, rule: &str) -> Result<(), RuleError> {
        let rule = rule.trim();
        if rule.is_empty() || rule.starts_with('#') {
            return Ok(());
        }
        if rule.contains("**") {
            return Err(RuleError::DoubleStar);
        }
        if gopath::matches(rule, "abc").is_err() {
            return Err(RuleError::BadPattern);
        }
        let mut rule = rule;
        let mut negate = false;
        if let Some(rest) = rule.strip_prefix('!') {
            negate = true;
            rule = rest;
        }
        let mut must_dir = false;
        if let Some(rest) = rule.strip_suffix('/') {
            must_dir = true;
            rule = rest;
        }
        let (anchor, rule) = if let Some(rest) = rule.strip_prefix('/') {
            (Anchor::Root, rest)
        } else if rule.contains('/') {
            (Anchor::Structural, rule)
        } else {
            (Anchor::Base, rule)
        };
        self.patterns.push(Pattern { rule: rule.to_string(), anchor, negate, must_dir });
        Ok(())
    }

    /// Whether `path` (relative, `/`-separated) should be ignored. Rules are
    /// evaluated in order; the first match decides, and a negated rule that
    /// does not match ignores the path.
    pub fn ignore(&self, path: &str, is_dir: bool) -> bool {
        if path.is_empty() || path == "." || path == "./" {
            return false;
        }
        for p in &self.patterns {
            if p.negate {
                if p.must_dir && !is_dir {
                    return true;
                }
                if !p.matches(path) {
                    return true;
                }
                continue;
            }
            if p.must_dir && !is_dir {
                continue;
            }
            if p.matches(path) {
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cases from Helm's `pkg/ignore/rules_test.go` (`TestIgnore`), on the
    /// file tree of its testdata (`cargo.toml`, `.joonix`, `a.txt`,
    /// `mast/a.txt`, `rudder.txt`, `helm.txt`, `tiller/a.txt`, ...).
    #[test]
    fn helm_ignore_table() {
        let dirs = ["helm", "mast", "rudder", "tiller", "cargo", "helm/subdir"];
        let cases: &[(&str, &str, bool)] = &[
            // Glob tests
            ("helm.txt", "helm.txt", true),
            ("helm.*", "helm.txt", true),
            ("helm.*", "rudder.txt", false),
            ("*.txt", "tiller.txt", true),
            ("*.txt", "cargo/a.txt", true),
            ("cargo/*.txt", "cargo/a.txt", true),
            ("cargo/*.*", "cargo/a.txt", true),
            ("cargo/*.txt", "mast/a.txt", false),
            ("ru[c-e]?er.txt", "rudder.txt", true),
            ("templates/.?*", "templates/.dotfile", true),
            // "." should never get ignored. https://github.com/helm/helm/issues/1776
            (".*", ".", false),
            (".*", "./", false),
            (".*", ".joonix", true),
            (".*", "helm.txt", false),
            (".*", "", false),
            // Directory tests
            ("cargo/", "cargo", true),
            ("cargo/", "cargo/", true),
            ("cargo/", "mast/", false),
            ("helm.txt/", "helm.txt", false),
            // Negation tests
            ("!helm.txt", "helm.txt", false),
            ("!helm.txt", "tiller.txt", true),
            ("!*.txt", "cargo", true),
            ("!cargo/", "mast/", true),
            // Absolute path tests
            ("/a.txt", "a.txt", true),
            ("/a.txt", "cargo/a.txt", false),
            ("/cargo/a.txt", "cargo/a.txt", true),
        ];
        for (pattern, name, expect) in cases {
            let r = Rules::parse(pattern).unwrap();
            let trimmed = name.trim_end_matches('/');
            let is_dir = dirs.contains(&trimmed);
            assert_eq!(r.ignore(name, is_dir), *expect, "{pattern} on {name}");
        }
    }

    #[test]
    fn rejects_double_star_and_bad_patterns() {
        assert_eq!(Rules::parse("a/**/b").unwrap_err(), RuleError::DoubleStar);
        assert_eq!(Rules::parse("[").unwrap_err(), RuleError::BadPattern);
        assert_eq!(Rules::parse("# comment\n\n  a.txt  \n").unwrap().len(), 1);
    }
}
