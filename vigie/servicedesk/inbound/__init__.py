"""The e-mail intake: parsing, loop detection, routing to a client and a ticket, IMAP polling
and the raw-message endpoint. ``intake.process_message`` is the one entry point."""
