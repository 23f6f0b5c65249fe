"""The application: the pipeline, the monitor loop, settings reload and the wiring of all stages."""
