"""The user's workspace: the unit he acts for, what waits for him, and the help pages."""
