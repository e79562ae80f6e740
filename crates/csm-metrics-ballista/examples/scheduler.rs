//! A Ballista scheduler whose sessions have every csm-metrics function registered.
//!
//! ```sh
//! cargo run --release -p csm-metrics-ballista --example scheduler -- [--bind 0.0.0.0:50050] [--calendar SPEC.json]
//! ```
//!
//! The calendar spec is the repository's format (`examples/new_york_2025.json`); give the
//! scheduler and every executor the same one.

use std::net::SocketAddr;
use std::sync::Arc;

use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;

#[path = "common/mod.rs"]
mod common;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = common::Args::parse("0.0.0.0:50050")?;
    let address: SocketAddr = args.bind.parse()?;
    let config = SchedulerConfig {
        bind_host: address.ip().to_string(),
        bind_port: address.port(),
        override_session_builder: Some(csm_metrics_ballista::session_builder(args.calendar()?)),
        ..SchedulerConfig::default()
    };
    let cluster = BallistaCluster::new_from_config(&config).await?;
    start_server(cluster, address, Arc::new(config)).await?;
    Ok(())
}
