"""The disposition workflow: business calendar, states, replies, reminders."""
