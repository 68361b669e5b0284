//! Progress bars for long work, drawn on standard error (and only when it is a
//! terminal, so logs and pipes stay clean).

use std::sync::Mutex;

use coproduce_store::demo::Progress;
use indicatif::{ProgressBar, ProgressStyle};

pub struct Bars {
    current: Mutex<Option<ProgressBar>>,
}

impl Bars {
    pub fn new() -> Self {
        Self {
            current: Mutex::new(None),
        }
    }

    fn with(&self, f: impl FnOnce(&mut Option<ProgressBar>)) {
        if let Ok(mut guard) = self.current.lock() {
            f(&mut guard);
        }
    }
}

impl Progress for Bars {
    fn start(&self, stage: &str, total: u64) {
        let style =
            ProgressStyle::with_template("{prefix:>12.bold} [{bar:40}] {pos:>7}/{len:7} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
        let bar = ProgressBar::new(total)
            .with_style(style)
            .with_prefix(stage.to_owned());
        self.with(|slot| {
            if let Some(old) = slot.replace(bar) {
                old.finish();
            }
        });
    }

    fn advance(&self, n: u64) {
        self.with(|slot| {
            if let Some(bar) = slot {
                bar.inc(n);
            }
        });
    }

    fn finish(&self) {
        self.with(|slot| {
            if let Some(bar) = slot.take() {
                bar.finish();
            }
        });
    }
}
