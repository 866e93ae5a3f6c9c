//! Check-ins written together: the check-ins of one group-committed batch in a handful of
//! multi-row statements, each answered with what it would have been told had it been written
//! alone, in the order they arrived.
//!
//! A batch of N check-ins costs about eight statements instead of ten per check-in: the stamps of
//! the cohorts whose contexts the check-ins took from the cache, the dedupe keys, the members that
//! are new or renamed, the memberships, the checkpoints, then one read of the members' checkpoints,
//! excused days, summaries and quiz scores, and one upsert of the summaries. What
//! one check-in sees of another in the same batch follows their arrival: a redelivered key is a
//! replay of the first, a second check-in of one day is "already checked", and a member's summary
//! after each of their check-ins counts the ones before it, not the ones after.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::context::CohortCtx;
use super::error::CoachResult;
use super::stats;
use crate::domain::DayNumber;
use crate::domain::quiz::quiz_points;
use crate::store::batch::{self, Pair};
use crate::store::{CheckpointSource, Member, MemberStats, NewCheckpoint, Platform, StoreError, Tx};

/// One check-in, checked against its cohort's calendar already: what the writer stores.
pub struct CheckIn {
    pub ctx: Arc<CohortCtx>,
    pub platform: Platform,
    pub user_id: String,
    /// The member's display name; empty when not known (the stored one stays).
    pub name: String,
    pub dedupe_key: String,
    pub day: DayNumber,
    pub source: CheckpointSource,
    pub on_time: bool,
    pub now: DateTime<Utc>,
    /// The cohort's change stamp `ctx` was cached under, when it was taken from the cache without
    /// asking the store: the batch checks it in its transaction and answers [`Recorded::Stale`]
    /// when the cohort changed since. `None`: `ctx` was read for this event.
    pub cached_at: Option<i64>,
}

/// What a check-in wrote.
pub enum Recorded {
    /// The event was handled before (a redelivery): nothing to say.
    Replay,
    /// The day was checked already, at this instant.
    Already(i64),
    New(MemberStats),
    /// Made on a cached context whose cohort changed since (edited, archived, deleted): nothing
    /// was written, not even the event's key, so it can be made again on a fresh context.
    Stale,
}

impl CheckIn {
    fn cohort(&self) -> i64 {
        self.ctx.cohort.id
    }

    /// A NUL in what the platform sent cannot be stored: that check-in alone is refused.
    fn refused(&self) -> Option<StoreError> {
        let texts =
            [("dedupe key", &self.dedupe_key), ("user id", &self.user_id), ("display name", &self.name)];
        texts.into_iter().find_map(|(what, text)| batch::no_nul(what, text).err())
    }
}

/// Writes `items` in `tx`; one answer per item, in their order. An error of the whole (a statement
/// that failed) leaves the transaction to be rolled back to before the batch.
pub async fn write_all(tx: &mut Tx, items: &[CheckIn]) -> Result<Vec<CoachResult<Recorded>>, StoreError> {
    let mut out: Vec<Option<CoachResult<Recorded>>> = items.iter().map(|_| None).collect();
    stale(tx, items, &mut out).await?;
    let live = fresh(tx, items, &mut out).await?;
    let members = enrol(tx, items, &live).await?;
    let pair = |i: usize| (items[i].cohort(), members[&(items[i].platform, items[i].user_id.as_str())].id);

    // Memberships, then one checkpoint per day: the first check-in of a day writes it.
    let mut joined: BTreeMap<Pair, i64> = BTreeMap::new();
    let mut first_of_day: HashMap<(Pair, DayNumber), usize> = HashMap::new();
    let mut rows = Vec::new();
    for &i in &live {
        let (p, item) = (pair(i), &items[i]);
        joined.entry(p).or_insert(item.now.timestamp());
        first_of_day.entry((p, item.day)).or_insert_with(|| {
            rows.push(NewCheckpoint {
                cohort_id: p.0,
                member_id: p.1,
                day: item.day,
                source: item.source,
                checked_at: item.now.timestamp(),
                on_time: item.on_time,
                dedupe_key: Some(item.dedupe_key.clone()),
            });
            i
        });
    }
    let joined: Vec<(i64, i64, i64)> = joined.into_iter().map(|((c, m), at)| (c, m, at)).collect();
    batch::add_cohort_members(tx, &joined).await?;
    batch::insert_checkpoints(tx, &rows).await?;

    // What each member's summary is computed from, read once for the batch (for a member whose
    // check-in turns out to be a repeat, read and not used).
    let pairs: Vec<Pair> = joined.iter().map(|&(c, m, _)| (c, m)).collect();
    let batch::MemberRecords { checkpoints, excused, stats: mut current, quiz_scores: scores } =
        batch::read_members(tx, &pairs).await?;
    let mut checks: HashMap<Pair, Vec<crate::store::Checkpoint>> = HashMap::new();
    // The event that wrote each new checkpoint: a stored checkpoint carrying its event's key (an
    // event's key is stored once, so a day checked before carries another).
    let mut wrote: HashMap<(Pair, DayNumber), usize> = HashMap::new();
    for c in checkpoints {
        let key = ((c.cohort_id, c.member_id), c.day);
        if let Some(&i) = first_of_day.get(&key)
            && c.dedupe_key.as_deref() == Some(items[i].dedupe_key.as_str())
        {
            wrote.insert(key, i);
        }
        checks.entry(key.0).or_default().push(c);
    }

    let none = BTreeSet::new();
    let mut summaries: BTreeMap<Pair, MemberStats> = BTreeMap::new();
    for &i in &live {
        let (p, item) = (pair(i), &items[i]);
        let mine = checks.get(&p).map(Vec::as_slice).unwrap_or_default();
        if wrote.get(&(p, item.day)) != Some(&i) {
            out[i] = Some(match mine.iter().find(|c| c.day == item.day) {
                Some(existing) => Ok(Recorded::Already(existing.checked_at)),
                None => Err(StoreError::NotFound { what: "checkpoint" }.into()),
            });
            continue;
        }
        // What this check-in sees: the stored days and this batch's up to it.
        let seen: Vec<_> =
            mine.iter().filter(|c| wrote.get(&(p, c.day)).is_none_or(|&j| j <= i)).cloned().collect();
        let ctx = &item.ctx;
        let summary =
            stats::summary_of(ctx, &ctx.lessons(item.now), &seen, excused.get(&p).unwrap_or(&none), item.now);
        let previous = current.get(&p);
        let quiz = match previous {
            Some(previous) => previous.quiz_points,
            // The first completed attempt of each quiz counts; retakes are practice.
            None => quiz_points(u32::try_from(scores.get(&p).copied().unwrap_or(0)).unwrap_or(0)),
        };
        let s = stats::compose(ctx, p.1, &summary, previous, quiz, item.now);
        current.insert(p, s.clone());
        summaries.insert(p, s.clone());
        out[i] = Some(Ok(Recorded::New(s)));
    }
    batch::upsert_member_stats(tx, summaries.values()).await?;
    Ok(out.into_iter().map(|o| o.unwrap_or_else(|| Ok(Recorded::Replay))).collect())
}

/// Answers [`Recorded::Stale`] to the items made on a cached context whose cohort has another
/// stamp now, or is archived or gone: read in the batch's transaction, so no change of the cohort
/// can come between the check and the write (on SQLite; on PostgreSQL one committing meanwhile is
/// as if it came after). One statement for the batch, where each event read its cohort's stamp.
async fn stale(
    tx: &mut Tx,
    items: &[CheckIn],
    out: &mut [Option<CoachResult<Recorded>>],
) -> Result<(), StoreError> {
    let cohorts: BTreeSet<i64> =
        items.iter().filter(|i| i.cached_at.is_some()).map(CheckIn::cohort).collect();
    if cohorts.is_empty() {
        return Ok(());
    }
    let stamps = crate::store::cohort_stamps(tx, &cohorts.into_iter().collect::<Vec<_>>()).await?;
    for (i, item) in items.iter().enumerate() {
        if item.cached_at.is_some_and(|at| stamps.get(&item.cohort()) != Some(&at)) {
            out[i] = Some(Ok(Recorded::Stale));
        }
    }
    Ok(())
}

/// Marks the events of the items not answered yet processed; returns the items seen for the
/// first time, in order. The others are answered: a key met earlier (in this batch or before) is
/// a replay, and an item the database cannot store is refused.
async fn fresh(
    tx: &mut Tx,
    items: &[CheckIn],
    out: &mut [Option<CoachResult<Recorded>>],
) -> Result<Vec<usize>, StoreError> {
    let mut seen = HashSet::new();
    let mut firsts = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if out[i].is_some() {
            continue;
        }
        if let Some(refused) = item.refused() {
            out[i] = Some(Err(refused.into()));
        } else if seen.insert(item.dedupe_key.as_str()) {
            firsts.push(i);
        } else {
            out[i] = Some(Ok(Recorded::Replay));
        }
    }
    let events: Vec<(&str, &str, i64)> = firsts
        .iter()
        .map(|&i| (items[i].dedupe_key.as_str(), "checkpoint", items[i].now.timestamp()))
        .collect();
    let new = batch::mark_events_processed(tx, &events).await?;
    let (live, replays): (Vec<usize>, Vec<usize>) =
        firsts.into_iter().partition(|&i| new.contains(&items[i].dedupe_key));
    for i in replays {
        out[i] = Some(Ok(Recorded::Replay));
    }
    Ok(live)
}

/// The member behind each live item, created on first sight or renamed when the platform gave a
/// new name; a known member with the same name (or no name given) is not written.
async fn enrol<'a>(
    tx: &mut Tx,
    items: &'a [CheckIn],
    live: &[usize],
) -> Result<HashMap<(Platform, &'a str), Member>, StoreError> {
    // Per user, the last name the batch gives (later events carry the newer name).
    let mut names: BTreeMap<(&str, &str), (Platform, &str, i64)> = BTreeMap::new();
    for &i in live {
        let item = &items[i];
        let entry = names.entry((item.platform.as_str(), item.user_id.as_str())).or_insert((
            item.platform,
            "",
            item.now.timestamp(),
        ));
        if !item.name.is_empty() {
            entry.1 = item.name.as_str();
        }
    }
    let mut members = HashMap::new();
    let platforms: BTreeSet<&str> = names.keys().map(|k| k.0).collect();
    for platform in platforms.into_iter().filter_map(Platform::parse) {
        let users: Vec<&str> = names.iter().filter(|(_, v)| v.0 == platform).map(|(k, _)| k.1).collect();
        for m in batch::find_members(tx, platform, &users).await? {
            members.insert((platform, m.user_id.clone()), m);
        }
    }
    let mut upserts = Vec::new();
    for ((_, user), (platform, name, now)) in &names {
        match members.get(&(*platform, user.to_string())) {
            Some(m) if name.is_empty() || m.display_name == *name => {}
            // A new member is named by its user id until a name comes.
            _ => upserts.push((*platform, *user, if name.is_empty() { *user } else { *name }, *now)),
        }
    }
    for m in batch::upsert_members(tx, &upserts).await? {
        members.insert((m.platform, m.user_id.clone()), m);
    }
    let mut found = HashMap::new();
    for ((_, user), (platform, _, _)) in names {
        let member =
            members.remove(&(platform, user.to_string())).ok_or(StoreError::NotFound { what: "member" })?;
        found.insert((platform, user), member);
    }
    Ok(found)
}
