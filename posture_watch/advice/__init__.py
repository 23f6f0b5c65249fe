"""Advice: muscle names, the stretch catalogue and its rotation, and the words of a reminder."""
