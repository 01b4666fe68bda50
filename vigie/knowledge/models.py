"""Knowledge articles for technicians and for the clients' employees."""
