//! Shared helpers of the cluster tests: prerequisites (a failure under `CI=true`, a skip
//! otherwise), the swarm bed shared by every test of a file, locally built images.

#![allow(dead_code)]

pub mod bed;
pub mod images;

use std::sync::{Mutex, OnceLock};

/// Whether the suite runs in CI, where a missing prerequisite is a failure.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Why a test could not run: under CI a failure, otherwise a skip.
pub fn unavailable(why: &str) -> Result<(), libtest_mimic::Failed> {
    if in_ci() {
        return Err(format!("{why} (CI=true: this is a failure, not a skip)").into());
    }
    eprintln!("SKIPPED: {why}");
    Ok(())
}

/// One bed per test binary, built by the first test that needs it and torn down by
/// [`teardown`] after the last test.
pub struct Shared {
    bed: OnceLock<Result<bed::Bed, String>>,
    spec: fn() -> Result<bed::Spec, String>,
    lock: Mutex<()>,
}

impl Shared {
    /// A bed built from `spec` on first use.
    pub const fn new(spec: fn() -> Result<bed::Spec, String>) -> Self {
        Shared { bed: OnceLock::new(), spec, lock: Mutex::new(()) }
    }

    /// The bed, or why there is none (missing prerequisites, or setup failed).
    pub fn get(&self) -> Result<&bed::Bed, String> {
        let _one = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        self.bed
            .get_or_init(|| {
                let missing = bed::missing_prerequisites();
                if !missing.is_empty() {
                    return Err(format!("missing prerequisites for the swarm bed: {}", missing.join(", ")));
                }
                let spec = (self.spec)()?;
                bed::Bed::start(&spec).map_err(|e| format!("the swarm bed could not be built: {e}"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Tears the bed down, if one was built.
    pub fn teardown(&self) {
        if let Some(Ok(bed)) = self.bed.get() {
            bed.teardown();
        }
    }
}

/// Runs `test` with the bed; a missing bed is a skip, or a failure under CI. A missing
/// prerequisite is reported as such; a bed that failed to build is always a failure.
pub fn with_bed(
    shared: &Shared,
    test: impl FnOnce(&bed::Bed) -> Result<(), libtest_mimic::Failed>,
) -> Result<(), libtest_mimic::Failed> {
    match shared.get() {
        Ok(bed) => test(bed),
        Err(why) if why.starts_with("missing prerequisites") => unavailable(&why),
        Err(why) => Err(why.into()),
    }
}
