"""The desktop: tray icon, notifications, do-not-disturb, autostart, one instance per user."""
