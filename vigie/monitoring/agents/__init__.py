"""``vigie-agent`` on the server: enrolment, signed reports, their intake."""
