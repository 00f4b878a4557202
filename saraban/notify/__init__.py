"""Telling people by e-mail what waits for them: at once, in a daily digest, or not at all;
never a secret document's subject, number or sender."""
