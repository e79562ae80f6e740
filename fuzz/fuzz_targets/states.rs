//! Deserialisation of every calculator state from arbitrary JSON: never a panic; a state
//! that deserialises snapshots, merges with itself and round-trips.
#![no_main]

use csm_metrics::metrics::calls::{CallCenter, FirstContactResolution};
use csm_metrics::metrics::tickets::{
    ByTeam, SavedTracker, TicketLifecycle, TicketTracker, TrackerConfig,
};
use csm_metrics::*;
use libfuzzer_sys::fuzz_target;

fn check<C: Calculator + serde::Serialize + serde::de::DeserializeOwned>(data: &[u8]) {
    if let Ok(state) = serde_json::from_slice::<C>(data) {
        let _ = state.snapshot();
        let mut twice = state.clone();
        let _ = twice.merge(&state);
        let _ = twice.snapshot();
        let json = serde_json::to_vec(&state).unwrap();
        let again: C =
            serde_json::from_slice(&json).expect("a state that deserialised must round-trip");
        let _ = again.snapshot();
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, data)) = data.split_first() else {
        return;
    };
    match which % 15 {
        0 => check::<QuantileSketch>(data),
        1 => check::<DurationSummary>(data),
        2 => check::<DurationMoments>(data),
        3 => check::<NetPromoterScore>(data),
        4 => check::<CustomerSatisfaction>(data),
        5 => check::<CustomerEffortScore>(data),
        6 => check::<Engagement>(data),
        7 => check::<SurveySuite>(data),
        8 => check::<TicketLifecycle>(data),
        9 => check::<CallCenter>(data),
        10 => check::<HappinessScore>(data),
        11 => check::<Grouped<Option<AgentId>, NetPromoterScore, ByAgent>>(data),
        12 => check::<Windowed<CustomerSatisfaction>>(data),
        14 => {
            if let Ok(fcr) = serde_json::from_slice::<FirstContactResolution>(data) {
                let _ = fcr.snapshot_at(chrono::DateTime::<chrono::Utc>::MAX_UTC);
                let _ = fcr.snapshot_at(chrono::DateTime::<chrono::Utc>::MIN_UTC);
                let mut twice = fcr.clone();
                let _ = twice.merge(&fcr);
                let json = serde_json::to_vec(&fcr).unwrap();
                let again: FirstContactResolution = serde_json::from_slice(&json).unwrap();
                assert_eq!(again, fcr);
            }
        }
        _ => {
            if let Ok(saved) = serde_json::from_slice::<SavedTracker<Option<TeamId>>>(data) {
                if let Ok(tracker) = TicketTracker::restore(TrackerConfig::default(), ByTeam, saved)
                {
                    let _ = tracker.snapshot();
                    let _ = tracker.ages_at(chrono::DateTime::<chrono::Utc>::MAX_UTC);
                }
            }
        }
    }
});
