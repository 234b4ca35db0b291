//! Wire types of the Ferry agent API (Distr-compatible, see PROTOCOL.md) and of the vendor
//! REST API, plus the connect manifests the hub hands to installers. Serde only, no I/O:
//! the hub, the agents and the CLI all speak through these types.

pub mod agent;
pub mod api;
pub mod duration;
pub mod manifest;

pub use duration::GoDuration;
