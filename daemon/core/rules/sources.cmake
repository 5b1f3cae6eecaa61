# Sources of the rules stage of hostgate_core.
