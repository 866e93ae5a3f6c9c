//! Pacing: keeps posts within the platform rate limits and honours 429 retry_after.
