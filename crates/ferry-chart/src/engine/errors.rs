//! Helm's rendering errors: parse errors as `parse error at (FILE:LINE):
//! MESSAGE`, `required`/`fail` messages as `execution error at (LOC):
//! MESSAGE`, and other execution errors in Helm 4's multi-line form — one
//! block per template of an `include` chain:
//!
//! ```text
//! mychart/templates/svc.yaml:1:9
//!   executing "mychart/templates/svc.yaml" at <include "x" .>:
//!     error calling include:
//! mychart/templates/_helpers.tpl:1:49
//!   executing "x" at <.Values.nonexistant.key>:
//!     nil pointer evaluating interface {}.key
//! ```

use ferry_gotmpl::Error;

use super::funcs::{WARN_END, WARN_START};

/// A rendering error, displayed exactly as Helm displays it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RenderError(pub String);

/// Helm's `cleanupParseError`.
pub(crate) fn cleanup_parse_error(filename: &str, err: &Error) -> RenderError {
    let s = err.to_string();
    let tokens: Vec<&str> = s.split(": ").collect();
    if tokens.len() == 1 {
        return RenderError(format!("parse error in ({filename}): {s}"));
    }
    RenderError(format!("parse error at ({}): {}", tokens[1], tokens[tokens.len() - 1]))
}

/// Helm 4's `TraceableError`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Traceable {
    location: String,
    message: String,
    executed_function: String,
}

impl Traceable {
    fn render(&self, out: &mut String) {
        if !self.location.is_empty() {
            out.push_str(&self.location);
            out.push_str("\n  ");
        }
        if !self.executed_function.is_empty() {
            out.push_str(&self.executed_function);
            out.push_str("\n    ");
        }
        if !self.message.is_empty() {
            out.push_str(&self.message);
            out.push('\n');
        }
    }
}

/// Cuts a message where the next, wrapped template error starts.
fn cut_chained(msg: &str) -> &str {
    match msg.find(" template:") {
        Some(i) => &msg[..i],
        None => msg,
    }
}

/// Helm 4's `parseTemplateExecErrorString`.
fn parse_exec_error_string(s: &str) -> Option<Traceable> {
    let remainder = s.strip_prefix("template: ")?;
    if remainder.starts_with("no template ") {
        return Some(Traceable { message: s.to_string(), ..Traceable::default() });
    }
    if let Some(idx) = remainder.find(": executing ") {
        let template_name = &remainder[..idx];
        let after = &remainder[idx + ": executing ".len()..];
        if let Some(rest) = after.strip_prefix('"')
            && let Some(end_quote) = rest.find('"')
        {
            let function_name = &rest[..end_quote];
            let after_func = &rest[end_quote + 1..];
            if let Some(after_at) = after_func.strip_prefix(" at <")
                && let Some(end_loc) = after_at.find(">: ")
            {
                let location_name = &after_at[..end_loc];
                let err_msg = cut_chained(&after_at[end_loc + 3..]);
                return Some(Traceable {
                    location: template_name.to_string(),
                    message: err_msg.to_string(),
                    executed_function: format!("executing \"{function_name}\" at <{location_name}>:"),
                });
            }
        }
        return None;
    }
    let sep = remainder.rfind(": ")?;
    Some(Traceable {
        location: remainder[..sep].to_string(),
        message: cut_chained(&remainder[sep + 2..]).to_string(),
        ..Traceable::default()
    })
}

/// The strings of Go's `errors.Unwrap` chain of a template error: each
/// execution error, then (for function calls) what the function returned.
fn error_chain(err: &Error) -> Vec<String> {
    let mut chain = Vec::new();
    let mut current = Some(err);
    while let Some(e) = current {
        chain.push(e.to_string());
        current = None;
        if let Error::Exec(x) = e {
            if let Some(cause) = &x.cause {
                current = Some(cause);
            } else if let Some(rest) = x.message.strip_prefix("error calling ") {
                // The function's own error (not a template error) is the
                // next link; Helm cannot parse it.
                if let Some((_, inner)) = rest.split_once(": ") {
                    chain.push(inner.to_string());
                }
            }
        }
    }
    chain
}

/// Helm 4's `reformatExecErrorMsg`.
pub(crate) fn reformat_exec_error(filename: &str, err: &Error) -> RenderError {
    let Error::Exec(_) = err else { return RenderError(err.to_string()) };
    let s = err.to_string();
    let tokens: Vec<&str> = s.splitn(3, ": ").collect();
    if tokens.len() != 3 {
        return RenderError(format!("execution error in ({filename}): {s}"));
    }
    if let Some(start) = tokens[2].find(WARN_START)
        && let Some(end) = tokens[2].rfind(WARN_END)
        && end >= start + WARN_START.len()
    {
        return RenderError(format!(
            "execution error at ({}): {}",
            tokens[1],
            &tokens[2][start + WARN_START.len()..end]
        ));
    }
    // Each message is already cut where the wrapped error begins.
    let mut locations: Vec<Traceable> = Vec::new();
    for link in error_chain(err) {
        let Some(tr) = parse_exec_error_string(&link) else { return RenderError(s) };
        if locations.last() != Some(&tr) {
            locations.push(tr);
        }
    }
    let mut out = String::new();
    for l in &locations {
        l.render(&mut out);
    }
    RenderError(out.trim_end().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Helm's `TestTraceableError_*` cases.
    #[test]
    fn parses_helm_error_forms() {
        let tr = parse_exec_error_string("template: function_not_found/templates/secret.yaml: error calling include")
            .unwrap();
        assert_eq!(tr.message, "error calling include");
        let tr = parse_exec_error_string(
            "template: divide_by_zero/templates/secret.yaml:6:11: executing \"divide_by_zero/templates/secret.yaml\" at <include \"division\" .>: ",
        )
        .unwrap();
        assert_eq!(tr.location, "divide_by_zero/templates/secret.yaml:6:11");
        let s = "template: no template \"common.names.get_name\" associated with template \"gotpl\"";
        assert_eq!(parse_exec_error_string(s).unwrap().message, s);
    }
}
