//! A progress bar on stderr, shown once a read has taken more than a second (and only on a
//! terminal).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use csm_metrics_io::history::ReadOptions;
use indicatif::{ProgressBar, ProgressStyle};

pub struct Bar {
    done: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Bar {
    /// Starts watching the bytes `options` will count.
    pub fn start(total: u64, options: &mut ReadOptions) -> Bar {
        let read = Arc::new(AtomicU64::new(0));
        options.progress = Some(Arc::clone(&read));
        let done = Arc::new(AtomicBool::new(false));
        let stop = Arc::clone(&done);
        let thread = std::thread::spawn(move || {
            let start = Instant::now();
            let mut bar: Option<ProgressBar> = None;
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                if bar.is_none() && start.elapsed() > Duration::from_secs(1) {
                    let b = ProgressBar::new(total);
                    if let Ok(style) = ProgressStyle::with_template(
                        "{bar:30} {percent:>3} %  {bytes}/{total_bytes}  {bytes_per_sec}  eta {eta}",
                    ) {
                        b.set_style(style);
                    }
                    bar = Some(b);
                }
                if let Some(b) = &bar {
                    b.set_position(read.load(Ordering::Relaxed).min(total));
                }
            }
            if let Some(b) = bar {
                b.finish_and_clear();
            }
        });
        Bar {
            done,
            thread: Some(thread),
        }
    }

    pub fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Peak resident memory (Linux), KiB.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
