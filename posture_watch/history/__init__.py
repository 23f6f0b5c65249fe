"""History: the local SQLite record of sessions, postures and reminders, and the report made from it."""
