//! Figures per group, ordered by key, in a form every serialiser writes.

use std::collections::BTreeMap;
use std::ops::{Deref, DerefMut};

/// Figures per group, ordered by key: the group part of every grouped snapshot.
///
/// It reads as the `BTreeMap` it wraps (`snapshot.groups[&key]`, `.get`, `.iter`, `.len`)
/// and serialises (feature `serde`) as a list of rows, `[{"key": …, "figures": …}, …]`, so
/// that any key writes to JSON: a team that may be absent (`Option<TeamId>`), a pair of a
/// team and a window, an instant. (A JSON object's keys must be strings: a map keyed by
/// `None` or by a pair cannot be written as one.) Reading refuses a key given twice.
///
/// ```
/// # #[cfg(feature = "serde")] {
/// use csm_metrics::{PerGroup, TeamId};
/// let figures: PerGroup<Option<TeamId>, u64> = [(None, 3), (Some(TeamId(2)), 5)].into_iter().collect();
/// let json = serde_json::to_string(&figures).unwrap();
/// assert_eq!(json, r#"[{"key":null,"figures":3},{"key":2,"figures":5}]"#);
/// let back: PerGroup<Option<TeamId>, u64> = serde_json::from_str(&json).unwrap();
/// assert_eq!(back[&Some(TeamId(2))], 5);
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PerGroup<K, S>(pub BTreeMap<K, S>);

impl<K, S> Default for PerGroup<K, S> {
    fn default() -> Self {
        PerGroup(BTreeMap::new())
    }
}

impl<K, S> Deref for PerGroup<K, S> {
    type Target = BTreeMap<K, S>;
    fn deref(&self) -> &BTreeMap<K, S> {
        &self.0
    }
}

impl<K, S> DerefMut for PerGroup<K, S> {
    fn deref_mut(&mut self) -> &mut BTreeMap<K, S> {
        &mut self.0
    }
}

impl<K, S> From<BTreeMap<K, S>> for PerGroup<K, S> {
    fn from(map: BTreeMap<K, S>) -> Self {
        PerGroup(map)
    }
}

impl<K, S> From<PerGroup<K, S>> for BTreeMap<K, S> {
    fn from(groups: PerGroup<K, S>) -> Self {
        groups.0
    }
}

impl<K: Ord, S> FromIterator<(K, S)> for PerGroup<K, S> {
    fn from_iter<I: IntoIterator<Item = (K, S)>>(iter: I) -> Self {
        PerGroup(iter.into_iter().collect())
    }
}

impl<K, S> IntoIterator for PerGroup<K, S> {
    type Item = (K, S);
    type IntoIter = std::collections::btree_map::IntoIter<K, S>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a, K, S> IntoIterator for &'a PerGroup<K, S> {
    type Item = (&'a K, &'a S);
    type IntoIter = std::collections::btree_map::Iter<'a, K, S>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<K: Ord, S> std::ops::Index<&K> for PerGroup<K, S> {
    type Output = S;
    /// The figures of a group; panics if there is none (use `get` for a group that may be
    /// absent).
    fn index(&self, key: &K) -> &S {
        &self.0[key]
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use super::*;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize)]
    struct RowRef<'a, K, S> {
        key: &'a K,
        figures: &'a S,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Row<K, S> {
        key: K,
        figures: S,
    }

    impl<K: Serialize, S: Serialize> Serialize for PerGroup<K, S> {
        fn serialize<Z: Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
            s.collect_seq(self.0.iter().map(|(key, figures)| RowRef { key, figures }))
        }
    }

    impl<'de, K: Deserialize<'de> + Ord, S: Deserialize<'de>> Deserialize<'de> for PerGroup<K, S> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let rows = Vec::<Row<K, S>>::deserialize(d)?;
            let mut map = BTreeMap::new();
            for row in rows {
                if map.insert(row.key, row.figures).is_some() {
                    return Err(serde::de::Error::custom("a group's key appears twice"));
                }
            }
            Ok(PerGroup(map))
        }
    }
}
