"""Running many reports: the command line, selection, locks, build manifests, workers and the published index."""
