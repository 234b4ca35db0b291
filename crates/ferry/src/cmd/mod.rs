//! One module per subcommand.

pub mod agent;
pub mod agent_version;
pub mod app;
pub mod bench;
pub mod deploy;
pub mod history;
pub mod hub;
pub mod login;
pub mod logs;
pub mod output;
pub mod secret;
pub mod session;
pub mod status;
pub mod target;
pub mod template;
pub mod version;
