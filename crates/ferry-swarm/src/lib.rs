//! One Docker API for a Swarm cluster, served by the Ferry agent (issue 14; Portainer's
//! agent does the same job).
