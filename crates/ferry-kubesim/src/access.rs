//! RBAC-like denial: bearer tokens map to users, and rules make chosen verbs and
//! resources answer 403 for a user — enough to simulate a namespace-scoped agent.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::faults::{RequestInfo, RequestMatch};

/// The user of requests without a known bearer token.
pub const ADMIN: &str = "kubesim-admin";

/// The user name of a service account, as Kubernetes spells it.
pub fn service_account(namespace: &str, name: &str) -> String {
    format!("system:serviceaccount:{namespace}:{name}")
}

#[derive(Debug, Clone)]
enum Rule {
    Deny(RequestMatch),
    Confine { user: String, namespace: String },
}

/// Tokens and denial rules of a simulator.
#[derive(Clone, Default)]
pub struct Access {
    tokens: Arc<Mutex<HashMap<String, String>>>,
    rules: Arc<Mutex<Vec<Rule>>>,
}

impl Access {
    /// Requests bearing `token` are made by `user`.
    pub fn add_token(&self, token: &str, user: &str) {
        self.tokens.lock().expect("token map poisoned").insert(token.into(), user.into());
    }

    /// The user a bearer token authenticates (`ADMIN` for none or an unknown one).
    pub fn user_for(&self, token: Option<&str>) -> String {
        token
            .and_then(|t| self.tokens.lock().expect("token map poisoned").get(t).cloned())
            .unwrap_or_else(|| ADMIN.to_string())
    }

    /// Denies what `rule` matches (set `rule.user` to aim it at one user).
    pub fn deny(&self, rule: RequestMatch) {
        self.rules.lock().expect("rule list poisoned").push(Rule::Deny(rule));
    }

    /// Confines `user` to `namespace`: cluster-scoped resources, other namespaces and
    /// all-namespace lists answer 403, as for an agent bound by a namespaced Role.
    pub fn confine_to_namespace(&self, user: &str, namespace: &str) {
        self.rules
            .lock()
            .expect("rule list poisoned")
            .push(Rule::Confine { user: user.into(), namespace: namespace.into() });
    }

    /// Removes every rule (tokens stay).
    pub fn clear_rules(&self) {
        self.rules.lock().expect("rule list poisoned").clear();
    }

    /// Whether `request` is allowed.
    pub fn allows(&self, request: &RequestInfo) -> bool {
        let rules = self.rules.lock().expect("rule list poisoned");
        !rules.iter().any(|rule| match rule {
            Rule::Deny(m) => m.matches(request),
            Rule::Confine { user, namespace } => {
                *user == request.user && request.namespace.as_deref() != Some(namespace.as_str())
            }
        })
    }
}
