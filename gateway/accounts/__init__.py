"""Who may use the panel: users, passwords, sessions, one-time links, permissions."""
