//! The one list of jobs a process can run.

use std::{collections::HashMap, fmt, sync::Arc};

use crate::job::{Erased, ErasedJob, Job};

/// Jobs by Sidekiq class name.
#[derive(Clone, Default)]
pub struct Registry {
    jobs: HashMap<&'static str, Arc<dyn ErasedJob>>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<_> = self.jobs.keys().collect();
        names.sort();
        f.debug_struct("Registry").field("jobs", &names).finish()
    }
}

impl Registry {
    /// An empty registry.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Register `job` under `J::CLASS`, replacing any job of that name.
    #[must_use]
    pub fn register<J: Job>(mut self, job: J) -> Self {
        self.jobs.insert(J::CLASS, Arc::new(Erased(job)));
        self
    }

    /// Registered class names, sorted.
    #[must_use]
    pub fn classes(&self) -> Vec<&'static str> {
        let mut names: Vec<_> = self.jobs.keys().copied().collect();
        names.sort_unstable();
        names
    }

    pub(crate) fn get(&self, class: &str) -> Option<&Arc<dyn ErasedJob>> {
        self.jobs.get(class)
    }
}
