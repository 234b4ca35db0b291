//! `{{ .Secrets.KEY }}` references in env files, values and registry credentials, resolved
//! by the hub just before it hands desired state to an agent, so secret values live only in
//! the sealed secrets table and in memory.
//!
//! Only this one action is recognised (with Go's `{{-`/`-}}` whitespace trimming); any other
//! `{{ … }}` text passes through untouched, since env files legitimately contain braces.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use regex::Regex;

static SECRET_REF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\{\{(-\s)?\s*\.Secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*(\s-)?\}\}").expect("valid regex")
});

/// A reference to a secret that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "secret {0:?} is referenced but does not exist; create it with `ferry secret set {0}` or PUT /api/v1/secrets/{0}"
)]
pub struct MissingSecret(pub String);

/// The secret keys a text references.
pub fn references(text: &str) -> BTreeSet<String> {
    SECRET_REF.captures_iter(text).map(|c| c[2].to_string()).collect()
}

/// Replaces every reference with its value.
pub fn render(text: &str, secrets: &BTreeMap<String, String>) -> Result<String, MissingSecret> {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut trim_next = false;
    for caps in SECRET_REF.captures_iter(text) {
        let whole = caps.get(0).expect("group 0 always matches");
        let mut before = &text[last..whole.start()];
        if trim_next {
            before = before.trim_start();
        }
        if caps.get(1).is_some() {
            before = before.trim_end();
        }
        out.push_str(before);
        let key = &caps[2];
        out.push_str(secrets.get(key).ok_or_else(|| MissingSecret(key.to_string()))?);
        trim_next = caps.get(3).is_some();
        last = whole.end();
    }
    let rest = &text[last..];
    out.push_str(if trim_next { rest.trim_start() } else { rest });
    Ok(out)
}

/// The text with every reference replaced by a harmless word, to check that a template is
/// well-formed before the secrets it needs exist.
pub fn placeholder_secrets(text: &str) -> String {
    SECRET_REF.replace_all(text, "secret").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> BTreeMap<String, String> {
        [("DB_PASSWORD".to_string(), "p@ss".to_string()), ("TOKEN".to_string(), "t".to_string())].into()
    }

    #[test]
    fn resolves_references_and_leaves_other_braces() {
        let text = "A={{ .Secrets.DB_PASSWORD }}\nB={{.Secrets.TOKEN}}\nC={{ .Values.x }}\n";
        assert_eq!(render(text, &secrets()).unwrap(), "A=p@ss\nB=t\nC={{ .Values.x }}\n");
        assert_eq!(references(text), ["DB_PASSWORD", "TOKEN"].map(String::from).into());
    }

    #[test]
    fn trims_like_go() {
        assert_eq!(render("x  {{- .Secrets.TOKEN -}}  y", &secrets()).unwrap(), "xty");
        assert_eq!(render("x {{ .Secrets.TOKEN }} y", &secrets()).unwrap(), "x t y");
    }

    #[test]
    fn names_the_missing_key() {
        let e = render("A={{ .Secrets.NOPE }}", &secrets()).unwrap_err();
        assert_eq!(e, MissingSecret("NOPE".into()));
        assert!(e.to_string().contains("\"NOPE\""));
    }
}
