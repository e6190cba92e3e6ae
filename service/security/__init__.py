"""Who may do what: API keys and client identity, requests per client, and the audit trail of writes."""
