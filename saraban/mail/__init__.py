"""The saraban@ mailbox: letters, receipt confirmations and notifications by e-mail."""
