"""The saraban@ mailbox: official letters received by e-mail (IMAP)."""
