"""The decision core: features of a frame, the baseline, faults, load, presence and reminders.

Pure: readings and timestamps in, typed events out. It imports only the
standard library and numpy (an import-linter contract checks it): no clock,
no camera, no files, no threads.
"""
