//! Arguments shared by the scheduler and executor examples.

use std::sync::Arc;

use csm_metrics::BusinessClock;

pub struct Args {
    pub bind: String,
    pub scheduler: String,
    pub calendar: Option<String>,
}

impl Args {
    pub fn parse(bind: &str) -> Result<Args, String> {
        let mut out = Args {
            bind: bind.to_string(),
            scheduler: "localhost:50050".to_string(),
            calendar: None,
        };
        let mut args = std::env::args().skip(1);
        while let Some(a) = args.next() {
            let mut value = || args.next().ok_or(format!("{a} takes a value"));
            match a.as_str() {
                "--bind" => out.bind = value()?,
                "--scheduler" => out.scheduler = value()?,
                "--calendar" => out.calendar = Some(value()?),
                _ => return Err(format!("unknown argument {a}")),
            }
        }
        Ok(out)
    }

    /// The calendar of `--calendar`, if given.
    pub fn calendar(&self) -> Result<Option<Arc<dyn BusinessClock>>, String> {
        let Some(path) = &self.calendar else {
            return Ok(None);
        };
        let spec = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        let calendar = csm_metrics_synth::format::parse_calendar(&spec)?;
        Ok(Some(Arc::new(calendar)))
    }
}
