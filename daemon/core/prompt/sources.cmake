# Sources of the prompt stage of hostgate_core.
