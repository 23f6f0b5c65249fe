"""posture-watch: webcam posture reminders with a stretch for the muscles you have been loading."""

__version__ = "0.1.0"
