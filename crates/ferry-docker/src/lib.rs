//! Ferry's Docker driver. A deployment is a Compose project (or a Swarm stack) applied from a
//! per-deployment working directory, `<state>/deployments/<id>/`, that holds the Compose
//! file, its `.env` and the deployment's registry credentials.
//!
//! - [`driver`]: [`DockerDriver`], the [`ferry_agent::driver::Driver`] implementation;
//! - [`compose`]: Compose files and command lines, progress parsing (pure);
//! - [`status`]: health from container and service state (pure);
//! - [`facts`]: what an apply left, and drift from it (pure);
//! - [`engine`]: the Docker Engine API ([`engine::DockerApi`], bollard over the Unix socket);
//! - [`runner`]: processes ([`runner::CommandRunner`], counted);
//! - [`auth`]: registry credentials as a private `DOCKER_CONFIG`;
//! - [`metrics`]: host CPU, memory and disks from `/proc`.

pub mod auth;
pub mod compose;
pub mod driver;
pub mod engine;
pub mod facts;
pub mod metrics;
pub mod runner;
pub mod status;

pub use driver::{DockerConfig, DockerDriver};
