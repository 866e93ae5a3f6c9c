//! `Tx`: a transaction of the store's own type, so use cases can write several tables atomically
//! without naming the database driver; store functions take it where they take a connection. And
//! `WriteConn`, a connection for single-statement writes holding the same turn at SQLite's lock.

use std::ops::{Deref, DerefMut};

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, Transaction};
use tokio::sync::OwnedMutexGuard;

use super::error::StoreError;

/// An open transaction. Dropping it rolls back; [`Tx::commit`] makes its writes durable. Pass
/// `&mut tx` to any store function (it derefs to the connection they take).
pub struct Tx {
    inner: Transaction<'static, Any>,
    /// SQLite: this process's turn at the write lock ([`Store::begin`](super::Store::begin)),
    /// given back when the transaction ends. Declared after `inner`, so it is dropped after it.
    _turn: Option<OwnedMutexGuard<()>>,
}

impl Tx {
    pub(super) fn new(inner: Transaction<'static, Any>, turn: Option<OwnedMutexGuard<()>>) -> Tx {
        Tx { inner, _turn: turn }
    }

    /// Commits. Only after this returns `Ok` may a reply say the write happened.
    pub async fn commit(self) -> Result<(), StoreError> {
        Ok(self.inner.commit().await?)
    }

    /// Opens a savepoint (one at a time): a part of the transaction that can be undone alone.
    pub async fn savepoint(&mut self) -> Result<(), StoreError> {
        sqlx::query("SAVEPOINT part").execute(&mut *self.inner).await?;
        Ok(())
    }

    /// Ends the open savepoint: keeps its writes (`keep`) or undoes them, leaving the rest of the
    /// transaction as it was.
    pub async fn end_savepoint(&mut self, keep: bool) -> Result<(), StoreError> {
        if !keep {
            sqlx::query("ROLLBACK TO SAVEPOINT part").execute(&mut *self.inner).await?;
        }
        // ROLLBACK TO keeps the savepoint open: release it either way, so none pile up.
        sqlx::query("RELEASE SAVEPOINT part").execute(&mut *self.inner).await?;
        Ok(())
    }

    /// Rolls back now rather than on drop, so the connection goes back to the pool clean at once.
    pub async fn rollback(self) -> Result<(), StoreError> {
        Ok(self.inner.rollback().await?)
    }
}

impl Deref for Tx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.inner
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.inner
    }
}

/// A shared connection for writes that are single statements ([`Store::acquire_write`](super::Store::acquire_write)):
/// on SQLite it holds this process's turn at the write lock until dropped.
pub struct WriteConn {
    conn: PoolConnection<Any>,
    /// Declared after `conn`, so the connection is back in the pool before the turn passes on.
    _turn: Option<OwnedMutexGuard<()>>,
}

impl WriteConn {
    pub(super) fn new(conn: PoolConnection<Any>, turn: Option<OwnedMutexGuard<()>>) -> WriteConn {
        WriteConn { conn, _turn: turn }
    }
}

impl Deref for WriteConn {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl DerefMut for WriteConn {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}
