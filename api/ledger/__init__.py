"""GraphQL for ledgers (台账): import from Excel, export any list to Excel, template and history."""
