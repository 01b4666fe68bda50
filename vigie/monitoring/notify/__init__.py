"""Alert notifications: channels (e-mail addresses or an Apprise URL) per client, and the
deliveries of each alert event to each channel, with quiet hours, escalation and retries."""
