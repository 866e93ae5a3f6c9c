//! Files for one member on Slack: an ephemeral message cannot carry a file, so it is shared in
//! the member's direct message with the bot through Slack's upload flow
//! (files.getUploadURLExternal, the upload URL, files.completeUploadExternal).

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
        let complete = SlackApiFilesCompleteUploadExternalRequest::new(vec![shared])
            .with_channel_id(dm)
            .with_initial_comment(comment.to_string());
        session.files_complete_upload_external(&complete).await.map_err(delivery_error)?;
        Ok(())
    }
}
