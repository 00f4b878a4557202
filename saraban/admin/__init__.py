"""The administrator's pages and rules: the unit tree, its registers, users and their roles."""
