"""GraphQL for the letters issued from records: issueDocument, documents, and their downloads."""
