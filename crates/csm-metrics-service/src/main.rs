//! The webhook service: `cargo run -p csm-metrics-service -- [ADDRESS]` (default
//! 127.0.0.1:3000), figures by team, late events re-sequenced, handling figures on.

use std::sync::{Arc, Mutex};

use csm_metrics::metrics::desk::{Desk, DeskConfig};
use csm_metrics::metrics::tickets::{ByTeam, TrackerConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3000".into());
    let config = DeskConfig {
        tickets: TrackerConfig {
            resequence: true,
            handling: true,
            ..TrackerConfig::default()
        },
        ..DeskConfig::default()
    };
    let desk = Arc::new(Mutex::new(Desk::new(config, ByTeam)?));
    let listener = tokio::net::TcpListener::bind(&address).await?;
    eprintln!("csm-metrics service on http://{address} (POST /events, GET /snapshot)");
    axum::serve(listener, csm_metrics_service::router(desk))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
