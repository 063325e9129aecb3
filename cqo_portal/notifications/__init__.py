"""The notification centre: what is due or overdue, and the bureau's decisions."""
