//! The gateway shard count a platform's bot runs, one row per platform, so every instance on the
//! database agrees on it.

use sqlx::Row;

use super::error::StoreError;
use super::pool::Store;
use super::types::Platform;

const KEEP: &str = "INSERT INTO gateway_shards (platform, shard_count, updated_at) VALUES ($1, $2, $3) \
     ON CONFLICT (platform) DO NOTHING";
const REPLACE: &str = "INSERT INTO gateway_shards (platform, shard_count, updated_at) VALUES ($1, $2, $3) \
     ON CONFLICT (platform) DO UPDATE SET shard_count = excluded.shard_count, updated_at = excluded.updated_at";

impl Store {
    /// The shard count every instance runs: `fixed` when the operator set one (stored, replacing
    /// any other), else the stored count, or `recommended` stored by the first instance to ask.
    #[tracing::instrument(skip(self))]
    pub async fn agree_shard_count(
        &self,
        platform: Platform,
        fixed: Option<u32>,
        recommended: u32,
        now: i64,
    ) -> Result<u32, StoreError> {
        let query = match fixed {
            Some(n) => sqlx::query(REPLACE).bind(platform.as_str()).bind(i64::from(n.max(1))),
            None => sqlx::query(KEEP).bind(platform.as_str()).bind(i64::from(recommended.max(1))),
        };
        query.bind(now).execute(self.pool()).await?;
        let row = sqlx::query("SELECT shard_count FROM gateway_shards WHERE platform = $1")
            .bind(platform.as_str())
            .fetch_one(self.pool())
            .await?;
        let stored: i64 = row.try_get("shard_count")?;
        Ok(u32::try_from(stored).unwrap_or(1).max(1))
    }
}
