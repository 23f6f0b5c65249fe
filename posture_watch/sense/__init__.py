"""Sensing: the camera and video files, the pose model, and its download."""
