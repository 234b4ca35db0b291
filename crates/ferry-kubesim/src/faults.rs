//! Fault injection: error answers, slow answers and dropped watches, chosen by
//! verb, resource, namespace, name or user.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::error::ApiError;

/// Which requests a fault applies to; an unset field matches anything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestMatch {
    /// `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`.
    pub verb: Option<String>,
    /// Plural resource (`deployments`), optionally qualified (`deployments.apps`).
    pub resource: Option<String>,
    /// Namespace of the request.
    pub namespace: Option<String>,
    /// Object name.
    pub name: Option<String>,
    /// Authenticated user.
    pub user: Option<String>,
}

/// One request as the matchers see it.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestInfo {
    /// Verb.
    pub verb: String,
    /// API group.
    pub group: String,
    /// Plural resource, with `/subresource` when one is addressed.
    pub resource: String,
    /// Namespace, if any.
    pub namespace: Option<String>,
    /// Object name, if any.
    pub name: Option<String>,
    /// Authenticated user.
    pub user: String,
}

impl RequestMatch {
    /// Whether `request` is selected.
    pub fn matches(&self, request: &RequestInfo) -> bool {
        let qualified = if request.group.is_empty() {
            request.resource.clone()
        } else {
            format!("{}.{}", request.resource, request.group)
        };
        self.verb.as_ref().is_none_or(|v| *v == request.verb)
            && self.resource.as_ref().is_none_or(|r| *r == request.resource || *r == qualified)
            && self.namespace.as_ref().is_none_or(|n| request.namespace.as_ref() == Some(n))
            && self.name.as_ref().is_none_or(|n| request.name.as_ref() == Some(n))
            && self.user.as_ref().is_none_or(|u| *u == request.user)
    }
}

/// What a fault does.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultAction {
    /// Answer with this error instead of serving the request.
    Error(ApiError),
    /// Serve the request after this delay.
    Delay(Duration),
    /// For watches: end the stream after this many events.
    DropWatchAfter(usize),
}

/// A fault: what it matches, what it does, how many times.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// Requests it applies to.
    pub matches: RequestMatch,
    /// Its effect.
    pub action: FaultAction,
    /// How many requests it still applies to (`None`: forever).
    pub remaining: Option<usize>,
}

impl Fault {
    /// Answer with an HTTP error code; the reason and message follow Kubernetes for
    /// 409, 429, 500 and 503.
    pub fn status(code: u16) -> Self {
        let error = match code {
            409 => ApiError::new(
                409,
                "Conflict",
                "Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again",
            ),
            429 => ApiError::new(
                429,
                "TooManyRequests",
                "the server has received too many requests and has asked us to try again later",
            ),
            500 => ApiError::internal("injected fault"),
            503 => ApiError::new(503, "ServiceUnavailable", "the server is currently unable to handle the request"),
            504 => ApiError::new(504, "Timeout", "the server was unable to return a response in the time allotted"),
            other => ApiError::new(other, "InternalError", format!("injected fault with code {other}")),
        };
        Self::error(error)
    }

    /// Answer with this exact error.
    pub fn error(error: ApiError) -> Self {
        Self { matches: RequestMatch::default(), action: FaultAction::Error(error), remaining: None }
    }

    /// Answer after a delay.
    pub fn delay(delay: Duration) -> Self {
        Self { matches: RequestMatch::default(), action: FaultAction::Delay(delay), remaining: None }
    }

    /// End matching watches after `events` events.
    pub fn drop_watch_after(events: usize) -> Self {
        Self { matches: RequestMatch::default(), action: FaultAction::DropWatchAfter(events), remaining: None }
    }

    /// Only for this verb.
    pub fn verb(mut self, verb: &str) -> Self {
        self.matches.verb = Some(verb.into());
        self
    }

    /// Only for this resource (`deployments` or `deployments.apps`).
    pub fn resource(mut self, resource: &str) -> Self {
        self.matches.resource = Some(resource.into());
        self
    }

    /// Only in this namespace.
    pub fn namespace(mut self, namespace: &str) -> Self {
        self.matches.namespace = Some(namespace.into());
        self
    }

    /// Only for this object name.
    pub fn name(mut self, name: &str) -> Self {
        self.matches.name = Some(name.into());
        self
    }

    /// Only for this user.
    pub fn user(mut self, user: &str) -> Self {
        self.matches.user = Some(user.into());
        self
    }

    /// Only the next `n` matching requests.
    pub fn times(mut self, n: usize) -> Self {
        self.remaining = Some(n);
        self
    }
}

/// The active faults of a simulator, and the switch that drops every open watch.
#[derive(Clone)]
pub struct Faults {
    pub(crate) rules: Arc<Mutex<Vec<Fault>>>,
    pub(crate) drops: Arc<tokio::sync::watch::Sender<u64>>,
}

impl Faults {
    pub(crate) fn new() -> Self {
        Self { rules: Arc::default(), drops: Arc::new(tokio::sync::watch::channel(0).0) }
    }

    /// Adds a fault.
    pub fn inject(&self, fault: Fault) {
        self.rules.lock().expect("fault list poisoned").push(fault);
    }

    /// Removes every fault.
    pub fn clear(&self) {
        self.rules.lock().expect("fault list poisoned").clear();
    }

    /// Ends every watch stream that is open now (clients see the connection close).
    pub fn drop_watches(&self) {
        self.drops.send_modify(|n| *n += 1);
    }

    /// The actions that apply to `request`, consuming one use of each counted fault.
    pub(crate) fn take(&self, request: &RequestInfo) -> Vec<FaultAction> {
        let mut rules = self.rules.lock().expect("fault list poisoned");
        let mut actions = Vec::new();
        for rule in rules.iter_mut().filter(|r| r.matches.matches(request)) {
            if let Some(n) = &mut rule.remaining {
                if *n == 0 {
                    continue;
                }
                *n -= 1;
            }
            actions.push(rule.action.clone());
        }
        rules.retain(|r| r.remaining != Some(0));
        actions
    }
}
