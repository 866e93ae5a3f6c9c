//! Files on Slack, shared through Slack's upload flow (files.getUploadURLExternal, the upload
//! URL, files.completeUploadExternal): into the channel of a post that carries them, and for one
//! member into their direct message with the bot, since an ephemeral message cannot carry a file.

use slack_morphism::prelude::*;

use super::delivery::{SlackDelivery, delivery_error};
use crate::coach::{Attachment, DeliveryError};

impl SlackDelivery {
    /// Uploads `file` and shares it in the DM with `user_id`, introduced by `comment`.
    pub async fn share_privately(
        &self,
        user_id: &str,
        file: &Attachment,
        comment: &str,
    ) -> Result<(), DeliveryError> {
        let dm = self.dm_channel(user_id).await?;
        self.share(dm, file, Some(comment)).await
    }

    /// Uploads `file` and shares it in `channel` (a picture shows inline there), introduced by
    /// `comment` when there is one.
    pub(super) async fn share(
        &self,
        channel: SlackChannelId,
        file: &Attachment,
        comment: Option<&str>,
    ) -> Result<(), DeliveryError> {
        let session = self.api.client.open_session(&self.api.token);
        let ask = SlackApiFilesGetUploadUrlExternalRequest::new(file.name.clone(), file.bytes.len())
            .with_alt_txt(file.description.clone());
        let target = session.get_upload_url_external(&ask).await.map_err(delivery_error)?;
        let upload = SlackApiFilesUploadViaUrlRequest::new(
            target.upload_url,
            file.bytes.clone(),
            file.content_type.clone(),
        );
        session.files_upload_via_url(&upload).await.map_err(delivery_error)?;
        let shared = SlackApiFilesComplete::new(target.file_id).with_title(file.description.clone());
        let mut complete =
            SlackApiFilesCompleteUploadExternalRequest::new(vec![shared]).with_channel_id(channel);
        if let Some(comment) = comment {
            complete = complete.with_initial_comment(comment.to_string());
        }
        session.files_complete_upload_external(&complete).await.map_err(delivery_error)?;
        Ok(())
    }
}
