# Sources of the dns stage of hostgate_core.
