"""GraphQL for attachments: the metadata type and the attachFile / deleteAttachment mutations."""
