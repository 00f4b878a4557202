"""The saraban@ mailbox: letters received (IMAP) and sent (SMTP), receipt confirmations and
notifications by e-mail."""
