//! A webhook service around a [`Desk`]: help-desk events in as JSON, every figure out as
//! JSON.
//!
//! - `POST /events` takes one [`DeskEvent`] or an array of them, e.g.
//!   `{"interaction": {"ticket": 7, "at": "2025-03-03T09:30:00Z", "kind": {"message":
//!   {"author": {"agent": 2}, "visibility": "public"}}}}`, and answers how many were taken
//!   and, for each refused one, its index and the reason (the desk has counted it).
//! - `GET /snapshot` answers the [`DeskSnapshot`] at the latest instant seen, or at
//!   `?as_of=2025-03-04T00:00:00Z`.
//!
//! The desk is behind a mutex: a webhook handler holds it for the length of one batch.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use csm_metrics::Calculator;
use csm_metrics::metrics::desk::{Desk, DeskEvent, DeskSnapshot};
use csm_metrics::metrics::tickets::TicketGrouping;
use serde::{Deserialize, Serialize};

/// The desk a service shares between its handlers.
pub type Shared<G> = Arc<Mutex<Desk<G>>>;

/// One event or a batch.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Events {
    /// A batch, taken in order.
    Many(Vec<DeskEvent>),
    /// One event.
    One(DeskEvent),
}

/// What `POST /events` answers.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Taken {
    /// Events taken (or waiting for their ticket).
    pub taken: usize,
    /// Refused events: their index in the batch and why.
    pub refused: Vec<(usize, String)>,
}

/// The `as_of` query of `GET /snapshot`.
#[derive(Debug, Deserialize)]
pub struct AsOf {
    /// The instant the snapshot is dated at (default: the latest seen).
    pub as_of: Option<DateTime<Utc>>,
}

/// The service's routes over a shared desk.
pub fn router<G>(desk: Shared<G>) -> Router
where
    G: TicketGrouping + Sync + 'static,
    G::Key: Serialize + Sync,
{
    Router::new()
        .route("/events", post(events::<G>))
        .route("/snapshot", get(snapshot::<G>))
        .with_state(desk)
}

async fn events<G: TicketGrouping>(
    State(desk): State<Shared<G>>,
    Json(events): Json<Events>,
) -> Result<Json<Taken>, StatusCode> {
    let events = match events {
        Events::Many(v) => v,
        Events::One(e) => vec![e],
    };
    let mut desk = desk.lock().map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    let mut answer = Taken {
        taken: 0,
        refused: Vec::new(),
    };
    for (i, e) in events.iter().enumerate() {
        match desk.observe(e) {
            Ok(()) => answer.taken += 1,
            Err(err) => answer.refused.push((i, err.to_string())),
        }
    }
    Ok(Json(answer))
}

async fn snapshot<G>(
    State(desk): State<Shared<G>>,
    Query(q): Query<AsOf>,
) -> Result<Json<DeskSnapshot<G::Key>>, StatusCode>
where
    G: TicketGrouping,
    G::Key: Serialize,
{
    let desk = desk.lock().map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    Ok(Json(match q.as_of {
        Some(at) => desk.snapshot_at(at),
        None => desk.snapshot(),
    }))
}
