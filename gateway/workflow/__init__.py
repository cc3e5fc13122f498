"""The disposition workflow: decisions into dispositions, notices, replies, reminders, alerts."""
