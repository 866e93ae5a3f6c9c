//! `Tx`: a transaction of the store's own type, so use cases can write several tables atomically
//! without naming the database driver; store functions take it where they take a connection.

use std::ops::{Deref, DerefMut};

use sqlx::{Any, AnyConnection, Transaction};

use super::error::StoreError;

/// An open transaction. Dropping it rolls back; [`Tx::commit`] makes its writes durable. Pass
/// `&mut tx` to any store function (it derefs to the connection they take).
pub struct Tx(Transaction<'static, Any>);

impl Tx {
    pub(super) fn new(inner: Transaction<'static, Any>) -> Tx {
        Tx(inner)
    }

    /// Commits. Only after this returns `Ok` may a reply say the write happened.
    pub async fn commit(self) -> Result<(), StoreError> {
        Ok(self.0.commit().await?)
    }

    /// Opens a savepoint (one at a time): a part of the transaction that can be undone alone.
    pub async fn savepoint(&mut self) -> Result<(), StoreError> {
        sqlx::query("SAVEPOINT part").execute(&mut *self.0).await?;
        Ok(())
    }

    /// Ends the open savepoint: keeps its writes (`keep`) or undoes them, leaving the rest of the
    /// transaction as it was.
    pub async fn end_savepoint(&mut self, keep: bool) -> Result<(), StoreError> {
        if !keep {
            sqlx::query("ROLLBACK TO SAVEPOINT part").execute(&mut *self.0).await?;
        }
        // ROLLBACK TO keeps the savepoint open: release it either way, so none pile up.
        sqlx::query("RELEASE SAVEPOINT part").execute(&mut *self.0).await?;
        Ok(())
    }

    /// Rolls back now rather than on drop, so the connection goes back to the pool clean at once.
    pub async fn rollback(self) -> Result<(), StoreError> {
        Ok(self.0.rollback().await?)
    }
}

impl Deref for Tx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.0
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.0
    }
}
