//! SLA policies from a JSON spec, for [`SlaPolicies`](csm_metrics::metrics::sla::SlaPolicies):
//!
//! ```json
//! {"policies": [
//!   {"name": "Urgent", "priorities": ["urgent", "high"], "basis": "business",
//!    "targets": {"first_reply": "1h", "next_reply": "2h", "total_resolution": "2d"}},
//!   {"name": "Billing", "teams": ["billing, EU", 360001], "channels": ["email"],
//!    "targets": {"first_reply": 28800}},
//!   {"name": "Everyone else", "targets": {"first_reply": "24h", "agent_work": "3d"}}
//! ]}
//! ```
//!
//! Policies are tried in order; the first whose every list holds the ticket's value (tags:
//! any of its tags) applies; an empty or absent list matches anything. Targets are seconds,
//! or text with a unit (`90s`, `30m`, `8h`, `2d`), for `first_reply`, `next_reply`,
//! `periodic_update`, `pausable_update`, `requester_wait`, `agent_work`,
//! `total_resolution`, and `group_ownership` (group SLAs: one policy per group, by `teams`;
//! keep them in a spec of their own, `csm-metrics report --group-sla`). `basis` is `calendar` (the default) or `business` (the report's
//! calendar). Teams are names (as the history format spells them: their ids are
//! [`TeamId::named`]) or numbers (a help desk's own group ids, as the Zendesk and Freshdesk
//! readers keep them).

use csm_metrics::metrics::sla::{Basis, Condition, Policy, SlaMetric, Target};
use csm_metrics::{Channel, Priority, TeamId};
use serde_json::Value;

use crate::error::{Error, Result};

fn bad(what: impl Into<String>) -> Error {
    Error::Sla(what.into())
}

fn metric(name: &str) -> Option<SlaMetric> {
    Some(match name {
        "first_reply" => SlaMetric::FirstReply,
        "next_reply" => SlaMetric::NextReply,
        "periodic_update" => SlaMetric::PeriodicUpdate,
        "pausable_update" => SlaMetric::PausableUpdate,
        "requester_wait" => SlaMetric::RequesterWait,
        "agent_work" => SlaMetric::AgentWork,
        "total_resolution" => SlaMetric::TotalResolution,
        "group_ownership" => SlaMetric::GroupOwnership,
        _ => return None,
    })
}

/// A metric's name in the spec and in reports.
pub fn metric_name(m: SlaMetric) -> &'static str {
    match m {
        SlaMetric::FirstReply => "first_reply",
        SlaMetric::NextReply => "next_reply",
        SlaMetric::PeriodicUpdate => "periodic_update",
        SlaMetric::PausableUpdate => "pausable_update",
        SlaMetric::RequesterWait => "requester_wait",
        SlaMetric::AgentWork => "agent_work",
        SlaMetric::TotalResolution => "total_resolution",
        SlaMetric::GroupOwnership => "group_ownership",
    }
}

fn seconds(v: &Value) -> Option<u64> {
    if let Some(n) = v.as_u64() {
        return Some(n);
    }
    let s = v.as_str()?.trim();
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = s.split_at(split);
    let n: u64 = n.parse().ok()?;
    let scale = match unit.trim() {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return None,
    };
    n.checked_mul(scale)
}

fn list<T>(p: &Value, key: &str, what: &str, f: impl Fn(&Value) -> Option<T>) -> Result<Vec<T>> {
    match p.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| f(i).ok_or_else(|| bad(format!("{what}: {key}: {i} is not one"))))
            .collect(),
        Some(other) => Err(bad(format!("{what}: {key} is not a list: {other}"))),
    }
}

/// Reads a policies spec.
///
/// ```
/// let policies = csm_metrics_io::sla::parse(
///     r#"{"policies": [{"name": "All", "targets": {"first_reply": "8h"}}]}"#,
/// )?;
/// assert_eq!(policies[0].targets[0].seconds, 8 * 3600);
/// # Ok::<(), csm_metrics_io::Error>(())
/// ```
pub fn parse(json: &str) -> Result<Vec<Policy>> {
    let v: Value = serde_json::from_str(json).map_err(|e| bad(e.to_string()))?;
    let policies = v
        .get("policies")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("no \"policies\" list"))?;
    policies
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let name = p
                .get("name")
                .and_then(Value::as_str)
                .map_or_else(|| format!("policy {}", i + 1), str::to_string);
            let what = format!("policy {name:?}");
            let basis = match p.get("basis").and_then(Value::as_str) {
                None | Some("calendar") => Basis::Calendar,
                Some("business") => Basis::Business,
                Some(b) => {
                    return Err(bad(format!(
                        "{what}: basis {b:?} is not calendar or business"
                    )));
                }
            };
            let targets = p
                .get("targets")
                .and_then(Value::as_object)
                .ok_or_else(|| bad(format!("{what}: no \"targets\" object")))?
                .iter()
                .map(|(m, s)| {
                    let metric =
                        metric(m).ok_or_else(|| bad(format!("{what}: no metric {m:?}")))?;
                    let seconds = seconds(s).filter(|s| *s > 0).ok_or_else(|| {
                        bad(format!(
                            "{what}: {m}: {s} is not a duration above 0 (seconds, or 30m, 8h, 2d)"
                        ))
                    })?;
                    Ok(Target::new(metric, seconds, basis))
                })
                .collect::<Result<Vec<_>>>()?;
            let condition = Condition {
                priorities: list(p, "priorities", &what, |v| {
                    let s = v.as_str()?;
                    Priority::ALL.into_iter().find(|p| p.as_str() == s)
                })?,
                channels: list(p, "channels", &what, |v| {
                    let s = v.as_str()?;
                    Channel::ALL.into_iter().find(|c| c.as_str() == s)
                })?,
                teams: list(p, "teams", &what, |v| match v {
                    Value::Number(n) => n.as_u64().map(TeamId),
                    Value::String(s) => Some(TeamId::named(s)),
                    _ => None,
                })?,
                tags: list(p, "tags", &what, |v| v.as_str().map(str::to_string))?,
            };
            Ok(Policy {
                name,
                condition,
                targets,
            })
        })
        .collect()
}

/// Reads a policies spec from a file.
pub fn read(path: impl AsRef<std::path::Path>) -> Result<Vec<Policy>> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(crate::error::io(path))?;
    parse(&text).map_err(|e| match e {
        Error::Sla(m) => Error::Sla(format!("{}: {m}", path.display())),
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_spec() {
        let p = parse(
            r#"{"policies": [
              {"name": "Urgent", "priorities": ["urgent", "high"], "basis": "business",
               "targets": {"first_reply": "1h", "next_reply": "2h", "total_resolution": "2d"}},
              {"name": "Billing", "teams": ["billing, EU", 360001], "channels": ["email"],
               "targets": {"first_reply": 28800}},
              {"targets": {"agent_work": "90m"}}
            ]}"#,
        )
        .unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(
            p[0].condition.priorities,
            vec![Priority::Urgent, Priority::High]
        );
        assert!(p[0].targets.iter().all(|t| t.basis == Basis::Business));
        assert!(p[0].targets.contains(&Target::new(
            SlaMetric::TotalResolution,
            172_800,
            Basis::Business
        )));
        assert_eq!(
            p[1].condition.teams,
            vec![TeamId::named("billing, EU"), TeamId(360001)]
        );
        assert_eq!(p[1].condition.channels, vec![Channel::Email]);
        assert_eq!(p[2].name, "policy 3");
        assert_eq!(
            p[2].targets,
            vec![Target::new(SlaMetric::AgentWork, 5_400, Basis::Calendar)]
        );
    }

    #[test]
    fn refuses_bad_specs_naming_the_policy() {
        for (spec, needle) in [
            ("{}", "policies"),
            (r#"{"policies": [{"name": "A"}]}"#, "\"A\""),
            (
                r#"{"policies": [{"targets": {"first_reply": "soon"}}]}"#,
                "soon",
            ),
            (
                r#"{"policies": [{"targets": {"first_reply": 0}}]}"#,
                "above 0",
            ),
            (
                r#"{"policies": [{"targets": {"first_touch": 60}}]}"#,
                "first_touch",
            ),
            (
                r#"{"policies": [{"priorities": ["asap"], "targets": {"first_reply": 60}}]}"#,
                "asap",
            ),
            (
                r#"{"policies": [{"basis": "lunar", "targets": {"first_reply": 60}}]}"#,
                "lunar",
            ),
        ] {
            let e = parse(spec).unwrap_err().to_string();
            assert!(e.contains(needle), "{spec}: {e}");
        }
    }
}
