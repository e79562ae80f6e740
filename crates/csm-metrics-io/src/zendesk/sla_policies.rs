//! Zendesk SLA policies from the Fivetran tables `sla_policy_metric_history` (each
//! policy's targets by metric and priority, one version per `sla_policy_updated_at`) and
//! `ticket_sla_policy` (which policy applies to a ticket, from `policy_applied_at`), for
//! the crate's SLA engine ([`SlaPolicies`](csm_metrics::metrics::sla::SlaPolicies)).
//!
//! Each version of a policy and each priority it has targets for becomes a
//! [`Policy`] named `Zendesk SLA <id>, <priority>` (`Zendesk SLA <id> (from <date>),
//! <priority>` when the policy has several versions), whose condition is that priority and
//! the policy's tag: the reader gives a ticket the tag [`policy_tag`] of the version in
//! effect when the policy was applied to it (the latest version updated by then, else the
//! first) at `policy_applied_at`, and takes the previous one's away when another policy is
//! applied, so the engine re-chooses the ticket's policy then, and whenever its priority
//! changes. Targets: `first_reply_time`, `next_reply_time`, `agent_work_time`,
//! `requester_wait_time`, `periodic_update_time`, `pausable_update_time` in minutes,
//! business time when `business_hours` is true (the export's schedule). A row that cannot
//! be read is counted under its table by rule.
//!
//! **Against dbt_zendesk** (`tests/data/zendesk_fivetran_dbt/dbt_sla_policies.csv`, the
//! package's `zendesk__sla_policies` for that export; the CLI test
//! `a_fivetran_exports_sla_policies_agree_with_dbt_zendesk_on_first_replies`): every
//! first-reply verdict agrees, in business time. Next replies follow the crate's contract:
//! an instance per customer message after a reply, timed to the next reply; the package
//! times one next-reply instance from the policy's application (the requester's
//! description) to the first reply, so a wait after a later customer message is not timed
//! there (the export's ticket 4: breached here, on time there).
//!
//! Memory: the `ticket_sla_policy` table (about 40 bytes a row) while the tickets are read.
//! Not read: the SLA targets Fivetran also records per ticket in `ticket_field_history`
//! (`first_reply_time` rows whose value is `{"minutes": …}`), which dbt_zendesk prefers;
//! here a ticket's targets are its policy's.

use std::collections::{BTreeMap, HashMap};

use csm_metrics::metrics::sla::{Basis, Condition, Policy, SlaMetric, Target};
use csm_metrics::{Priority, TagId};

use super::fivetran::Fivetran;
use crate::error::Result;
use crate::export::{KIND_TAG_ADDED, KIND_TAG_REMOVED, Palette, Row, boolean, instant, int};
use crate::history::ReadOptions;
use crate::history::sorted::Runs;
use crate::report::{ImportReport, Rule, Table};

const METRICS: Table = Table::Source("sla_policy_metric_history");
const APPLIED: Table = Table::Source("ticket_sla_policy");

/// The tag a ticket carries while a version of a policy applies to it.
pub fn policy_tag(policy: u64, version: i64) -> String {
    format!("zendesk_sla_policy:{policy}@{version}")
}

/// The versions of each policy (by id, oldest first): when each was updated, and its
/// targets by priority.
type Versions = BTreeMap<u64, Vec<(i64, BTreeMap<Priority, Vec<Target>>)>>;

fn metric(name: &[u8]) -> Option<SlaMetric> {
    Some(match name {
        b"first_reply_time" => SlaMetric::FirstReply,
        b"next_reply_time" => SlaMetric::NextReply,
        b"agent_work_time" => SlaMetric::AgentWork,
        b"requester_wait_time" => SlaMetric::RequesterWait,
        b"periodic_update_time" => SlaMetric::PeriodicUpdate,
        b"pausable_update_time" => SlaMetric::PausableUpdate,
        _ => return None,
    })
}

impl Fivetran {
    /// Whether the export carries SLA policies (`sla_policy_metric_history` and
    /// `ticket_sla_policy`).
    pub fn has_sla_policies(&self) -> bool {
        self.has("sla_policy_metric_history") && self.has("ticket_sla_policy")
    }

    /// The export's SLA policies (none without `sla_policy_metric_history`), one per
    /// version and priority, as the [module](self) says.
    pub fn sla_policies(
        &self,
        options: &ReadOptions,
        report: &mut ImportReport,
    ) -> Result<Vec<Policy>> {
        let versions = self.sla_versions(&Palette::of(&self.mapping), options, report)?;
        let mut policies = Vec::new();
        for (id, list) in &versions {
            for (updated, targets) in list {
                let name = match (list.len(), chrono::DateTime::from_timestamp(*updated, 0)) {
                    (2.., Some(t)) => format!("Zendesk SLA {id} (from {})", t.format("%F %T")),
                    _ => format!("Zendesk SLA {id}"),
                };
                // Most urgent first, as Zendesk lists them.
                for (priority, targets) in targets.iter().rev() {
                    policies.push(Policy {
                        name: format!("{name}, {}", priority.as_str()),
                        condition: Condition {
                            priorities: vec![*priority],
                            tags: vec![policy_tag(*id, *updated)],
                            ..Condition::default()
                        },
                        targets: targets.clone(),
                    });
                }
            }
        }
        Ok(policies)
    }

    /// `sla_policy_metric_history`: the versions of each policy.
    fn sla_versions(
        &self,
        palette: &Palette,
        options: &ReadOptions,
        report: &mut ImportReport,
    ) -> Result<Versions> {
        let mut versions: Versions = BTreeMap::new();
        let columns = [
            "sla_policy_id",
            "sla_policy_updated_at",
            "business_hours",
            "metric",
            "priority",
            "target",
        ];
        self.each_row(
            "sla_policy_metric_history",
            METRICS,
            columns,
            options,
            report,
            |f, report| {
                let (Some(id), Some(updated)) = (int(f[0]), instant(f[1])) else {
                    return report.reject(METRICS, Rule::BadIdOrInstant);
                };
                let Some(metric) = metric(f[3]) else {
                    return report.reject(METRICS, Rule::UnknownKind);
                };
                let Some(priority) = palette.priority_value(f[4]) else {
                    return report.reject(METRICS, Rule::UnknownPriority);
                };
                let Some(minutes) = int(f[5]).filter(|m| (1..1 << 40).contains(m)) else {
                    return report.reject(
                        METRICS,
                        Rule::Refused("an SLA target is not a positive number of minutes".into()),
                    );
                };
                let basis = match boolean(f[2]) {
                    Some(true) => Basis::Business,
                    _ => Basis::Calendar,
                };
                let list = versions.entry(id).or_default();
                let at = match list.binary_search_by_key(&updated, |v| v.0) {
                    Ok(at) => at,
                    Err(at) => {
                        list.insert(at, (updated, BTreeMap::new()));
                        at
                    }
                };
                let targets = list[at].1.entry(priority).or_default();
                // A metric given twice for a priority: the later row.
                targets.retain(|t| t.metric != metric);
                targets.push(Target::new(metric, minutes * 60, basis));
            },
        )?;
        Ok(versions)
    }

    /// `ticket_sla_policy`: each ticket gets the tag of its policy's version when the
    /// policy is applied, the previous policy's tag taken away then.
    pub(crate) fn sla_rows(
        &self,
        options: &ReadOptions,
        runs: &mut Runs<Row>,
        report: &mut ImportReport,
    ) -> Result<()> {
        if !self.has_sla_policies() {
            return Ok(());
        }
        let versions = self.sla_versions(&Palette::of(&self.mapping), options, report)?;
        let mut applied: HashMap<u64, Vec<(i64, u64)>> = HashMap::new();
        let columns = ["ticket_id", "sla_policy_id", "policy_applied_at"];
        self.each_row(
            "ticket_sla_policy",
            APPLIED,
            columns,
            options,
            report,
            |f, report| {
                let (Some(ticket), Some(policy), Some(at)) = (int(f[0]), int(f[1]), instant(f[2]))
                else {
                    return report.reject(APPLIED, Rule::BadIdOrInstant);
                };
                let Some(list) = versions.get(&policy) else {
                    return report.reject(APPLIED, Rule::UnknownReference);
                };
                let at_or_before = list.partition_point(|v| v.0 <= at);
                let Some(&(version, _)) = list.get(at_or_before.saturating_sub(1)) else {
                    return report.reject(APPLIED, Rule::UnknownReference);
                };
                let tag = TagId::named(&policy_tag(policy, version)).0;
                applied.entry(ticket).or_default().push((at, tag));
            },
        )?;
        for (ticket, mut list) in applied {
            list.sort_unstable();
            list.dedup();
            let mut before = None;
            for (at, tag) in list {
                let row = |kind, a| Row {
                    at,
                    ticket,
                    a,
                    kind,
                    ..Row::default()
                };
                if let Some(old) = before.filter(|old| *old != tag) {
                    runs.push(row(KIND_TAG_REMOVED, old))?;
                }
                runs.push(row(KIND_TAG_ADDED, tag))?;
                before = Some(tag);
            }
        }
        Ok(())
    }
}
