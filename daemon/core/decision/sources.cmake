# Sources of the decision stage of hostgate_core.
