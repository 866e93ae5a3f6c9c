//! The PostgreSQL lease: a session advisory lock held on one dedicated connection.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection};

use super::{Acquire, Inner, Lease, LeaseError};
use crate::hash::fnv1a_64;
use crate::redact::redact_url;

/// The advisory lock key: FNV-1a 64 of the bytes `studybot scheduler`, i.e. `0x1fec326fa6276c12` =
/// 2300268964789840914. It must never change: instances of two studybot versions on one database
/// must contend for the same key. Operators can look for it in `pg_locks` as classid 535573103,
/// objid 2787601426, objsubid 1 (how PostgreSQL shows a bigint key).
///
/// Advisory locks are scoped to the current database, so instances on different databases of one
/// server (or parallel test databases) never contend.
pub const LEASE_KEY: i64 = fnv1a_64(b"studybot scheduler") as i64;

/// Shown in `pg_stat_activity`, so an operator can tell the lease session from pooled ones.
const APPLICATION_NAME: &str = "studybot scheduler lease";

/// How long `check` and `release` wait for the server; a dead peer must not hang the leader.
const ROUND_TRIP_TIMEOUT: Duration = Duration::from_secs(5);

/// `pg_locks` shows a bigint advisory key split into two oids; these filters match ours.
const KEY_FILTER: &str = "l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
     AND l.classid::bigint = $1 AND l.objid::bigint = $2 \
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())";

pub(super) struct PgLease {
    conn: PgConnection,
    /// Sticky: once the session is lost, a later successful query would be on a new session that
    /// does not hold the lock, so the answer stays `false`.
    lost: bool,
}

pub(super) async fn try_acquire(url: &str) -> Result<Acquire, LeaseError> {
    let connect_error = |source| LeaseError::Connect { url: redact_url(url), source };
    let options = PgConnectOptions::from_str(url).map_err(connect_error)?.application_name(APPLICATION_NAME);
    let mut conn = options.connect().await.map_err(connect_error)?;
    let held: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(LEASE_KEY)
        .fetch_one(&mut conn)
        .await
        .map_err(|source| LeaseError::Lock { url: redact_url(url), source })?;
    if held {
        return Ok(Acquire::Held(Lease::new(Inner::Postgres(PgLease { conn, lost: false }))));
    }
    let holder = describe_holder(&mut conn).await;
    let _ = conn.close().await;
    Ok(Acquire::Busy(format!(
        "another studybot instance ({holder}) holds the scheduler lease on {}; \
         this instance stands by and takes over when it stops",
        redact_url(url)
    )))
}

impl PgLease {
    /// Asks the server whether our own session still holds the key, which also proves the
    /// connection is alive.
    pub(super) async fn check(&mut self) -> bool {
        if self.lost {
            return false;
        }
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM pg_locks l WHERE {KEY_FILTER} AND l.pid = pg_backend_pid())"
        );
        let (high, low) = key_halves();
        let query = sqlx::query_scalar::<_, bool>(sqlx::AssertSqlSafe(sql))
            .bind(high)
            .bind(low)
            .fetch_one(&mut self.conn);
        let held = match tokio::time::timeout(ROUND_TRIP_TIMEOUT, query).await {
            Ok(Ok(held)) => held,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "scheduler lease connection failed");
                false
            }
            Err(_) => {
                tracing::warn!("scheduler lease check timed out");
                false
            }
        };
        self.lost = !held;
        held
    }

    /// Unlocks and closes; on any failure dropping the socket ends the session, which also unlocks.
    pub(super) async fn release(mut self) {
        if self.lost {
            return;
        }
        let polite = async {
            sqlx::query("SELECT pg_advisory_unlock($1)").bind(LEASE_KEY).execute(&mut self.conn).await?;
            self.conn.close().await
        };
        match tokio::time::timeout(ROUND_TRIP_TIMEOUT, polite).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::debug!(error = %e, "scheduler lease release failed; session dropped"),
            Err(_) => tracing::debug!("scheduler lease release timed out; session dropped"),
        }
    }
}

/// Best effort "who": the holder's backend pid and client address when the server shows them
/// (client_addr needs pg_read_all_stats for other users' sessions).
async fn describe_holder(conn: &mut PgConnection) -> String {
    let sql = format!(
        "SELECT l.pid, host(a.client_addr) FROM pg_locks l \
         LEFT JOIN pg_stat_activity a ON a.pid = l.pid WHERE {KEY_FILTER} LIMIT 1"
    );
    let (high, low) = key_halves();
    let row: Result<Option<(i32, Option<String>)>, _> =
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(high).bind(low).fetch_optional(conn).await;
    match row {
        Ok(Some((pid, Some(addr)))) => format!("PostgreSQL session pid {pid} from {addr}"),
        Ok(Some((pid, None))) => format!("PostgreSQL session pid {pid}"),
        // The holder may have just let go, or the catalog query failed: neither changes the answer.
        Ok(None) | Err(_) => "holder unknown".to_owned(),
    }
}

/// The key as `pg_locks` shows it: high half in classid, low half in objid, both unsigned.
fn key_halves() -> (i64, i64) {
    let key = LEASE_KEY as u64;
    ((key >> 32) as i64, (key & 0xffff_ffff) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lease_key_is_the_documented_constant() {
        assert_eq!(LEASE_KEY, 0x1fec_326f_a627_6c12);
        assert_eq!(LEASE_KEY, 2_300_268_964_789_840_914);
        assert_eq!(key_halves(), (535_573_103, 2_787_601_426));
    }
}
